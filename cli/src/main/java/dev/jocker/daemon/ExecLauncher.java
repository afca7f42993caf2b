package dev.jocker.daemon;

/** Starts a process inside a running container and hands back its stdio. */
interface ExecLauncher {
  /**
   * Starts {@code spec} in container {@code containerId}; an {@link dev.jocker.engine
   * .EngineException} when the container is not running or the process cannot start.
   */
  Stdio start(String containerId, ExecSpec spec);
}

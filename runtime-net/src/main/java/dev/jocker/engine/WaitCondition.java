package dev.jocker.engine;

import java.util.Locale;

/** What {@code POST /containers/{id}/wait} waits for (Docker's {@code condition}). */
public enum WaitCondition {
  /** Not running: at once for a created or exited container, else at the end of this run. */
  NOT_RUNNING,
  /** The end of the next run, even if the container is not running yet. */
  NEXT_EXIT,
  /** Its removal; the exit code of its last run (also after an automatic removal). */
  REMOVED;

  /**
   * Docker's names: {@code not-running} (also for an empty one), {@code next-exit}, {@code
   * removed}.
   */
  public static WaitCondition parse(String name) {
    if (name == null || name.isEmpty()) {
      return NOT_RUNNING;
    }
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "not-running" -> NOT_RUNNING;
      case "next-exit" -> NEXT_EXIT;
      case "removed" -> REMOVED;
      default ->
          throw new EngineException(
              EngineException.Kind.INVALID, "invalid condition: \"" + name + "\"");
    };
  }
}

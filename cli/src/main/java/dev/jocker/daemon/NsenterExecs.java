package dev.jocker.daemon;

import dev.jocker.engine.Engine;
import dev.jocker.engine.EngineException;
import dev.jocker.engine.ExecRequest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * Execs as today's container runtime runs them: the engine's nsenter argument vector, started by
 * the daemon from an API thread (which never leaves the host's namespaces), with pipes for stdio or
 * a terminal from the host's {@code /dev/ptmx}. The container launcher's exec (#20) replaces this.
 */
final class NsenterExecs implements ExecLauncher {
  private final Engine engine;

  NsenterExecs(Engine engine) {
    this.engine = engine;
  }

  @Override
  public Stdio start(String containerId, ExecSpec spec) {
    List<String> argv =
        engine.execCommand(containerId, new ExecRequest(spec.command(), spec.env(), spec.tty()));
    try {
      if (spec.tty()) {
        Pty pty = Pty.open();
        try {
          return new TtyStdio(pty, pty.start(argv), spec.stdin());
        } catch (IOException | RuntimeException e) {
          pty.close();
          throw e;
        }
      }
      ProcessBuilder pb = new ProcessBuilder(argv);
      if (!spec.stdin()) {
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      }
      return new PipeStdio(pb.start(), spec.stdin());
    } catch (IOException e) {
      throw new EngineException(
          EngineException.Kind.INTERNAL,
          "exec in container "
              + containerId
              + ": cannot start "
              + argv.get(0)
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * nsenter forks the command when it enters a PID namespace, so the command is the child of the
   * process the daemon started: both are killed.
   */
  private static void killTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  private static long commandPid(Process p) {
    return p.children().findFirst().map(ProcessHandle::pid).orElse(0L);
  }

  private static int exitStatus(Process p) throws InterruptedException {
    return p.waitFor();
  }

  private record PipeStdio(Process process, boolean attachStdin) implements Stdio {
    @Override
    public OutputStream stdin() {
      return attachStdin ? process.getOutputStream() : null;
    }

    @Override
    public InputStream stdout() {
      return process.getInputStream();
    }

    @Override
    public InputStream stderr() {
      return process.getErrorStream();
    }

    @Override
    public int waitFor() throws InterruptedException {
      return exitStatus(process);
    }

    @Override
    public long pid() {
      return commandPid(process);
    }

    @Override
    public void resize(int height, int width) {
      throw new EngineException(
          EngineException.Kind.CONFLICT,
          "the exec has no terminal to resize: it was started without a TTY");
    }

    @Override
    public void kill() {
      killTree(process);
    }

    @Override
    public void close() {
      closeQuietly(process.getOutputStream());
      closeQuietly(process.getInputStream());
      closeQuietly(process.getErrorStream());
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException alreadyGone) {
      // Nothing is left to release.
    }
  }

  private record TtyStdio(Pty pty, Process process, boolean attachStdin) implements Stdio {
    @Override
    public OutputStream stdin() {
      return attachStdin ? pty.input() : null;
    }

    @Override
    public InputStream stdout() {
      return pty.output();
    }

    @Override
    public InputStream stderr() {
      return null;
    }

    @Override
    public int waitFor() throws InterruptedException {
      return exitStatus(process);
    }

    @Override
    public long pid() {
      return commandPid(process);
    }

    @Override
    public void resize(int height, int width) {
      pty.resize(height, width);
    }

    @Override
    public void kill() {
      killTree(process);
    }

    @Override
    public void close() {
      pty.close();
    }
  }
}

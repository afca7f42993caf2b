package dev.jocker.daemon;

import dev.jocker.container.ExecProcess;
import dev.jocker.engine.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * An exec's process as the engine started it (the container launcher's {@link ExecProcess}), seen
 * as the {@link Stdio} the API relays: stdin only when the client attached it, stderr apart unless
 * the process has a terminal.
 */
final class ExecStdio implements Stdio {
  private final ExecProcess process;
  private final boolean tty;
  private final boolean attachStdin;

  ExecStdio(ExecProcess process, boolean tty, boolean attachStdin) {
    this.process = process;
    this.tty = tty;
    this.attachStdin = attachStdin;
  }

  @Override
  public OutputStream stdin() {
    return attachStdin ? process.stdin() : null;
  }

  @Override
  public InputStream stdout() {
    return process.stdout();
  }

  @Override
  public InputStream stderr() {
    return tty ? null : process.stderr();
  }

  @Override
  public int waitFor() throws InterruptedException {
    return process.waitFor();
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public void resize(int height, int width) {
    if (!tty) {
      throw new EngineException(
          EngineException.Kind.CONFLICT,
          "the exec has no terminal to resize: it was started without a TTY");
    }
    process.resize(height, width);
  }

  @Override
  public void kill() {
    process.kill();
  }

  @Override
  public void close() {
    for (java.io.Closeable c : new java.io.Closeable[] {process.stdin(), stdout(), stderr()}) {
      if (c != null) {
        try {
          c.close();
        } catch (IOException alreadyGone) {
          // Nothing is left to release.
        }
      }
    }
  }
}

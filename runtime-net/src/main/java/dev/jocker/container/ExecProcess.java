package dev.jocker.container;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * A process running inside a container ({@code docker exec}). Without a terminal its stdin, stdout
 * and stderr are its own, through the launcher's pipes; with one, stdout carries the terminal's
 * output and stdin its input, and stderr stays empty.
 */
public final class ExecProcess {
  /** What a finished exec left. */
  public record Output(int exitCode, byte[] stdout, byte[] stderr) {}

  private final Process launcher;
  private final long pid;
  private final boolean tty;
  private final OutputStream stdin;

  ExecProcess(Process launcher, long pid, boolean tty) {
    this.launcher = launcher;
    this.pid = pid;
    this.tty = tty;
    this.stdin = tty ? new Framed(launcher.getOutputStream()) : launcher.getOutputStream();
  }

  /** The process's host PID ({@code docker exec inspect}'s Pid). */
  public long pid() {
    return pid;
  }

  public OutputStream stdin() {
    return stdin;
  }

  public InputStream stdout() {
    return launcher.getInputStream();
  }

  public InputStream stderr() {
    return launcher.getErrorStream();
  }

  /** Resizes its terminal; nothing without one. */
  public void resize(int rows, int columns) {
    if (tty) {
      ((Framed) stdin)
          .frame(
              'r',
              new byte[] {(byte) (rows >> 8), (byte) rows, (byte) (columns >> 8), (byte) columns},
              0,
              4);
    }
  }

  /** Its exit status once it has ended (the launcher passes it on), without waiting. */
  public OptionalInt exitCode() {
    return launcher.isAlive() ? OptionalInt.empty() : OptionalInt.of(launcher.exitValue());
  }

  /** Completes with its exit status when it ends. */
  public CompletableFuture<Integer> onExit() {
    return launcher.onExit().thenApply(Process::exitValue);
  }

  /** Ends it with SIGKILL (its launcher then passes 137 on). */
  public void kill() {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }

  /** Waits for it to end; its exit status (128 + the signal for one killed by a signal). */
  public int waitFor() throws InterruptedException {
    return launcher.waitFor();
  }

  /** Closes its stdin, reads its output to the end and waits for it. */
  public Output collect() throws InterruptedException {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread drain =
        new Thread(
            () -> {
              try {
                stderr().transferTo(err);
              } catch (IOException e) {
                // The process is gone; what was read is what there is.
              }
            },
            "jocker-exec-stderr-" + pid);
    drain.start();
    try {
      stdin.close();
      byte[] out = stdout().readAllBytes();
      drain.join();
      return new Output(waitFor(), out, err.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException("read the output of exec'd process " + pid, e);
    }
  }

  /** Input to a terminal goes in frames, so that resizes can travel the same pipe. */
  private static final class Framed extends OutputStream {
    private final OutputStream out;

    Framed(OutputStream out) {
      this.out = out;
    }

    synchronized void frame(char type, byte[] data, int offset, int length) {
      try {
        out.write(ByteBuffer.allocate(5).put((byte) type).putInt(length).array());
        out.write(data, offset, length);
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("write to the exec'd process's terminal", e);
      }
    }

    @Override
    public void write(int b) {
      frame('d', new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      frame('d', b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}

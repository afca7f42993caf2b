package dev.jocker.kernel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A named pipe a child process reports one line over, read with poll(2): the line arrives the
 * moment it is written, and the end of the pipe (every writer gone, as when the child died) the
 * moment that happens. It is a FIFO, not the child's stdout, because the JDK drains and closes a
 * child's stdout as soon as that child exits, and the child that writes here is the grandchild of a
 * launcher that exits at once ({@code setsid --fork}).
 */
public final class ReportFifo implements AutoCloseable {
  private static final short POLLIN = 1;

  private final Path path;
  private final int fd;

  private ReportFifo(Path path, int fd) {
    this.path = path;
    this.fd = fd;
  }

  /**
   * Makes the FIFO at {@code path} (replacing a file left there) and opens its read end, so that a
   * child can open the write end without blocking.
   */
  public static ReportFifo create(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("remove " + path + ": " + e.getMessage(), e);
    }
    Syscalls.mkfifo(path.toString());
    return new ReportFifo(path, Syscalls.openNonBlocking(path.toString()));
  }

  /** The FIFO's path, for the child to write to. */
  public Path path() {
    return path;
  }

  /**
   * The first line written, without its newline; empty when every writer closed the pipe before a
   * whole line came. Fails when {@code timeoutMillis} pass first. Call it once the child that holds
   * the write end has been started: a read of a FIFO that never had a writer also says end of file.
   */
  public Optional<String> readLine(int timeoutMillis) {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    byte[] buf = new byte[256];
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      int n = Syscalls.readNonBlocking(fd, buf, path.toString());
      if (n > 0) {
        line.write(buf, 0, n);
        String text = line.toString(StandardCharsets.US_ASCII);
        int newline = text.indexOf('\n');
        if (newline >= 0) {
          return Optional.of(text.substring(0, newline));
        }
        continue;
      }
      if (n == 0) {
        return Optional.empty();
      }
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        throw new IllegalStateException(
            "no report on " + path + " within " + timeoutMillis + " ms");
      }
      ByteBuffer pollfd = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
      pollfd.putInt(fd).putShort(POLLIN).putShort((short) 0);
      Syscalls.poll(pollfd.array(), 1, (int) Math.min(left, Integer.MAX_VALUE));
    }
  }

  /** Closes the read end and removes the FIFO. */
  @Override
  public void close() {
    Syscalls.close(fd);
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("remove " + path + ": " + e.getMessage(), e);
    }
  }
}

package dev.jocker.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A connected unix-domain stream socket through libjocker-cli (src/main/c/unixsocket.c), which says
 * why the CLI does not use the JDK's own. The library lies beside this class's jar (a
 * distribution's lib/) or classes (a build's target/), as jocker-launcher does; jocker and the
 * tests load it with native access enabled, so JDK 24 and later print no warning for it.
 */
final class UnixSocket implements Closeable {
  static final String LIBRARY = "libjocker-cli.so";

  static {
    System.load(library().toString());
  }

  private final int fd;
  private boolean closed;

  private UnixSocket(int fd) {
    this.fd = fd;
  }

  /** The library beside this class's jar or classes directory. */
  static Path library() {
    try {
      return Path.of(UnixSocket.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .getParent()
          .resolve(LIBRARY);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("locate " + LIBRARY + " beside jocker's classes", e);
    }
  }

  /** Connects to the socket at {@code path}; the exception says why it could not. */
  static UnixSocket connect(Path path) throws IOException {
    return new UnixSocket(connect0(path.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** A listening socket at {@code path}, for the stand-in daemon of {@link Training}. */
  static Server listen(Path path) throws IOException {
    return new Server(listen0(path.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** A listening socket; {@link #accept} waits for the next connection. */
  static final class Server implements Closeable {
    private final int fd;

    private Server(int fd) {
      this.fd = fd;
    }

    UnixSocket accept() throws IOException {
      return new UnixSocket(accept0(fd));
    }

    @Override
    public void close() {
      close0(fd);
    }
  }

  /** Reads from the socket; not buffered (wrap it). */
  InputStream input() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
          return 0;
        }
        ensureOpen();
        return read0(fd, b, off, len);
      }
    };
  }

  /** Writes to the socket, every byte before it returns; not buffered. */
  OutputStream output() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        write0(fd, b, off, len);
      }
    };
  }

  /**
   * Ends what this side writes (the peer reads the end of its stream) and keeps reading: the end of
   * an attached stdin.
   */
  void shutdownOutput() throws IOException {
    ensureOpen();
    shutdownOutput0(fd);
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the connection to the daemon is closed");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      close0(fd);
    }
  }

  private static native int connect0(byte[] path) throws IOException;

  private static native int listen0(byte[] path) throws IOException;

  private static native int accept0(int fd) throws IOException;

  private static native int read0(int fd, byte[] buf, int off, int len) throws IOException;

  private static native void write0(int fd, byte[] buf, int off, int len) throws IOException;

  private static native void shutdownOutput0(int fd) throws IOException;

  private static native void close0(int fd);
}

package dev.jocker.daemon;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * A pseudo-terminal from the host's {@code /dev/ptmx} for a process the daemon starts: the process
 * gets the terminal as stdin, stdout, stderr and controlling terminal ({@code setsid --ctty}); the
 * daemon reads and writes the master side.
 */
final class Pty implements AutoCloseable {
  /** The libc calls a terminal needs; public for jnr-ffi's generated implementation. */
  public interface LibC {
    int posix_openpt(int flags);

    int grantpt(int fd);

    int unlockpt(int fd);

    int ptsname_r(int fd, @Out byte[] buf, long length);

    int ioctl(int fd, long request, @In short[] winsize);

    long read(int fd, @Out byte[] buf, long count);

    long write(int fd, @In byte[] buf, long count);

    int close(int fd);
  }

  private static final int O_RDWR = 2;
  private static final int O_NOCTTY = 0400;
  private static final int O_CLOEXEC = 02000000;
  private static final long TIOCSWINSZ = 0x5414;

  private static volatile LibC libc;

  private final int master;
  private final String slave;
  private volatile boolean closed;

  private Pty(int master, String slave) {
    this.master = master;
    this.slave = slave;
  }

  private static LibC libc() {
    if (libc == null) {
      libc =
          LibraryLoader.create(LibC.class)
              .load(Platform.getNativePlatform().getStandardCLibraryName());
    }
    return libc;
  }

  /** Opens a new terminal pair. */
  static Pty open() throws IOException {
    LibC c = libc();
    int fd = c.posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
      throw new IOException("open a pseudo-terminal: posix_openpt failed");
    }
    byte[] name = new byte[128];
    if (c.grantpt(fd) != 0 || c.unlockpt(fd) != 0 || c.ptsname_r(fd, name, name.length) != 0) {
      c.close(fd);
      throw new IOException("open a pseudo-terminal: cannot unlock its slave side");
    }
    int end = 0;
    while (end < name.length && name[end] != 0) {
      end++;
    }
    return new Pty(fd, new String(name, 0, end, StandardCharsets.US_ASCII));
  }

  /** Starts {@code argv} in a new session with this terminal as its stdio and controlling tty. */
  Process start(List<String> argv) throws IOException {
    List<String> full = new ArrayList<>(List.of("setsid", "--ctty"));
    full.addAll(argv);
    File tty = new File(slave);
    return new ProcessBuilder(full)
        .redirectInput(ProcessBuilder.Redirect.from(tty))
        .redirectOutput(ProcessBuilder.Redirect.to(tty))
        .redirectError(ProcessBuilder.Redirect.to(tty))
        .start();
  }

  void resize(int height, int width) {
    libc().ioctl(master, TIOCSWINSZ, new short[] {(short) height, (short) width, 0, 0});
  }

  /** What the terminal shows; ends when the last process holding the slave side has closed it. */
  InputStream output() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (closed) {
          return -1;
        }
        byte[] buf = off == 0 ? b : new byte[len];
        long n = libc().read(master, buf, len);
        if (n <= 0) {
          // EIO once no process holds the slave side any more: the terminal's end of file.
          return -1;
        }
        if (buf != b) {
          System.arraycopy(buf, 0, b, off, (int) n);
        }
        return (int) n;
      }
    };
  }

  /** What the terminal's processes read as their input. */
  OutputStream input() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        byte[] buf = off == 0 ? b : java.util.Arrays.copyOfRange(b, off, off + len);
        int done = 0;
        while (done < len) {
          byte[] rest = done == 0 ? buf : java.util.Arrays.copyOfRange(buf, done, len);
          long n = libc().write(master, rest, len - done);
          if (n <= 0) {
            throw new IOException("write to the terminal " + slave + " failed");
          }
          done += (int) n;
        }
      }
    };
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      libc().close(master);
    }
  }
}

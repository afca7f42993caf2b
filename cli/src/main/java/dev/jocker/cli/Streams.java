package dev.jocker.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A hijacked stream's two directions, as Docker's client relays them: the daemon's output to stdout
 * and stderr (stdcopy frames, or raw bytes with a terminal), the user's stdin to the process with a
 * half-close at its end; and, with a terminal, the local terminal in raw mode for the session and
 * its size sent to the daemon.
 */
final class Streams {
  private Streams() {}

  /**
   * Relays until the daemon ends the stream; with {@code stdin} the user's input goes to the
   * process on a thread of its own, and its end half-closes the connection.
   */
  static void relay(
      DaemonClient.Response r, InputStream stdin, PrintStream out, PrintStream err, boolean raw)
      throws IOException {
    OutputStream toProcess = r.output();
    if (stdin != null) {
      Thread feeder =
          new Thread(
              () -> {
                byte[] buf = new byte[32 * 1024];
                try {
                  int n;
                  while ((n = stdin.read(buf)) > 0) {
                    toProcess.write(buf, 0, n);
                  }
                  r.closeOutput();
                } catch (IOException ended) {
                  // The stream ended first: the process no longer reads.
                }
              },
              "stdin");
      feeder.setDaemon(true);
      feeder.start();
    }
    demux(r.body(), out, err, raw);
  }

  /** Copies Docker's multiplexed stream (or a raw one) to stdout and stderr. */
  static void demux(InputStream in, PrintStream out, PrintStream err, boolean raw)
      throws IOException {
    if (raw) {
      byte[] buf = new byte[32 * 1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        out.flush();
      }
      return;
    }
    byte[] header = new byte[8];
    byte[] buf = new byte[32 * 1024];
    while (in.readNBytes(header, 0, 8) == 8) {
      int len =
          ((header[4] & 0xff) << 24)
              | ((header[5] & 0xff) << 16)
              | ((header[6] & 0xff) << 8)
              | (header[7] & 0xff);
      OutputStream to = header[0] == 2 ? err : out;
      while (len > 0) {
        int n = in.read(buf, 0, Math.min(buf.length, len));
        if (n < 0) {
          return;
        }
        to.write(buf, 0, n);
        len -= n;
      }
      to.flush();
    }
  }

  // ---------------------------------------------------------------- the local terminal

  /** Whether stdin is a terminal (what Docker checks before {@code -it}). */
  static boolean stdinIsTerminal() {
    return System.console() != null && stty("-g") != null;
  }

  /** The terminal's rows and columns, or null when stdin is no terminal. */
  static int[] size() {
    String s = stty("size");
    if (s == null) {
      return null;
    }
    String[] parts = s.strip().split("\\s+");
    if (parts.length != 2) {
      return null;
    }
    try {
      return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Puts the terminal in raw mode (no echo, no line editing, no signals: the container's terminal
   * does those) and returns what restores it, or null when stdin is no terminal.
   */
  static Runnable rawMode() {
    String saved = stty("-g");
    if (saved == null) {
      return null;
    }
    stty("raw", "-echo");
    return () -> stty(saved.strip());
  }

  /** Runs stty on the controlling terminal; its output, or null when it fails. */
  private static String stty(String... args) {
    String[] argv = new String[args.length + 1];
    argv[0] = "stty";
    System.arraycopy(args, 0, argv, 1, args.length);
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectInput(new File("/dev/tty"))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      return p.waitFor() == 0 ? text : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * Calls {@code resize} with the terminal's size now and whenever it changes (SIGWINCH), until the
   * returned handle is closed.
   */
  static AutoCloseable watchSize(java.util.function.BiConsumer<Integer, Integer> resize) {
    int[] now = size();
    if (now != null) {
      resize.accept(now[0], now[1]);
    }
    // SIGWINCH through sun.misc.Signal, named by reflection: the JDK offers no public API for it.
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object winch = signal.getConstructor(String.class).newInstance("WINCH");
      Object handler =
          java.lang.reflect.Proxy.newProxyInstance(
              handlerType.getClassLoader(),
              new Class<?>[] {handlerType},
              (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                  int[] size = size();
                  if (size != null) {
                    resize.accept(size[0], size[1]);
                  }
                }
                return null;
              });
      java.lang.reflect.Method handle = signal.getMethod("handle", signal, handlerType);
      Object previous = handle.invoke(null, winch, handler);
      return () -> handle.invoke(null, winch, previous);
    } catch (ReflectiveOperationException | IllegalArgumentException unsupported) {
      return () -> {};
    }
  }
}

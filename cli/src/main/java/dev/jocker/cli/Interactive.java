package dev.jocker.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The CLI's own stdio joined to a container's or an exec's over a stream the daemon took over
 * ({@code run -i}, {@code run -it}, {@code exec -it}), as the docker CLI joins them: the CLI's
 * stdin goes to the container (its end closes the container's stdin), the container's output comes
 * back (Docker's stream frames to stdout and stderr; raw with a terminal), and with {@code -t} the
 * CLI's terminal is put in raw mode, so that keys reach the container's terminal as typed, and its
 * size follows the window's.
 */
final class Interactive {
  /** Receives the terminal's size (rows, columns) at the start and at every change. */
  interface Resizer {
    void resize(int rows, int columns) throws IOException;
  }

  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;

  Interactive(InputStream in, PrintStream out, PrintStream err) {
    this.in = in;
    this.out = out;
    this.err = err;
  }

  /** Whether the CLI's stdin is a terminal (what {@code -it} needs). */
  static boolean stdinIsTerminal() {
    return stty("-g") != null;
  }

  /**
   * Relays until the container's side ends: stdin (when {@code sendStdin}) to the stream, the
   * stream's output to stdout and stderr. With {@code tty} and a terminal on stdin, the terminal is
   * raw meanwhile and restored after, and {@code resizer} hears of its size.
   */
  void relay(DaemonClient.Response stream, boolean tty, boolean sendStdin, Resizer resizer)
      throws IOException {
    String saved = tty && sendStdin ? stty("-g") : null;
    if (saved != null) {
      stty("raw", "-echo");
    }
    try {
      if (saved != null) {
        followWindow(resizer);
      }
      if (sendStdin) {
        Thread pump = new Thread(() -> pump(stream), "jocker-stdin");
        pump.setDaemon(true);
        pump.start();
      }
      if (tty) {
        copy(stream.body(), out);
      } else {
        demux(stream.body());
      }
    } finally {
      if (saved != null) {
        stty(saved.strip());
      }
    }
  }

  /** The CLI's stdin to the container, then the end of it. */
  private void pump(DaemonClient.Response stream) {
    OutputStream to = stream.output();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        to.write(buf, 0, n);
        to.flush();
      }
      stream.closeOutput();
    } catch (IOException gone) {
      // The container's side ended first: nothing more to send.
    }
  }

  private static void copy(InputStream from, PrintStream to) throws IOException {
    byte[] buf = new byte[8192];
    int n;
    while ((n = from.read(buf)) > 0) {
      to.write(buf, 0, n);
      to.flush();
    }
  }

  /** Docker's stream frames: stream 2 to stderr, the rest to stdout. */
  private void demux(InputStream from) throws IOException {
    byte[] header = new byte[8];
    while (from.readNBytes(header, 0, 8) == 8) {
      int len =
          ((header[4] & 0xff) << 24)
              | ((header[5] & 0xff) << 16)
              | ((header[6] & 0xff) << 8)
              | (header[7] & 0xff);
      PrintStream to = header[0] == 2 ? err : out;
      to.write(from.readNBytes(len));
      to.flush();
    }
  }

  /** Sends the window's size now and at each SIGWINCH. */
  private static void followWindow(Resizer resizer) {
    Runnable send =
        () -> {
          String size = stty("size");
          if (size == null) {
            return;
          }
          String[] rc = size.strip().split(" ");
          try {
            resizer.resize(Integer.parseInt(rc[0]), Integer.parseInt(rc[1]));
          } catch (IOException | RuntimeException e) {
            // A size that does not reach the container leaves its terminal as it was.
          }
        };
    send.run();
    onWindowChange(send);
  }

  /**
   * Runs {@code action} at each SIGWINCH, through sun.misc.Signal, the JDK's only way to hear a
   * signal: looked up at run time, since the build treats its compile-time warning as an error.
   * Without it the size is sent once.
   */
  private static void onWindowChange(Runnable action) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object h =
          java.lang.reflect.Proxy.newProxyInstance(
              handler.getClassLoader(),
              new Class<?>[] {handler},
              (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                  action.run();
                }
                return null;
              });
      signal
          .getMethod("handle", signal, handler)
          .invoke(null, signal.getConstructor(String.class).newInstance("WINCH"), h);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // No signal handling in this JDK: the terminal keeps its first size.
    }
  }

  /** Runs stty on the CLI's own stdin; its output, or null when stdin is not a terminal. */
  private static String stty(String... args) {
    List<String> argv = new java.util.ArrayList<>(List.of("stty"));
    argv.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.INHERIT)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor() == 0 ? output : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}

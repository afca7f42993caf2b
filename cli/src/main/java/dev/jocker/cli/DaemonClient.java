package dev.jocker.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over the daemon's unix socket ({@link UnixSocket}): one request per
 * connection, bodies by Content-Length, chunked or to end of stream. Kept this small so that the
 * CLI starts fast.
 */
final class DaemonClient {
  /** The daemon could not be reached at all. */
  static final class Unreachable extends IOException {
    private static final long serialVersionUID = 1L;

    Unreachable(String message) {
      super(message);
    }
  }

  /** A response whose body is still to be read. */
  static final class Response implements AutoCloseable {
    final int status;
    final Map<String, String> headers;
    private final InputStream body;
    private final UnixSocket socket;

    Response(int status, Map<String, String> headers, InputStream body, UnixSocket socket) {
      this.status = status;
      this.headers = headers;
      this.body = body;
      this.socket = socket;
    }

    /** The body as a stream (de-chunked). */
    InputStream body() {
      return body;
    }

    /** The whole body. */
    byte[] bytes() throws IOException {
      return body.readAllBytes();
    }

    String text() throws IOException {
      return new String(bytes(), StandardCharsets.UTF_8);
    }

    /**
     * The connection's way back to the daemon, once the daemon took it over for a raw stream
     * (attach, exec start): what is written reaches the container.
     */
    OutputStream output() {
      // The socket's own stream: a write is a system call of its own, never waiting for a read of
      // the container's output in progress on the other thread.
      return socket.output();
    }

    /** Ends what the CLI sends (its stdin's end) and keeps reading. */
    void closeOutput() throws IOException {
      socket.shutdownOutput();
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  private final Path socket;

  DaemonClient(Path socket) {
    this.socket = socket;
  }

  Path socket() {
    return socket;
  }

  /** Sends a request; the caller closes the response. */
  Response send(String method, String path, byte[] body) throws IOException {
    return send(method, path, body, false, "application/json");
  }

  /** Sends a body of another type ({@code application/x-tar} for {@code cp}). */
  Response send(String method, String path, byte[] body, String contentType) throws IOException {
    return send(method, path, body, false, contentType);
  }

  /**
   * Sends a request that takes the connection over ({@code attach}, {@code exec start}), as
   * Docker's client does: {@code Connection: Upgrade} and {@code Upgrade: tcp}. On {@code 101} (or
   * a {@code 200} from a daemon that does not upgrade) the response's {@link Response#body} is the
   * raw stream until the daemon closes it, and {@link Response#output} writes to the process.
   */
  Response hijack(String method, String path, byte[] body) throws IOException {
    return send(method, path, body, true, "application/json");
  }

  private Response send(
      String method, String path, byte[] body, boolean upgrade, String contentType)
      throws IOException {
    UnixSocket connection;
    try {
      connection = UnixSocket.connect(socket);
    } catch (IOException e) {
      throw new Unreachable(
          "Cannot connect to the jocker daemon at unix://"
              + socket
              + ". Is the jocker daemon running?");
    }
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append("/v1.41").append(path).append(" HTTP/1.1\r\n");
    head.append("Host: jocker\r\nUser-Agent: jocker-cli/").append(Version.VERSION).append("\r\n");
    head.append(upgrade ? "Connection: Upgrade\r\nUpgrade: tcp\r\n" : "Connection: close\r\n");
    if (body != null) {
      head.append("Content-Type: ").append(contentType).append("\r\n");
    }
    head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n\r\n");
    // One write for the head and the body: one system call, one segment for the daemon to read.
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
    if (body != null) {
      request.writeBytes(body);
    }
    InputStream in;
    String statusLine;
    try {
      request.writeTo(connection.output());
      in = new BufferedInputStream(connection.input());
      statusLine = line(in);
    } catch (IOException e) {
      connection.close();
      throw e;
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2) {
      connection.close();
      throw new IOException("malformed response from the daemon: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new HashMap<>();
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      if (colon > 0) {
        headers.put(
            h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
    }
    InputStream content;
    if (upgrade && (status == 101 || status == 200)) {
      content = in;
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      content = new Chunked(in);
    } else if (headers.containsKey("content-length")) {
      content = new Limited(in, Long.parseLong(headers.get("content-length")));
    } else {
      content = in;
    }
    return new Response(status, headers, content, connection);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.US_ASCII);
  }

  private static final class Limited extends InputStream {
    private final InputStream in;
    private long left;

    Limited(InputStream in, long left) {
      this.in = in;
      this.left = left;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int c = in.read();
      if (c >= 0) {
        left--;
      }
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }

  private static final class Chunked extends InputStream {
    private final InputStream in;
    private long left;
    private boolean done;

    Chunked(InputStream in) {
      this.in = in;
    }

    private boolean fill() throws IOException {
      if (done) {
        return false;
      }
      if (left == 0) {
        String size = line(in);
        if (size.isEmpty()) {
          size = line(in);
        }
        int semi = size.indexOf(';');
        left = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
        if (left == 0) {
          done = true;
          return false;
        }
      }
      return true;
    }

    @Override
    public int read() throws IOException {
      if (!fill()) {
        return -1;
      }
      int c = in.read();
      if (c >= 0 && --left == 0) {
        line(in);
      }
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (!fill()) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
        if (left == 0) {
          line(in);
        }
      }
      return n;
    }
  }
}

package dev.jocker.daemon;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.BufferUtil;

/**
 * The first step of every connection (and an HTTP/1.0 head without a Host gets one): the Docker
 * 20.10 client sends its hijack requests ({@code exec}, {@code attach}) with an empty {@code Host:}
 * header, which Go's server takes and Jetty refuses ("Blank Host"). This connection reads the first
 * request's head, names the host {@code localhost} where it was blank, and hands the bytes to the
 * HTTP connection (Jetty's upgrade from one connection to the next, as its PROXY-protocol step
 * does). Later requests on the connection go to HTTP unchanged.
 */
final class BlankHost extends AbstractConnectionFactory {
  private static final int MAX_HEAD = 16 * 1024;
  private static final byte[] BLANK = "\r\nHost: \r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] BARE = "\r\nHost:\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NAMED = "\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII);

  private final String next;

  BlankHost(String next) {
    super("blank-host");
    this.next = next;
  }

  @Override
  public Connection newConnection(Connector connector, EndPoint endPoint) {
    return configure(new Head(connector, endPoint), connector, endPoint);
  }

  private final class Head extends AbstractConnection implements Connection.UpgradeFrom {
    private final Connector connector;
    private final ByteBuffer buffer = BufferUtil.allocate(MAX_HEAD);

    Head(Connector connector, EndPoint endPoint) {
      super(endPoint, connector.getExecutor());
      this.connector = connector;
    }

    @Override
    public void onOpen() {
      super.onOpen();
      fillInterested();
    }

    @Override
    public void onFillable() {
      try {
        while (true) {
          int n = getEndPoint().fill(buffer);
          if (n < 0 || headEnd() >= 0 || BufferUtil.space(buffer) == 0) {
            handOver();
            return;
          }
          if (n == 0) {
            fillInterested();
            return;
          }
        }
      } catch (java.io.IOException e) {
        getEndPoint().close(e);
      }
    }

    private int headEnd() {
      byte[] b = buffer.array();
      for (int i = buffer.arrayOffset() + buffer.position();
          i + 3 < buffer.arrayOffset() + buffer.limit();
          i++) {
        if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
          return i;
        }
      }
      return -1;
    }

    private void handOver() {
      ConnectionFactory http = connector.getConnectionFactory(next);
      getEndPoint().upgrade(http.newConnection(connector, getEndPoint()));
    }

    /** The bytes read so far, the first head's blank host named. */
    @Override
    public ByteBuffer onUpgradeFrom() {
      byte[] bytes = BufferUtil.toArray(buffer);
      int end = headEnd() < 0 ? bytes.length : headEnd() - buffer.position() + 2;
      byte[] fixed = replace(bytes, end, BLANK);
      if (fixed == bytes) {
        fixed = replace(bytes, end, BARE);
      }
      return ByteBuffer.wrap(fixed == bytes ? http10Host(bytes, end) : fixed);
    }

    /**
     * An HTTP/1.0 request may come without a Host (Go's server serves it); Jetty cannot name the
     * server of a unix socket for it, so the head gets one.
     */
    private static byte[] http10Host(byte[] bytes, int end) {
      String head =
          new String(
              bytes, 0, Math.max(0, Math.min(end, bytes.length)), StandardCharsets.ISO_8859_1);
      int eol = head.indexOf("\r\n");
      if (eol < 0
          || !head.substring(0, eol).endsWith(" HTTP/1.0")
          || head.toLowerCase(java.util.Locale.ROOT).contains("\r\nhost:")) {
        return bytes;
      }
      byte[] host = "\r\nHost: localhost".getBytes(StandardCharsets.US_ASCII);
      byte[] out = new byte[bytes.length + host.length];
      System.arraycopy(bytes, 0, out, 0, eol);
      System.arraycopy(host, 0, out, eol, host.length);
      System.arraycopy(bytes, eol, out, eol + host.length, bytes.length - eol);
      return out;
    }

    private static byte[] replace(byte[] bytes, int end, byte[] what) {
      outer:
      for (int i = 0; i + what.length <= end + 2 && i + what.length <= bytes.length; i++) {
        for (int j = 0; j < what.length; j++) {
          if (bytes[i + j] != what[j]) {
            continue outer;
          }
        }
        byte[] out = new byte[bytes.length - what.length + NAMED.length];
        System.arraycopy(bytes, 0, out, 0, i);
        System.arraycopy(NAMED, 0, out, i, NAMED.length);
        System.arraycopy(
            bytes, i + what.length, out, i + NAMED.length, bytes.length - i - what.length);
        return out;
      }
      return bytes;
    }
  }
}

package dev.jocker.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;

/**
 * A connection Jetty handed over after the response head (Docker's hijack): raw bytes both ways,
 * read and written by blocking calls from the session's own thread. The client's half-close reads
 * as the end of {@link #in()}; the session ends the connection with {@link #close()}.
 */
final class RawStream extends AbstractConnection implements Connection.UpgradeTo {
  private final Executor sessions;
  private final Consumer<RawStream> session;
  private final ByteBuffer input = BufferUtil.allocate(16 * 1024);
  private ByteBuffer early = BufferUtil.EMPTY_BUFFER;
  private final InputStream in = new In();
  private final OutputStream out = new Out();

  RawStream(EndPoint endPoint, Executor sessions, Consumer<RawStream> session) {
    super(endPoint, Runnable::run);
    this.sessions = sessions;
    this.session = session;
  }

  /** Bytes the client sent after its request, before the takeover (a pipelined stdin). */
  @Override
  public void onUpgradeTo(ByteBuffer buffer) {
    if (BufferUtil.hasContent(buffer)) {
      early = BufferUtil.copy(buffer);
    }
  }

  @Override
  public void onOpen() {
    super.onOpen();
    // A stream may be quiet for hours (an idle shell, `sleep`): it ends when one side closes.
    getEndPoint().setIdleTimeout(0);
    sessions.execute(() -> session.accept(this));
  }

  /** Reads go through {@link #in()}, which asks for them itself. */
  @Override
  public void onFillable() {}

  /** What the client sends: stdin. */
  InputStream in() {
    return in;
  }

  /** What the client receives; each write goes out at once. */
  OutputStream out() {
    return out;
  }

  /** Ends the connection both ways. */
  @Override
  public void close() {
    getEndPoint().close();
  }

  private final class In extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (early.hasRemaining()) {
        int n = Math.min(len, early.remaining());
        early.get(b, off, n);
        return n;
      }
      EndPoint endPoint = getEndPoint();
      while (!input.hasRemaining()) {
        int n = endPoint.fill(input);
        if (n < 0) {
          return -1;
        }
        if (n == 0) {
          try (Blocker.Callback readable = Blocker.callback()) {
            endPoint.fillInterested(readable);
            readable.block();
          } catch (InterruptedIOException e) {
            throw e;
          } catch (IOException closed) {
            return -1;
          }
        }
      }
      int n = Math.min(len, input.remaining());
      input.get(b, off, n);
      return n;
    }
  }

  private final class Out extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    /** One write at a time: Jetty's end point refuses a write while another is pending. */
    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      try (Blocker.Callback written = Blocker.callback()) {
        getEndPoint().write(written, ByteBuffer.wrap(b, off, len));
        written.block();
      }
    }
  }
}

package dev.jocker.portmap;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One proxied TCP connection: the client's socket and a connection to the container, bytes copied
 * each way through the loop's buffers. Like docker-proxy, the end of one direction (EOF or an
 * error) is passed on as a half close ({@code shutdown(SHUT_WR)}) of the other socket, and the
 * connection is closed once both directions have ended.
 */
final class TcpRelay implements ProxyLoop.Handler {
  private static final Logger LOG = LogManager.getLogger(TcpRelay.class);

  /** Reads per readiness event while each fills the buffer: fairness against throughput. */
  private static final int READS_PER_EVENT = 8;

  /** One socket of the pair. */
  private final class End implements ProxyLoop.Handler {
    final SocketChannel channel;
    SelectionKey key;
    End peer;

    /** Data read from the peer, not yet written here. */
    ByteBuffer pending;

    /** Nothing more will be read here (EOF, an error, or writing to the peer failed). */
    boolean inputDone;

    /** This socket's output is shut down. */
    boolean outputShut;

    boolean connecting;

    End(SocketChannel channel) {
      this.channel = channel;
    }

    @Override
    public void ready(SelectionKey k) {
      TcpRelay.this.ready(this, k.readyOps());
    }

    @Override
    public void close() {
      TcpRelay.this.close();
    }

    @Override
    public String toString() {
      return TcpRelay.this.toString();
    }
  }

  private final ProxyLoop loop;
  final TcpListener listener;
  private final End client;
  private final End backend;
  private boolean closed;

  private TcpRelay(
      ProxyLoop loop, TcpListener listener, SocketChannel accepted, SocketChannel out) {
    this.loop = loop;
    this.listener = listener;
    this.client = new End(accepted);
    this.backend = new End(out);
    client.peer = backend;
    backend.peer = client;
  }

  /** Starts relaying {@code accepted}, connecting to the listener's container address. */
  static void start(ProxyLoop loop, TcpListener listener, SocketChannel accepted) {
    if (listener.closed()) {
      closeQuietly(accepted);
      return;
    }
    SocketChannel out = null;
    try {
      accepted.configureBlocking(false);
      accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
      out = SocketChannel.open(StandardProtocolFamily.INET);
      out.configureBlocking(false);
      out.setOption(StandardSocketOptions.TCP_NODELAY, true);
      TcpRelay relay = new TcpRelay(loop, listener, accepted, out);
      relay.client.key = accepted.register(loop.selector, 0, relay.client);
      boolean connected = out.connect(listener.backend());
      relay.backend.connecting = !connected;
      relay.backend.key =
          out.register(loop.selector, connected ? 0 : SelectionKey.OP_CONNECT, relay.backend);
      loop.own(relay);
      relay.updateInterest();
    } catch (IOException e) {
      LOG.warn("userland proxy: can't forward traffic to backend {}: {}", listener, e.toString());
      closeQuietly(accepted);
      if (out != null) {
        closeQuietly(out);
      }
    }
  }

  private void ready(End end, int ops) {
    if (closed) {
      return;
    }
    if (end.connecting) {
      try {
        if (!end.channel.finishConnect()) {
          return;
        }
      } catch (IOException e) {
        LOG.debug(
            "userland proxy: can't forward traffic to backend {}: {}", listener, e.toString());
        close();
        return;
      }
      end.connecting = false;
    } else {
      if ((ops & SelectionKey.OP_WRITE) != 0) {
        flush(end);
      }
      if ((ops & SelectionKey.OP_READ) != 0 && !closed) {
        pump(end);
      }
    }
    if (!closed) {
      updateInterest();
    }
  }

  /**
   * Copies what {@code from} has to its peer, until the peer's socket is full or nothing is left.
   */
  private void pump(End from) {
    End to = from.peer;
    for (int i = 0; i < READS_PER_EVENT && to.pending == null && !from.inputDone; i++) {
      ByteBuffer buf = loop.scratch();
      buf.clear();
      int n;
      try {
        n = from.channel.read(buf);
      } catch (IOException e) {
        n = -1;
      }
      if (n == 0) {
        return;
      }
      if (n < 0) {
        from.inputDone = true;
        shutdownWhenFlushed(to);
        return;
      }
      buf.flip();
      try {
        to.channel.write(buf);
      } catch (IOException e) {
        broken(from);
        return;
      }
      if (buf.hasRemaining()) {
        to.pending = loop.takeScratch();
        return;
      }
      if (n < buf.capacity()) {
        return;
      }
    }
  }

  private void flush(End to) {
    ByteBuffer buf = to.pending;
    if (buf == null) {
      return;
    }
    try {
      to.channel.write(buf);
    } catch (IOException e) {
      broken(to.peer);
      return;
    }
    if (!buf.hasRemaining()) {
      to.pending = null;
      loop.recycle(buf);
      shutdownWhenFlushed(to);
    }
  }

  /** Once {@code to}'s peer has nothing more to give and all it gave is written, half-close. */
  private void shutdownWhenFlushed(End to) {
    if (to.peer.inputDone && to.pending == null && !to.outputShut) {
      to.outputShut = true;
      try {
        to.channel.shutdownOutput();
      } catch (IOException e) {
        LOG.trace("userland proxy: half close: {}", e.toString());
      }
    }
    if (client.outputShut && backend.outputShut) {
      close();
    }
  }

  /** Writing what {@code from} gave failed: that direction is over, as io.Copy ends in Docker. */
  private void broken(End from) {
    from.inputDone = true;
    End to = from.peer;
    if (to.pending != null) {
      loop.recycle(to.pending);
      to.pending = null;
    }
    shutdownWhenFlushed(to);
  }

  private void updateInterest() {
    interest(client);
    interest(backend);
  }

  private void interest(End e) {
    int ops;
    if (e.connecting) {
      ops = SelectionKey.OP_CONNECT;
    } else {
      ops = e.pending != null ? SelectionKey.OP_WRITE : 0;
      if (!e.inputDone && e.peer.pending == null && !e.peer.connecting) {
        ops |= SelectionKey.OP_READ;
      }
    }
    if (e.key.isValid() && e.key.interestOps() != ops) {
      e.key.interestOps(ops);
    }
  }

  @Override
  public void ready(SelectionKey key) {
    // Keys carry the ends, never the relay.
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (End e : new End[] {client, backend}) {
      closeQuietly(e.channel);
      if (e.pending != null) {
        loop.recycle(e.pending);
        e.pending = null;
      }
    }
    loop.disown(this);
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.trace("userland proxy: close: {}", e.toString());
    }
  }

  @Override
  public String toString() {
    return "connection through " + listener;
  }
}

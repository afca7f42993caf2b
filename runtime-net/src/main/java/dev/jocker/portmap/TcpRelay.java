package dev.jocker.portmap;

import dev.jocker.kernel.Epoll;
import dev.jocker.kernel.Sockets;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One proxied TCP connection: the client's socket and a connection to the container, bytes moved
 * each way with splice(2) through a pipe, never copied into the JVM (as docker-proxy's Go runtime
 * does). Like docker-proxy, the end of one direction (EOF, or an error) becomes a half close
 * ({@code SHUT_WR}) of the other socket, and the connection is closed once both have ended.
 */
final class TcpRelay implements ProxyLoop.Owned {
  private static final Logger LOG = LogManager.getLogger(TcpRelay.class);

  /** Pipe-fulls moved per turn before the loop serves others. */
  private static final int ROUNDS_PER_TURN = 16;

  private static final int EVENTS = Epoll.IN | Epoll.OUT | Epoll.RDHUP | Epoll.ET;

  /** One socket of the pair, and what the edge-triggered events last said of it. */
  private static final class End {
    final int fd;
    int token;
    boolean readable;
    boolean writable;

    End(int fd) {
      this.fd = fd;
    }
  }

  /** Bytes from one end to the other. */
  private final class Direction {
    final End from;
    final End to;
    int[] pipe;
    long inPipe;
    boolean eof;
    boolean done;

    Direction(End from, End to) {
      this.from = from;
      this.to = to;
    }

    /** Moves what can be moved now; returns false when it stopped for fairness, not for lack. */
    boolean pump() {
      for (int round = 0; round < ROUNDS_PER_TURN; round++) {
        if (done) {
          return true;
        }
        if (inPipe > 0) {
          if (!to.writable) {
            return true;
          }
          long n = Sockets.splice(pipe[0], to.fd, inPipe);
          if (n == -Sockets.EAGAIN) {
            to.writable = false;
            return true;
          }
          if (n <= 0) {
            broken();
            return true;
          }
          inPipe -= n;
          continue;
        }
        if (pipe != null) {
          loop.recycle(pipe);
          pipe = null;
        }
        if (eof) {
          if (!other().done) {
            // The other way may still carry bytes: pass the end on as a half close. Once both
            // ways have ended, the close that follows says it.
            Sockets.shutdownWrite(to.fd);
          }
          done = true;
          return true;
        }
        if (!from.readable) {
          return true;
        }
        pipe = loop.pipe();
        long n = Sockets.splice(from.fd, pipe[1], ProxyLoop.PIPE_SIZE);
        if (n == -Sockets.EAGAIN) {
          // The pipe is empty, so it is the socket that has nothing now.
          from.readable = false;
          continue;
        }
        if (n <= 0) {
          // EOF, or the peer reset: docker-proxy's io.Copy ends the same way.
          eof = true;
          continue;
        }
        inPipe = n;
      }
      return false;
    }

    private Direction other() {
      return this == up ? down : up;
    }

    /** Writing failed: the bytes in the pipe are lost with the connection, as with io.Copy. */
    private void broken() {
      if (pipe != null) {
        Sockets.close(pipe[0]);
        Sockets.close(pipe[1]);
        pipe = null;
      }
      inPipe = 0;
      eof = true;
      done = true;
    }
  }

  private final ProxyLoop loop;
  private final TcpListener listener;
  private final End client;
  private final End backend;
  private final Direction up;
  private final Direction down;
  private boolean connecting = true;
  private boolean closed;

  private TcpRelay(ProxyLoop loop, TcpListener listener, int clientFd, int backendFd) {
    this.loop = loop;
    this.listener = listener;
    this.client = new End(clientFd);
    this.backend = new End(backendFd);
    this.up = new Direction(client, backend);
    this.down = new Direction(backend, client);
  }

  /** Relays accepted connection {@code clientFd} to the listener's container address. */
  static void start(ProxyLoop loop, TcpListener listener, int clientFd) {
    int backendFd;
    try {
      backendFd = Sockets.socket(UserlandProxy.family(listener.backend), Sockets.SOCK_STREAM);
    } catch (RuntimeException e) {
      LOG.warn("userland proxy: can't forward traffic to backend {}: {}", listener, e.getMessage());
      Sockets.close(clientFd);
      return;
    }
    int r = Sockets.connect(backendFd, listener.backend);
    if (r != 0 && r != -Sockets.EINPROGRESS) {
      LOG.debug(
          "userland proxy: can't forward traffic to backend {}: {}",
          listener,
          Sockets.errorText(-r));
      Sockets.close(clientFd);
      Sockets.close(backendFd);
      return;
    }
    TcpRelay relay = new TcpRelay(loop, listener, clientFd, backendFd);
    relay.connecting = r != 0;
    relay.client.token =
        loop.register(clientFd, EVENTS, events -> relay.ready(relay.client, events));
    relay.backend.token =
        loop.register(backendFd, EVENTS, events -> relay.ready(relay.backend, events));
    loop.own(relay);
  }

  private void ready(End end, int events) {
    if (closed) {
      return;
    }
    if ((events & (Epoll.IN | Epoll.RDHUP | Epoll.HUP | Epoll.ERR)) != 0) {
      end.readable = true;
    }
    if ((events & (Epoll.OUT | Epoll.HUP | Epoll.ERR)) != 0) {
      end.writable = true;
    }
    if (connecting) {
      if (end != backend) {
        return;
      }
      if ((events & (Epoll.ERR | Epoll.HUP)) != 0) {
        LOG.debug(
            "userland proxy: can't forward traffic to backend {}: {}",
            listener,
            Sockets.errorText(Sockets.pendingError(backend.fd)));
        close();
        return;
      }
      if ((events & Epoll.OUT) == 0) {
        return;
      }
      // Writable without an error: the connection is made (no SO_ERROR to ask for).
      connecting = false;
    }
    work();
  }

  private void work() {
    if (closed) {
      return;
    }
    boolean finished = up.pump() & down.pump();
    if (up.done && down.done) {
      close();
    } else if (!finished) {
      loop.again(this::work);
    }
  }

  @Override
  public Object owner() {
    return listener;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    loop.unregister(client.token);
    loop.unregister(backend.token);
    Sockets.close(client.fd);
    Sockets.close(backend.fd);
    for (Direction d : new Direction[] {up, down}) {
      if (d.pipe != null) {
        if (d.inPipe == 0) {
          loop.recycle(d.pipe);
        } else {
          Sockets.close(d.pipe[0]);
          Sockets.close(d.pipe[1]);
        }
        d.pipe = null;
      }
    }
    loop.disown(this);
  }

  @Override
  public String toString() {
    return "connection through " + listener;
  }
}

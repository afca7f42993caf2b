package dev.jocker.portmap;

import dev.jocker.kernel.Epoll;
import dev.jocker.kernel.Sockets;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A published TCP port's listening socket, watched by every loop with {@link Epoll#EXCLUSIVE}: the
 * kernel wakes one idle loop per connection, which accepts it and relays it itself, so connections
 * spread over the loops without passing between threads. Level-triggered: one accept per event, and
 * the next event for the next connection, saves the accept that would only say "no more".
 */
final class TcpListener {
  private static final Logger LOG = LogManager.getLogger(TcpListener.class);
  final int fd;
  final byte[] backend;
  private final String name;
  private volatile boolean closed;

  TcpListener(int fd, byte[] backend, String name) {
    this.fd = fd;
    this.backend = backend;
    this.name = name;
  }

  /** Starts watching for connections from {@code loop}; returns the token there. */
  int watch(ProxyLoop loop) {
    return loop.register(fd, Epoll.IN | Epoll.EXCLUSIVE, events -> accept(loop));
  }

  private void accept(ProxyLoop loop) {
    if (closed) {
      return;
    }
    int c = Sockets.accept(fd);
    if (c >= 0) {
      TcpRelay.start(loop, this, c);
    } else if (c != -Sockets.EAGAIN) {
      LOG.warn("userland proxy: accept on {}: {}", name, Sockets.errorText(-c));
    }
  }

  /** Stops accepting in {@code loop} and closes this listener's connections there. */
  void unwatch(ProxyLoop loop, int token) {
    closed = true;
    loop.epoll.delete(fd);
    loop.unregister(token);
    loop.closeOwnedBy(this);
  }

  @Override
  public String toString() {
    return name;
  }
}

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
  private static final int EVENTS = Epoll.IN | Epoll.EXCLUSIVE;

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
    int[] token = new int[1];
    token[0] = loop.register(fd, EVENTS, events -> accept(loop, token[0]));
    return token[0];
  }

  private void accept(ProxyLoop loop, int token) {
    if (closed) {
      return;
    }
    int c = Sockets.accept(fd);
    if (c >= 0) {
      TcpRelay.start(loop, this, c);
    } else if (c != -Sockets.EAGAIN && c != -Sockets.ECONNABORTED) {
      // Out of descriptors, most likely: the connection waits in the backlog, and the event
      // would come back at once. Look again in a second rather than spin.
      LOG.warn("userland proxy: accept on {}: {}", name, Sockets.errorText(-c));
      loop.epoll.delete(fd);
      loop.later(
          () -> {
            if (!closed) {
              loop.epoll.add(fd, EVENTS, token);
            }
          });
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

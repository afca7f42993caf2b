package dev.jocker.portmap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A published TCP port's listening socket: each accepted connection becomes a {@link TcpRelay} on
 * the next loop in turn, so connections spread over the proxy's threads.
 */
final class TcpListener implements ProxyLoop.Handler {
  private static final Logger LOG = LogManager.getLogger(TcpListener.class);
  private static final int ACCEPTS_PER_EVENT = 64;

  private final UserlandProxy proxy;
  private final ProxyLoop loop;
  private final ServerSocketChannel server;
  private final InetSocketAddress backend;
  private final String name;
  private volatile boolean closed;

  TcpListener(
      UserlandProxy proxy,
      ProxyLoop loop,
      ServerSocketChannel server,
      InetSocketAddress backend,
      String name) {
    this.proxy = proxy;
    this.loop = loop;
    this.server = server;
    this.backend = backend;
    this.name = name;
  }

  InetSocketAddress backend() {
    return backend;
  }

  boolean closed() {
    return closed;
  }

  @Override
  public void ready(SelectionKey key) {
    for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
      SocketChannel accepted;
      try {
        accepted = server.accept();
      } catch (IOException e) {
        LOG.warn("userland proxy: accept on {}: {}", name, e.toString());
        return;
      }
      if (accepted == null) {
        return;
      }
      ProxyLoop target = proxy.nextLoop();
      if (target == loop) {
        TcpRelay.start(loop, this, accepted);
      } else {
        target.execute(() -> TcpRelay.start(target, this, accepted));
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("userland proxy: closing {}: {}", name, e.toString());
    }
    loop.disown(this);
  }

  @Override
  public String toString() {
    return name;
  }
}

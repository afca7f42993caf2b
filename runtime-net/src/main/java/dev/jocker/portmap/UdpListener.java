package dev.jocker.portmap;

import dev.jocker.kernel.Epoll;
import dev.jocker.kernel.Sockets;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A published UDP port, proxied as docker-proxy proxies UDP: each client address gets its own
 * socket connected to the container, whose replies go back to that client from the published port;
 * a flow without a reply for 90 seconds is forgotten. Lives in one loop.
 */
final class UdpListener implements ProxyLoop.Owned, ProxyLoop.Sweeper {
  private static final Logger LOG = LogManager.getLogger(UdpListener.class);

  /** docker-proxy's {@code UDPConnTrackTimeout}. */
  static final long FLOW_TIMEOUT_MILLIS = 90_000;

  private static final int DATAGRAMS_PER_TURN = 64;

  /** One client's flow to the container. */
  private final class Flow {
    final byte[] client;
    final ByteBuffer key;
    final int fd;
    int token;
    long lastReply = System.currentTimeMillis();

    Flow(byte[] client, int fd) {
      this.client = client;
      this.key = ByteBuffer.wrap(client);
      this.fd = fd;
    }

    void ready() {
      ByteBuffer buf = loop.datagram;
      for (int i = 0; i < DATAGRAMS_PER_TURN; i++) {
        int n = Sockets.read(fd, buf);
        if (n == -Sockets.EAGAIN) {
          return;
        }
        if (n == -Sockets.ECONNREFUSED) {
          // Nothing listens in the container (yet): docker-proxy waits for the timeout too.
          continue;
        }
        if (n < 0) {
          close();
          return;
        }
        int sent = Sockets.sendTo(socket, buf, n, client);
        if (sent < 0) {
          LOG.debug("userland proxy: reply on {}: {}", name, Sockets.errorText(-sent));
        }
        lastReply = System.currentTimeMillis();
      }
      loop.again(this::ready);
    }

    void close() {
      flows.remove(key);
      loop.unregister(token);
      Sockets.close(fd);
    }
  }

  private final ProxyLoop loop;
  private final int socket;
  private final byte[] backend;
  private final String name;
  private final Map<ByteBuffer, Flow> flows = new HashMap<>();
  private int token;
  private boolean closed;

  UdpListener(ProxyLoop loop, int fd, byte[] backend, String name) {
    this.loop = loop;
    this.socket = fd;
    this.backend = backend;
    this.name = name;
  }

  /** Starts serving in its loop. */
  void start() {
    token = loop.register(socket, Epoll.IN | Epoll.ET, events -> receive());
    loop.own(this);
    loop.addSweeper(this);
  }

  private void receive() {
    if (closed) {
      return;
    }
    ByteBuffer buf = loop.datagram;
    for (int i = 0; i < DATAGRAMS_PER_TURN; i++) {
      int n = Sockets.receiveFrom(socket, buf, loop.sender);
      if (n == -Sockets.EAGAIN) {
        return;
      }
      if (n < 0) {
        LOG.warn("userland proxy: receive on {}: {}", name, Sockets.errorText(-n));
        return;
      }
      byte[] from = loop.sender.sockaddr();
      Flow flow = flows.get(ByteBuffer.wrap(from));
      if (flow == null) {
        int out = Sockets.socket(UserlandProxy.family(backend), Sockets.SOCK_DGRAM);
        int r = Sockets.connect(out, backend);
        if (r != 0) {
          LOG.debug(
              "userland proxy: can't proxy a datagram on {}: {}", name, Sockets.errorText(-r));
          Sockets.close(out);
          continue;
        }
        Flow f = new Flow(from, out);
        f.token = loop.register(out, Epoll.IN | Epoll.ET, events -> f.ready());
        flows.put(f.key, f);
        flow = f;
      }
      int sent = Sockets.send(flow.fd, buf, n);
      if (sent < 0 && sent != -Sockets.ECONNREFUSED) {
        LOG.debug(
            "userland proxy: can't proxy a datagram on {}: {}", name, Sockets.errorText(-sent));
      }
    }
    loop.again(this::receive);
  }

  @Override
  public void sweep(long nowMillis) {
    for (Iterator<Flow> it = flows.values().iterator(); it.hasNext(); ) {
      Flow f = it.next();
      if (nowMillis - f.lastReply > FLOW_TIMEOUT_MILLIS) {
        it.remove();
        f.close();
      }
    }
  }

  @Override
  public Object owner() {
    return this;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Flow f : flows.values().toArray(new Flow[0])) {
      f.close();
    }
    loop.epoll.delete(socket);
    loop.unregister(token);
    Sockets.close(socket);
    loop.removeSweeper(this);
    loop.disown(this);
  }

  @Override
  public String toString() {
    return name;
  }
}

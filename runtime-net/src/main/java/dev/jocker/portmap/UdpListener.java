package dev.jocker.portmap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A published UDP port, as docker-proxy proxies UDP: each client address gets its own socket
 * connected to the container, whose replies go back to that client from the published port; a flow
 * that has had no reply for 90 seconds is forgotten.
 */
final class UdpListener implements ProxyLoop.Handler, ProxyLoop.Sweeper {
  private static final Logger LOG = LogManager.getLogger(UdpListener.class);

  /** docker-proxy's {@code UDPConnTrackTimeout}. */
  static final long FLOW_TIMEOUT_MILLIS = 90_000;

  private static final int DATAGRAMS_PER_EVENT = 64;

  /** One client's flow to the container. */
  private final class Flow implements ProxyLoop.Handler {
    final SocketAddress client;
    final DatagramChannel channel;
    long lastReply = System.currentTimeMillis();

    Flow(SocketAddress client, DatagramChannel channel) {
      this.client = client;
      this.channel = channel;
    }

    @Override
    public void ready(SelectionKey key) {
      for (int i = 0; i < DATAGRAMS_PER_EVENT; i++) {
        ByteBuffer buf = loop.scratch();
        buf.clear();
        int n;
        try {
          n = channel.read(buf);
        } catch (PortUnreachableException e) {
          // Nothing listens in the container (yet): docker-proxy waits for the timeout too.
          continue;
        } catch (IOException e) {
          close();
          return;
        }
        if (n <= 0) {
          return;
        }
        buf.flip();
        try {
          server.send(buf, client);
        } catch (IOException e) {
          LOG.debug("userland proxy: reply to {} on {}: {}", client, name, e.toString());
        }
        lastReply = System.currentTimeMillis();
      }
    }

    @Override
    public void close() {
      flows.remove(client);
      try {
        channel.close();
      } catch (IOException e) {
        LOG.trace("userland proxy: close: {}", e.toString());
      }
    }

    @Override
    public String toString() {
      return "flow from " + client + " through " + name;
    }
  }

  private final ProxyLoop loop;
  private final DatagramChannel server;
  private final InetSocketAddress backend;
  private final String name;
  private final Map<SocketAddress, Flow> flows = new HashMap<>();

  UdpListener(ProxyLoop loop, DatagramChannel server, InetSocketAddress backend, String name) {
    this.loop = loop;
    this.server = server;
    this.backend = backend;
    this.name = name;
  }

  @Override
  public void ready(SelectionKey key) {
    for (int i = 0; i < DATAGRAMS_PER_EVENT; i++) {
      ByteBuffer buf = loop.scratch();
      buf.clear();
      SocketAddress from;
      try {
        from = server.receive(buf);
      } catch (IOException e) {
        LOG.warn("userland proxy: receive on {}: {}", name, e.toString());
        return;
      }
      if (from == null) {
        return;
      }
      buf.flip();
      Flow flow = flows.get(from);
      try {
        if (flow == null) {
          DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
          try {
            channel.configureBlocking(false);
            channel.connect(backend);
            flow = new Flow(from, channel);
            channel.register(loop.selector, SelectionKey.OP_READ, flow);
          } catch (IOException e) {
            channel.close();
            throw e;
          }
          flows.put(from, flow);
        }
        flow.channel.write(buf);
      } catch (PortUnreachableException e) {
        LOG.trace("userland proxy: {} unreachable", backend);
      } catch (IOException e) {
        LOG.debug("userland proxy: can't proxy a datagram to udp/{}: {}", backend, e.toString());
      }
    }
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
  public void close() {
    for (Flow f : flows.values().toArray(new Flow[0])) {
      f.close();
    }
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("userland proxy: closing {}: {}", name, e.toString());
    }
    loop.removeSweeper(this);
    loop.disown(this);
  }

  @Override
  public String toString() {
    return name;
  }
}

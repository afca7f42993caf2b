package dev.jocker.dns;

import dev.jocker.kernel.Netns;
import java.io.IOException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.List;

/**
 * One container's resolver as its event loop holds it: the listening sockets and the forwarding
 * socket, all opened inside the container's namespace, and what it forwards to. Touched only by its
 * loop's thread once registered.
 */
final class Attached {
  final String containerId;
  final Netns netns;
  final DatagramChannel udp;
  final ServerSocketChannel tcp;
  final DatagramChannel upstreamUdp;
  final List<Upstream> upstreams;
  final boolean ndotsSet;
  final ResolverPorts ports;
  final AnswerCache answers = new AnswerCache();
  DnsLoop.UpstreamSocket upstream;
  int forwards;
  int tcpClients;
  boolean closed;

  Attached(
      String containerId,
      Netns netns,
      DatagramChannel udp,
      ServerSocketChannel tcp,
      DatagramChannel upstreamUdp,
      List<Upstream> upstreams,
      boolean ndotsSet) {
    this.containerId = containerId;
    this.netns = netns;
    this.udp = udp;
    this.tcp = tcp;
    this.upstreamUdp = upstreamUdp;
    this.upstreams = List.copyOf(upstreams);
    this.ndotsSet = ndotsSet;
    this.ports = new ResolverPorts(udp.socket().getLocalPort(), tcp.socket().getLocalPort());
  }

  /** Closes the three sockets and the namespace handle; what fails to close is already gone. */
  void closeAll() {
    closed = true;
    for (java.io.Closeable c : new java.io.Closeable[] {udp, tcp, upstreamUdp}) {
      try {
        c.close();
      } catch (IOException ignored) {
        // Closing a socket only fails when it is already closed.
      }
    }
    netns.close();
  }
}

package dev.jocker.portmap;

import dev.jocker.kernel.Netns;
import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Docker's userland proxy inside the daemon: where Docker starts a {@code docker-proxy} process per
 * published port and address family, this forwards every published port from a few event-loop
 * threads (one per core at most), TCP and UDP, IPv4 and {@code ::}. It also holds ports without
 * forwarding, as Docker's daemon does when the proxy is off, so that no other program takes a
 * published port.
 *
 * <p>Its sockets live in the namespace given at construction (the host's): the loop threads enter
 * it once, when they start. A {@code ::} listener is dual-stack with {@code SO_REUSEPORT} beside
 * the {@code 0.0.0.0} one (which has it too): Java cannot make a socket IPv6-only, and the kernel
 * sends IPv4 connections to the IPv4 socket, IPv6 ones to the other, as with docker-proxy's pair.
 */
public final class UserlandProxy implements PortListeners, AutoCloseable {
  private final ProxyLoop[] loops;
  private final Thread[] threads;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger listenerTurn = new AtomicInteger();
  private volatile boolean closed;
  private Boolean ipv6Listenable;

  /** A proxy with {@code threads} event loops (at least 1) in namespace {@code host}. */
  public UserlandProxy(Netns host, int threads) {
    int n = Math.max(1, threads);
    loops = new ProxyLoop[n];
    this.threads = new Thread[n];
    CountDownLatch started = new CountDownLatch(n);
    for (int i = 0; i < n; i++) {
      ProxyLoop loop = new ProxyLoop();
      loops[i] = loop;
      Thread t =
          host.newThread(
              "jocker-proxy-" + i,
              () -> {
                started.countDown();
                loop.run();
              });
      t.setDaemon(true);
      this.threads[i] = t;
      t.start();
    }
    try {
      started.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the userland proxy", e);
    }
  }

  /** One loop per core, at most {@code max}. */
  public static int defaultThreads(int max) {
    return Math.max(1, Math.min(max, Runtime.getRuntime().availableProcessors()));
  }

  /** The number of event-loop threads. */
  public int threads() {
    return loops.length;
  }

  /**
   * Whether an IPv6 socket can listen here ({@code [::1]:0}); Docker adds no {@code ::} binding
   * when it cannot (a kernel booted with {@code ipv6.disable=1}, or no ::1 on lo).
   */
  @Override
  public synchronized boolean ipv6Listenable() {
    if (ipv6Listenable == null) {
      ipv6Listenable =
          loops[0].call(
              () -> {
                try (ServerSocketChannel probe =
                    ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
                  probe.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
                  return true;
                } catch (IOException | UnsupportedOperationException e) {
                  return false;
                }
              });
    }
    return ipv6Listenable;
  }

  /**
   * Forwards {@code port}'s host address and port to its container address, as {@code docker-proxy
   * -proto P -host-ip IP -host-port N -container-ip CIP -container-port CN}.
   *
   * @throws PortMapException {@code Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind:
   *     address already in use} (or {@code cannot assign requested address}, …)
   */
  @Override
  public Handle forward(PublishedPort port) {
    InetSocketAddress backend = address(port.containerIp(), port.containerPort());
    ProxyLoop loop = loops[Math.floorMod(listenerTurn.getAndIncrement(), loops.length)];
    String name = port.proto() + "/" + hostAddress(port) + " -> " + backend(port);
    ProxyLoop.Handler listener =
        loop.call(
            () -> {
              switch (port.proto()) {
                case "tcp" -> {
                  ServerSocketChannel server =
                      (ServerSocketChannel) bind(port, "Error starting userland proxy: ");
                  server.configureBlocking(false);
                  TcpListener l = new TcpListener(this, loop, server, backend, name);
                  server.register(loop.selector, SelectionKey.OP_ACCEPT, l);
                  loop.own(l);
                  return l;
                }
                case "udp" -> {
                  DatagramChannel server =
                      (DatagramChannel) bind(port, "Error starting userland proxy: ");
                  server.configureBlocking(false);
                  UdpListener l = new UdpListener(loop, server, backend, name);
                  server.register(loop.selector, SelectionKey.OP_READ, l);
                  loop.own(l);
                  loop.addSweeper(l);
                  return l;
                }
                default ->
                    throw new PortMapException(
                        "Error starting userland proxy: jocker's proxy does not forward "
                            + port.proto());
              }
            });
    return () -> unforward(loop, listener);
  }

  /**
   * Holds {@code port} without forwarding it, as Docker's daemon does without the userland proxy
   * (its "dummy proxy"): the port is bound so that no other program takes it.
   *
   * @throws PortMapException {@code listen tcp4 0.0.0.0:8080: bind: address already in use}, …
   */
  @Override
  public Handle hold(PublishedPort port) {
    if (port.proto().equals("sctp")) {
      // Java's SCTP sockets need libsctp, which jocker does not require: nothing is held.
      return () -> {};
    }
    Closeable socket = loops[0].call(() -> (Closeable) bind(port, ""));
    return () -> {
      try {
        socket.close();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("closing " + hostAddress(port), e);
      }
    };
  }

  ProxyLoop nextLoop() {
    return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
  }

  private void unforward(ProxyLoop loop, ProxyLoop.Handler listener) {
    if (closed) {
      return;
    }
    loop.call(
        () -> {
          listener.close();
          return null;
        });
    if (listener instanceof TcpListener) {
      for (ProxyLoop l : loops) {
        l.call(
            () -> {
              for (ProxyLoop.Handler h :
                  l.owned(h -> h instanceof TcpRelay r && r.listener == listener)) {
                h.close();
              }
              return null;
            });
      }
    }
  }

  /** Binds a TCP (listening) or UDP socket on the port's host address, in the loop's thread. */
  private static NetworkChannel bind(PublishedPort port, String errorPrefix) {
    byte[] ip = IpText.parse(port.hostIp());
    boolean v6 = !IpText.isIpv4(ip);
    ProtocolFamily family = v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    InetSocketAddress address = address(port.hostIp(), port.hostPort());
    NetworkChannel channel = null;
    try {
      if (port.proto().equals("tcp")) {
        channel = ServerSocketChannel.open(family);
      } else {
        channel = DatagramChannel.open(family);
      }
      if (IpText.isUnspecified(ip)) {
        channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      }
      if (channel instanceof ServerSocketChannel server) {
        // docker-proxy listens with Go's backlog, the kernel's somaxconn.
        server.bind(address, 4096);
      } else {
        channel.bind(address);
      }
      return channel;
    } catch (IOException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          e.addSuppressed(ignored);
        }
      }
      throw new PortMapException(
          errorPrefix
              + "listen "
              + port.proto()
              + (v6 ? "6" : "4")
              + " "
              + hostAddress(port)
              + ": "
              + (e instanceof BindException || e instanceof SocketException ? "bind: " : "")
              + goErrno(e),
          e);
    }
  }

  /** Java's text of an errno ("Address already in use") as Go prints it. */
  private static String goErrno(IOException e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    int paren = m.indexOf(" (");
    if (paren > 0) {
      m = m.substring(0, paren);
    }
    return m.isEmpty() ? m : m.substring(0, 1).toLowerCase(Locale.ROOT) + m.substring(1);
  }

  private static String hostAddress(PublishedPort port) {
    return port.ipv6()
        ? "[" + port.hostIp() + "]:" + port.hostPort()
        : port.hostIp() + ":" + port.hostPort();
  }

  private static String backend(PublishedPort port) {
    return port.containerIp() + ":" + port.containerPort();
  }

  private static InetSocketAddress address(String ip, int port) {
    byte[] bytes = IpText.parse(ip);
    if (bytes == null) {
      throw new IllegalArgumentException("not an IP address: " + ip);
    }
    try {
      InetAddress a =
          IpText.isIpv4(bytes)
              ? InetAddress.getByAddress(java.util.Arrays.copyOfRange(bytes, 12, 16))
              : InetAddress.getByAddress(bytes);
      return new InetSocketAddress(a, port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + ip, e);
    }
  }

  /** Stops every loop, closing every socket and connection. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (ProxyLoop l : loops) {
      l.stop();
    }
    for (Thread t : threads) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}

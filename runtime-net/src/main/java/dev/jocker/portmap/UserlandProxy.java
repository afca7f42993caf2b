package dev.jocker.portmap;

import dev.jocker.kernel.Netns;
import dev.jocker.kernel.Sockets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Docker's userland proxy inside the daemon: where Docker starts a {@code docker-proxy} process per
 * published port and address family, this forwards every published port from a few event-loop
 * threads (one per core at most), TCP and UDP, IPv4 and IPv6 ({@code ::} only IPv6, as Go listens),
 * moving TCP bytes with splice(2) as docker-proxy does. It also holds ports without forwarding
 * them, as Docker's daemon does when the proxy is off, so that no other program takes a published
 * port. Its sockets live in the namespace given at construction (the host's): the loop threads
 * enter it once, when they start.
 */
public final class UserlandProxy implements PortListeners, AutoCloseable {
  private final ProxyLoop[] loops;
  private final Thread[] threads;
  private final AtomicInteger udpTurn = new AtomicInteger();

  /** Listening and held sockets, closed by their handle or, at the latest, with the proxy. */
  private final java.util.Set<Integer> sockets = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private volatile boolean closed;

  /** The inode of the namespace the proxy's sockets live in. */
  private final long hostNamespace;

  private Boolean ipv6Listenable;

  /** A proxy with {@code threads} event loops (at least 1) in namespace {@code host}. */
  public UserlandProxy(Netns host, int threads) {
    this.hostNamespace = inode(host.path());
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
      byte[] loopback = new byte[16];
      loopback[15] = 1;
      ipv6Listenable =
          loops[0].call(
              () -> {
                int fd =
                    Sockets.bind(
                        Sockets.AF_INET6, Sockets.SOCK_STREAM, Sockets.sockaddr(loopback, 0));
                if (fd < 0) {
                  return false;
                }
                boolean ok = Sockets.listen(fd) == 0;
                Sockets.close(fd);
                return ok;
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
    byte[] backend = sockaddr(port.containerIp(), port.containerPort());
    String name =
        port.proto()
            + "/"
            + hostAddress(port)
            + " for "
            + port.proto()
            + "/"
            + port.containerIp()
            + ":"
            + port.containerPort();
    switch (port.proto()) {
      case "tcp" -> {
        // A start waits for this: the socket is opened where it can be at once, and the loops
        // watch it soon after, each on its own thread (a connection arriving before then waits in
        // the backlog, and edge-triggered epoll reports it when the socket is added).
        int fd = opening(() -> open(port, "Error starting userland proxy: "));
        sockets.add(fd);
        TcpListener listener = new TcpListener(fd, backend, name);
        int[] tokens = new int[loops.length];
        for (int i = 0; i < loops.length; i++) {
          ProxyLoop loop = loops[i];
          int at = i;
          loop.execute(() -> tokens[at] = listener.watch(loop));
        }
        return () -> {
          if (closed) {
            return;
          }
          for (int i = 0; i < loops.length; i++) {
            ProxyLoop loop = loops[i];
            int at = i;
            // Queued after the watch on the same loop, so the token is there to read.
            loop.call(
                () -> {
                  listener.unwatch(loop, tokens[at]);
                  return null;
                });
          }
          // Closed only once no loop can touch it: a number closed too early may be reused.
          closeSocket(fd);
        };
      }
      case "udp" -> {
        ProxyLoop loop = loops[Math.floorMod(udpTurn.getAndIncrement(), loops.length)];
        UdpListener listener =
            new UdpListener(
                loop, opening(() -> open(port, "Error starting userland proxy: ")), backend, name);
        loop.execute(listener::start);
        return () -> {
          if (!closed) {
            loop.call(
                () -> {
                  listener.close();
                  return null;
                });
          }
        };
      }
      default -> {
        // docker-proxy fails here where the kernel has no SCTP; where it has, jocker still does not
        // relay SCTP.
        Sockets.close(loops[0].call(() -> sctp(port, "Error starting userland proxy: ")));
        throw new PortMapException(
            "Error starting userland proxy: jocker's proxy does not forward " + port.proto());
      }
    }
  }

  /**
   * Holds {@code port} without forwarding it, as Docker's daemon does without the userland proxy
   * (its "dummy proxy"): the port is bound (and a TCP one listens) so that no other program takes
   * it.
   *
   * @throws PortMapException {@code listen tcp4 0.0.0.0:8080: bind: address already in use}, …
   */
  @Override
  public Handle hold(PublishedPort port) {
    int fd = opening(() -> port.proto().equals("sctp") ? sctp(port, "") : open(port, ""));
    sockets.add(fd);
    return () -> closeSocket(fd);
  }

  /**
   * Runs {@code open} on the calling thread when it is in the proxy's namespace (jockerd's request
   * threads are, in the host's), else on a loop's thread, which is: a socket stays in the namespace
   * it was opened in. A start waits for this, and a hand-over to a loop costs it more than the
   * socket itself.
   */
  private int opening(Callable<Integer> open) {
    if (hostNamespace != 0 && namespaceOfThisThread() == hostNamespace) {
      try {
        return open.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return loops[0].call(open);
  }

  private static long namespaceOfThisThread() {
    return inode(Path.of("/proc/thread-self/ns/net"));
  }

  /** The inode of a namespace file (nsfs), 0 when it cannot be read. */
  private static long inode(Path ns) {
    try {
      return ((Number) Files.getAttribute(ns, "unix:ino")).longValue();
    } catch (IOException | UnsupportedOperationException e) {
      return 0;
    }
  }

  private void closeSocket(int fd) {
    if (sockets.remove(fd)) {
      Sockets.close(fd);
    }
  }

  /**
   * An SCTP socket listening on the port's host address, as Docker's dummy proxy holds an SCTP
   * port; Docker's {@code protocol not supported} where the kernel has no SCTP.
   */
  private static int sctp(PublishedPort port, String errorPrefix) {
    byte[] ip = hostIpBytes(port.hostIp());
    int family = ip.length == 4 ? Sockets.AF_INET : Sockets.AF_INET6;
    int fd = Sockets.sctpSocket(family);
    if (fd < 0) {
      throw new PortMapException(errorPrefix + Sockets.errorText(-fd));
    }
    fd = Sockets.bind(fd, family, Sockets.SOCK_STREAM, Sockets.sockaddr(ip, port.hostPort()));
    int r = fd < 0 ? fd : Sockets.listen(fd);
    if (r < 0) {
      if (fd >= 0) {
        Sockets.close(fd);
      }
      throw new PortMapException(
          errorPrefix + "listen sctp " + hostAddress(port) + ": " + Sockets.errorText(-r));
    }
    return fd;
  }

  /** Binds (and for TCP, listens on) the port's host address, in the proxy's namespace. */
  private static int open(PublishedPort port, String errorPrefix) {
    byte[] ip = hostIpBytes(port.hostIp());
    int family = ip.length == 4 ? Sockets.AF_INET : Sockets.AF_INET6;
    boolean tcp = port.proto().equals("tcp");
    int fd =
        Sockets.bind(
            family,
            tcp ? Sockets.SOCK_STREAM : Sockets.SOCK_DGRAM,
            Sockets.sockaddr(ip, port.hostPort()));
    String call = "bind";
    if (fd >= 0 && tcp) {
      int r = Sockets.listen(fd);
      if (r < 0) {
        Sockets.close(fd);
        fd = r;
        call = "listen";
      }
    }
    if (fd < 0) {
      throw new PortMapException(
          errorPrefix
              + "listen "
              + port.proto()
              + (family == Sockets.AF_INET ? "4" : "6")
              + " "
              + hostAddress(port)
              + ": "
              + call
              + ": "
              + Sockets.errorText(-fd));
    }
    return fd;
  }

  /** The address family of a {@link Sockets#sockaddr}: 16 bytes for IPv4, 28 for IPv6. */
  static int family(byte[] sockaddr) {
    return sockaddr.length == 16 ? Sockets.AF_INET : Sockets.AF_INET6;
  }

  private static byte[] sockaddr(String ip, int port) {
    return Sockets.sockaddr(hostIpBytes(ip), port);
  }

  /** 4 bytes for IPv4 (and IPv4-mapped) addresses, 16 for IPv6. */
  private static byte[] hostIpBytes(String ip) {
    byte[] bytes = IpText.parse(ip);
    if (bytes == null) {
      throw new IllegalArgumentException("not an IP address: " + ip);
    }
    return IpText.isIpv4(bytes) ? Arrays.copyOfRange(bytes, 12, 16) : bytes;
  }

  /** Go's rendering of the address: {@code 0.0.0.0:8080}, {@code [::]:8080}. */
  private static String hostAddress(PublishedPort port) {
    return port.ipv6()
        ? "[" + port.hostIp() + "]:" + port.hostPort()
        : port.hostIp() + ":" + port.hostPort();
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
    for (Integer fd : List.copyOf(sockets)) {
      closeSocket(fd);
    }
  }
}

package dev.jocker.dns;

import dev.jocker.firewall.Iptables;
import dev.jocker.kernel.Netns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Docker's embedded DNS for every container on a user-defined network, from one daemon: each
 * container gets a UDP and a TCP socket on 127.0.0.11 at random ports inside its own namespace
 * (opened on the namespace thread, so they stay there) and Docker's nat rules leading port 53 to
 * them; a fixed number of event-loop threads, however many containers there are, answers from the
 * {@link NameTable} and forwards the rest to each container's upstream servers.
 *
 * <p>The controller calls {@link #attach} when a container's sandbox gets its first endpoint on a
 * user-defined network (its namespace and {@code lo} already up), and {@link #detach} before it
 * deletes the namespace. A daemon that restarts attaches again with the same {@link ResolverStore}:
 * the same ports are bound again and the rules already in the namespace stay as they are.
 */
public final class EmbeddedDns implements AutoCloseable {
  /**
   * How the embedded DNS runs.
   *
   * @param hostNetns the namespace loopback upstreams are asked from (a file such as {@code
   *     /run/netns/NAME}), or null for the daemon's own
   * @param threads event-loop threads serving every container (each container is served by one)
   * @param upstreamTimeout how long an upstream gets to answer before the next is asked (Docker's 4
   *     s)
   */
  public record Config(Path hostNetns, int threads, Duration upstreamTimeout) {
    public Config {
      if (threads < 1) {
        throw new IllegalArgumentException(
            "embedded DNS: threads must be at least 1, not " + threads);
      }
    }

    /** Docker's behaviour from the daemon's own namespace, served by one thread. */
    public static Config defaults() {
      return new Config(null, 1, Duration.ofSeconds(4));
    }

    public Config withHostNetns(Path path) {
      return new Config(path, threads, upstreamTimeout);
    }

    public Config withThreads(int n) {
      return new Config(hostNetns, n, upstreamTimeout);
    }

    public Config withUpstreamTimeout(Duration timeout) {
      return new Config(hostNetns, threads, timeout);
    }
  }

  /**
   * A container to serve.
   *
   * @param containerId its full ID (its name-table lookups are made as this container)
   * @param netns its network namespace file, {@code lo} up
   * @param freshNamespace whether the namespace was just made (no rules can be there yet, so none
   *     are read first)
   * @param upstreams where to forward ({@link ResolvConf.Embedded#upstreams()})
   * @param ndotsSet whether its resolv.conf sets ndots itself ({@link
   *     ResolvConf.Embedded#ndotsSet()})
   */
  public record Attachment(
      String containerId,
      Path netns,
      boolean freshNamespace,
      List<Upstream> upstreams,
      boolean ndotsSet) {
    public Attachment {
      upstreams = List.copyOf(upstreams);
    }
  }

  /**
   * A container's resolver as it runs.
   *
   * @param containerId the container
   * @param netns its namespace file
   * @param ports where it listens on 127.0.0.11 inside
   * @param upstreams where it forwards
   * @param listening whether its sockets are open
   */
  public record Resolver(
      String containerId,
      Path netns,
      ResolverPorts ports,
      List<Upstream> upstreams,
      boolean listening) {}

  private record Served(Attached attached, DnsLoop loop, Path netns) {}

  private static final InetAddress RESOLVER_ADDRESS = resolverAddress();

  private final NameTable table;
  private final Config config;
  private final Netns hostNetns;
  private final List<DnsLoop> loops = new ArrayList<>();
  private final ExecutorService hops;
  private final Map<String, Served> served = new ConcurrentHashMap<>();

  private EmbeddedDns(NameTable table, Config config) {
    this.table = table;
    this.config = config;
    this.hostNetns = config.hostNetns() == null ? null : Netns.open(config.hostNetns());
    // One thread for the rare forward over TCP that needs a socket made inside a namespace: the
    // loops never wait for the namespace thread.
    this.hops =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "jocker-dns-sockets");
              t.setDaemon(true);
              return t;
            });
    try {
      for (int i = 0; i < config.threads(); i++) {
        loops.add(
            new DnsLoop(
                "jocker-dns-" + i,
                table,
                config.upstreamTimeout().toNanos(),
                this::hostUdpSocket,
                this::openTcp));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Starts the event loops; {@code table} is what they answer from. */
  public static EmbeddedDns start(NameTable table, Config config) {
    return new EmbeddedDns(table, config);
  }

  /** The name table the resolvers answer from. */
  public NameTable names() {
    return table;
  }

  /** The threads serving every container (the number does not grow with the containers). */
  public List<Thread> threads() {
    return loops.stream().map(DnsLoop::thread).toList();
  }

  /**
   * Starts serving a container: opens its sockets inside its namespace (the ports recorded in
   * {@code store} when there are any and they are free, else random ones), installs the rules when
   * the ports are new to the namespace, records the ports, and starts answering.
   */
  public Resolver attach(Attachment a, ResolverStore store) {
    if (served.containsKey(a.containerId())) {
      throw new IllegalStateException(
          "embedded DNS: container " + a.containerId() + " is already served");
    }
    Optional<ResolverPorts> previous = store.ports(a.containerId());
    Netns ns = Netns.open(a.netns());
    Attached attached;
    try {
      attached = ns.call(() -> openSockets(a, ns, previous.orElse(null)));
    } catch (RuntimeException e) {
      ns.close();
      throw e;
    }
    try {
      if (!previous.equals(Optional.of(attached.ports))) {
        Iptables iptables = new Iptables(a.netns());
        String save = a.freshNamespace() ? "" : iptables.save();
        DnsRules.install(iptables, attached.ports.udp(), attached.ports.tcp(), save);
      }
      store.record(a.containerId(), attached.ports);
      DnsLoop loop = loops.get(Math.floorMod(a.containerId().hashCode(), loops.size()));
      loop.call(() -> loop.register(attached));
      served.put(a.containerId(), new Served(attached, loop, a.netns()));
    } catch (RuntimeException e) {
      attached.closeAll();
      throw e;
    }
    return describe(a.containerId(), served.get(a.containerId()));
  }

  /**
   * Stops serving a container and forgets its ports: its sockets close (they hold its namespace
   * alive, so this comes before the namespace is deleted). Its rules go with the namespace.
   */
  public void detach(String containerId, ResolverStore store) {
    Served s = served.remove(containerId);
    if (s != null) {
      s.loop().call(() -> s.loop().unregister(s.attached()));
    }
    store.forget(containerId);
  }

  /** The resolver of {@code containerId}, if it is served. */
  public Optional<Resolver> resolver(String containerId) {
    Served s = served.get(containerId);
    return s == null ? Optional.empty() : Optional.of(describe(containerId, s));
  }

  /** Every resolver served. */
  public List<Resolver> resolvers() {
    return served.entrySet().stream().map(e -> describe(e.getKey(), e.getValue())).toList();
  }

  private static Resolver describe(String containerId, Served s) {
    Attached a = s.attached();
    return new Resolver(
        containerId, s.netns(), a.ports, a.upstreams, a.udp.isOpen() && a.tcp.isOpen());
  }

  /**
   * Stops every loop and closes every socket, without forgetting ports or touching rules: a daemon
   * going down leaves the namespaces ready for the next one to attach again.
   */
  @Override
  public void close() {
    loops.forEach(DnsLoop::shutdown);
    served.values().forEach(s -> s.attached().closeAll());
    served.clear();
    hops.shutdownNow();
    if (hostNetns != null) {
      hostNetns.close();
    }
  }

  /** Runs inside the container's namespace. */
  private static Attached openSockets(Attachment a, Netns ns, ResolverPorts previous) {
    DatagramChannel udp = null;
    ServerSocketChannel tcp = null;
    DatagramChannel upstream = null;
    try {
      udp = DatagramChannel.open(StandardProtocolFamily.INET);
      bind(udp, previous == null ? 0 : previous.udp());
      tcp = ServerSocketChannel.open(StandardProtocolFamily.INET);
      bindListener(tcp, previous == null ? 0 : previous.tcp());
      // The socket forwarded queries leave from: through the container's own network, as Docker
      // dials its upstreams from inside the namespace.
      upstream = DatagramChannel.open(StandardProtocolFamily.INET);
      upstream.bind(new InetSocketAddress(0));
      return new Attached(a.containerId(), ns, udp, tcp, upstream, a.upstreams(), a.ndotsSet());
    } catch (IOException e) {
      for (java.io.Closeable c : new java.io.Closeable[] {udp, tcp, upstream}) {
        if (c != null) {
          try {
            c.close();
          } catch (IOException suppressed) {
            e.addSuppressed(suppressed);
          }
        }
      }
      throw new UncheckedIOException(
          "embedded DNS of "
              + a.containerId()
              + ": cannot listen on "
              + ResolvConf.EMBEDDED_NAMESERVER
              + " in "
              + a.netns()
              + " (is lo up there?): "
              + e.getMessage(),
          e);
    }
  }

  private static void bind(DatagramChannel ch, int port) throws IOException {
    try {
      ch.bind(new InetSocketAddress(RESOLVER_ADDRESS, port));
    } catch (BindException taken) {
      if (port == 0) {
        throw taken;
      }
      ch.bind(new InetSocketAddress(RESOLVER_ADDRESS, 0));
    }
  }

  private static void bindListener(ServerSocketChannel ch, int port) throws IOException {
    try {
      ch.bind(new InetSocketAddress(RESOLVER_ADDRESS, port), 128);
    } catch (BindException taken) {
      if (port == 0) {
        throw taken;
      }
      ch.bind(new InetSocketAddress(RESOLVER_ADDRESS, 0), 128);
    }
  }

  /** The socket a loop asks loopback upstreams through, in the host's namespace. */
  private DatagramChannel hostUdpSocket() {
    try {
      if (hostNetns == null) {
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        ch.bind(new InetSocketAddress(0));
        return ch;
      }
      return hostNetns.call(
          () -> {
            DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
            ch.bind(new InetSocketAddress(0));
            return ch;
          });
    } catch (IOException e) {
      throw new UncheckedIOException("embedded DNS: cannot open its host upstream socket", e);
    }
  }

  private CompletableFuture<SocketChannel> openTcp(Attached target) {
    Netns ns = target == null ? hostNetns : target.netns;
    if (ns == null) {
      try {
        return CompletableFuture.completedFuture(SocketChannel.open(StandardProtocolFamily.INET));
      } catch (IOException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return CompletableFuture.supplyAsync(
        () -> ns.call(() -> SocketChannel.open(StandardProtocolFamily.INET)), hops);
  }

  private static InetAddress resolverAddress() {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, 11});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}

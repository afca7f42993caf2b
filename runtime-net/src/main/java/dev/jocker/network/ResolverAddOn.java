package dev.jocker.network;

import dev.jocker.concurrent.KeyedLocks;
import dev.jocker.dns.DnsEndpoint;
import dev.jocker.dns.EmbeddedDns;
import dev.jocker.dns.NameTable;
import dev.jocker.dns.ResolvConf;
import dev.jocker.dns.ResolverPorts;
import dev.jocker.dns.ResolverStore;
import dev.jocker.ipam.Ipv4;
import dev.jocker.kernel.Netns;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.NetworkRecord;
import dev.jocker.store.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Docker's embedded DNS as a part of each sandbox: every endpoint's names go into the {@link
 * NameTable} when it joins and out when it leaves (on the default bridge too, as Docker records
 * them), and a sandbox with an endpoint on a user-defined network gets its resolver on 127.0.0.11
 * inside its namespace at that endpoint's join; the resolver stays until the sandbox is released (a
 * disconnect leaves it, as Docker leaves it). Its ports are kept in the store, so a restarted
 * daemon binds the same ones and the rules in each namespace stay right.
 *
 * <p>What it knows of a container comes from the sandbox's and endpoints' options, which the
 * container side fills in: the keys below.
 */
public final class ResolverAddOn implements SandboxAddOn, AutoCloseable {
  /** Sandbox option: the container's name. */
  public static final String NAME = "dns.name";

  /** Sandbox option: the container's hostname. */
  public static final String HOSTNAME = "dns.hostname";

  /** Sandbox option: {@code --dns} servers, one per line. */
  public static final String SERVERS = "dns.servers";

  /** Sandbox option: {@code --dns-search} domains, one per line. */
  public static final String SEARCH = "dns.search";

  /** Sandbox option: {@code --dns-option} options, one per line. */
  public static final String OPTIONS = "dns.options";

  /** Sandbox option: {@code --link} on a user network, {@code ALIAS=CONTAINER} per line. */
  public static final String LINKS = "dns.links";

  /** Endpoint option: {@code --network-alias} names on its network, one per line. */
  public static final String ALIASES = "dns.aliases";

  private final NetworkController controller;
  private final NameTable names = new NameTable();
  private final EmbeddedDns dns;
  private final ResolverStore ports;
  private final Path hostResolvConf;
  private final KeyedLocks locks = new KeyedLocks();

  /**
   * Starts the resolver's threads; {@code hostResolvConf} is the host's /etc/resolv.conf, where
   * forwarded queries go unless a container's {@code --dns} says otherwise.
   */
  public ResolverAddOn(
      NetworkController controller, Store store, EmbeddedDns.Config config, Path hostResolvConf) {
    this.controller = controller;
    this.hostResolvConf = hostResolvConf;
    this.ports = new StoredPorts(store);
    this.dns = EmbeddedDns.start(names, config);
  }

  @Override
  public String name() {
    return "embedded DNS";
  }

  /** The table every resolver answers from. */
  public NameTable names() {
    return names;
  }

  /** The resolver serving a container, if it has one. */
  public Optional<EmbeddedDns.Resolver> resolver(String containerId) {
    return dns.resolver(containerId);
  }

  /** The threads serving every container (as many for 1 as for 1000). */
  public List<Thread> threads() {
    return dns.threads();
  }

  @Override
  @SuppressWarnings("try")
  public void joined(Sandbox sandbox, Netns ns) {
    try (KeyedLocks.Held held = locks.exclusive(sandbox.containerId())) {
      sandbox.endpoints().forEach(e -> record(sandbox, e));
      if (needsResolver(sandbox)) {
        attach(sandbox, true);
      }
    }
  }

  @Override
  @SuppressWarnings("try")
  public void endpointJoined(Sandbox sandbox, EndpointRecord endpoint, Netns ns) {
    try (KeyedLocks.Held held = locks.exclusive(sandbox.containerId())) {
      record(sandbox, endpoint);
      if (needsResolver(sandbox) && dns.resolver(sandbox.containerId()).isEmpty()) {
        attach(sandbox, false);
      }
    }
  }

  @Override
  @SuppressWarnings("try")
  public void endpointLeaving(Sandbox sandbox, EndpointRecord endpoint) {
    try (KeyedLocks.Held held = locks.exclusive(sandbox.containerId())) {
      network(endpoint).ifPresent(n -> names.remove(sandbox.containerId(), n.name()));
    }
  }

  @Override
  @SuppressWarnings("try")
  public void leaving(Sandbox sandbox) {
    try (KeyedLocks.Held held = locks.exclusive(sandbox.containerId())) {
      names.removeContainer(sandbox.containerId());
      // The sockets hold the namespace alive: they close before it is deleted.
      dns.detach(sandbox.containerId(), ports);
    }
  }

  @Override
  @SuppressWarnings("try")
  public void restored(Sandbox sandbox, Netns ns) {
    try (KeyedLocks.Held held = locks.exclusive(sandbox.containerId())) {
      sandbox.endpoints().forEach(e -> record(sandbox, e));
      if (needsResolver(sandbox) && dns.resolver(sandbox.containerId()).isEmpty()) {
        attach(sandbox, false);
      }
    }
  }

  /**
   * Puts back a resolver whose sockets are gone for a sandbox that has its names (joined or
   * restored, so not one being made or released right now).
   */
  @Override
  @SuppressWarnings("try")
  public List<String> heal(Collection<Sandbox> sandboxes) {
    List<String> fixed = new ArrayList<>();
    for (Sandbox s : sandboxes) {
      if (names.endpoints(s.containerId()).isEmpty() || !needsResolver(s)) {
        continue;
      }
      Optional<EmbeddedDns.Resolver> r = dns.resolver(s.containerId());
      if (r.isPresent() && r.get().listening()) {
        continue;
      }
      try (KeyedLocks.Held held = locks.exclusive(s.containerId())) {
        if (controller.sandbox(s.containerId()).isEmpty()
            || names.endpoints(s.containerId()).isEmpty()) {
          continue;
        }
        if (r.isPresent()) {
          dns.detach(s.containerId(), ResolverStore.inMemory());
        }
        attach(s, false);
        fixed.add(
            "restarted the resolver of "
                + s.record().options().getOrDefault(NAME, s.containerId()));
      }
    }
    return fixed;
  }

  /** Closes every resolver's sockets, keeping their ports and rules for the next daemon. */
  @Override
  public void close() {
    dns.close();
  }

  /** Whether one of the sandbox's endpoints is on a user-defined network. */
  public boolean needsResolver(Sandbox sandbox) {
    return sandbox.endpoints().stream()
        .anyMatch(e -> network(e).map(n -> !isDefault(n)).orElse(false));
  }

  private static boolean isDefault(NetworkRecord n) {
    return n.name().equals(NetworkController.BRIDGE);
  }

  private Optional<NetworkRecord> network(EndpointRecord e) {
    return controller.find(e.networkId()).filter(n -> n.id().equals(e.networkId()));
  }

  private void record(Sandbox sandbox, EndpointRecord e) {
    Optional<NetworkRecord> n = network(e);
    if (n.isEmpty()) {
      return;
    }
    Map<String, String> options = sandbox.record().options();
    String name = options.getOrDefault(NAME, sandbox.containerId().substring(0, 12));
    java.net.Inet4Address address = Ipv4.toInet(Ipv4.parse(e.address()));
    if (isDefault(n.get())) {
      names.add(DnsEndpoint.onDefaultBridge(sandbox.containerId(), name, n.get().name(), address));
      return;
    }
    names.add(
        DnsEndpoint.onUserNetwork(
            sandbox.containerId(),
            name,
            options.get(HOSTNAME),
            n.get().name(),
            n.get().internal(),
            lines(e.options().get(ALIASES)),
            address,
            links(options.get(LINKS))));
  }

  private void attach(Sandbox sandbox, boolean freshNamespace) {
    ResolvConf.Embedded conf = embedded(sandbox.record().options());
    dns.attach(
        new EmbeddedDns.Attachment(
            sandbox.containerId(),
            controller.netnsPath(sandbox),
            freshNamespace,
            conf.upstreams(),
            conf.ndotsSet()),
        ports);
  }

  /**
   * The resolv.conf of a container on a user-defined network and where its resolver forwards, from
   * the host's file and the container's options as the sandbox records them.
   */
  public ResolvConf.Embedded embedded(Map<String, String> sandboxOptions) {
    return ResolvConf.forEmbeddedDns(
        ResolvConf.readOrEmpty(hostResolvConf), settings(sandboxOptions));
  }

  /** The container's {@code --dns}, {@code --dns-search} and {@code --dns-option}. */
  public static ResolvConf.DnsSettings settings(Map<String, String> sandboxOptions) {
    return new ResolvConf.DnsSettings(
        lines(sandboxOptions.get(SERVERS)),
        lines(sandboxOptions.get(SEARCH)),
        lines(sandboxOptions.get(OPTIONS)));
  }

  /** {@code values} as one option value: one per line. */
  public static String join(List<String> values) {
    return String.join("\n", values);
  }

  private static List<String> lines(String value) {
    return value == null || value.isEmpty() ? List.of() : Arrays.asList(value.split("\n"));
  }

  private static Map<String, String> links(String value) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : lines(value)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return out;
  }

  /** The resolvers' ports, kept in the store's {@code resolvers} table. */
  private record StoredPorts(Store store) implements ResolverStore {
    @Override
    public Optional<ResolverPorts> ports(String containerId) {
      return store
          .inTransaction(tx -> tx.resolverPorts(containerId))
          .map(p -> new ResolverPorts(p[0], p[1]));
    }

    @Override
    public void record(String containerId, ResolverPorts p) {
      store.inTransaction(
          tx -> {
            tx.putResolverPorts(containerId, p.udp(), p.tcp());
            return null;
          });
    }

    @Override
    public void forget(String containerId) {
      store.inTransaction(
          tx -> {
            tx.deleteResolverPorts(containerId);
            return null;
          });
    }
  }
}

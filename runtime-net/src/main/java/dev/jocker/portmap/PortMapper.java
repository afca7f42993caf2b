package dev.jocker.portmap;

import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.IptablesException;
import dev.jocker.firewall.Rule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Publishes a container's ports as libnetwork's bridge driver does ({@code allocatePorts}, {@code
 * portmapper.MapRange}, {@code releasePorts}), in steps the network controller can journal:
 *
 * <ol>
 *   <li>{@link #allocate} (inside the controller's store transaction): for each requested binding,
 *       IPv4 then the {@code ::} one the userland proxy adds, takes a host port and opens its proxy
 *       listener (or, without the proxy, holds the port); an ephemeral port that another program
 *       holds is skipped for the next one, up to 10 times, as Docker does. The ports are recorded
 *       in the transaction; a failure undoes the call's own work and says Docker's words.
 *   <li>{@link #program} (after the commit): appends the DNAT, ACCEPT and hairpin MASQUERADE rules
 *       of every port at once.
 *   <li>{@link #release} (at stop, inside a transaction): closes the listeners, deletes the rules,
 *       frees the ports and their records. It also cleans up after a crash: rules that are not
 *       there and listeners that died with the old process are skipped.
 * </ol>
 *
 * Sockets vanish with the daemon, and the records commit before any rule exists, so after a crash
 * the records alone say what to remove ({@link #release}) or re-open ({@link #restore}).
 */
public final class PortMapper {
  private static final Logger LOG = LogManager.getLogger(PortMapper.class);

  /** libnetwork's {@code maxAllocatePortAttempts}. */
  static final int MAX_ATTEMPTS = 10;

  private record Active(PublishedPort port, PortListeners.Handle handle) {}

  private final Firewall firewall;
  private final String chain;
  private final PortAllocator allocator;
  private final PortListeners proxy;
  private final boolean userlandProxy;
  private final String defaultHostIp;
  private final Map<String, Active> active = new LinkedHashMap<>();

  /**
   * A mapper appending rules to {@code chain} (Docker's {@code DOCKER}) through {@code firewall}
   * (null with {@code --iptables=false}: no rules), forwarding with {@code proxy} when {@code
   * userlandProxy} and only holding ports with it otherwise, binding {@code defaultHostIp}
   * (dockerd's {@code --ip}, {@code 0.0.0.0}) when a binding names no address.
   */
  public PortMapper(
      Firewall firewall,
      String chain,
      PortAllocator allocator,
      PortListeners proxy,
      boolean userlandProxy,
      String defaultHostIp) {
    this.firewall = firewall;
    this.chain = chain;
    this.allocator = allocator;
    this.proxy = proxy;
    this.userlandProxy = userlandProxy;
    this.defaultHostIp = IpText.canonical(defaultHostIp);
    if (this.defaultHostIp == null) {
      throw new IllegalArgumentException("--ip " + defaultHostIp + ": not an IP address");
    }
  }

  /**
   * Takes host ports for {@code requests} of the container {@code owner} at {@code containerIp} on
   * {@code bridge}, with their proxy listeners, and records them in {@code store}; returns them in
   * the order taken (the order of {@code NetworkSettings.Ports} and of the rules).
   *
   * @throws PortMapException with Docker's text, having released whatever it took
   */
  public synchronized List<PublishedPort> allocate(
      PortStore store,
      String owner,
      String bridge,
      String containerIp,
      List<PortRequest> requests) {
    List<Active> taken = new ArrayList<>();
    try {
      for (PortRequest r : requests) {
        if (!r.proto().equals("tcp") && !r.proto().equals("udp") && !r.proto().equals("sctp")) {
          throw new PortMapException("invalid transport protocol: " + r.proto());
        }
        String v4 = ipv4HostIp(r);
        if (v4 != null) {
          taken.add(take(owner, bridge, containerIp, r, v4));
        }
        String v6 = ipv6HostIp(r);
        if (v6 != null) {
          taken.add(take(owner, bridge, containerIp, r, v6));
        }
      }
      for (Active a : taken) {
        store.insertPort(a.port());
      }
    } catch (RuntimeException e) {
      undo(taken);
      throw e;
    }
    for (Active a : taken) {
      active.put(a.port().hostKey(), a);
    }
    store.onRollback(
        () -> {
          synchronized (this) {
            taken.forEach(a -> active.remove(a.port().hostKey()));
            undo(taken);
          }
        });
    return taken.stream().map(Active::port).toList();
  }

  /**
   * Appends the rules of {@code ports} in one {@code iptables-restore}.
   *
   * @throws PortMapException naming iptables' complaint, having removed what it appended
   */
  public void program(List<PublishedPort> ports) {
    if (firewall == null) {
      return;
    }
    List<Rule> rules = PortRules.of(ports, chain);
    try {
      firewall.append(rules);
    } catch (IptablesException e) {
      firewall.deleteEach(rules);
      throw new PortMapException(e.getMessage(), e);
    }
  }

  /**
   * Closes the listeners of {@code ports}, deletes their rules, frees them and forgets their
   * records in {@code store}, as Docker's {@code releasePorts}: also after a crash, for ports
   * recorded by a daemon that died (rules already gone are skipped).
   */
  public synchronized void release(PortStore store, List<PublishedPort> ports) {
    for (PublishedPort p : ports) {
      Active a = active.remove(p.hostKey());
      if (a != null && a.handle() != null) {
        a.handle().close();
      }
    }
    if (firewall != null) {
      firewall.deleteEach(PortRules.of(ports, chain));
    }
    for (PublishedPort p : ports) {
      allocator.release(p.hostIp(), p.proto(), p.hostPort());
      store.deletePort(p);
    }
    store.onRollback(
        () -> {
          synchronized (this) {
            ports.forEach(p -> allocator.mark(p.hostIp(), p.proto(), p.hostPort()));
          }
        });
  }

  /**
   * At daemon start, for the recorded ports of containers still running: marks them taken and
   * re-opens their listeners (their rules are the periodic check's, {@link #restoreRules}). Returns
   * what could not be re-opened (another program took the port meanwhile), in Docker's words; such
   * a port stays recorded and ruled, as its container still has it.
   */
  public synchronized List<String> restore(List<PublishedPort> live) {
    List<String> failures = new ArrayList<>();
    for (PublishedPort p : live) {
      allocator.mark(p.hostIp(), p.proto(), p.hostPort());
      PortListeners.Handle handle = null;
      try {
        handle = open(p);
      } catch (PortMapException e) {
        LOG.error("port {} of container {}: {}", p.hostKey(), p.owner(), e.getMessage());
        failures.add(p.hostKey() + ": " + e.getMessage());
      }
      active.put(p.hostKey(), new Active(p, handle));
    }
    return failures;
  }

  /** The ports this mapper holds for {@code owner}, in the order taken. */
  public synchronized List<PublishedPort> ports(String owner) {
    return active.values().stream().map(Active::port).filter(p -> p.owner().equals(owner)).toList();
  }

  /** Rules of the ports held that are missing from the kernel (one {@code iptables-save}). */
  public List<Rule> missingRules() {
    if (firewall == null) {
      return List.of();
    }
    return firewall.absent(PortRules.of(heldPorts(), chain));
  }

  /**
   * Appends the missing rules of the ports held, for the periodic check (after the bridges' own
   * rules are back, so that the DOCKER chains exist); returns them.
   */
  public List<Rule> restoreRules() {
    List<Rule> missing = missingRules();
    if (!missing.isEmpty()) {
      firewall.append(missing);
    }
    return missing;
  }

  private synchronized List<PublishedPort> heldPorts() {
    return active.values().stream().map(Active::port).toList();
  }

  /** libnetwork's {@code validatePortBindingIPv4}: the IPv4 address to bind, or null for none. */
  private String ipv4HostIp(PortRequest r) {
    if (!r.hostIp().isEmpty()) {
      return r.hostIp().contains(":") ? null : r.hostIp();
    }
    return defaultHostIp.contains(":") ? null : defaultHostIp;
  }

  /**
   * libnetwork's {@code validatePortBindingIPv6}: containers have no IPv6 address here, so there is
   * an IPv6 binding only through the userland proxy (to the container's IPv4 address), and only
   * where IPv6 sockets can listen.
   */
  private String ipv6HostIp(PortRequest r) {
    boolean v6Binding = r.hostIp().contains(":");
    if (!userlandProxy || (!v6Binding && !proxy.ipv6Listenable())) {
      return null;
    }
    if (!r.hostIp().isEmpty()) {
      return v6Binding ? r.hostIp() : null;
    }
    if (defaultHostIp.equals("0.0.0.0")) {
      return "::";
    }
    return defaultHostIp.contains(":") ? defaultHostIp : null;
  }

  /** libnetwork's {@code allocatePort}: a port, its listener, retried for ephemeral ports. */
  private Active take(
      String owner, String bridge, String containerIp, PortRequest r, String hostIp) {
    int end = r.hostPortEnd() == 0 ? r.hostPort() : r.hostPortEnd();
    PortMapException last = null;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      int port = allocator.request(hostIp, r.proto(), r.hostPort(), end);
      PublishedPort p =
          new PublishedPort(
              owner,
              bridge,
              userlandProxy,
              r.proto(),
              hostIp,
              port,
              containerIp,
              r.containerPort());
      try {
        return new Active(p, open(p));
      } catch (PortMapException e) {
        allocator.release(hostIp, r.proto(), port);
        last = e;
        if (r.hostPort() != 0) {
          break;
        }
        LOG.warn("failed to allocate and map port: {}, retry: {}", e.getMessage(), attempt + 1);
      }
    }
    throw last;
  }

  private PortListeners.Handle open(PublishedPort p) {
    return userlandProxy ? proxy.forward(p) : proxy.hold(p);
  }

  private void undo(List<Active> taken) {
    for (Active a : taken) {
      if (a.handle() != null) {
        a.handle().close();
      }
      allocator.release(a.port().hostIp(), a.port().proto(), a.port().hostPort());
    }
  }
}

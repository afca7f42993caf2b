package dev.jocker.network;

import static dev.jocker.network.AttachmentException.Reason.ALREADY_ATTACHED;
import static dev.jocker.network.AttachmentException.Reason.DAMAGED;
import static dev.jocker.network.AttachmentException.Reason.INTERFACE_EXISTS;
import static dev.jocker.network.AttachmentException.Reason.INVALID_NAMESPACE;
import static dev.jocker.network.AttachmentException.Reason.INVALID_NETWORK;
import static dev.jocker.network.AttachmentException.Reason.NO_FREE_ADDRESS;
import static dev.jocker.network.AttachmentException.Reason.UNKNOWN_ATTACHMENT;

import dev.jocker.bridge.BridgeDriver;
import dev.jocker.bridge.Crashpoints;
import dev.jocker.concurrent.KeyedLocks;
import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.Rule;
import dev.jocker.ipam.Ipam;
import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.LeaseStore;
import dev.jocker.ipam.Pool;
import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.Addr;
import dev.jocker.kernel.KernelException;
import dev.jocker.kernel.Link;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.Route;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.JournalEntry;
import dev.jocker.store.NetworkRecord;
import dev.jocker.store.SandboxRecord;
import dev.jocker.store.Store;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The controller's sandboxes whose namespace an orchestrator made, attached one endpoint at a time
 * (the CNI plugin's ADD, DEL, CHECK, GC and STATUS): a sandbox keyed by the orchestrator's
 * container ID, recorded with the namespace's path, which the controller neither creates nor
 * deletes; an endpoint per network with the interface name, address, routes and hairpin mode the
 * call asks for; and the network itself, an {@link ExternalNetwork} recorded with its first
 * endpoint (its bridge, rules and pool made then) and removed with its last.
 *
 * <p>Every change is recorded before the kernel is touched: an ADD writes, in one transaction, the
 * network's row and options (whether jocker made the bridge among them) when it is the first, the
 * sandbox's row, the lease, the endpoint's row (veth name, address, routes) and a {@link #ATTACH}
 * journal entry, which the transaction that ends the ADD finishes. An entry left unfinished (the
 * process died) is rolled back by the controller's recovery, and by the next ADD, DEL or GC that
 * meets it; a DEL journals {@link #DETACH}, rolled forward the same way. Operations on one network
 * are serialised by a lock per network; its bridge and rules change under the controller's monitor,
 * which the periodic heal holds too.
 */
@SuppressWarnings("try") // a held lock is a resource whose body never names it
public final class ExternalSandboxes {
  private static final Logger LOG = LogManager.getLogger(ExternalSandboxes.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The driver of external networks, as {@code network ls} shows it. */
  public static final String DRIVER = "cni";

  /** The value of {@link Sandbox#EXTERNAL}: who attaches the sandbox. */
  public static final String CNI = "cni";

  /** Journal kinds: an endpoint being attached (rolled back) or detached (rolled forward). */
  public static final String ATTACH = "network.external-attach";

  public static final String DETACH = "network.external-detach";

  /**
   * How long an ADD trusts that a network's bridge and rules are as the last ADD left them before
   * it checks them again: an ADD within that time runs no iptables at all (the periodic heal of
   * jockerd covers the rest of the time).
   */
  private static final long TRUST_NANOS = TimeUnit.SECONDS.toNanos(10);

  /**
   * A route to install in the container.
   *
   * @param destination where to
   * @param via the next hop, or null for a route on the link
   */
  public record RouteSpec(Subnet destination, Integer via) {}

  /**
   * What an ADD asks for.
   *
   * @param network the network as the call configures it
   * @param containerId the orchestrator's container ID
   * @param ifname the interface inside its namespace
   * @param netns the namespace's path
   * @param name the container's name as the orchestrator gives it, or null
   * @param address the address another IPAM chose, or null to lease one from the network's range
   * @param routes the routes to install
   * @param hairpin whether the bridge port is put in hairpin mode
   */
  public record Attach(
      ExternalNetwork network,
      String containerId,
      String ifname,
      Path netns,
      String name,
      Integer address,
      List<RouteSpec> routes,
      boolean hairpin) {
    public Attach {
      routes = List.copyOf(routes);
    }
  }

  /**
   * What an ADD made.
   *
   * @param bridgeMac the bridge's MAC
   * @param hostVeth the host end of the veth pair
   * @param hostMac its MAC
   * @param containerMac the MAC of the interface inside
   * @param address the container's address
   * @param prefixLength its prefix length
   */
  public record Joined(
      MacAddress bridgeMac,
      String hostVeth,
      MacAddress hostMac,
      MacAddress containerMac,
      int address,
      int prefixLength) {}

  /**
   * One attachment as an orchestrator names it within a network.
   *
   * @param containerId its container
   * @param ifname its interface
   */
  public record Key(String containerId, String ifname) {}

  private final Object monitor;
  private final Store store;
  private final Netns host;
  private final Firewall firewall;
  private final boolean iptables;
  private final Ipam ipam;
  private final Map<String, NetworkRecord> networks;
  private final Map<String, NetworkDriver> drivers;
  private final Map<String, Sandbox> sandboxes;
  private final KeyedLocks locks;
  private final java.util.function.Consumer<List<String>> forwardPolicy;

  /** External networks by name, from the transaction that records one to the one removing it. */
  private final Map<String, ExternalBridge> byName = new ConcurrentHashMap<>();

  /** Endpoints whose ADD or DEL is recorded and not finished: endpoint ID to journal entry. */
  private final Map<String, Long> unfinished = new ConcurrentHashMap<>();

  private final Map<String, Long> trustedUntil = new ConcurrentHashMap<>();

  ExternalSandboxes(
      Object monitor,
      Store store,
      Netns host,
      Firewall firewall,
      boolean iptables,
      Ipam ipam,
      Map<String, NetworkRecord> networks,
      Map<String, NetworkDriver> drivers,
      Map<String, Sandbox> sandboxes,
      KeyedLocks locks,
      java.util.function.Consumer<List<String>> forwardPolicy) {
    this.monitor = monitor;
    this.store = store;
    this.host = host;
    this.firewall = firewall;
    this.iptables = iptables;
    this.ipam = ipam;
    this.networks = networks;
    this.drivers = drivers;
    this.sandboxes = sandboxes;
    this.locks = locks;
    this.forwardPolicy = forwardPolicy;
  }

  /** Whether the journal kind is one of this part's. */
  static boolean owns(String kind) {
    return kind.equals(ATTACH) || kind.equals(DETACH);
  }

  /** Loads the external networks and unfinished changes recorded; touches no kernel object. */
  void load(Store.Tx tx) {
    Map<String, Map<String, String>> options = tx.externalNetworks();
    for (NetworkRecord n : tx.networks()) {
      if (DRIVER.equals(n.driver())) {
        ExternalBridge driver = driver(n, ExternalBridge.Options.of(options.get(n.id())));
        ExternalBridge.Options o = driver.options();
        if (o.range() != null) {
          ipam.register(tx, n.id(), n.name(), pool(n), o.range().first(), o.range().last());
        }
        byName.put(n.name(), driver);
        drivers.put(n.id(), driver);
      }
    }
    for (JournalEntry e : tx.journal()) {
      if (owns(e.kind()) && e.payload().containsKey("endpoint")) {
        unfinished.put(e.payload().get("endpoint"), e.id());
      }
    }
  }

  private ExternalBridge driver(NetworkRecord n, ExternalBridge.Options options) {
    return new ExternalBridge(n, options, host, firewall, iptables);
  }

  private static Pool pool(NetworkRecord n) {
    return Pool.of(n.subnet(), null, n.gateway());
  }

  private static String lockKey(String network) {
    return "external-network " + network;
  }

  // ---------------------------------------------------------------- ADD

  /**
   * Attaches namespace {@code a.netns()} to the network as {@code a.ifname()}, recording the
   * network (and making its bridge and rules) with its first endpoint. On any failure nothing of
   * the attempt stays.
   */
  public Joined attach(Attach a) {
    ExternalNetwork want = a.network();
    try (KeyedLocks.Held held = locks.exclusive(lockKey(want.name()))) {
      ExternalBridge current = current(want);
      if (current != null) {
        Optional<EndpointRecord> existing = endpoint(current, a.containerId(), a.ifname());
        if (existing.isPresent()) {
          EndpointRecord e = existing.get();
          Long journal = unfinished.get(e.id());
          boolean stale = journal == null && host.links().find(e.hostVeth()).isEmpty();
          if (journal == null && !stale) {
            throw new AttachmentException(
                ALREADY_ATTACHED,
                "container "
                    + a.containerId()
                    + " has "
                    + a.ifname()
                    + " on network "
                    + want.name()
                    + " already ("
                    + e.address()
                    + "/"
                    + want.subnet().prefixLength()
                    + ", "
                    + e.hostVeth()
                    + "); DEL it before adding it again");
          }
          // A dead attempt, or what a reboot left: the veth pair is gone (and so the interface
          // inside), only the records stayed. Either way the runtime asks for the attachment anew.
          LOG.warn(
              "network {}: removing the {} attachment of {} {} ({}) before adding it again",
              want.name(),
              stale ? "stale" : "unfinished",
              a.containerId(),
              a.ifname(),
              e.hostVeth());
          remove(current, e, stale ? journalDetach(e) : journal);
          current = unlessUnused(current);
        }
      }
      Sandbox sandbox = sandboxes.get(a.containerId());
      refuseConflicts(a, sandbox, current);
      try (Netns ns = openNetns(a.netns())) {
        if (interfaceIn(ns, a.netns(), a.ifname())) {
          throw new AttachmentException(
              INTERFACE_EXISTS,
              "the namespace " + a.netns() + " has an interface " + a.ifname() + " already");
        }
        return attachInto(a, current, sandbox, ns);
      }
    }
  }

  /**
   * The recorded network of that name, or null when there is none (or one without endpoints whose
   * configuration was different, which is removed first); refuses a name or bridge of another
   * network, and a different configuration while containers use the recorded one.
   */
  private ExternalBridge current(ExternalNetwork want) {
    for (NetworkRecord n : networks.values()) {
      if (n.name().equals(want.name()) && !DRIVER.equals(n.driver())) {
        throw new AttachmentException(
            INVALID_NETWORK,
            "network "
                + want.name()
                + " is one of jockerd's own networks (jocker network ls); give the CNI network"
                + " another name");
      }
    }
    List<NetworkRecord> all = new ArrayList<>(networks.values());
    byName.values().forEach(d -> all.add(d.network()));
    for (NetworkRecord n : all) {
      if (!n.name().equals(want.name()) && want.bridge().equals(n.bridge())) {
        throw new AttachmentException(
            INVALID_NETWORK,
            "bridge "
                + want.bridge()
                + " carries network "
                + n.name()
                + " already; give "
                + want.name()
                + " a bridge of its own");
      }
    }
    ExternalBridge recorded = byName.get(want.name());
    if (recorded == null || sameShape(recorded, want)) {
      return recorded;
    }
    NetworkRecord r = recorded.network();
    if (!endpointsOf(recorded).isEmpty()) {
      throw new AttachmentException(
          INVALID_NETWORK,
          "network "
              + want.name()
              + " has containers on bridge "
              + r.bridge()
              + " with subnet "
              + r.subnet()
              + " ("
              + describe(recorded)
              + "); its configuration now says bridge "
              + want.bridge()
              + ", subnet "
              + want.subnet()
              + " ("
              + describe(want)
              + "): DEL those containers first");
    }
    teardown(recorded);
    return null;
  }

  private static boolean sameShape(ExternalBridge recorded, ExternalNetwork want) {
    NetworkRecord r = recorded.network();
    ExternalBridge.Options o = recorded.options();
    return r.bridge().equals(want.bridge())
        && r.subnet().equals(want.subnet().toString())
        && r.gateway().equals(Ipv4.format(want.gateway()))
        && r.mtu() == want.mtu()
        && o.gatewayOnBridge() == want.gatewayOnBridge()
        && o.masquerade() == want.masquerade()
        && Objects.equals(o.range(), want.range());
  }

  private static String describe(ExternalBridge d) {
    ExternalBridge.Options o = d.options();
    return describe(
        d.network().gateway(), d.network().mtu(), o.gatewayOnBridge(), o.masquerade(), o.range());
  }

  private static String describe(ExternalNetwork n) {
    return describe(
        Ipv4.format(n.gateway()), n.mtu(), n.gatewayOnBridge(), n.masquerade(), n.range());
  }

  private static String describe(
      String gateway, int mtu, boolean onBridge, boolean masquerade, ExternalNetwork.Range r) {
    return "gateway "
        + gateway
        + (onBridge ? " on the bridge" : "")
        + ", MTU "
        + mtu
        + (masquerade ? ", MASQUERADE" : "")
        + (r == null
            ? ", addresses from another IPAM"
            : ", addresses " + Ipv4.format(r.first()) + "-" + Ipv4.format(r.last()));
  }

  private void refuseConflicts(Attach a, Sandbox sandbox, ExternalBridge current) {
    String id = a.containerId();
    if (sandbox == null) {
      for (Sandbox other : sandboxes.values()) {
        if (other.external() && other.netns().equals(a.netns().toString())) {
          throw new AttachmentException(
              INVALID_NAMESPACE,
              a.netns()
                  + " holds the attachments of container "
                  + other.containerId()
                  + " already; DEL them first (or GC them, if that container is gone)");
        }
      }
      return;
    }
    if (!sandbox.external()) {
      throw new AttachmentException(
          ALREADY_ATTACHED,
          "container "
              + id
              + " is one of jockerd's own containers; CNI_CONTAINERID must name the runtime's");
    }
    if (!sandbox.netns().equals(a.netns().toString())) {
      throw new AttachmentException(
          INVALID_NAMESPACE,
          a.netns()
              + " is not the namespace of container "
              + id
              + ", whose other attachments are in "
              + sandbox.netns());
    }
    for (EndpointRecord e : sandbox.endpoints()) {
      if (current != null && e.networkId().equals(current.network().id())) {
        throw new AttachmentException(
            ALREADY_ATTACHED,
            "container "
                + id
                + " has "
                + e.ifname()
                + " on network "
                + a.network().name()
                + " already; jocker gives a container one interface per network");
      }
      if (e.ifname().equals(a.ifname())) {
        NetworkRecord n = networks.get(e.networkId());
        throw new AttachmentException(
            INTERFACE_EXISTS,
            "container "
                + id
                + " has "
                + a.ifname()
                + " on network "
                + (n == null ? e.networkId() : n.name())
                + " already");
      }
    }
  }

  private Joined attachInto(Attach a, ExternalBridge current, Sandbox sandbox, Netns ns) {
    ExternalNetwork want = a.network();
    boolean fresh = current == null;
    ExternalBridge driver = fresh ? newNetwork(want) : current;
    NetworkRecord n = driver.network();
    String veth = BridgeDriver.newVethName();
    Instant now = Instant.now();
    EndpointRecord[] made = new EndpointRecord[1];
    long journal;
    try {
      journal =
          store.inTransaction(
              tx -> {
                if (fresh) {
                  tx.insertNetwork(n);
                  tx.putExternalNetwork(n.id(), driver.options().toMap());
                  if (want.range() != null) {
                    ipam.register(
                        tx, n.id(), n.name(), pool(n), want.range().first(), want.range().last());
                    tx.onRollback(() -> ipam.unregister(n.id()));
                  }
                }
                SandboxRecord s =
                    sandbox != null
                        ? sandbox.record()
                        : new SandboxRecord(
                            a.containerId(), a.netns().toString(), now, sandboxOptions(a));
                if (sandbox == null) {
                  tx.insertSandbox(s);
                }
                int address =
                    a.address() != null
                        ? a.address()
                        : ipam.allocate(tx, n.id(), null, a.containerId());
                EndpointRecord e =
                    new EndpointRecord(
                        newId(),
                        n.id(),
                        a.containerId(),
                        a.ifname(),
                        veth,
                        MacAddress.forIpv4(Ipv4.toInet(address)).toString(),
                        Ipv4.format(address),
                        false,
                        endpointOptions(a));
                tx.insertEndpoint(e);
                long j =
                    tx.beginJournal(
                        ATTACH,
                        a.containerId(),
                        Map.of("network", n.id(), "endpoint", e.id(), "ifname", a.ifname()));
                tx.onCommit(
                    () -> {
                      if (fresh) {
                        byName.put(n.name(), driver);
                        networks.put(n.id(), n);
                        drivers.put(n.id(), driver);
                      }
                      sandboxes.compute(a.containerId(), (k, old) -> with(old, s, e));
                      unfinished.put(e.id(), j);
                    });
                made[0] = e;
                return j;
              });
    } catch (IpamException e) {
      throw new AttachmentException(NO_FREE_ADDRESS, e.getMessage(), e);
    }
    EndpointRecord e = made[0];
    Crashpoints.reach("cni-attach:recorded");
    try {
      Link bridge = setUp(driver, fresh);
      Link hostEnd = driver.join(ns, e, bridge);
      store.inTransaction(
          tx -> {
            tx.finishJournal(journal);
            tx.onCommit(() -> unfinished.remove(e.id()));
            return null;
          });
      int address = Ipv4.parse(e.address());
      return new Joined(
          bridge.mac(),
          veth,
          hostEnd.mac(),
          MacAddress.parse(e.mac()),
          address,
          want.subnet().prefixLength());
    } catch (RuntimeException failure) {
      // The bridge may be what failed (deleted behind jocker's back): check it in full next time.
      trustedUntil.remove(n.name());
      try {
        remove(driver, e, journal);
        unlessUnused(driver);
      } catch (RuntimeException undo) {
        failure.addSuppressed(undo);
      }
      throw failure;
    }
  }

  /** A new network's record and driver, the bridge found or to be made noted before it exists. */
  private ExternalBridge newNetwork(ExternalNetwork want) {
    Optional<Link> bridge = host.links().find(want.bridge());
    if (want.range() != null) {
      try {
        ipam.checkNoOverlap(want.subnet());
      } catch (IpamException e) {
        throw new AttachmentException(
            INVALID_NETWORK, e.getMessage().replace("; choose another --subnet", ""), e);
      }
    }
    NetworkRecord n =
        new NetworkRecord(
            newId(),
            want.name(),
            DRIVER,
            want.subnet().toString(),
            null,
            Ipv4.format(want.gateway()),
            want.bridge(),
            want.mtu(),
            bridge.map(l -> l.mac()).orElseGet(MacAddress::randomDocker).toString(),
            Instant.now());
    return driver(
        n,
        new ExternalBridge.Options(
            want.gatewayOnBridge(), want.masquerade(), bridge.isEmpty(), want.range()));
  }

  private static Map<String, String> sandboxOptions(Attach a) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put(Sandbox.EXTERNAL, CNI);
    if (a.name() != null && !a.name().isEmpty()) {
      o.put(Sandbox.NAME, a.name());
    }
    return o;
  }

  private static Map<String, String> endpointOptions(Attach a) {
    Map<String, String> o = new LinkedHashMap<>();
    List<String> routes = new ArrayList<>();
    for (RouteSpec r : a.routes()) {
      routes.add(new ExternalBridge.RouteText(r.destination(), r.via()).toString());
    }
    if (!routes.isEmpty()) {
      o.put(ExternalBridge.ROUTES, String.join(",", routes));
    }
    if (a.hairpin()) {
      o.put(ExternalBridge.HAIRPIN, "on");
    }
    o.put(
        ExternalBridge.ADDRESS_FROM,
        a.address() == null ? ExternalBridge.JOCKER_LEASE : "ipam-plugin");
    return o;
  }

  private static Sandbox with(Sandbox old, SandboxRecord s, EndpointRecord e) {
    List<EndpointRecord> endpoints = new ArrayList<>(old == null ? List.of() : old.endpoints());
    endpoints.add(e);
    return new Sandbox(old == null ? s : old.record(), endpoints);
  }

  private static Sandbox without(Sandbox old, EndpointRecord e) {
    List<EndpointRecord> endpoints = new ArrayList<>(old.endpoints());
    endpoints.removeIf(x -> x.id().equals(e.id()));
    return endpoints.isEmpty() ? null : new Sandbox(old.record(), endpoints);
  }

  /**
   * The network's bridge, its address, forwarding and rules in place: made in full for a network's
   * first endpoint and whenever the last check is older than {@link #TRUST_NANOS}, else only the
   * bridge looked up. Under the controller's monitor, so never beside the periodic heal.
   */
  private Link setUp(ExternalBridge driver, boolean fresh) {
    NetworkRecord n = driver.network();
    synchronized (monitor) {
      Long until = trustedUntil.get(n.name());
      if (!fresh && until != null && System.nanoTime() < until) {
        Optional<Link> bridge = host.links().find(n.bridge());
        if (bridge.isPresent()) {
          return bridge.get();
        }
      }
      List<String> changes = driver.setup();
      forwardPolicy.accept(changes);
      networks.put(n.id(), n);
      drivers.put(n.id(), driver);
      trustedUntil.put(n.name(), System.nanoTime() + TRUST_NANOS);
      return host.links().get(n.bridge());
    }
  }

  // ---------------------------------------------------------------- removal

  /**
   * Deletes an endpoint's veth (and so its peer), then in one transaction its row, its lease and,
   * with the sandbox's last endpoint, the sandbox's row, finishing {@code journal}.
   */
  private void remove(ExternalBridge driver, EndpointRecord e, long journal) {
    driver.leave(e);
    String id = e.networkId();
    store.inTransaction(
        tx -> {
          if (ExternalBridge.JOCKER_LEASE.equals(e.options().get(ExternalBridge.ADDRESS_FROM))) {
            int address = Ipv4.parse(e.address());
            if (e.containerId().equals(tx.leases(id).get(address))) {
              release(tx, id, address);
            }
          }
          Sandbox sandbox = sandboxes.get(e.containerId());
          if (sandbox == null || sandbox.endpoints().size() <= 1) {
            tx.deleteSandbox(e.containerId());
          } else {
            tx.deleteEndpoint(e.id());
          }
          tx.finishJournal(journal);
          tx.onCommit(
              () -> {
                sandboxes.computeIfPresent(e.containerId(), (k, old) -> without(old, e));
                unfinished.remove(e.id());
              });
          return null;
        });
  }

  /** Journals the removal of {@code e} (rolled forward if it is cut short); returns the entry. */
  private long journalDetach(EndpointRecord e) {
    return store.inTransaction(
        tx ->
            tx.beginJournal(
                DETACH,
                e.containerId(),
                Map.of("network", e.networkId(), "endpoint", e.id(), "ifname", e.ifname())));
  }

  /** Releases a lease, also one outside the pool as now registered (its range was narrowed). */
  private void release(Store.Tx tx, String networkId, int address) {
    try {
      ipam.release(tx, networkId, address);
    } catch (IpamException outside) {
      tx.deleteLease(networkId, address);
    }
  }

  /** Tears the network down if no endpoint is left on it; returns it if one is. */
  private ExternalBridge unlessUnused(ExternalBridge driver) {
    if (endpointsOf(driver).isEmpty()) {
      teardown(driver);
      return null;
    }
    return driver;
  }

  /**
   * Removes a network without endpoints: its rules and the bridge jocker made (under the
   * controller's monitor, and out of the heal's sight first), then its rows and leases.
   */
  private void teardown(ExternalBridge driver) {
    NetworkRecord n = driver.network();
    LOG.info("network {}: its last container went; removing its rules and bridge", n.name());
    synchronized (monitor) {
      driver.teardown();
      networks.remove(n.id());
      drivers.remove(n.id());
      trustedUntil.remove(n.name());
    }
    store.inTransaction(
        tx -> {
          tx.deleteNetwork(n.id());
          tx.onCommit(
              () -> {
                byName.remove(n.name());
                ipam.unregister(n.id());
              });
          return null;
        });
  }

  /**
   * DEL: removes the attachment's veth, lease and records, whatever is left of them (the namespace
   * may be gone), and with the network's last endpoint its rules and the bridge jocker made. An
   * unknown attachment is fine.
   */
  public void detach(String network, String containerId, String ifname) {
    try (KeyedLocks.Held held = locks.exclusive(lockKey(network))) {
      ExternalBridge driver = byName.get(network);
      if (driver == null) {
        return;
      }
      Optional<EndpointRecord> e = endpoint(driver, containerId, ifname);
      if (e.isPresent()) {
        Long pending = unfinished.get(e.get().id());
        remove(driver, e.get(), pending != null ? pending : journalDetach(e.get()));
      }
      unlessUnused(driver);
    }
  }

  // ---------------------------------------------------------------- CHECK

  /**
   * CHECK: fails with {@link AttachmentException.Reason#UNKNOWN_ATTACHMENT} for an unknown
   * attachment, and with {@link AttachmentException.Reason#DAMAGED}, naming each problem, when its
   * interface, address, routes, bridge port, lease or the network's rules are not as ADD left them.
   *
   * @param expectedCidr the address the orchestrator was given, {@code 10.88.0.2/16}, or null
   */
  public void check(String network, String containerId, String ifname, String expectedCidr) {
    try (KeyedLocks.Held held = locks.exclusive(lockKey(network))) {
      ExternalBridge driver = byName.get(network);
      EndpointRecord e =
          (driver == null
                  ? Optional.<EndpointRecord>empty()
                  : endpoint(driver, containerId, ifname))
              .orElseThrow(
                  () ->
                      new AttachmentException(
                          UNKNOWN_ATTACHMENT,
                          "container "
                              + containerId
                              + " has no "
                              + ifname
                              + " on network "
                              + network));
      List<String> problems = problems(driver, e, expectedCidr);
      if (!problems.isEmpty()) {
        throw new AttachmentException(
            DAMAGED,
            "container "
                + containerId
                + " on network "
                + network
                + ": "
                + String.join("; ", problems));
      }
    }
  }

  private List<String> problems(ExternalBridge driver, EndpointRecord e, String expectedCidr) {
    NetworkRecord n = driver.network();
    int prefix = Subnet.parse(n.subnet()).prefixLength();
    String cidr = e.address() + "/" + prefix;
    List<String> problems = new ArrayList<>();
    if (unfinished.containsKey(e.id())) {
      problems.add("its ADD did not finish");
      return problems;
    }
    if (expectedCidr != null && !expectedCidr.equals(cidr)) {
      problems.add("prevResult shows " + expectedCidr + " but it was given " + cidr);
    }
    Optional<Link> bridge = host.links().find(n.bridge());
    if (bridge.isEmpty()) {
      problems.add("bridge " + n.bridge() + " is missing");
    } else {
      if (!bridge.get().up()) {
        problems.add("bridge " + n.bridge() + " is down");
      }
      if (driver.options().gatewayOnBridge()) {
        Inet4Address gw = Ipv4.toInet(Ipv4.parse(n.gateway()));
        boolean has =
            host.addrs().list().stream()
                .anyMatch(x -> x.linkIndex() == bridge.get().index() && gw.equals(x.address()));
        if (!has) {
          problems.add("bridge " + n.bridge() + " lacks its address " + n.gateway());
        }
      }
    }
    Optional<Link> veth = host.links().find(e.hostVeth());
    if (veth.isEmpty()) {
      problems.add("veth " + e.hostVeth() + " is missing");
    } else {
      if (bridge.isPresent() && veth.get().masterIndex() != bridge.get().index()) {
        problems.add("veth " + e.hostVeth() + " is not a port of " + n.bridge());
      }
      if (!veth.get().up()) {
        problems.add("veth " + e.hostVeth() + " is down");
      }
    }
    if (ExternalBridge.JOCKER_LEASE.equals(e.options().get(ExternalBridge.ADDRESS_FROM))) {
      String owner = store.inTransaction(tx -> tx.leases(n.id())).get(Ipv4.parse(e.address()));
      if (owner == null) {
        problems.add("the lease of " + e.address() + " is missing");
      } else if (!owner.equals(e.containerId())) {
        problems.add("the lease of " + e.address() + " belongs to " + owner);
      }
    }
    if (iptables) {
      List<Rule> missing = firewall.missing(driver.rules());
      if (!missing.isEmpty()) {
        problems.add(
            missing.size()
                + " iptables rules of "
                + n.bridge()
                + " are missing ("
                + String.join(
                    ", ",
                    missing.stream().map(x -> "-t " + x.table() + " " + x.saveText()).toList())
                + ")");
      }
    }
    Sandbox sandbox = sandboxes.get(e.containerId());
    String path = sandbox == null ? "?" : sandbox.netns();
    Netns ns;
    try {
      ns = Netns.open(Path.of(path));
    } catch (KernelException | IllegalArgumentException gone) {
      problems.add("its namespace " + path + " is gone");
      return problems;
    }
    try (ns) {
      Optional<Link> inside = ns.links().find(e.ifname());
      if (inside.isEmpty()) {
        problems.add(e.ifname() + " is missing from " + path);
        return problems;
      }
      Link link = inside.get();
      if (!link.up()) {
        problems.add(e.ifname() + " is down");
      }
      Inet4Address ip = Ipv4.toInet(Ipv4.parse(e.address()));
      boolean has = false;
      for (Addr x : ns.addrs().list()) {
        has |=
            x.linkIndex() == link.index() && ip.equals(x.address()) && x.prefixLength() == prefix;
      }
      if (!has) {
        problems.add(e.ifname() + " lacks its address " + cidr);
      }
      List<Route> routes = ns.routes().list();
      for (ExternalBridge.RouteText r : ExternalBridge.routes(e)) {
        String text = r.toString();
        boolean present =
            routes.stream().anyMatch(x -> ExternalBridge.RouteText.of(x).equals(text));
        if (!present) {
          problems.add("the route " + text + " is missing");
        }
      }
    }
    return problems;
  }

  // ---------------------------------------------------------------- GC and STATUS

  /**
   * GC: detaches every endpoint of the network not in {@code valid}, releases every lease no
   * endpoint holds, and with no endpoint left removes the network; carries on past a failure and
   * returns the problems it met.
   */
  public List<String> gc(String network, Set<Key> valid) {
    List<String> problems = new ArrayList<>();
    try (KeyedLocks.Held held = locks.exclusive(lockKey(network))) {
      ExternalBridge driver = byName.get(network);
      if (driver == null) {
        return problems;
      }
      Set<String> kept = new HashSet<>();
      for (EndpointRecord e : endpointsOf(driver)) {
        if (valid.contains(new Key(e.containerId(), e.ifname()))
            && !unfinished.containsKey(e.id())) {
          kept.add(e.address());
          continue;
        }
        try {
          LOG.info(
              "network {}: GC removes {} {} ({}, {})",
              network,
              e.containerId(),
              e.ifname(),
              e.hostVeth(),
              e.address());
          Long pending = unfinished.get(e.id());
          remove(driver, e, pending != null ? pending : journalDetach(e));
        } catch (RuntimeException failure) {
          problems.add(e.containerId() + " " + e.ifname() + ": " + failure.getMessage());
          kept.add(e.address());
        }
      }
      String id = driver.network().id();
      store.inTransaction(
          tx -> {
            for (Map.Entry<Integer, String> lease : tx.leases(id).entrySet()) {
              if (!kept.contains(Ipv4.format(lease.getKey()))) {
                LOG.info(
                    "network {}: GC releases {} of {}",
                    network,
                    Ipv4.format(lease.getKey()),
                    lease.getValue());
                release(tx, id, lease.getKey());
              }
            }
            return null;
          });
      if (problems.isEmpty()) {
        unlessUnused(driver);
      }
    } catch (RuntimeException e) {
      problems.add(e.getMessage());
    }
    return problems;
  }

  /**
   * STATUS: why an ADD on {@code want} could not get an address now (every address of its range is
   * leased), or empty when it could.
   */
  public Optional<String> unavailable(ExternalNetwork want) {
    ExternalNetwork.Range r = want.range();
    if (r == null) {
      return Optional.empty();
    }
    try (KeyedLocks.Held held = locks.exclusive(lockKey(want.name()))) {
      ExternalBridge recorded = byName.get(want.name());
      Map<Integer, String> leases =
          recorded == null
              ? Map.of()
              : store.inTransaction(tx -> tx.leases(recorded.network().id()));
      Ipam view = new Ipam();
      try {
        view.register(
            readOnly(leases),
            want.name(),
            want.name(),
            Pool.of(want.subnet().toString(), null, Ipv4.format(want.gateway())),
            r.first(),
            r.last());
      } catch (IpamException e) {
        throw new AttachmentException(INVALID_NETWORK, e.getMessage(), e);
      }
      long leased =
          leases.keySet().stream()
              .filter(
                  x ->
                      Integer.compareUnsigned(x, r.first()) >= 0
                          && Integer.compareUnsigned(x, r.last()) <= 0
                          && x != want.gateway())
              .count();
      long capacity = view.capacity(want.name());
      if (leased < capacity) {
        return Optional.empty();
      }
      return Optional.of(
          "network "
              + want.name()
              + " cannot serve ADD: all "
              + capacity
              + " addresses of "
              + Ipv4.format(r.first())
              + "-"
              + Ipv4.format(r.last())
              + " are leased");
    }
  }

  private static LeaseStore readOnly(Map<Integer, String> leases) {
    return new LeaseStore() {
      @Override
      public void insertLease(String networkId, int address, String owner) {
        throw new IllegalStateException("registering a pool leases nothing");
      }

      @Override
      public void deleteLease(String networkId, int address) {
        throw new IllegalStateException("registering a pool releases nothing");
      }

      @Override
      public Map<Integer, String> leases(String networkId) {
        return leases;
      }

      @Override
      public void onRollback(Runnable undo) {}
    };
  }

  // ---------------------------------------------------------------- recovery

  /**
   * Finishes a change a crash interrupted: an unfinished ADD is rolled back, an unfinished DEL
   * rolled forward; both remove the endpoint, and the network with its last.
   */
  void recover(JournalEntry entry) {
    String networkId = entry.payload().get("network");
    ExternalBridge driver =
        byName.values().stream()
            .filter(d -> d.network().id().equals(networkId))
            .findFirst()
            .orElse(null);
    if (driver == null) {
      finish(entry.id());
      return;
    }
    try (KeyedLocks.Held held = locks.exclusive(lockKey(driver.network().name()))) {
      Optional<EndpointRecord> e =
          endpointsOf(driver).stream()
              .filter(x -> x.id().equals(entry.payload().get("endpoint")))
              .findFirst();
      LOG.warn(
          "network {}: finishing the interrupted {} of {} {}",
          driver.network().name(),
          entry.kind().equals(ATTACH) ? "ADD (rolled back)" : "DEL",
          entry.subject(),
          entry.payload().get("ifname"));
      if (e.isPresent()) {
        remove(driver, e.get(), entry.id());
      } else {
        finish(entry.id());
      }
      unlessUnused(driver);
    }
  }

  private void finish(long journal) {
    store.inTransaction(
        tx -> {
          tx.finishJournal(journal);
          return null;
        });
  }

  /**
   * Finishes every interrupted change of this part, then removes every network left without
   * endpoints: what a process that opens the store without jockerd (the plugin's own JVM) runs
   * first, as jockerd's start does.
   */
  public void recover() {
    for (JournalEntry e : store.inTransaction(Store.Tx::journal)) {
      if (owns(e.kind())) {
        recover(e);
      }
    }
    tearDownUnused();
  }

  /** Removes every external network without endpoints (a crash cut its removal short). */
  void tearDownUnused() {
    for (ExternalBridge d : List.copyOf(byName.values())) {
      try (KeyedLocks.Held held = locks.exclusive(lockKey(d.network().name()))) {
        if (byName.get(d.network().name()) == d) {
          unlessUnused(d);
        }
      }
    }
  }

  // ---------------------------------------------------------------- views

  private List<EndpointRecord> endpointsOf(ExternalBridge driver) {
    String id = driver.network().id();
    List<EndpointRecord> out = new ArrayList<>();
    for (Sandbox s : sandboxes.values()) {
      for (EndpointRecord e : s.endpoints()) {
        if (e.networkId().equals(id)) {
          out.add(e);
        }
      }
    }
    return out;
  }

  private Optional<EndpointRecord> endpoint(
      ExternalBridge driver, String containerId, String ifname) {
    Sandbox s = sandboxes.get(containerId);
    if (s == null) {
      return Optional.empty();
    }
    return s.endpoints().stream()
        .filter(e -> e.networkId().equals(driver.network().id()) && e.ifname().equals(ifname))
        .findFirst();
  }

  /**
   * An external sandbox by its container's full ID, a unique prefix of it, or the name its
   * orchestrator gave.
   */
  public Optional<Sandbox> sandbox(String ref) {
    List<Sandbox> external = sandboxes.values().stream().filter(Sandbox::external).toList();
    for (Sandbox s : external) {
      if (s.containerId().equals(ref) || ref.equals(s.record().options().get(Sandbox.NAME))) {
        return Optional.of(s);
      }
    }
    List<Sandbox> prefixed =
        ref.isEmpty()
            ? List.of()
            : external.stream().filter(s -> s.containerId().startsWith(ref)).toList();
    return prefixed.size() == 1 ? Optional.of(prefixed.get(0)) : Optional.empty();
  }

  /** How views name an external sandbox's container: its orchestrator's name, or a short ID. */
  public static String nameOf(Sandbox s) {
    String name = s.record().options().get(Sandbox.NAME);
    if (name != null) {
      return name;
    }
    String id = s.containerId();
    return id.length() > 12 ? id.substring(0, 12) : id;
  }

  // ---------------------------------------------------------------- namespaces

  private static Netns openNetns(Path path) {
    try {
      return Netns.open(path);
    } catch (KernelException e) {
      throw new AttachmentException(
          INVALID_NAMESPACE, path + " cannot be opened: " + e.getMessage(), e);
    }
  }

  /**
   * Whether the namespace has interface {@code ifname}; the first request inside it, where a file
   * that is a namespace but not a network namespace is refused by setns(2).
   */
  private static boolean interfaceIn(Netns ns, Path path, String ifname) {
    try {
      return ns.links().find(ifname).isPresent();
    } catch (KernelException e) {
      if ("setns".equals(e.operation())) {
        throw new AttachmentException(
            INVALID_NAMESPACE, path + " is not a network namespace: " + e.getMessage(), e);
      }
      throw e;
    }
  }

  private static String newId() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}

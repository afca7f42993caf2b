package dev.jocker.network;

import static dev.jocker.network.NetworkException.Kind.CONFLICT;
import static dev.jocker.network.NetworkException.Kind.FORBIDDEN;
import static dev.jocker.network.NetworkException.Kind.INTERNAL;
import static dev.jocker.network.NetworkException.Kind.INVALID;
import static dev.jocker.network.NetworkException.Kind.NOT_FOUND;

import dev.jocker.bridge.Crashpoints;
import dev.jocker.concurrent.KeyedLocks;
import dev.jocker.firewall.Firewall;
import dev.jocker.ipam.DefaultPools;
import dev.jocker.ipam.Ipam;
import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Pool;
import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.Addr;
import dev.jocker.kernel.Link;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.kernel.NotFoundException;
import dev.jocker.kernel.Route;
import dev.jocker.kernel.Sysctls;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.JournalEntry;
import dev.jocker.store.NetworkRecord;
import dev.jocker.store.SandboxRecord;
import dev.jocker.store.Store;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Networks, their drivers and IPAM, and every container's sandbox and endpoints, keyed by container
 * ID. Each record change commits before the kernel objects it names are made and after those it
 * names are gone, so the store always names whatever may exist; the caller's journal entry rides in
 * the same transaction ({@link #plan}, {@link #release}). Operations on one network are serialised
 * against its removal by a lock per network; different networks and different sandboxes proceed in
 * parallel.
 */
@SuppressWarnings("try") // a held lock is a resource whose body never names it
public final class NetworkController {
  private static final Logger LOG = LogManager.getLogger(NetworkController.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The pre-defined networks. */
  public static final String BRIDGE = "bridge";

  public static final String HOST = "host";
  public static final String NONE = "none";

  /** Journal kinds this controller writes and recovers. */
  public static final String NETWORK_CREATE = "network.create";

  public static final String NETWORK_REMOVE = "network.remove";

  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
  private static final Pattern OUR_VETH = Pattern.compile("veth[0-9a-f]{7}");

  /**
   * The default bridge as the daemon's options give it.
   *
   * @param name {@code docker0}
   * @param bip its address with prefix, {@code 172.17.0.1/16}
   * @param mtu MTU of the bridges and every endpoint
   * @param netnsPrefix the prefix of the sandboxes' namespaces, {@code jocker-}
   * @param iptables whether jocker manages iptables (and so the FORWARD policy)
   */
  public record Config(String name, String bip, int mtu, String netnsPrefix, boolean iptables) {}

  private final Store store;
  private final Config config;
  private final Netns host;
  private final NetnsStore namespaces;
  private final Firewall firewall;
  private final NetworkDriver.Factory bridges;
  private final NetworkListener listener;
  private final Ipam ipam = new Ipam();

  /** Networks by ID; a network is here once its kernel objects are in place. */
  private final Map<String, NetworkRecord> networks = new ConcurrentHashMap<>();

  private final Map<String, NetworkDriver> drivers = new ConcurrentHashMap<>();
  private final Map<String, Sandbox> sandboxes = new ConcurrentHashMap<>();
  private final KeyedLocks networkLocks = new KeyedLocks();

  /** Network creation, one at a time: a new subnet must be checked against all the others. */
  private final ReentrantLock creating = new ReentrantLock();

  private final List<SandboxAddOn> addOns = new CopyOnWriteArrayList<>();

  /** Drivers whose networks live in a store shared with other hosts, by driver name. */
  private final Map<String, SharedNetworks> shared = new ConcurrentHashMap<>();

  private final ExternalSandboxes external;

  /**
   * Loads networks, sandboxes and endpoints from the store, creating the pre-defined networks on
   * first use; touches no kernel object ({@link #setUpNetworks} does, after recovery). Without a
   * {@code config.bip()} it creates no network and checks none: a controller that only serves
   * {@link #external} sandboxes (the CNI plugin's own process, which cannot know jockerd's
   * options).
   */
  public NetworkController(
      Store store,
      Config config,
      Netns host,
      NetnsStore namespaces,
      Firewall firewall,
      NetworkDriver.Factory bridges,
      NetworkListener listener) {
    this.store = store;
    this.config = config;
    this.host = host;
    this.namespaces = namespaces;
    this.firewall = firewall;
    this.bridges = bridges;
    this.listener = listener;
    this.external =
        new ExternalSandboxes(
            this,
            store,
            host,
            firewall,
            config.iptables(),
            ipam,
            networks,
            drivers,
            sandboxes,
            networkLocks,
            this::noteForwardPolicy);
    if (config.bip() != null) {
      ensurePredefined();
    }
    store.inTransaction(
        tx -> {
          for (NetworkRecord n : tx.networks()) {
            networks.put(n.id(), n);
            if (n.driver() != null && n.driver().equals(BRIDGE)) {
              ipam.register(tx, n.id(), n.name(), pool(n));
              drivers.put(n.id(), bridges.open(n));
            } else if (n.subnet() != null) {
              // A shared network's addresses come from its driver; its subnet is registered so
              // that no bridge network is created over it.
              ipam.register(tx, n.id(), n.name(), pool(n));
            }
          }
          Map<String, List<EndpointRecord>> endpoints = new LinkedHashMap<>();
          tx.endpoints()
              .forEach(
                  e -> endpoints.computeIfAbsent(e.containerId(), k -> new ArrayList<>()).add(e));
          for (SandboxRecord s : tx.sandboxes()) {
            sandboxes.put(
                s.containerId(),
                new Sandbox(s, endpoints.getOrDefault(s.containerId(), List.of())));
          }
          external.load(tx);
          return null;
        });
  }

  /** The sandboxes whose namespace an orchestrator made (the CNI plugin's), and their networks. */
  public ExternalSandboxes external() {
    return external;
  }

  /** Registers an add-on; it takes part in every sandbox joined or released from now on. */
  public void addOn(SandboxAddOn addOn) {
    addOns.add(addOn);
  }

  /**
   * Registers a driver whose networks live in a store shared with other hosts: the networks of its
   * kind already recorded here get their driver now, and {@link #createNetwork(String, String,
   * String, String, String, Map)} creates new ones through it.
   */
  public void addSharedNetworks(SharedNetworks networksOfDriver) {
    shared.put(networksOfDriver.driver(), networksOfDriver);
    for (NetworkRecord n : networks.values()) {
      if (networksOfDriver.driver().equals(n.driver())) {
        drivers.put(n.id(), networksOfDriver.open(n));
      }
    }
  }

  /** The shared-store driver of a network, if its driver is one. */
  public Optional<SharedNetworks> sharedDriver(NetworkRecord network) {
    return Optional.ofNullable(network.driver() == null ? null : shared.get(network.driver()));
  }

  private NetworkDriver open(NetworkRecord n) {
    SharedNetworks s = n.driver() == null ? null : shared.get(n.driver());
    return s != null ? s.open(n) : bridges.open(n);
  }

  private static Pool pool(NetworkRecord n) {
    return Pool.of(n.subnet(), n.ipRange(), n.gateway());
  }

  private void ensurePredefined() {
    Subnet subnet = Subnet.containing(config.bip());
    String gateway = config.bip().substring(0, config.bip().indexOf('/'));
    store.inTransaction(
        tx -> {
          Set<String> names = new HashSet<>();
          tx.networks().forEach(n -> names.add(n.name()));
          Instant now = Instant.now();
          if (!names.contains(BRIDGE)) {
            tx.insertNetwork(
                new NetworkRecord(
                    newId(),
                    BRIDGE,
                    BRIDGE,
                    subnet.toString(),
                    null,
                    gateway,
                    config.name(),
                    config.mtu(),
                    MacAddress.randomDocker().toString(),
                    now));
          }
          if (!names.contains(HOST)) {
            tx.insertNetwork(
                new NetworkRecord(newId(), HOST, HOST, null, null, null, null, 0, null, now));
          }
          if (!names.contains(NONE)) {
            tx.insertNetwork(
                new NetworkRecord(newId(), NONE, "null", null, null, null, null, 0, null, now));
          }
          NetworkRecord b =
              tx.networks().stream().filter(n -> n.name().equals(BRIDGE)).findFirst().orElseThrow();
          if (!b.subnet().equals(subnet.toString()) || !b.bridge().equals(config.name())) {
            throw new NetworkException(
                INVALID,
                "network bridge is recorded as "
                    + b.bridge()
                    + " "
                    + b.subnet()
                    + " but the daemon was started with --bridge "
                    + config.name()
                    + " --bip "
                    + config.bip()
                    + "; use the recorded values or a new --data-root");
          }
          return null;
        });
  }

  /**
   * Makes every network's kernel objects (bridges, addresses, rules, forwarding); runs after the
   * journal's unfinished network changes are recovered.
   */
  public void setUpNetworks() {
    external.tearDownUnused();
    for (NetworkRecord n : sortedNetworks()) {
      NetworkDriver d = drivers.get(n.id());
      if (d != null) {
        List<String> changes = d.setup();
        noteForwardPolicy(changes);
      }
    }
  }

  // ---------------------------------------------------------------- networks

  /** Every network, by name, as {@code docker network ls} lists them. */
  public List<NetworkRecord> networks() {
    return sortedNetworks();
  }

  private List<NetworkRecord> sortedNetworks() {
    return networks.values().stream().sorted(Comparator.comparing(NetworkRecord::name)).toList();
  }

  /** A network by name, full ID or unique ID prefix. */
  public NetworkRecord network(String ref) {
    return find(ref)
        .orElseThrow(() -> new NetworkException(NOT_FOUND, "network " + ref + " not found"));
  }

  /** A network by name, full ID or unique ID prefix, if there is one. */
  public Optional<NetworkRecord> find(String ref) {
    for (NetworkRecord n : networks.values()) {
      if (n.name().equals(ref) || n.id().equals(ref)) {
        return Optional.of(n);
      }
    }
    List<NetworkRecord> prefixed =
        ref.isEmpty()
            ? List.of()
            : networks.values().stream().filter(n -> n.id().startsWith(ref)).toList();
    return prefixed.size() == 1 ? Optional.of(prefixed.get(0)) : Optional.empty();
  }

  /** Whether containers on {@code network} get an endpoint (a veth on a bridge). */
  public boolean hasEndpoints(NetworkRecord network) {
    return drivers.containsKey(network.id());
  }

  /** The driver of a network with endpoints. */
  public Optional<NetworkDriver> driver(String networkId) {
    return Optional.ofNullable(drivers.get(networkId));
  }

  /**
   * Creates a network of {@code driver}: {@code bridge} (or null) as {@link #createNetwork(String,
   * String, String, String)}, or a driver registered with {@link #addSharedNetworks}, whose network
   * is created in its shared store first and then recorded here. {@code options} are the driver's
   * ({@code -o NAME=VALUE}); a bridge network takes none.
   */
  public NetworkRecord createNetwork(
      String driver,
      String name,
      String subnet,
      String gateway,
      String ipRange,
      Map<String, String> options) {
    if (driver == null || driver.isEmpty() || driver.equals(BRIDGE)) {
      if (!options.isEmpty()) {
        throw new NetworkException(
            INVALID,
            "option "
                + options.keySet().iterator().next()
                + " is not supported by the bridge driver");
      }
      return createNetwork(name, subnet, gateway, ipRange);
    }
    SharedNetworks sharedDriver = shared.get(driver);
    if (sharedDriver == null) {
      throw new NetworkException(
          INVALID,
          "driver "
              + driver
              + " is not available: "
              + (driver.equals("overlay")
                  ? "overlay networks need jockerd's --cluster-store and --cluster-advertise"
                  : "use bridge, or overlay with jockerd's --cluster-store"));
    }
    checkName(name);
    creating.lock();
    try {
      if (find(name).filter(n -> n.name().equals(name)).isPresent()) {
        throw new NetworkException(CONFLICT, "network with name " + name + " already exists");
      }
      if (subnet != null && !subnet.isEmpty()) {
        try {
          ipam.checkNoOverlap(Pool.of(subnet, ipRange, gateway).subnet());
        } catch (IpamException e) {
          throw new NetworkException(INVALID, e.getMessage(), e);
        }
      }
      NetworkRecord record = sharedDriver.create(name, subnet, gateway, ipRange, options);
      try {
        adopt(record);
      } catch (RuntimeException e) {
        sharedDriver.remove(record);
        throw e;
      }
      return record;
    } finally {
      creating.unlock();
    }
  }

  private static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new NetworkException(
          INVALID,
          "invalid network name \""
              + name
              + "\": use letters, digits, '_', '.' and '-', starting with a letter or digit");
    }
  }

  /**
   * Records a network of a shared-store driver that exists in that store (created here or by
   * another host) and opens its driver; its kernel objects are made when an endpoint first needs
   * them. A network already recorded is left as it is. Refused when a network of this host has the
   * name already.
   */
  public void adopt(NetworkRecord record) {
    SharedNetworks s = shared.get(record.driver());
    if (s == null) {
      throw new NetworkException(INVALID, "driver " + record.driver() + " is not available");
    }
    creating.lock();
    try {
      adoptLocked(s, record);
    } finally {
      creating.unlock();
    }
  }

  private void adoptLocked(SharedNetworks s, NetworkRecord record) {
    if (networks.containsKey(record.id())) {
      return;
    }
    Optional<NetworkRecord> clash =
        networks.values().stream().filter(n -> n.name().equals(record.name())).findFirst();
    if (clash.isPresent()) {
      throw new NetworkException(
          CONFLICT,
          record.driver()
              + " network "
              + record.name()
              + " cannot be used on this host: its network "
              + clash.get().id().substring(0, 12)
              + " ("
              + clash.get().driver()
              + ") has that name");
    }
    try (KeyedLocks.Held held = networkLocks.exclusive(record.id())) {
      store.inTransaction(
          tx -> {
            tx.insertNetwork(record);
            ipam.register(tx, record.id(), record.name(), pool(record));
            tx.onRollback(() -> ipam.unregister(record.id()));
            return null;
          });
      drivers.put(record.id(), s.open(record));
      networks.put(record.id(), record);
    }
    listener.networkCreated(record);
  }

  /**
   * Forgets a network of a shared-store driver that its store no longer has (another host removed
   * it): its kernel objects here, its record and leases. A network that still has endpoints on this
   * host is kept (its containers hold it); returns whether it was forgotten.
   */
  public boolean forget(String networkId) {
    NetworkRecord n = networks.get(networkId);
    if (n == null) {
      return true;
    }
    creating.lock();
    try (KeyedLocks.Held held = networkLocks.exclusive(networkId)) {
      if (!networks.containsKey(networkId)) {
        return true;
      }
      if (!endpointsOn(networkId).isEmpty()) {
        return false;
      }
      networks.remove(networkId);
      long journal = store.inTransaction(tx -> tx.beginJournal(NETWORK_REMOVE, n.id(), Map.of()));
      finishRemove(n, journal);
    } finally {
      creating.unlock();
    }
    listener.networkRemoved(n);
    return true;
  }

  /**
   * Creates a bridge network: journaled, so that a crash half-way removes it on the next start.
   * Without {@code subnet}, the first of Docker's default pools that overlaps no network, host
   * address or route and no nameserver.
   */
  public NetworkRecord createNetwork(String name, String subnet, String gateway, String ipRange) {
    checkName(name);
    boolean given = subnet != null && !subnet.isEmpty();
    if (!given
        && ((gateway != null && !gateway.isEmpty()) || (ipRange != null && !ipRange.isEmpty()))) {
      throw new NetworkException(INVALID, "--gateway and --ip-range need a --subnet");
    }
    creating.lock();
    try {
      if (find(name).filter(n -> n.name().equals(name)).isPresent()) {
        throw new NetworkException(CONFLICT, "network with name " + name + " already exists");
      }
      Pool pool;
      try {
        pool = given ? Pool.of(subnet, ipRange, gateway) : Pool.of(freeSubnet(), null, null);
        ipam.checkNoOverlap(pool.subnet());
      } catch (IpamException e) {
        throw new NetworkException(INVALID, e.getMessage(), e);
      }
      String id = newId();
      NetworkRecord record =
          new NetworkRecord(
              id,
              name,
              BRIDGE,
              pool.subnet().toString(),
              pool.range().equals(pool.subnet()) ? null : pool.range().toString(),
              Ipv4.format(pool.gateway()),
              "br-" + id.substring(0, 12),
              config.mtu(),
              MacAddress.randomDocker().toString(),
              Instant.now());
      long journal =
          store.inTransaction(
              tx -> {
                tx.insertNetwork(record);
                ipam.register(tx, id, name, pool);
                tx.onRollback(() -> ipam.unregister(id));
                return tx.beginJournal(NETWORK_CREATE, id, Map.of());
              });
      Crashpoints.reach("network-create:journaled");
      NetworkDriver driver = bridges.open(record);
      try {
        noteForwardPolicy(driver.setup());
        Crashpoints.reach("network-create:bridge");
      } catch (RuntimeException e) {
        undoCreate(record, driver, journal);
        throw new NetworkException(INTERNAL, "create network " + name + ": " + e.getMessage(), e);
      }
      store.inTransaction(
          tx -> {
            tx.finishJournal(journal);
            return null;
          });
      drivers.put(id, driver);
      networks.put(id, record);
      listener.networkCreated(record);
      return record;
    } finally {
      creating.unlock();
    }
  }

  private void undoCreate(NetworkRecord record, NetworkDriver driver, long journal) {
    driver.teardown();
    store.inTransaction(
        tx -> {
          tx.deleteNetwork(record.id());
          tx.finishJournal(journal);
          return null;
        });
    ipam.unregister(record.id());
  }

  /** The first default pool clear of every network, host address and route, and nameserver. */
  private String freeSubnet() {
    List<Subnet> inUse = new ArrayList<>(ipam.subnets());
    for (Route r : host.routes().list()) {
      if (r.destination() != null) {
        inUse.add(Subnet.parse(r.destinationText()));
      }
    }
    for (Addr a : host.addrs().list()) {
      if (a.address() instanceof Inet4Address) {
        inUse.add(Subnet.containing(a.cidr()));
      }
    }
    List<Integer> nameservers;
    try {
      nameservers = DefaultPools.nameservers(Files.readString(Path.of("/etc/resolv.conf")));
    } catch (IOException e) {
      nameservers = List.of();
    }
    return DefaultPools.next(inUse, nameservers)
        .orElseThrow(
            () ->
                new IpamException(
                    "no free address pool: every default pool overlaps a network, a host address"
                        + " or route, or a nameserver; give one with --subnet"))
        .toString();
  }

  /**
   * Removes a user-defined network that no sandbox has an endpoint on, with its bridge and rules;
   * journaled, so a crash half-way finishes the removal on the next start. Containers created on it
   * and not running keep their record (their start will say the network is gone), as under Docker.
   */
  public void removeNetwork(String ref) {
    NetworkRecord n = network(ref);
    if (List.of(BRIDGE, HOST, NONE).contains(n.name())) {
      throw new NetworkException(
          FORBIDDEN, n.name() + " is a pre-defined network and cannot be removed");
    }
    if (ExternalSandboxes.DRIVER.equals(n.driver())) {
      throw new NetworkException(
          FORBIDDEN,
          n.name()
              + " is a CNI network: it goes with its last container, when the runtime DELs it");
    }
    try (KeyedLocks.Held held = networkLocks.exclusive(n.id())) {
      if (!networks.containsKey(n.id())) {
        throw new NetworkException(NOT_FOUND, "network " + ref + " not found");
      }
      List<String> attached =
          sandboxes.values().stream()
              .filter(s -> s.endpoints().stream().anyMatch(e -> e.networkId().equals(n.id())))
              .map(Sandbox::containerId)
              .toList();
      if (!attached.isEmpty()) {
        throw new NetworkException(
            CONFLICT,
            "error while removing network: network "
                + n.name()
                + " id "
                + n.id()
                + " has active endpoints",
            attached,
            null);
      }
      SharedNetworks sharedDriver = n.driver() == null ? null : shared.get(n.driver());
      if (sharedDriver != null) {
        // The shared store first: it refuses while another host has an endpoint on the network.
        sharedDriver.remove(n);
      }
      long journal = store.inTransaction(tx -> tx.beginJournal(NETWORK_REMOVE, n.id(), Map.of()));
      networks.remove(n.id());
      Crashpoints.reach("network-remove:journaled");
      finishRemove(n, journal);
    }
    listener.networkRemoved(n);
  }

  private void finishRemove(NetworkRecord n, long journal) {
    NetworkDriver d = drivers.remove(n.id());
    (d != null ? d : open(n)).teardown();
    Crashpoints.reach("network-remove:bridge");
    store.inTransaction(
        tx -> {
          tx.deleteNetwork(n.id());
          tx.finishJournal(journal);
          return null;
        });
    ipam.unregister(n.id());
  }

  /**
   * Finishes a network change a crash interrupted: a create is undone (nobody was told it
   * succeeded), a remove is completed (the network was already gone for every caller).
   */
  public void recover(JournalEntry entry) {
    if (ExternalSandboxes.owns(entry.kind())) {
      external.recover(entry);
      return;
    }
    NetworkRecord n =
        store.inTransaction(tx -> tx.networks()).stream()
            .filter(r -> r.id().equals(entry.subject()))
            .findFirst()
            .orElse(null);
    if (n == null) {
      store.inTransaction(
          tx -> {
            tx.finishJournal(entry.id());
            return null;
          });
      return;
    }
    LOG.warn("recovering the unfinished {} of network {}", entry.kind(), n.name());
    networks.remove(n.id());
    NetworkDriver d = drivers.remove(n.id());
    if (entry.kind().equals(NETWORK_CREATE)) {
      undoCreate(n, d != null ? d : open(n), entry.id());
    } else {
      drivers.put(n.id(), d != null ? d : open(n));
      finishRemove(n, entry.id());
    }
  }

  // ---------------------------------------------------------------- sandboxes

  /**
   * Reserves {@code ipv4} on {@code network} for container {@code containerId} from now until
   * {@link #unreserve}, as Docker keeps a container's {@code --ip}, in the caller's transaction.
   */
  public void reserve(Store.Tx tx, String containerId, String network, String ipv4) {
    NetworkRecord n = network(network);
    if (!hasEndpoints(n)) {
      throw new NetworkException(
          INVALID, "--ip is only supported on bridge networks, not on network " + n.name());
    }
    refuseExternal(n);
    try {
      allocate(tx, n.id(), ipv4, containerId);
    } catch (IpamException e) {
      throw new NetworkException(INVALID, e.getMessage(), e);
    }
  }

  /** Releases every address {@code containerId} still holds, in the caller's transaction. */
  public void unreserve(Store.Tx tx, String containerId) {
    for (NetworkRecord n : networks.values()) {
      if (hasEndpoints(n)) {
        for (Map.Entry<Integer, String> lease : tx.leases(n.id()).entrySet()) {
          if (lease.getValue().equals(containerId)) {
            releaseAddress(tx, n.id(), lease.getKey());
          }
        }
      }
    }
  }

  /** The sandbox of a container, if it has one. */
  public Optional<Sandbox> sandbox(String containerId) {
    return Optional.ofNullable(sandboxes.get(containerId));
  }

  /** Every sandbox. */
  public Collection<Sandbox> sandboxes() {
    return List.copyOf(sandboxes.values());
  }

  /** Containers with an endpoint on network {@code networkId}, with that endpoint. */
  public Map<String, EndpointRecord> endpointsOn(String networkId) {
    Map<String, EndpointRecord> out = new LinkedHashMap<>();
    for (Sandbox s : sandboxes.values()) {
      for (EndpointRecord e : s.endpoints()) {
        if (e.networkId().equals(networkId)) {
          out.put(s.containerId(), e);
        }
      }
    }
    return out;
  }

  /**
   * A sandbox planned and recorded, its networks held against removal until {@link #close}: the
   * caller makes it with {@link #realize}, then closes the plan.
   */
  public final class Plan implements AutoCloseable {
    private final Sandbox sandbox;
    private final List<KeyedLocks.Held> locks;

    private Plan(Sandbox sandbox, List<KeyedLocks.Held> locks) {
      this.sandbox = sandbox;
      this.locks = locks;
    }

    public Sandbox sandbox() {
      return sandbox;
    }

    @Override
    public void close() {
      locks.forEach(KeyedLocks.Held::close);
    }
  }

  /**
   * Records a container's sandbox and endpoints (addresses leased, veth names chosen, the namespace
   * named) in one transaction with the caller's {@code alsoInTx} (its state and journal entry),
   * before any kernel object exists. Holds each of its networks against removal until the plan is
   * closed.
   */
  public Plan plan(SandboxRequest request, Consumer<Store.Tx> alsoInTx) {
    List<NetworkRecord> nets = new ArrayList<>();
    for (SandboxRequest.EndpointRequest e : request.endpoints()) {
      NetworkRecord n =
          find(e.network())
              .orElseThrow(
                  () -> new NetworkException(NOT_FOUND, "network " + e.network() + " not found"));
      if (!hasEndpoints(n)) {
        throw new NetworkException(
            INVALID,
            "network "
                + n.name()
                + (n.driver() != null
                        && !List.of(BRIDGE, HOST, "null", ExternalSandboxes.DRIVER)
                            .contains(n.driver())
                    ? " (driver "
                        + n.driver()
                        + ") is not available: jockerd runs without its"
                        + " --cluster-store"
                    : " has no endpoints to join"));
      }
      refuseExternal(n);
      nets.add(n);
    }
    List<KeyedLocks.Held> locks = new ArrayList<>();
    try {
      for (String id : nets.stream().map(NetworkRecord::id).sorted().distinct().toList()) {
        locks.add(networkLocks.shared(id));
        if (!networks.containsKey(id)) {
          throw new NetworkException(NOT_FOUND, "network " + id + " not found");
        }
      }
      Sandbox planned = record(request, nets, alsoInTx);
      return new Plan(planned, locks);
    } catch (RuntimeException e) {
      locks.forEach(KeyedLocks.Held::close);
      throw e;
    }
  }

  private static void refuseExternal(NetworkRecord n) {
    if (ExternalSandboxes.DRIVER.equals(n.driver())) {
      throw new NetworkException(
          INVALID,
          "network " + n.name() + " is a CNI network: only its runtime attaches containers to it");
    }
  }

  private Sandbox record(
      SandboxRequest request, List<NetworkRecord> nets, Consumer<Store.Tx> alsoInTx) {
    String containerId = request.containerId();
    if (sandboxes.containsKey(containerId)) {
      throw new NetworkException(CONFLICT, "container " + containerId + " has a sandbox already");
    }
    String netns = request.netns();
    Optional<Sandbox> owner =
        sandboxes.values().stream().filter(s -> s.netns().equals(netns)).findFirst();
    if (owner.isPresent() || namespaces.exists(netns)) {
      throw new NetworkException(
          CONFLICT,
          "network namespace "
              + netns
              + " exists already"
              + owner.map(s -> " (container " + s.containerId() + ")").orElse("")
              + "; run jocker reconcile",
          owner.map(s -> List.of(s.containerId())).orElse(List.of()),
          null);
    }
    try {
      return store.inTransaction(
          tx -> {
            SandboxRecord s =
                new SandboxRecord(containerId, netns, Instant.now(), request.options());
            tx.insertSandbox(s);
            List<EndpointRecord> endpoints = new ArrayList<>();
            for (int i = 0; i < nets.size(); i++) {
              NetworkRecord n = nets.get(i);
              SandboxRequest.EndpointRequest e = request.endpoints().get(i);
              boolean reserved = e.ipv4() != null && !e.ipv4().isEmpty();
              int address;
              if (reserved && containerId.equals(tx.leases(n.id()).get(Ipv4.parse(e.ipv4())))) {
                address = Ipv4.parse(e.ipv4());
              } else {
                address = allocate(tx, n.id(), reserved ? e.ipv4() : null, containerId);
              }
              EndpointRecord endpoint =
                  new EndpointRecord(
                      newId(),
                      n.id(),
                      containerId,
                      "eth" + i,
                      newVethName(),
                      MacAddress.forIpv4(Ipv4.toInet(address)).toString(),
                      Ipv4.format(address),
                      reserved,
                      e.options());
              tx.insertEndpoint(endpoint);
              endpoints.add(endpoint);
            }
            alsoInTx.accept(tx);
            Sandbox sandbox = new Sandbox(s, endpoints);
            for (SandboxAddOn addOn : addOns) {
              runAddOn(addOn, sandbox, () -> addOn.planned(tx, sandbox));
            }
            tx.onCommit(() -> sandboxes.put(containerId, sandbox));
            return sandbox;
          });
    } catch (IpamException e) {
      throw new NetworkException(INVALID, e.getMessage(), e);
    }
  }

  /**
   * Makes a planned sandbox's kernel objects: its namespace (with the sysctls Docker sets), each
   * endpoint through its network's driver, then every add-on. On failure the caller releases it.
   */
  public void realize(Plan plan) {
    Sandbox sandbox = plan.sandbox();
    try (Netns ns = namespaces.create(sandbox.netns(), NetworkController::sandboxSysctls)) {
      Crashpoints.reach("attach:netns");
      ns.links().setUp("lo");
      boolean gateway = true;
      for (EndpointRecord e : sandbox.endpoints()) {
        drivers.get(e.networkId()).join(ns, e, gateway);
        gateway = false;
      }
      for (SandboxAddOn addOn : addOns) {
        runAddOn(addOn, sandbox, () -> addOn.joined(sandbox, ns));
      }
    }
    listener.sandboxJoined(sandbox);
  }

  /**
   * Lets every add-on finish what it began in the background for a realized sandbox, once the
   * container's process is launched; a failure fails the start, whose caller releases the sandbox.
   */
  public void ready(String containerId) {
    Sandbox sandbox = sandboxes.get(containerId);
    if (sandbox == null) {
      return;
    }
    for (SandboxAddOn addOn : addOns) {
      runAddOn(addOn, sandbox, () -> addOn.ready(sandbox));
    }
  }

  /**
   * Once recovery at daemon start is done (every sandbox left is a running container's): lets each
   * add-on take back what it keeps for them and drop the rest; reports what changed.
   */
  public void recovered() {
    for (SandboxAddOn addOn : addOns) {
      for (String change : addOn.recovered(sandboxes.values())) {
        listener.healed(null, addOn.name() + ": " + change);
      }
    }
  }

  /** Runs one add-on's step: its own refusals as they are, anything else named after it. */
  private static void runAddOn(SandboxAddOn addOn, Sandbox sandbox, Runnable step) {
    try {
      step.run();
    } catch (NetworkException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new NetworkException(
          INTERNAL, addOn.name() + " of container " + sandbox.containerId() + ": " + e, e);
    }
  }

  /**
   * What Docker sets in every container namespace it creates on a network without IPv6: IPv6 off on
   * all, default and lo (so lo has no ::1), and eth0, which inherits it from "default" because it
   * is born after these are written.
   */
  public static final Map<String, String> SANDBOX_SYSCTLS =
      Map.of(
          "net.ipv4.ip_unprivileged_port_start", "0",
          "net.ipv4.ping_group_range", "0 2147483647",
          "net.ipv6.conf.all.disable_ipv6", "1",
          "net.ipv6.conf.default.disable_ipv6", "1",
          "net.ipv6.conf.lo.disable_ipv6", "1");

  private static void sandboxSysctls(Path ignored) {
    Sysctls.write(SANDBOX_SYSCTLS);
  }

  /**
   * Releases a container's sandbox, whatever of it exists: add-ons, endpoints, the namespace (whose
   * processes the caller has ended); then, in one transaction with the caller's {@code alsoInTx},
   * its records and every address leased for this run ({@code --ip} addresses stay reserved).
   * Without a sandbox, only {@code alsoInTx} runs.
   */
  public void release(String containerId, Consumer<Store.Tx> alsoInTx) {
    Sandbox sandbox = sandboxes.get(containerId);
    if (sandbox != null) {
      removeKernelObjects(sandbox);
    }
    store.inTransaction(
        tx -> {
          if (sandbox != null) {
            for (EndpointRecord e : sandbox.endpoints()) {
              if (!e.reserved() && networks.containsKey(e.networkId())) {
                releaseAddress(tx, e.networkId(), Ipv4.parse(e.address()));
              }
            }
            tx.deleteSandbox(containerId);
            tx.onCommit(() -> sandboxes.remove(containerId));
          }
          alsoInTx.accept(tx);
          return null;
        });
    if (sandbox != null) {
      listener.sandboxReleased(sandbox);
    }
  }

  private void removeKernelObjects(Sandbox sandbox) {
    for (SandboxAddOn addOn : addOns) {
      try {
        addOn.leaving(sandbox);
      } catch (RuntimeException e) {
        LOG.warn(
            "{} of container {} could not clean up: {}",
            addOn.name(),
            sandbox.containerId(),
            e.getMessage());
      }
    }
    for (EndpointRecord e : sandbox.endpoints()) {
      NetworkDriver d = drivers.get(e.networkId());
      if (d != null) {
        d.leave(e);
      } else {
        deleteLink(e.hostVeth());
      }
    }
    if (namespaces.exists(sandbox.netns())) {
      namespaces.delete(sandbox.netns());
    }
  }

  private void deleteLink(String name) {
    try {
      host.links().delete(name);
    } catch (NotFoundException gone) {
      LOG.debug("{} already gone", name);
    }
  }

  /** The path of a sandbox's namespace file, for processes to join. */
  public Path netnsPath(Sandbox sandbox) {
    return namespaces.path(sandbox.netns());
  }

  // ---------------------------------------------------------------- healing and leftovers

  /**
   * Puts back what was changed behind jocker's back: each network's bridge (made again with its
   * recorded MAC and address), forwarding, rules, every endpoint's host end on its bridge, the
   * FORWARD policy when jocker set it, and whatever the add-ons keep. Cheap when all is in place
   * (netlink reads, one sysctl, one {@code iptables-save}); returns what it fixed.
   */
  public synchronized List<String> heal() {
    List<String> fixed = new ArrayList<>();
    Firewall.Snapshot rules = config.iptables() ? firewall.snapshot() : null;
    Map<String, List<EndpointRecord>> byNetwork = new LinkedHashMap<>();
    for (Sandbox s : sandboxes.values()) {
      for (EndpointRecord e : s.endpoints()) {
        byNetwork.computeIfAbsent(e.networkId(), k -> new ArrayList<>()).add(e);
      }
    }
    for (NetworkRecord n : sortedNetworks()) {
      NetworkDriver d = drivers.get(n.id());
      if (d == null) {
        continue;
      }
      String prefix = n.name().equals(BRIDGE) ? "" : n.name() + ": ";
      if (!d.problems(rules == null ? Firewall.Snapshot.EMPTY : rules).isEmpty()) {
        List<String> changes = d.setup();
        noteForwardPolicy(changes);
        changes.forEach(c -> fixed.add(prefix + c));
      }
      for (String veth : d.reattach(byNetwork.getOrDefault(n.id(), List.of()))) {
        fixed.add(prefix + "put " + veth + " back on " + d.device());
      }
    }
    if (rules != null && ownsForwardPolicy() && !"DROP".equals(rules.forwardPolicy())) {
      firewall.setForwardPolicy("DROP");
      fixed.add("set the FORWARD policy back to DROP (it was " + rules.forwardPolicy() + ")");
    }
    List<Sandbox> own = sandboxes.values().stream().filter(s -> !s.external()).toList();
    for (SandboxAddOn addOn : addOns) {
      addOn.heal(own).forEach(c -> fixed.add(addOn.name() + ": " + c));
    }
    for (String change : fixed) {
      listener.healed(null, change);
    }
    return fixed;
  }

  private static final String FORWARD_POLICY_SETTING = "forward-policy-set-by-jocker";

  /**
   * Remembers that jocker set the FORWARD policy to DROP (as Docker does when it is the one turning
   * forwarding on), so that the periodic check restores it if someone opens it again.
   */
  void noteForwardPolicy(List<String> changes) {
    if (changes.contains(NetworkDriver.FORWARD_POLICY_SET) && !ownsForwardPolicy()) {
      store.inTransaction(
          tx -> {
            tx.putSetting(FORWARD_POLICY_SETTING, "DROP");
            return null;
          });
      forwardPolicyOwned = true;
    }
  }

  private volatile Boolean forwardPolicyOwned;

  private boolean ownsForwardPolicy() {
    if (forwardPolicyOwned == null) {
      forwardPolicyOwned =
          store.inTransaction(tx -> tx.setting(FORWARD_POLICY_SETTING)).isPresent();
    }
    return forwardPolicyOwned;
  }

  /**
   * What no sandbox owns (veths named as jocker names them, on a network's device or on none, and
   * jocker-named namespaces) and endpoints whose host end is missing or off its device.
   */
  public Orphans orphans() {
    // The kernel first, the records after: a sandbox recorded in between has no kernel object
    // in this listing yet, and one released in between is gone from both or only from the records
    // (then its leftover is removed once more, which finds it gone).
    List<Link> links = host.links().list();
    List<String> namespaceNames = namespaces.list();
    Set<String> known = new HashSet<>();
    Set<String> netns = new HashSet<>();
    for (Sandbox s : sandboxes.values()) {
      netns.add(s.netns());
      s.endpoints().forEach(e -> known.add(e.hostVeth()));
    }
    Map<Integer, String> deviceOf = new LinkedHashMap<>();
    Set<String> devices = new HashSet<>();
    drivers.values().stream()
        .filter(NetworkDriver::ownsEveryPort)
        .forEach(d -> devices.add(d.device()));
    for (Link l : links) {
      if (devices.contains(l.name())) {
        deviceOf.put(l.index(), l.name());
      }
    }
    List<String> veths = new ArrayList<>();
    Map<String, Link> byName = new LinkedHashMap<>();
    for (Link l : links) {
      byName.put(l.name(), l);
      boolean ours =
          deviceOf.containsKey(l.masterIndex())
              || (l.masterIndex() == 0
                  && "veth".equals(l.kind())
                  && OUR_VETH.matcher(l.name()).matches());
      if (ours && l.name().startsWith("veth") && !known.contains(l.name())) {
        veths.add(l.name());
      }
    }
    List<String> spare =
        namespaceNames.stream()
            .filter(ns -> ns.startsWith(config.netnsPrefix()) && !netns.contains(ns))
            .toList();
    List<Orphans.Detached> detached = new ArrayList<>();
    for (Sandbox s : sandboxes.values()) {
      for (EndpointRecord e : s.endpoints()) {
        NetworkDriver d = drivers.get(e.networkId());
        Link veth = byName.get(e.hostVeth());
        String network =
            networks.containsKey(e.networkId()) ? networks.get(e.networkId()).name() : "?";
        if (veth == null) {
          detached.add(new Orphans.Detached(e.hostVeth(), s.containerId(), network, "is missing"));
        } else if (d != null && !d.device().equals(deviceOf.get(veth.masterIndex()))) {
          detached.add(
              new Orphans.Detached(
                  e.hostVeth(), s.containerId(), network, "is not on " + d.device()));
        }
      }
    }
    veths.sort(null);
    detached.sort(Comparator.comparing(Orphans.Detached::hostVeth));
    return new Orphans(veths, spare, detached);
  }

  /** Deletes orphan veths and namespaces (the caller has ended any process in them). */
  public List<String> removeOrphans(Orphans orphans) {
    List<String> removed = new ArrayList<>();
    for (String veth : orphans.veths()) {
      deleteLink(veth);
      removed.add("removed orphan veth " + veth);
    }
    for (String ns : orphans.namespaces()) {
      if (namespaces.exists(ns)) {
        namespaces.delete(ns);
      }
      removed.add("removed orphan namespace " + ns);
    }
    return removed;
  }

  /**
   * Releases the leases no endpoint holds and no live reservation explains: {@code reserves} says
   * whether a container keeps an {@code --ip} address on a network between runs.
   */
  public List<String> releaseStrayLeases(BiPredicate<String, NetworkRecord> reserves) {
    Set<String> held = new HashSet<>();
    for (Sandbox s : sandboxes.values()) {
      s.endpoints().forEach(e -> held.add(e.networkId() + " " + e.address()));
    }
    return store.inTransaction(
        tx -> {
          List<String> released = new ArrayList<>();
          for (NetworkRecord n : networks.values()) {
            if (!hasEndpoints(n)) {
              continue;
            }
            for (Map.Entry<Integer, String> lease : tx.leases(n.id()).entrySet()) {
              String address = Ipv4.format(lease.getKey());
              if (!held.contains(n.id() + " " + address) && !reserves.test(lease.getValue(), n)) {
                releaseAddress(tx, n.id(), lease.getKey());
                released.add("released address " + address + " of network " + n.name());
              }
            }
          }
          return released;
        });
  }

  /** Leases an address on a network from its driver's address space, or this host's IPAM. */
  private int allocate(Store.Tx tx, String networkId, String requested, String owner) {
    Optional<AddressSpace> space = driver(networkId).flatMap(NetworkDriver::addresses);
    return space.isPresent()
        ? space.get().allocate(tx, requested, owner)
        : ipam.allocate(tx, networkId, requested, owner);
  }

  private void releaseAddress(Store.Tx tx, String networkId, int address) {
    Optional<AddressSpace> space = driver(networkId).flatMap(NetworkDriver::addresses);
    if (space.isPresent()) {
      space.get().release(tx, address);
    } else {
      ipam.release(tx, networkId, address);
    }
  }

  /** A fresh host-side veth name: {@code veth} and 7 hex characters, as Docker names them. */
  private static String newVethName() {
    return "veth" + HexFormat.of().formatHex(RANDOM.generateSeed(4)).substring(0, 7);
  }

  private static String newId() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}

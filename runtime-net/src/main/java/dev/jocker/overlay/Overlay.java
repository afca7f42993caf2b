package dev.jocker.overlay;

import static dev.jocker.network.NetworkException.Kind.CONFLICT;
import static dev.jocker.network.NetworkException.Kind.INTERNAL;
import static dev.jocker.network.NetworkException.Kind.INVALID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.bridge.BridgeDriver;
import dev.jocker.cluster.Cluster;
import dev.jocker.cluster.ClusterConfig;
import dev.jocker.cluster.ClusterConflictException;
import dev.jocker.cluster.ClusterException;
import dev.jocker.cluster.ClusterListener;
import dev.jocker.cluster.ClusterUnavailableException;
import dev.jocker.cluster.EndpointRecord;
import dev.jocker.cluster.Member;
import dev.jocker.cluster.OverlayNetwork;
import dev.jocker.cluster.VtepProgrammer;
import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.Vxlan;
import dev.jocker.network.NetworkController;
import dev.jocker.network.NetworkDriver;
import dev.jocker.network.NetworkException;
import dev.jocker.network.Sandbox;
import dev.jocker.network.SharedNetworks;
import dev.jocker.store.NetworkRecord;
import dev.jocker.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The {@code overlay} driver on this host, Docker's classic overlay with {@code --cluster-store}:
 * this host's membership of the cluster (on etcd), the networks of the cluster store as networks of
 * the {@link NetworkController} (a copy of each record in this host's store, so containers can name
 * them and leases have a network to belong to), and one {@link OverlayDriver} per network.
 *
 * <p>What changes in the store reaches this host through one watch: remote endpoints become FDB and
 * neighbour entries ({@link VtepProgrammer}), networks created or removed elsewhere are taken in or
 * forgotten. Each time this host joins (at start once the store answers, and after a lost lease) it
 * takes its address blocks back, publishes the endpoints of its running containers, withdraws those
 * whose containers ended meanwhile, and programs its devices from the store.
 */
public final class Overlay implements SharedNetworks, AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(Overlay.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The driver's name, Docker's. */
  public static final String DRIVER = "overlay";

  /** Docker's option for a network's VXLAN ID: {@code -o ...vxlanid_list=VNI}. */
  public static final String VXLAN_ID_OPTION = "com.docker.network.driver.overlay.vxlanid_list";

  private static final String INSTANCE_SETTING = "cluster-instance-id";
  private static final String NETWORK_SETTING = "overlay-network/";

  /**
   * What the overlay needs of the daemon's options.
   *
   * @param store {@code --cluster-store}, {@code etcd://HOST:PORT[,…]}
   * @param advertise {@code --cluster-advertise}, {@code IFACE:PORT} or {@code ADDR:PORT}
   * @param ttl the lease time to live ({@code --cluster-store-opt discovery.ttl}), or null for the
   *     default
   * @param iptables whether jocker manages iptables (each overlay bridge gets a bridge's rules)
   * @param ipForward whether jocker enables forwarding
   * @param chainPrefix iptables chain prefix, {@code DOCKER}
   * @param netnsPrefix the prefix of containers' namespaces: the rest is the container's name
   */
  public record Options(
      String store,
      String advertise,
      Duration ttl,
      boolean iptables,
      boolean ipForward,
      String chainPrefix,
      String netnsPrefix) {}

  private final Options options;
  private final Store store;
  private final Netns host;
  private final Path hostPath;
  private final Cluster cluster;
  private final VtepProgrammer programmer;
  private final ExecutorService worker;

  /** The cluster's record of each overlay network known here, by ID (kept in the store too). */
  private final Map<String, OverlayNetwork> known = new ConcurrentHashMap<>();

  private final Map<String, OverlayDriver> drivers = new ConcurrentHashMap<>();
  private final Map<String, Member> members = new ConcurrentHashMap<>();

  /** Endpoints whose withdrawal failed (the store was away): network ID to endpoint IDs. */
  private final Map<String, Set<String>> pendingWithdrawals = new ConcurrentHashMap<>();

  private volatile NetworkController controller;
  private volatile boolean watching;

  private Overlay(Options options, Store store, Netns host, Path hostPath) {
    this.options = options;
    this.store = store;
    this.host = host;
    this.hostPath = hostPath;
    ClusterConfig config = ClusterConfig.parse(options.store(), options.advertise());
    if (options.ttl() != null) {
      config = config.withTtl(options.ttl());
    }
    ClusterConfig.Resolved vtep = config.resolve(ClusterConfig.localAddresses(host));
    String hostname = utsHostname();
    this.programmer = new VtepProgrammer(host, hostname);
    this.worker =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "jocker-overlay");
              t.setDaemon(true);
              return t;
            });
    loadCachedNetworks();
    this.cluster = Cluster.start(config, new Cluster.Identity(hostname, instanceId()), vtep);
  }

  /**
   * Starts the overlay: resolves the advertised address against the host's own (failing with the
   * reason when it is not one of them) and starts joining the cluster, which never fails for an
   * unreachable store (it tries every second; until then every overlay operation fails with the
   * reason).
   */
  public static Overlay start(Options options, Store store, Netns host, Path hostPath) {
    return new Overlay(options, store, host, hostPath);
  }

  /**
   * Registers the driver with the controller and, from the first join on, keeps the controller's
   * overlay networks and this host's kernel in step with the cluster store.
   */
  public void bind(NetworkController networkController) {
    this.controller = networkController;
    networkController.addSharedNetworks(this);
    cluster.onJoined(() -> worker.execute(this::catchUp));
  }

  /** The hostname this host joins as: its UTS name, as Docker's. */
  private static String utsHostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException e) {
      throw new ClusterException("cannot read this host's name: " + e.getMessage(), e);
    }
  }

  /**
   * The ID of this data root, made once: it tells this host's own earlier run (whose lease it may
   * take over) from another machine with the same hostname.
   */
  private String instanceId() {
    return store.inTransaction(
        tx -> {
          Optional<String> id = tx.setting(INSTANCE_SETTING);
          if (id.isPresent()) {
            return id.get();
          }
          byte[] b = new byte[16];
          RANDOM.nextBytes(b);
          String made = HexFormat.of().formatHex(b);
          tx.putSetting(INSTANCE_SETTING, made);
          return made;
        });
  }

  private void loadCachedNetworks() {
    store.inTransaction(
        tx -> {
          for (NetworkRecord n : tx.networks()) {
            if (DRIVER.equals(n.driver())) {
              tx.setting(NETWORK_SETTING + n.id())
                  .map(Overlay::parse)
                  .ifPresent(o -> known.put(n.id(), o));
            }
          }
          return null;
        });
  }

  private static OverlayNetwork parse(String json) {
    try {
      return JSON.readValue(json, OverlayNetwork.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cached overlay network record: " + e.getMessage(), e);
    }
  }

  private static String json(OverlayNetwork net) {
    try {
      return JSON.writeValueAsString(net);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + net + " as JSON", e);
    }
  }

  // ---------------------------------------------------------------- SharedNetworks

  @Override
  public String driver() {
    return DRIVER;
  }

  @Override
  public NetworkRecord create(
      String name, String subnet, String gateway, String ipRange, Map<String, String> opts) {
    if (ipRange != null && !ipRange.isEmpty()) {
      throw new NetworkException(
          INVALID, "--ip-range is not supported on overlay networks: hosts hand out blocks");
    }
    Integer vni = null;
    for (Map.Entry<String, String> o : opts.entrySet()) {
      if (!o.getKey().equals(VXLAN_ID_OPTION)) {
        throw new NetworkException(
            INVALID,
            "option "
                + o.getKey()
                + " is not supported by the overlay driver (only "
                + VXLAN_ID_OPTION
                + ")");
      }
      try {
        vni = Integer.parseInt(o.getValue().strip());
      } catch (NumberFormatException e) {
        throw new NetworkException(
            INVALID,
            VXLAN_ID_OPTION + "=" + o.getValue() + ": one VXLAN ID (a number from 1 to 16777215)");
      }
    }
    OverlayNetwork net;
    try {
      net =
          cluster
              .networks()
              .create(
                  name,
                  subnet == null || subnet.isEmpty() ? null : subnet,
                  gateway == null || gateway.isEmpty() ? null : gateway,
                  vni);
    } catch (ClusterException e) {
      throw translate(e);
    }
    remember(net);
    return record(net);
  }

  @Override
  public void remove(NetworkRecord network) {
    try {
      // Gone from the store already (removed elsewhere while this host still had it): only this
      // host's copy is left to remove.
      if (cluster.networks().find(network.id()).isPresent()) {
        cluster.networks().remove(network.id());
      }
    } catch (ClusterException e) {
      throw translate(e);
    }
    cluster.addresses().forget(network.id());
    forgetRecord(network.id());
  }

  @Override
  public NetworkDriver open(NetworkRecord network) {
    BridgeDriver bridge =
        (BridgeDriver)
            BridgeDriver.factory(
                    host, hostPath, options.iptables(), options.ipForward(), options.chainPrefix())
                .open(network);
    OverlayDriver driver = new OverlayDriver(this, network, bridge);
    drivers.put(network.id(), driver);
    return driver;
  }

  @Override
  public Map<String, String> options(NetworkRecord network) {
    OverlayNetwork net = known.get(network.id());
    return net == null ? Map.of() : Map.of(VXLAN_ID_OPTION, Integer.toString(net.vni()));
  }

  /** This host's copy of a cluster network: the bridge and MTU every host gives it. */
  private NetworkRecord record(OverlayNetwork net) {
    return new NetworkRecord(
        net.id(),
        net.name(),
        DRIVER,
        net.subnet(),
        null,
        net.gateway(),
        "br-" + net.shortId(),
        Vxlan.OVERLAY_MTU,
        MacAddress.randomDocker().toString(),
        Instant.ofEpochMilli(net.createdAtMillis()));
  }

  private void remember(OverlayNetwork net) {
    known.put(net.id(), net);
    store.inTransaction(
        tx -> {
          tx.putSetting(NETWORK_SETTING + net.id(), json(net));
          return null;
        });
  }

  void forgetRecord(String networkId) {
    known.remove(networkId);
    drivers.remove(networkId);
    store.inTransaction(
        tx -> {
          tx.deleteSetting(NETWORK_SETTING + networkId);
          return null;
        });
  }

  /** A cluster failure as the controller reports it. */
  static NetworkException translate(ClusterException e) {
    if (e instanceof ClusterUnavailableException) {
      return new NetworkException(INTERNAL, e.getMessage(), e);
    }
    if (e instanceof ClusterConflictException) {
      return new NetworkException(CONFLICT, e.getMessage(), e);
    }
    return new NetworkException(INVALID, e.getMessage(), e);
  }

  // ---------------------------------------------------------------- what the drivers use

  Netns host() {
    return host;
  }

  Cluster cluster() {
    return cluster;
  }

  /** The cluster's record of a network known here. */
  public Optional<OverlayNetwork> network(String networkId) {
    return Optional.ofNullable(known.get(networkId));
  }

  /** Whether containers of this host have endpoints on the network. */
  boolean hasLocalEndpoints(String networkId) {
    NetworkController c = controller;
    return c != null && !c.endpointsOn(networkId).isEmpty();
  }

  /** Whether the watch runs, so that the programmer knows every remote endpoint. */
  boolean watching() {
    return watching;
  }

  VtepProgrammer programmer() {
    return programmer;
  }

  /** The container's name, which its sandbox's namespace carries after the prefix. */
  String containerName(Netns sandbox) {
    return containerName(sandbox.path().getFileName().toString());
  }

  private String containerName(String netns) {
    return netns.startsWith(options.netnsPrefix())
        ? netns.substring(options.netnsPrefix().length())
        : netns;
  }

  /** Writes an endpoint of this host to the store. */
  void publish(OverlayNetwork net, dev.jocker.store.EndpointRecord e, String name) {
    try {
      cluster.endpoints().publish(net, e.id(), name, e.mac(), e.address());
    } catch (ClusterException ce) {
      throw translate(ce);
    }
  }

  /**
   * Removes an endpoint of this host from the store; with the store away, the removal is tried
   * again at the next join (the lease, if it expires first, removes it anyway).
   */
  void withdraw(String networkId, String endpointId) {
    try {
      cluster.endpoints().withdraw(networkId, endpointId);
    } catch (ClusterException e) {
      LOG.warn(
          "cannot withdraw endpoint {} of network {} now, will retry: {}",
          endpointId.substring(0, 12),
          networkId.substring(0, 12),
          e.getMessage());
      pendingWithdrawals
          .computeIfAbsent(networkId, k -> ConcurrentHashMap.newKeySet())
          .add(endpointId);
    }
  }

  // ---------------------------------------------------------------- joining and the watch

  /**
   * After each join: the watch (once; it resyncs by itself), the networks, this host's blocks and
   * endpoints, then the devices of the networks in use here programmed from the store.
   */
  private void catchUp() {
    NetworkController c = controller;
    try {
      if (!watching) {
        cluster.watch(new Listener());
        watching = true;
      }
      syncNetworks(c);
      for (OverlayNetwork net : List.copyOf(known.values())) {
        resumeBlocks(net);
        syncEndpoints(c, net);
      }
      retryWithdrawals();
      for (OverlayDriver d : List.copyOf(drivers.values())) {
        d.attachIfInUse();
      }
    } catch (ClusterException e) {
      LOG.warn("cluster store away again while catching up; next join retries: {}", e.getMessage());
    }
  }

  private void syncNetworks(NetworkController c) {
    List<OverlayNetwork> inStore = cluster.networks().list();
    Set<String> ids = new HashSet<>();
    for (OverlayNetwork net : inStore) {
      ids.add(net.id());
      networkChanged(c, net);
    }
    for (NetworkRecord n : c.networks()) {
      if (DRIVER.equals(n.driver()) && !ids.contains(n.id())) {
        networkGone(c, n.id());
      }
    }
  }

  private void networkChanged(NetworkController c, OverlayNetwork net) {
    if (net.removing()) {
      return;
    }
    remember(net);
    try {
      c.adopt(record(net));
    } catch (NetworkException e) {
      LOG.error("overlay network {} from the cluster store: {}", net.name(), e.getMessage());
    }
  }

  private void networkGone(NetworkController c, String networkId) {
    if (c.find(networkId).isEmpty()) {
      forgetRecord(networkId);
      return;
    }
    OverlayDriver d = drivers.get(networkId);
    if (d != null) {
      programmer.detach(networkId);
    }
    if (c.forget(networkId)) {
      cluster.addresses().forget(networkId);
      forgetRecord(networkId);
    } else {
      LOG.error(
          "overlay network {} was removed from the cluster store while containers of this host are"
              + " on it; it stays here until they stop",
          networkId.substring(0, 12));
    }
  }

  private void resumeBlocks(OverlayNetwork net) {
    try {
      store.inTransaction(
          tx -> {
            cluster.addresses().resume(net, tx);
            return null;
          });
    } catch (ClusterUnavailableException e) {
      throw e;
    } catch (ClusterException e) {
      LOG.error("{}", e.getMessage());
    }
  }

  /**
   * Publishes every endpoint of this host's sandboxes on the network, and withdraws the store's
   * endpoints of this host that no sandbox has any more (containers that ended while jockerd was
   * down).
   */
  private void syncEndpoints(NetworkController c, OverlayNetwork net) {
    OverlayDriver d = drivers.get(net.id());
    if (d == null) {
      return;
    }
    Map<String, LocalEndpoint> local = new HashMap<>();
    for (Sandbox s : c.sandboxes()) {
      for (dev.jocker.store.EndpointRecord e : s.endpoints()) {
        if (e.networkId().equals(net.id())) {
          local.put(e.id(), new LocalEndpoint(e, containerName(s.netns())));
        }
      }
    }
    d.publishAll(net, local);
    for (EndpointRecord e : cluster.endpoints().list(net.id())) {
      if (e.host().equals(cluster.identity().hostname()) && !local.containsKey(e.id())) {
        LOG.info(
            "withdrawing endpoint {} ({}): its container is gone",
            e.id().substring(0, 12),
            e.name());
        withdraw(net.id(), e.id());
      }
    }
  }

  private void retryWithdrawals() {
    for (Map.Entry<String, Set<String>> pending : pendingWithdrawals.entrySet()) {
      for (String endpointId : List.copyOf(pending.getValue())) {
        pending.getValue().remove(endpointId);
        withdraw(pending.getKey(), endpointId);
      }
    }
  }

  /** An endpoint of this host's sandboxes and its container's name. */
  record LocalEndpoint(dev.jocker.store.EndpointRecord endpoint, String name) {}

  /** Networks and members from the watch; endpoints go to the programmer. */
  private final class Listener implements ClusterListener {
    @Override
    public void endpointAdded(EndpointRecord endpoint) {
      programmer.endpointAdded(endpoint);
    }

    @Override
    public void endpointRemoved(EndpointRecord endpoint) {
      programmer.endpointRemoved(endpoint);
    }

    @Override
    public void memberJoined(Member member) {
      members.put(member.hostname(), member);
    }

    @Override
    public void memberLeft(Member member) {
      members.remove(member.hostname());
      programmer.memberLeft(member);
    }

    @Override
    public void networkChanged(OverlayNetwork network) {
      // The controller takes locks and writes the store: not on the watch's thread.
      worker.execute(() -> Overlay.this.networkChanged(controller, network));
    }

    @Override
    public void networkRemoved(OverlayNetwork network) {
      programmer.networkRemoved(network);
      worker.execute(() -> networkGone(controller, network.id()));
    }
  }

  // ---------------------------------------------------------------- views

  /** The endpoints of other hosts on a network, as the watch last reported them. */
  public List<EndpointRecord> remoteEndpoints(String networkId) {
    return programmer.remotes(networkId);
  }

  /** The hosts of the cluster as the watch last reported them, by hostname. */
  public Map<String, Member> members() {
    return new TreeMap<>(members);
  }

  /** This host's name in the cluster. */
  public String hostname() {
    return cluster.identity().hostname();
  }

  /** This host's VTEP: the advertised address and its interface. */
  public ClusterConfig.LocalAddress vtep() {
    return cluster.vtep().local();
  }

  /**
   * Every address block of a network and the host that holds it, read from the store now; empty
   * with the reason when the store does not answer.
   */
  public Map<Subnet, String> blocks(String networkId) {
    OverlayNetwork net = known.get(networkId);
    if (net == null) {
      return Map.of();
    }
    try {
      return new LinkedHashMap<>(cluster.addresses().holders(net));
    } catch (ClusterException e) {
      throw translate(e);
    }
  }

  /** Whether this host holds a live lease in the store. */
  public boolean joined() {
    return cluster.joined();
  }

  /** The store as configured, {@code etcd://HOST:PORT}. */
  public String storeText() {
    return cluster.config().storeText();
  }

  /** The advertised address as configured. */
  public String advertise() {
    return options.advertise();
  }

  /**
   * Stops the watch and the lease's keep-alive without revoking it: the other hosts forget this one
   * when the lease expires, so containers stay reachable across a restart shorter than the TTL.
   */
  @Override
  public void close() {
    cluster.close();
    worker.shutdownNow();
  }
}

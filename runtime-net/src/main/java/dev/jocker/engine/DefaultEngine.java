package dev.jocker.engine;

import static dev.jocker.engine.EngineException.Kind.INVALID;

import dev.jocker.bridge.BridgeConfig;
import dev.jocker.bridge.BridgeDriver;
import dev.jocker.cgroup.Cgroups;
import dev.jocker.cni.CniBackend;
import dev.jocker.cni.ControllerBackend;
import dev.jocker.container.Attachment;
import dev.jocker.container.ExecProcess;
import dev.jocker.container.Images;
import dev.jocker.container.Launcher;
import dev.jocker.doctor.Finding;
import dev.jocker.firewall.Conntrack;
import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.Iptables;
import dev.jocker.kernel.ExitWatch;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.network.ExternalSandboxes;
import dev.jocker.network.NetworkController;
import dev.jocker.network.NetworkDriver;
import dev.jocker.network.NetworkListener;
import dev.jocker.network.PortPublishing;
import dev.jocker.network.Sandbox;
import dev.jocker.network.SandboxAddOn;
import dev.jocker.overlay.Overlay;
import dev.jocker.portmap.PortAllocator;
import dev.jocker.portmap.PortMapper;
import dev.jocker.portmap.PortViews;
import dev.jocker.portmap.UserlandProxy;
import dev.jocker.store.ContainerConfig;
import dev.jocker.store.ContainerRecord;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.JournalEntry;
import dev.jocker.store.NetworkRecord;
import dev.jocker.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * The engine on a real kernel, the daemon's one entry point: it wires the parts and answers the API
 * from them. The {@link NetworkController} owns networks, sandboxes and endpoints; the {@link
 * ContainerService} owns container records and their lifecycle; the {@link Supervisor} notices
 * exits and heals; the {@link Reconciler} restores the invariant between records and kernel; {@link
 * LiveFacts} reads the kernel for doctor, topology and trace. Opening it recovers: unfinished
 * network changes first, then the networks' bridges, then unfinished container changes, then every
 * running container re-adopted, then leftovers removed.
 */
public final class DefaultEngine implements Engine {
  private final EngineConfig config;
  private final Store store;
  private final ContainerIndex index;
  private final Images images;
  private final Netns host;
  private final NetworkController network;
  private final ContainerService containers;
  private final ExitWatch exits;
  private final Reconciler reconciler;
  private final LiveFacts facts;
  private final Supervisor supervisor;
  private final CniBackend cni;
  private final UserlandProxy proxy;
  private final PortPublishing ports;

  /**
   * The userland proxy's event loops: one per core, at most this many (docker-proxy's throughput is
   * reached with two; more only idle).
   */
  private static final int PROXY_THREADS = 4;

  /** The overlay driver, when jockerd takes part in a cluster; else null. */
  private final Overlay overlay;

  /** What topology and trace read of overlay networks; null without a cluster. */
  private final OverlayFacts overlayFacts;

  private DefaultEngine(EngineConfig config, List<SandboxAddOn> addOns, ClusterOptions cluster) {
    this.config = config;
    BridgeConfig.of(
        config.bridge(),
        config.bip(),
        config.mtu(),
        config.iptables(),
        config.ipForward(),
        config.chainPrefix());
    this.store = Store.open(config.dataRoot().resolve("jocker.db"));
    this.index = ContainerIndex.load(store);
    this.images = new Images(config.dataRoot());
    this.host = config.hostNetns() == null ? Netns.current() : Netns.open(config.hostNetns());
    NetnsStore namespaces = new NetnsStore(config.netnsDir());
    Firewall firewall = new Firewall(new Iptables(config.hostNetns()));
    this.network =
        new NetworkController(
            store,
            new NetworkController.Config(
                config.bridge(),
                config.bip(),
                config.mtu(),
                config.netnsPrefix(),
                config.iptables()),
            host,
            namespaces,
            firewall,
            BridgeDriver.factory(
                host,
                config.hostNetns(),
                config.iptables(),
                config.ipForward(),
                config.chainPrefix(),
                config.userlandProxy()),
            new Listener());
    this.proxy = new UserlandProxy(host, UserlandProxy.defaultThreads(PROXY_THREADS));
    this.ports =
        new PortPublishing(
            store,
            new PortMapper(
                config.iptables() ? firewall : null,
                config.chainPrefix(),
                PortAllocator.ofLocalPortRange(host.sysctls().get("net.ipv4.ip_local_port_range")),
                proxy,
                config.userlandProxy(),
                config.defaultBindIp()),
            id -> network.driver(id).map(NetworkDriver::device).orElse(null),
            config.iptables() ? new Conntrack(config.hostNetns()) : null);
    network.addOn(ports);
    addOns.forEach(network::addOn);
    this.overlay =
        cluster == null
            ? null
            : Overlay.start(
                new Overlay.Options(
                    cluster.store(),
                    cluster.advertise(),
                    cluster.ttl(),
                    config.iptables(),
                    config.ipForward(),
                    config.chainPrefix(),
                    config.netnsPrefix()),
                store,
                host,
                config.hostNetns());
    if (overlay != null) {
      overlay.bind(network);
    }
    this.cni = new ControllerBackend(network.external());
    this.containers =
        new ContainerService(
            config, store, index, network, images, Launcher.create(cgroups(config)));
    this.reconciler = new Reconciler(network, containers, config.netnsDir());
    this.supervisor = new Supervisor(containers, reconciler);
    this.exits = new ExitWatch(supervisor::exited);
    containers.watchExitsWith(exits);
    containers.scheduleWith(supervisor::schedule);
    this.facts =
        new LiveFacts(config, host, namespaces, network, containers, reconciler, ports::ports);
    this.overlayFacts =
        overlay == null ? null : new OverlayFacts(overlay, host, network, containers, facts);
    recover();
    supervisor.start(config.rulesCheckInterval());
  }

  /** Opens the engine: store, networks, then recovery of whatever a crash left unfinished. */
  public static DefaultEngine open(EngineConfig config) {
    return open(config, List.of());
  }

  /**
   * Opens the engine with sandbox add-ons (published ports, a resolver): each takes part in every
   * sandbox's start and release, the recovery of the next start included.
   */
  static DefaultEngine open(EngineConfig config, List<SandboxAddOn> addOns) {
    return open(config, addOns, null);
  }

  /**
   * Opens the engine as a member of a cluster ({@code cluster} null: on its own), which gives it
   * the {@code overlay} driver. An unreachable cluster store does not stop it: it joins once the
   * store answers.
   */
  public static DefaultEngine open(EngineConfig config, ClusterOptions cluster) {
    return open(config, List.of(), cluster);
  }

  static DefaultEngine open(
      EngineConfig config, List<SandboxAddOn> addOns, ClusterOptions cluster) {
    try {
      return new DefaultEngine(config, addOns, cluster);
    } catch (RuntimeException e) {
      throw Errors.of("open the engine", e, id -> id);
    }
  }

  /**
   * The machine's cgroups (v1 or v2, read from {@link Cgroups#DEFAULT_ROOT}) with containers under
   * the configured parent; none when the configuration asks for none or the machine has none
   * mounted (containers then run without limits, pause and stats, as the log says).
   */
  private static Cgroups cgroups(EngineConfig config) {
    if (config.cgroupParent() == null) {
      return null;
    }
    try {
      return Cgroups.detect(Cgroups.DEFAULT_ROOT, config.cgroupParent());
    } catch (RuntimeException e) {
      Events.warn(
          "containers run without cgroups (no limits, pause or stats): " + Errors.describe(e),
          null,
          null);
      return null;
    }
  }

  private void recover() {
    List<JournalEntry> journal = store.inTransaction(tx -> tx.journal());
    for (JournalEntry e : journal) {
      if (e.kind().startsWith("network.")) {
        network.recover(e);
      }
    }
    network.setUpNetworks();
    for (JournalEntry e : journal) {
      if (e.kind().startsWith("container.")) {
        containers.recover(e);
      }
    }
    containers.readopt();
    network.recovered();
    if (!config.liveRestore()) {
      // dockerd without live-restore: what a crash left running is stopped, as its shutdown
      // would have stopped it; the restart policies then decide.
      containers.stopAll(ContainerService.SHUTDOWN_STOP_TIMEOUT);
    }
    reconciler.reconcile();
    List<String> restarted = containers.restartOnOpen();
    if (!restarted.isEmpty()) {
      Events.info(
          "started again by their restart policies: " + String.join(", ", restarted), null, null);
    }
  }

  /** Logs the network side's events with the container's name, which only this side knows. */
  private final class Listener implements NetworkListener {
    @Override
    public void networkCreated(NetworkRecord n) {
      Events.info("network created", null, n.name(), "subnet", n.subnet(), "bridge", n.bridge());
    }

    @Override
    public void networkRemoved(NetworkRecord n) {
      Events.info("network removed", null, n.name());
    }

    @Override
    public void sandboxJoined(Sandbox s) {
      Events.info(
          "sandbox joined",
          containers.nameOf(s.containerId()),
          null,
          "netns",
          s.netns(),
          "addresses",
          String.join(" ", s.endpoints().stream().map(EndpointRecord::address).toList()));
    }

    @Override
    public void sandboxReleased(Sandbox s) {
      Events.info("sandbox released", containers.nameOf(s.containerId()), null, "netns", s.netns());
    }

    @Override
    public void healed(String net, String change) {
      Events.warn("put back what changed behind jocker's back: " + change, null, net);
    }
  }

  private <T> T guard(String what, Supplier<T> work) {
    try {
      return work.get();
    } catch (RuntimeException e) {
      throw Errors.of(what, e, containers::nameOf);
    }
  }

  // ---------------------------------------------------------------- containers

  @Override
  public ContainerInfo create(CreateRequest request) {
    return guard(
        request.name() == null || request.name().isEmpty()
            ? "create container"
            : "create container " + request.name(),
        () -> info(containers.create(request)));
  }

  @Override
  public ContainerInfo start(String ref) {
    return guard("start container " + ref, () -> info(containers.start(ref)));
  }

  @Override
  public ContainerInfo stop(String ref, Duration timeout) {
    return guard("stop container " + ref, () -> info(containers.stop(ref, timeout)));
  }

  @Override
  public void kill(String ref, String signal) {
    containers.kill(ref, signal);
  }

  @Override
  public int waitForExit(String ref) throws InterruptedException {
    try {
      return containers.await(ref, WaitCondition.NOT_RUNNING).get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("wait for container " + ref, e.getCause());
    }
  }

  @Override
  public CompletableFuture<Integer> await(String ref, WaitCondition condition) {
    return containers.await(ref, condition);
  }

  @Override
  public void addListener(ContainerListener listener) {
    containers.addListener(listener);
  }

  @Override
  public void remove(String ref, boolean force) {
    guard(
        "remove container " + ref,
        () -> {
          containers.remove(ref, force);
          return null;
        });
  }

  @Override
  public ContainerInfo pause(String ref) {
    return guard("pause container " + ref, () -> info(containers.pause(ref)));
  }

  @Override
  public ContainerInfo unpause(String ref) {
    return guard("unpause container " + ref, () -> info(containers.unpause(ref)));
  }

  @Override
  public ContainerInfo rename(String ref, String newName) {
    return guard("rename container " + ref, () -> info(containers.rename(ref, newName)));
  }

  @Override
  public List<ContainerInfo> containers(boolean all) {
    return index.newestFirst().stream().filter(c -> all || c.running()).map(this::info).toList();
  }

  @Override
  public ContainerInfo container(String ref) {
    return info(containers.resolve(ref));
  }

  @Override
  public Path logFile(String ref) {
    return containers.logFile(ref);
  }

  @Override
  public Path layer(String ref) {
    return containers.layer(ref);
  }

  @Override
  public CompletableFuture<Attachment> attach(String ref) {
    return guard("attach to container " + ref, () -> containers.attach(ref));
  }

  @Override
  public void resize(String ref, int rows, int columns) {
    guard(
        "resize the terminal of container " + ref,
        () -> {
          containers.resize(ref, rows, columns);
          return null;
        });
  }

  @Override
  public ContainerStats stats(String ref) {
    return guard("read the statistics of container " + ref, () -> containers.stats(ref));
  }

  @Override
  public ExecResult exec(String ref, ExecRequest request) {
    return guard("exec in container " + ref, () -> containers.exec(ref, request));
  }

  @Override
  public String createExec(String ref, ExecRequest request) {
    return containers.createExec(ref, request);
  }

  @Override
  public ExecProcess startExec(String execId) {
    return guard("exec " + execId, () -> containers.startExec(execId));
  }

  @Override
  public ExecResult startExec(String execId, boolean detach) {
    return guard("exec " + execId, () -> containers.startExec(execId, detach));
  }

  @Override
  public void resizeExec(String execId, int rows, int columns) {
    guard(
        "resize exec " + execId,
        () -> {
          containers.resizeExec(execId, rows, columns);
          return null;
        });
  }

  @Override
  public ExecState inspectExec(String execId) {
    return containers.inspectExec(execId);
  }

  @Override
  public ExecState execInstance(String execId) {
    return containers.execInstance(execId);
  }

  // ---------------------------------------------------------------- networks and images

  @Override
  public List<NetworkInfo> networks() {
    return network.networks().stream().map(this::networkInfo).toList();
  }

  @Override
  public NetworkInfo network(String ref) {
    return guard("inspect network " + ref, () -> networkInfo(network.network(ref)));
  }

  @Override
  public NetworkInfo createNetwork(String name, String subnet, String gateway, String ipRange) {
    return guard(
        "create network " + name,
        () -> networkInfo(network.createNetwork(name, subnet, gateway, ipRange)));
  }

  @Override
  public NetworkInfo createNetwork(
      String name,
      String driver,
      String subnet,
      String gateway,
      String ipRange,
      Map<String, String> options) {
    return guard(
        "create network " + name,
        () -> networkInfo(network.createNetwork(driver, name, subnet, gateway, ipRange, options)));
  }

  @Override
  public void removeNetwork(String ref) {
    guard(
        "remove network " + ref,
        () -> {
          network.removeNetwork(ref);
          return null;
        });
  }

  private NetworkInfo networkInfo(NetworkRecord n) {
    Map<String, String> options = new LinkedHashMap<>();
    if (n.name().equals(NetworkController.BRIDGE)) {
      options.put("com.docker.network.bridge.default_bridge", "true");
      options.put("com.docker.network.bridge.enable_icc", "true");
      options.put("com.docker.network.bridge.enable_ip_masquerade", "true");
      options.put("com.docker.network.bridge.host_binding_ipv4", "0.0.0.0");
      options.put("com.docker.network.bridge.name", n.bridge());
      options.put("com.docker.network.driver.mtu", Integer.toString(n.mtu()));
    } else if (ExternalSandboxes.DRIVER.equals(n.driver())) {
      options.put("com.docker.network.bridge.name", n.bridge());
      options.put("com.docker.network.driver.mtu", Integer.toString(n.mtu()));
    }
    network.sharedDriver(n).ifPresent(d -> options.putAll(d.options(n)));
    Map<String, NetworkInfo.Attached> attached = new LinkedHashMap<>();
    for (Map.Entry<String, EndpointRecord> e : network.endpointsOn(n.id()).entrySet()) {
      Optional<ContainerRecord> c = index.get(e.getKey());
      Optional<Sandbox> external = network.sandbox(e.getKey()).filter(Sandbox::external);
      if (c.isPresent() && c.get().running()) {
        attached.put(
            e.getKey(), new NetworkInfo.Attached(c.get().name(), endpointInfo(n, e.getValue())));
      } else if (external.isPresent()) {
        attached.put(
            e.getKey(),
            new NetworkInfo.Attached(
                ExternalSandboxes.nameOf(external.get()), endpointInfo(n, e.getValue())));
      }
    }
    if (overlay != null && Overlay.DRIVER.equals(n.driver())) {
      // Docker lists the endpoints of other hosts too, keyed "ep-" + their endpoint ID.
      for (dev.jocker.cluster.EndpointRecord e : overlay.remoteEndpoints(n.id())) {
        attached.put(
            "ep-" + e.id(),
            new NetworkInfo.Attached(
                e.name(),
                new EndpointInfo(
                    n.id(),
                    n.name(),
                    e.id(),
                    e.mac(),
                    e.address(),
                    Integer.parseInt(n.subnet().split("/")[1]),
                    n.gateway(),
                    null)));
      }
    }
    return new NetworkInfo(
        n.id(),
        n.name(),
        n.driver(),
        n.created(),
        n.subnet(),
        n.ipRange(),
        n.gateway(),
        options,
        attached);
  }

  @Override
  public List<ImageInfo> images() {
    return images.list().stream().map(DefaultEngine::imageInfo).toList();
  }

  @Override
  public ImageInfo image(String ref) {
    return images
        .find(ref)
        .map(DefaultEngine::imageInfo)
        .orElseThrow(() -> EngineException.notFound("image", ref));
  }

  @Override
  public ImageInfo importImage(Path source, String name) {
    try {
      return imageInfo(images.importImage(source, name));
    } catch (IllegalArgumentException e) {
      throw new EngineException(INVALID, e.getMessage(), e);
    } catch (RuntimeException e) {
      throw Errors.of("import image " + name, e, id -> id);
    }
  }

  private static ImageInfo imageInfo(Images.Image i) {
    return new ImageInfo(i.id(), i.name(), i.created(), i.size(), i.rootfs());
  }

  // ---------------------------------------------------------------- the kernel as it is

  @Override
  public List<String> reconcile() {
    return guard("reconcile", reconciler::reconcile);
  }

  @Override
  public CniBackend cniBackend() {
    return cni;
  }

  @Override
  public List<Finding> doctor() {
    return guard("doctor", facts::doctor);
  }

  @Override
  public String topology(String net, String format) {
    return guard(
        "network topology " + net,
        () ->
            overlayFacts != null && overlayFacts.covers(net)
                ? overlayFacts.topology(net, format)
                : facts.topology(net, format));
  }

  @Override
  public String trace(String container, String destination) {
    return guard(
        "network trace " + container,
        () ->
            overlayFacts != null && overlayFacts.coversContainer(container)
                ? overlayFacts.trace(container, destination)
                : facts.trace(container, destination));
  }

  @Override
  public EngineInfo info() {
    List<ContainerRecord> all = index.newestFirst();
    int running = (int) all.stream().filter(ContainerRecord::running).count();
    return new EngineInfo(
        all.size(),
        running,
        all.size() - running,
        images.list().size(),
        config.dataRoot(),
        config.bridge(),
        config.iptables(),
        config.ipForward());
  }

  @Override
  public void close() {
    containers.shuttingDown();
    if (!config.liveRestore()) {
      containers.stopAll(ContainerService.SHUTDOWN_STOP_TIMEOUT);
    }
    exits.close();
    supervisor.close();
    if (overlay != null) {
      overlay.close();
    }
    ports.close();
    proxy.close();
    store.close();
    host.close();
  }

  // ---------------------------------------------------------------- views

  private EndpointInfo endpointInfo(NetworkRecord n, EndpointRecord e) {
    return new EndpointInfo(
        n.id(),
        n.name(),
        e.id(),
        e.mac(),
        e.address(),
        Integer.parseInt(n.subnet().split("/")[1]),
        n.gateway(),
        e.hostVeth());
  }

  private ContainerInfo info(ContainerRecord c) {
    Optional<Sandbox> sandbox = network.sandbox(c.id());
    EndpointInfo endpoint =
        sandbox
            .flatMap(s -> s.endpoints().stream().findFirst())
            .flatMap(e -> network.find(e.networkId()).map(n -> endpointInfo(n, e)))
            .orElse(null);
    Path dir = containers.runDir(c.id());
    ContainerConfig cc = c.config();
    List<String> argv = cc.argv();
    String status =
        switch (c.status()) {
          case ContainerRecord.STARTING -> ContainerRecord.CREATED;
          case ContainerRecord.RUNNING -> c.run().paused() ? "paused" : ContainerRecord.RUNNING;
          default -> c.status();
        };
    return new ContainerInfo(
        c.id(),
        c.name(),
        cc.image(),
        cc.imageId(),
        argv.isEmpty() ? "" : argv.get(0),
        argv.isEmpty() ? List.of() : argv.subList(1, argv.size()),
        cc.env(),
        cc.hostname(),
        c.created(),
        new ContainerInfo.State(
            status,
            c.running() ? c.pid() : 0,
            c.exitCode(),
            c.startedAt(),
            c.finishedAt(),
            c.run().oomKilled(),
            c.run().error() == null ? "" : c.run().error()),
        cc.networkMode(),
        endpoint,
        sandbox.map(s -> network.netnsPath(s).toString()).orElse(null),
        cc.tty(),
        cc.openStdin(),
        cc.autoRemove(),
        containers.logPath(c.id()).toString(),
        dir.resolve("hosts").toString(),
        dir.resolve("hostname").toString(),
        dir.resolve("resolv.conf").toString(),
        new ContainerInfo.Spec(
            cc.entrypoint(),
            cc.cmd(),
            cc.user() == null ? "" : cc.user(),
            cc.workingDir() == null ? "" : cc.workingDir(),
            cc.capAdd(),
            cc.capDrop(),
            cc.privileged(),
            cc.securityOpt(),
            cc.memory(),
            cc.memorySwap(),
            cc.nanoCpus(),
            cc.cpuShares(),
            cc.pidsLimit(),
            cc.restartPolicyName(),
            cc.restartRetries()),
        c.run().restartCount(),
        cc.exposedPorts(),
        Ports.bindings(cc),
        cc.publishAllPorts(),
        c.running()
            ? PortViews.networkSettingsPorts(cc.exposedPorts(), ports.ports(c.id()))
            : null);
  }
}

package dev.jocker.engine;

import static dev.jocker.engine.EngineException.Kind.CONFLICT;
import static dev.jocker.engine.EngineException.Kind.FORBIDDEN;
import static dev.jocker.engine.EngineException.Kind.INTERNAL;
import static dev.jocker.engine.EngineException.Kind.INVALID;

import dev.jocker.bridge.BridgeConfig;
import dev.jocker.bridge.BridgeDriver;
import dev.jocker.bridge.Crashpoints;
import dev.jocker.container.ContainerFiles;
import dev.jocker.container.ContainerNames;
import dev.jocker.container.Images;
import dev.jocker.container.ProcessRuntime;
import dev.jocker.container.ProcessSpec;
import dev.jocker.doctor.Doctor;
import dev.jocker.doctor.Facts;
import dev.jocker.doctor.Finding;
import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.Iptables;
import dev.jocker.firewall.Rule;
import dev.jocker.ipam.DefaultPools;
import dev.jocker.ipam.Ipam;
import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Pool;
import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.Addr;
import dev.jocker.kernel.ExitWatch;
import dev.jocker.kernel.Link;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.kernel.Route;
import dev.jocker.store.ContainerRecord;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.JournalEntry;
import dev.jocker.store.NetworkRecord;
import dev.jocker.store.Store;
import dev.jocker.topology.BridgeView;
import dev.jocker.topology.ContainerView;
import dev.jocker.topology.Presence;
import dev.jocker.topology.Topology;
import dev.jocker.topology.TopologyFormat;
import dev.jocker.topology.TraceExplainer;
import dev.jocker.topology.UplinkView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.logging.log4j.CloseableThreadContext;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The engine on a real kernel: the SQLite store, IPAM, the bridge driver and the process runtime.
 * Every container create is journaled before it touches the kernel, so a crash at any point is
 * rolled back on the next open; running containers are re-adopted by PID and start time.
 */
public final class DefaultEngine implements Engine {
  private static final Logger LOG = LogManager.getLogger(DefaultEngine.class);
  private static final String BRIDGE = "bridge";
  private static final String HOST = "host";
  private static final String NONE = "none";
  private static final String NETNS_PREFIX = "jocker-";

  private final EngineConfig config;
  private final Store store;
  private final ContainerIndex index;
  private final ExitWatch exits = new ExitWatch();
  private final Ipam ipam = new Ipam();
  private final Images images;
  private final Netns host;
  private final NetnsStore namespaces;
  private final BridgeDriver bridge;

  /** The driver of every bridge network, by network name: the default bridge first. */
  private final Map<String, BridgeDriver> bridges = new LinkedHashMap<>();

  /** Each container's layer and log, which outlive a reboot, by container ID. */
  private final Path containersDir;

  /** Each container's files of its current run, on the exec root, by container ID. */
  private final Path runDirs;

  private final Map<String, NetworkRecord> networks = new LinkedHashMap<>();
  private final Thread supervisor;
  private volatile boolean closed;

  private DefaultEngine(EngineConfig config) {
    this.config = config;
    this.containersDir = config.dataRoot().resolve("containers");
    this.runDirs = config.execRoot().resolve("containers");
    this.store = Store.open(config.dataRoot().resolve("jocker.db"));
    this.index = ContainerIndex.load(store);
    this.images = new Images(config.dataRoot());
    this.host = config.hostNetns() == null ? Netns.current() : Netns.open(config.hostNetns());
    this.namespaces = new NetnsStore(config.netnsDir());
    BridgeConfig bridgeConfig =
        BridgeConfig.of(
            config.bridge(),
            config.bip(),
            config.mtu(),
            config.iptables(),
            config.ipForward(),
            config.chainPrefix());
    ensureNetworks(bridgeConfig);
    NetworkRecord bridgeRecord = networks.get(BRIDGE);
    this.bridge =
        new BridgeDriver(
            bridgeConfig,
            host,
            config.hostNetns(),
            namespaces,
            MacAddress.parse(bridgeRecord.mac()));
    store.inTransaction(
        tx -> {
          ipam.register(
              tx,
              bridgeRecord.id(),
              BRIDGE,
              Pool.of(bridgeRecord.subnet(), null, bridgeRecord.gateway()));
          return null;
        });
    bridge.setup();
    bridges.put(BRIDGE, bridge);
    openUserNetworks();
    recover();
    supervisor = new Thread(this::supervise, "jocker-supervisor");
    supervisor.setDaemon(true);
    supervisor.start();
  }

  /** Opens the engine: store, default networks, the bridge, then recovery of unfinished work. */
  public static DefaultEngine open(EngineConfig config) {
    return new DefaultEngine(config);
  }

  /** Registers each user-defined network's pool and brings its bridge and rules into place. */
  private void openUserNetworks() {
    for (NetworkRecord n : networks.values()) {
      if (n.driver().equals(BRIDGE) && !n.name().equals(BRIDGE)) {
        store.inTransaction(
            tx -> {
              ipam.register(tx, n.id(), n.name(), Pool.of(n.subnet(), n.ipRange(), n.gateway()));
              return null;
            });
        BridgeDriver driver = userDriver(n);
        driver.setup();
        bridges.put(n.name(), driver);
      }
    }
  }

  private BridgeDriver userDriver(NetworkRecord n) {
    Subnet subnet = Subnet.parse(n.subnet());
    return new BridgeDriver(
        BridgeConfig.of(
            n.bridge(),
            n.gateway() + "/" + subnet.prefixLength(),
            n.mtu(),
            config.iptables(),
            config.ipForward(),
            config.chainPrefix()),
        host,
        config.hostNetns(),
        namespaces,
        MacAddress.parse(n.mac()));
  }

  /**
   * Whether containers on network {@code name} get a veth on a bridge (the default or a user's).
   */
  private boolean bridged(String name) {
    return bridges.containsKey(name);
  }

  private void ensureNetworks(BridgeConfig bridgeConfig) {
    store.inTransaction(
        tx -> {
          Map<String, NetworkRecord> byName = new LinkedHashMap<>();
          tx.networks().forEach(n -> byName.put(n.name(), n));
          Instant now = Instant.now();
          if (!byName.containsKey(BRIDGE)) {
            tx.insertNetwork(
                new NetworkRecord(
                    ContainerNames.newId(),
                    BRIDGE,
                    BRIDGE,
                    bridgeConfig.subnet().toString(),
                    null,
                    Ipv4.format(bridgeConfig.address()),
                    bridgeConfig.name(),
                    bridgeConfig.mtu(),
                    MacAddress.randomDocker().toString(),
                    now));
          }
          if (!byName.containsKey(HOST)) {
            tx.insertNetwork(
                new NetworkRecord(
                    ContainerNames.newId(), HOST, HOST, null, null, null, null, 0, null, now));
          }
          if (!byName.containsKey(NONE)) {
            tx.insertNetwork(
                new NetworkRecord(
                    ContainerNames.newId(), NONE, "null", null, null, null, null, 0, null, now));
          }
          tx.networks().forEach(n -> networks.put(n.name(), n));
          return null;
        });
    NetworkRecord b = networks.get(BRIDGE);
    if (!b.subnet().equals(bridgeConfig.subnet().toString())
        || !b.bridge().equals(bridgeConfig.name())) {
      throw new EngineException(
          INVALID,
          "network bridge is recorded as "
              + b.bridge()
              + " "
              + b.subnet()
              + " but the daemon was started with --bridge "
              + bridgeConfig.name()
              + " --bip "
              + config.bip()
              + "; use the recorded values or a new --data-root");
    }
  }

  // ---------------------------------------------------------------- containers

  @Override
  public synchronized ContainerInfo create(CreateRequest request) {
    record Prepared(ContainerRecord record, EndpointRecord endpoint, long journal, int address) {}
    String veth = BridgeDriver.newVethName();
    Prepared p;
    try {
      // One transaction from the name check to the journal entry: the inserts rely on what the
      // checks read, and a transaction of its own per check cost more than the checks.
      p =
          store.inTransaction(
              tx -> {
                String name = request.name();
                if (name == null || name.isEmpty()) {
                  name = uniqueGeneratedName(tx);
                } else {
                  checkNewName(tx, name);
                }
                Images.Image image =
                    images
                        .find(request.image())
                        .orElseThrow(() -> EngineException.notFound("image", request.image()));
                String mode =
                    request.network() == null
                            || request.network().isEmpty()
                            || request.network().equals("default")
                        ? BRIDGE
                        : networkRecord(request.network()).name();
                if (request.ipv4() != null && !request.ipv4().isEmpty() && !bridged(mode)) {
                  throw new EngineException(
                      INVALID, "--ip is only supported on bridge networks, not on network " + mode);
                }
                String id = ContainerNames.newId();
                String hostname =
                    request.hostname() != null && !request.hostname().isEmpty()
                        ? request.hostname()
                        : mode.equals(HOST) ? ContainerFiles.hostHostname() : id.substring(0, 12);
                List<String> command =
                    request.command().isEmpty() ? List.of("sh") : request.command();
                ContainerRecord record =
                    new ContainerRecord(
                        id,
                        name,
                        request.image(),
                        image.id(),
                        command,
                        ProcessRuntime.environment(hostname, request.env(), request.tty()),
                        hostname,
                        mode,
                        request.tty(),
                        request.openStdin(),
                        request.autoRemove(),
                        Instant.now(),
                        "created",
                        0,
                        0,
                        0,
                        null,
                        null);
                String netnsName = NETNS_PREFIX + name;
                if (!mode.equals(HOST) && namespaces.exists(netnsName)) {
                  throw new EngineException(
                      CONFLICT,
                      "network namespace " + netnsName + " exists already; run jocker reconcile");
                }
                tx.insertContainer(record);
                int address = 0;
                EndpointRecord endpoint = null;
                if (bridged(mode)) {
                  address = ipam.allocate(tx, networks.get(mode).id(), request.ipv4(), id);
                }
                long journal =
                    tx.beginJournal("create", id, "netns=" + netnsName + "\nveth=" + veth + "\n");
                if (bridged(mode)) {
                  endpoint =
                      new EndpointRecord(
                          ContainerNames.newId(),
                          networks.get(mode).id(),
                          id,
                          veth,
                          MacAddress.forIpv4(Ipv4.toInet(address)).toString(),
                          Ipv4.format(address),
                          netnsName);
                  tx.insertEndpoint(endpoint);
                }
                return new Prepared(record, endpoint, journal, address);
              });
      index.put(p.record());
      if (p.endpoint() != null) {
        index.put(p.endpoint());
      }
      Crashpoints.reach("create:journaled");
    } catch (IpamException e) {
      throw new EngineException(INVALID, e.getMessage(), e);
    }
    ContainerRecord record = p.record();
    String id = record.id();
    String name = record.name();
    String mode = record.networkMode();
    String netnsName = NETNS_PREFIX + name;
    try {
      if (bridged(mode)) {
        bridges.get(mode).attach(netnsName, veth, p.address());
      } else if (mode.equals(NONE)) {
        bridge.createIsolated(netnsName);
      }
      writeEtcFiles(record, p.endpoint());
      Crashpoints.reach("create:attached");
      store.inTransaction(
          tx -> {
            tx.finishJournal(p.journal());
            return null;
          });
    } catch (IOException | RuntimeException e) {
      undoCreate(id, netnsName, veth);
      throw new EngineException(INTERNAL, "create container " + name + ": " + e.getMessage(), e);
    }
    event(
        LOG::info,
        "container created",
        name,
        mode,
        "address",
        bridged(mode) ? Ipv4.format(p.address()) : "-");
    return info(record);
  }

  /** Refuses a name that is malformed or taken. */
  private static void checkNewName(Store.Tx tx, String name) {
    String problem = ContainerNames.problem(name);
    if (problem != null) {
      throw new EngineException(INVALID, problem);
    }
    Optional<ContainerRecord> clash = tx.containerNamed(name);
    if (clash.isPresent()) {
      throw new EngineException(
          CONFLICT,
          "Conflict. The container name \"/"
              + name
              + "\" is already in use by container \""
              + clash.get().id()
              + "\". You have to remove (or rename) that container to be able to reuse that name.");
    }
  }

  /** A generated name that is free: generated names are well-formed. */
  private static String uniqueGeneratedName(Store.Tx tx) {
    for (int retry = 0; ; retry++) {
      String n = ContainerNames.generate(retry);
      if (tx.containerNamed(n).isEmpty()) {
        return n;
      }
    }
  }

  /**
   * Deletes every record of a container whose kernel objects are gone: its leases, endpoints, row,
   * journal entries and state directory, in one transaction.
   */
  private void forget(String containerId) {
    store.inTransaction(
        tx -> {
          tx.endpointOf(containerId)
              .ifPresent(
                  e -> {
                    ipam.release(tx, e.networkId(), Ipv4.parse(e.address()));
                    tx.deleteEndpoint(e.id());
                  });
          tx.deleteContainer(containerId);
          for (JournalEntry j : tx.journal()) {
            if (j.subject().equals(containerId)) {
              tx.finishJournal(j.id());
            }
          }
          return null;
        });
    index.remove(containerId);
    exits.forget(containerId);
    deleteDir(runDirs.resolve(containerId));
    deleteDir(containersDir.resolve(containerId));
  }

  /**
   * The /etc/hosts, hostname and resolv.conf that the container's run binds over the image's. They
   * live on the exec root, a tmpfs: written there, a create touches no disk but the store's log,
   * where on this VM's disk creating the directory and three files took 2.7 ms.
   */
  private void writeEtcFiles(ContainerRecord c, EndpointRecord endpoint) throws IOException {
    Path dir = runDirs.resolve(c.id());
    Files.createDirectories(dir);
    if (c.networkMode().equals(HOST)) {
      ContainerFiles.copyHostFiles(dir, c.hostname());
    } else {
      ContainerFiles.write(dir, endpoint == null ? null : endpoint.address(), c.hostname());
    }
  }

  /**
   * The container's process spec, its /etc files written again if a reboot emptied the exec root.
   */
  private ProcessSpec runSpec(ContainerRecord c) {
    try {
      if (!Files.exists(runDirs.resolve(c.id()).resolve("hosts"))) {
        writeEtcFiles(c, index.endpointOf(c.id()).orElse(null));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("write /etc files of container " + c.name(), e);
    }
    return spec(c);
  }

  private void undoCreate(String id, String netnsName, String veth) {
    try {
      bridge.detach(netnsName, veth);
    } catch (RuntimeException e) {
      LOG.warn("undo create of container {}: {}", id, e.getMessage());
    }
    forget(id);
  }

  @Override
  public ContainerInfo start(String ref) {
    ContainerRecord c;
    synchronized (this) {
      c = resolve(ref);
      if (c.status().equals("running")) {
        return info(c);
      }
      ProcessRuntime.Started started = ProcessRuntime.startDetached(runSpec(c));
      ContainerRecord running = c.running(started.pid(), started.startTime(), Instant.now());
      saveState(running);
      event(c, "container started", "pid", Long.toString(started.pid()));
      c = running;
    }
    return info(c);
  }

  private ProcessSpec spec(ContainerRecord c) {
    Images.Image image =
        images.find(c.image()).orElseThrow(() -> EngineException.notFound("image", c.image()));
    Path netns =
        c.networkMode().equals(HOST)
            ? config.hostNetns()
            : namespaces.path(NETNS_PREFIX + c.name());
    return new ProcessSpec(
        runDirs.resolve(c.id()),
        containersDir.resolve(c.id()),
        image.rootfs(),
        netns,
        c.hostname(),
        c.command(),
        c.env(),
        c.tty());
  }

  @Override
  public ContainerInfo stop(String ref, Duration timeout) {
    ContainerRecord c = resolveSync(ref);
    if (c.status().equals("running")) {
      signal(c, false);
      if (!awaitExit(c.id(), timeout.toMillis())) {
        signal(c, true);
        awaitExit(c.id(), 10_000);
      }
      event(c, "container stopped");
    }
    return container(c.id());
  }

  @Override
  public void kill(String ref, String signal) {
    ContainerRecord c = resolveSync(ref);
    if (!c.status().equals("running")) {
      throw new EngineException(CONFLICT, "Container " + c.id() + " is not running");
    }
    ProcessRuntime.signal(c.pid(), Signals.number(signal));
    event(c, "container signalled", "signal", signal);
  }

  @Override
  public int waitForExit(String ref) throws InterruptedException {
    String id = resolveSync(ref).id();
    while (true) {
      ContainerRecord c = findSync(id).orElse(null);
      if (c == null) {
        return 0;
      }
      if (!c.status().equals("running")) {
        return c.exitCode();
      }
      Thread.sleep(50);
    }
  }

  /** SIGTERM or SIGKILL, but only to the very process that was started (PIDs get reused). */
  private static void signal(ContainerRecord c, boolean kill) {
    if (ProcessRuntime.alive(c.pid(), c.pidStart())) {
      ProcessHandle.of(c.pid())
          .ifPresent(
              p -> {
                if (kill) {
                  p.destroyForcibly();
                } else {
                  p.destroy();
                }
              });
    }
  }

  private boolean awaitExit(String id, long millis) {
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline) {
      checkExits();
      Optional<ContainerRecord> c = findSync(id);
      if (c.isEmpty() || !c.get().status().equals("running")) {
        return true;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  @Override
  public void remove(String ref, boolean force) {
    ContainerRecord c = resolveSync(ref);
    if (c.status().equals("running")) {
      if (!force) {
        throw new EngineException(
            CONFLICT,
            "You cannot remove a running container "
                + c.id()
                + ". Stop the container before attempting removal or force remove");
      }
      signal(c, true);
      awaitExit(c.id(), 10_000);
    }
    removeRecord(c);
  }

  private synchronized void removeRecord(ContainerRecord c) {
    String netnsName = NETNS_PREFIX + c.name();
    String veth =
        store.inTransaction(
            tx -> {
              String v = tx.endpointOf(c.id()).map(EndpointRecord::hostVeth).orElse(null);
              tx.beginJournal("remove", c.id(), "netns=" + netnsName + "\nveth=" + v + "\n");
              return v;
            });
    Crashpoints.reach("remove:journaled");
    if (!c.networkMode().equals(HOST)) {
      bridge.detach(netnsName, veth);
    }
    Crashpoints.reach("remove:detached");
    forget(c.id());
    event(c, "container removed");
  }

  @Override
  public List<ContainerInfo> containers(boolean all) {
    List<ContainerRecord> records = checkExits();
    synchronized (this) {
      Map<String, EndpointRecord> endpoints = index.endpointsByContainer();
      return records.stream()
          .filter(c -> all || c.status().equals("running"))
          .map(c -> info(c, endpoints))
          .toList();
    }
  }

  @Override
  public ContainerInfo container(String ref) {
    checkExits();
    return info(resolveSync(ref));
  }

  @Override
  public Path logFile(String ref) {
    return containersDir.resolve(resolveSync(ref).id()).resolve("container.log");
  }

  @Override
  public ExecResult exec(String ref, ExecRequest request) {
    ContainerRecord c = runningContainer(ref);
    ProcessRuntime.ExecOutput out =
        ProcessRuntime.exec(c.pid(), request.command(), execEnv(c, request));
    return new ExecResult(out.exitCode(), out.stdout(), out.stderr());
  }

  @Override
  public List<String> execCommand(String ref, ExecRequest request) {
    ContainerRecord c = runningContainer(ref);
    return ProcessRuntime.execArgv(c.pid(), request.command(), execEnv(c, request));
  }

  private static List<String> execEnv(ContainerRecord c, ExecRequest request) {
    List<String> env = new ArrayList<>(c.env());
    env.addAll(request.env());
    if (request.tty()) {
      env.add("TERM=xterm");
    }
    return ProcessRuntime.environment(c.hostname(), env, request.tty());
  }

  private ContainerRecord runningContainer(String ref) {
    checkExits();
    ContainerRecord c = resolveSync(ref);
    if (!c.status().equals("running")) {
      throw new EngineException(CONFLICT, "Container " + c.id() + " is not running");
    }
    return c;
  }

  @Override
  public synchronized List<String> launchCommand(String ref) {
    ContainerRecord c = resolve(ref);
    if (c.status().equals("running")) {
      throw new EngineException(CONFLICT, "Container " + c.id() + " is already running");
    }
    Path dir = runDirs.resolve(c.id());
    try {
      Files.deleteIfExists(dir.resolve("pid"));
      Files.deleteIfExists(dir.resolve("exitcode"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ProcessRuntime.launchArgv(runSpec(c));
  }

  @Override
  public ContainerInfo adopt(String ref, long pid) {
    ContainerRecord c = resolveSync(ref);
    ProcessRuntime.Started started = ProcessRuntime.awaitStarted(spec(c), 10_000);
    ContainerRecord running = c.running(started.pid(), started.startTime(), Instant.now());
    synchronized (this) {
      saveState(running);
    }
    return info(running);
  }

  @Override
  public void reportExit(String ref, int exitCode) {
    ContainerRecord c = resolveSync(ref);
    Path dir = runDirs.resolve(c.id());
    try {
      if (!Files.exists(dir.resolve("exitcode"))) {
        Files.writeString(dir.resolve("exitcode"), Integer.toString(exitCode));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    checkExits();
  }

  /**
   * Logs {@code message} with the container, its network and {@code more} (key, value, …) as log4j
   * context: JSON logs get them as fields of their own, text logs print them after the message. A
   * null container is left out.
   */
  @SuppressWarnings("try") // the context is in force while the resource is open; nothing reads it
  private static void event(
      Consumer<String> level, String message, String container, String network, String... more) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (container != null) {
      fields.put("container", container);
    }
    fields.put("network", network);
    for (int i = 0; i + 1 < more.length; i += 2) {
      fields.put(more[i], more[i + 1]);
    }
    try (CloseableThreadContext.Instance context = CloseableThreadContext.putAll(fields)) {
      level.accept(message);
    }
  }

  private static void event(ContainerRecord c, String message, String... more) {
    event(LOG::info, message, c.name(), c.networkMode(), more);
  }

  // ---------------------------------------------------------------- supervision

  private void supervise() {
    long nextRuleCheck = 0;
    while (!closed) {
      try {
        Thread.sleep(250);
        checkExits();
        // A firewall reload or `iptables -F` behind jocker's back is noticed within seconds.
        long interval = config.rulesCheckInterval().toMillis();
        if (interval > 0 && System.currentTimeMillis() > nextRuleCheck) {
          nextRuleCheck = System.currentTimeMillis() + interval;
          restoreRulesIfFlushed();
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("supervisor: {}", e.getMessage());
      }
    }
  }

  private void restoreRulesIfFlushed() {
    if (bridges.values().stream().anyMatch(d -> !d.missingRules().isEmpty())) {
      event(
          LOG::warn,
          "iptables rules of " + config.bridge() + " were removed behind jocker's back; restoring",
          null,
          BRIDGE);
      reconcile();
    }
  }

  /**
   * Records the exit, with the code the shim recorded, of every running container whose process is
   * gone; returns every container as it is now, which {@link #containers} lists from.
   */
  private List<ContainerRecord> checkExits() {
    List<ContainerRecord> now = new ArrayList<>();
    List<ContainerRecord> ended = new ArrayList<>();
    synchronized (this) {
      Set<String> gone = exits.ended();
      for (ContainerRecord c : records()) {
        if (c.status().equals("running") && !alive(c, gone)) {
          OptionalInt code = awaitExitCode(runDirs.resolve(c.id()));
          ContainerRecord exited = c.exited(code.orElse(137), Instant.now());
          saveState(exited);
          event(c, "container exited", "code", Integer.toString(exited.exitCode()));
          if (c.autoRemove()) {
            ended.add(exited);
            continue;
          }
          c = exited;
        }
        now.add(c);
      }
    }
    for (ContainerRecord c : ended) {
      try {
        removeRecord(c);
      } catch (RuntimeException e) {
        LOG.warn("auto-remove {}: {}", c.name(), e.getMessage());
        now.add(c);
      }
    }
    return now;
  }

  /**
   * Whether a running container's process is still there: by its pidfd once watched (one poll for
   * all of them); the first time, by PID and start time, since the PID may have been reused, and
   * then watched. The pidfd is opened before that check, so it refers to the process the check
   * found.
   */
  private boolean alive(ContainerRecord c, Set<String> gone) {
    if (exits.watching(c.id())) {
      return !gone.contains(c.id());
    }
    boolean watched = exits.watch(c.id(), c.pid());
    if (ProcessRuntime.alive(c.pid(), c.pidStart())) {
      return true;
    }
    if (watched) {
      exits.forget(c.id());
    }
    return false;
  }

  private static OptionalInt awaitExitCode(Path dir) {
    for (int i = 0; i < 100; i++) {
      OptionalInt code = ProcessRuntime.exitCode(dir);
      if (code.isPresent()) {
        return code;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return OptionalInt.empty();
  }

  /** Rolls back creates and removes a crash interrupted, then cleans objects no record owns. */
  private void recover() {
    for (JournalEntry j : store.inTransaction(tx -> tx.journal())) {
      Properties p = new Properties();
      try {
        p.load(new java.io.StringReader(j.payload()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      String veth = "null".equals(p.getProperty("veth")) ? null : p.getProperty("veth");
      LOG.warn("recovering unfinished {} of container {}", j.kind(), j.subject());
      bridge.detach(p.getProperty("netns"), veth);
      forget(j.subject());
    }
    reconcile();
  }

  @Override
  public synchronized List<String> reconcile() {
    List<String> fixed = new ArrayList<>();
    bridges.forEach(
        (name, driver) ->
            driver
                .setup()
                .forEach(change -> fixed.add(name.equals(BRIDGE) ? change : name + ": " + change)));
    Orphans orphans = orphans();
    for (String veth : orphans.veths()) {
      bridge.detach("-", veth);
      fixed.add("removed orphan veth " + veth);
    }
    for (String ns : orphans.namespaces()) {
      bridge.detach(ns, null);
      fixed.add("removed orphan namespace " + ns);
    }
    for (String f : fixed) {
      event(LOG::info, "reconcile: " + f, null, BRIDGE);
    }
    return fixed;
  }

  /** Kernel objects with jocker's names that no record owns. */
  private record Orphans(List<String> veths, List<String> namespaces) {}

  private Orphans orphans() {
    List<EndpointRecord> endpoints = store.inTransaction(tx -> tx.endpoints());
    List<ContainerRecord> containers = records();
    List<String> veths =
        bridges.values().stream()
            .flatMap(d -> d.bridgePorts().stream())
            .filter(
                port ->
                    port.startsWith("veth")
                        && endpoints.stream().noneMatch(e -> e.hostVeth().equals(port)))
            .toList();
    List<String> netns =
        namespaces.list().stream()
            .filter(
                ns ->
                    ns.startsWith(NETNS_PREFIX)
                        && containers.stream()
                            .noneMatch(
                                c ->
                                    (NETNS_PREFIX + c.name()).equals(ns)
                                        && !c.networkMode().equals(HOST)))
            .toList();
    return new Orphans(veths, netns);
  }

  @Override
  public synchronized List<Finding> doctor() {
    NetworkRecord net = networks.get(BRIDGE);
    Topology topology = liveTopology(networks.get(BRIDGE));
    Subnet subnet = Subnet.parse(net.subnet());
    List<Link> links = host.links().list();
    int bridgeIndex = topology.bridge().ifindex();
    List<String> overlapping = new ArrayList<>();
    for (Route r : host.routes().list()) {
      if (r.destination() != null
          && r.outputIndex() != bridgeIndex
          && subnet.overlaps(
              Subnet.parse(r.destination().getHostAddress() + "/" + r.prefixLength()))) {
        String dev =
            links.stream()
                .filter(l -> l.index() == r.outputIndex())
                .map(l -> " dev " + l.name())
                .findFirst()
                .orElse("");
        overlapping.add(r.destinationText() + dev);
      }
    }
    Firewall firewall = new Firewall(new Iptables(config.hostNetns()));
    Orphans orphans = orphans();
    return Doctor.diagnose(
        new Facts(
            topology,
            net.subnet(),
            net.gateway() + "/" + subnet.prefixLength(),
            net.mtu(),
            config.iptables(),
            bridge.rules().rules().size(),
            bridge.missingRules().stream()
                .map(r -> "-t " + r.table() + " " + r.saveText())
                .toList(),
            bridgeNfCallIptables(),
            firewall.backend(),
            firewall.otherBackendRules(),
            overlapping,
            DockerDaemons.inNetns(
                config.hostNetns() == null ? Path.of("/proc/self/ns/net") : config.hostNetns()),
            orphans.veths(),
            orphans.namespaces(),
            store.inTransaction(tx -> tx.endpoints()).size(),
            neighbourLimit()));
  }

  /** {@code gc_thresh3}, global and so only visible from the initial namespace; else 0. */
  private int neighbourLimit() {
    try {
      return Integer.parseInt(host.sysctls().get("net.ipv4.neigh.default.gc_thresh3"));
    } catch (UncheckedIOException | NumberFormatException e) {
      return 0;
    }
  }

  /** {@code net.bridge.bridge-nf-call-iptables}, or null when br_netfilter is not loaded. */
  private String bridgeNfCallIptables() {
    try {
      return host.sysctls().get("net.bridge.bridge-nf-call-iptables");
    } catch (UncheckedIOException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- networks and images

  @Override
  public synchronized List<NetworkInfo> networks() {
    return networks.values().stream().map(this::networkInfo).toList();
  }

  @Override
  public synchronized NetworkInfo network(String ref) {
    return networkInfo(networkRecord(ref));
  }

  /** A network by name, full ID or unique ID prefix. */
  private NetworkRecord networkRecord(String ref) {
    for (NetworkRecord n : networks.values()) {
      if (n.name().equals(ref) || n.id().equals(ref)) {
        return n;
      }
    }
    List<NetworkRecord> prefixed =
        networks.values().stream().filter(n -> n.id().startsWith(ref)).toList();
    if (prefixed.size() == 1) {
      return prefixed.get(0);
    }
    throw EngineException.notFound("network", ref);
  }

  @Override
  public synchronized NetworkInfo createNetwork(
      String name, String subnet, String gateway, String ipRange) {
    if (name == null || !name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
      throw new EngineException(
          INVALID,
          "invalid network name \""
              + name
              + "\": use letters, digits, '_', '.' and '-', starting with a letter or digit");
    }
    if (networks.containsKey(name)) {
      throw new EngineException(CONFLICT, "network with name " + name + " already exists");
    }
    boolean given = subnet != null && !subnet.isEmpty();
    if (!given
        && ((gateway != null && !gateway.isEmpty()) || (ipRange != null && !ipRange.isEmpty()))) {
      throw new EngineException(INVALID, "--gateway and --ip-range need a --subnet");
    }
    Pool pool;
    try {
      pool = given ? Pool.of(subnet, ipRange, gateway) : Pool.of(freeSubnet(), null, null);
      ipam.checkNoOverlap(pool.subnet());
    } catch (IpamException e) {
      throw new EngineException(INVALID, e.getMessage(), e);
    }
    String id = ContainerNames.newId();
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
    store.inTransaction(
        tx -> {
          tx.insertNetwork(record);
          return null;
        });
    BridgeDriver driver = userDriver(record);
    try {
      driver.setup();
    } catch (RuntimeException e) {
      driver.teardown();
      store.inTransaction(
          tx -> {
            tx.deleteNetwork(id);
            return null;
          });
      throw new EngineException(INTERNAL, "create network " + name + ": " + e.getMessage(), e);
    }
    store.inTransaction(
        tx -> {
          ipam.register(tx, id, name, pool);
          return null;
        });
    networks.put(name, record);
    bridges.put(name, driver);
    event(
        LOG::info,
        "network created",
        null,
        name,
        "subnet",
        record.subnet(),
        "bridge",
        record.bridge());
    return networkInfo(record);
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
      if (a.address() instanceof java.net.Inet4Address) {
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

  @Override
  public synchronized void removeNetwork(String ref) {
    NetworkRecord n = networkRecord(ref);
    if (List.of(BRIDGE, HOST, NONE).contains(n.name())) {
      throw new EngineException(
          FORBIDDEN, n.name() + " is a pre-defined network and cannot be removed");
    }
    List<String> attached =
        records().stream()
            .filter(c -> c.networkMode().equals(n.name()))
            .map(ContainerRecord::name)
            .sorted()
            .toList();
    if (!attached.isEmpty()) {
      throw new EngineException(
          CONFLICT,
          "error while removing network: network "
              + n.name()
              + " id "
              + n.id()
              + " has active endpoints ("
              + String.join(", ", attached)
              + ")");
    }
    bridges.remove(n.name()).teardown();
    store.inTransaction(
        tx -> {
          tx.deleteNetwork(n.id());
          return null;
        });
    ipam.unregister(n.id());
    networks.remove(n.name());
    event(LOG::info, "network removed", null, n.name());
  }

  private NetworkInfo networkInfo(NetworkRecord n) {
    Map<String, String> options = new LinkedHashMap<>();
    Map<String, NetworkInfo.Attached> attached = new LinkedHashMap<>();
    if (n.name().equals(BRIDGE)) {
      options.put("com.docker.network.bridge.default_bridge", "true");
      options.put("com.docker.network.bridge.enable_icc", "true");
      options.put("com.docker.network.bridge.enable_ip_masquerade", "true");
      options.put("com.docker.network.bridge.host_binding_ipv4", "0.0.0.0");
      options.put("com.docker.network.bridge.name", n.bridge());
      options.put("com.docker.network.driver.mtu", Integer.toString(n.mtu()));
    }
    if (bridged(n.name())) {
      Map<String, EndpointRecord> endpoints = index.endpointsByContainer();
      for (ContainerRecord c : records()) {
        EndpointInfo e = endpointInfo(c, endpoints);
        if (e != null && c.networkMode().equals(n.name())) {
          attached.put(c.id(), new NetworkInfo.Attached(c.name(), e));
        }
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
    }
  }

  private static ImageInfo imageInfo(Images.Image i) {
    return new ImageInfo(i.id(), i.name(), i.created(), i.size(), i.rootfs());
  }

  @Override
  public String topology(String network, String format) {
    NetworkRecord n = networkRecordSync(network == null || network.isEmpty() ? BRIDGE : network);
    if (!bridged(n.name())) {
      throw new EngineException(
          INVALID,
          "network " + n.name() + " has no bridge to draw; try: jocker network topology bridge");
    }
    try {
      return TopologyFormat.parse(format == null || format.isEmpty() ? "text" : format)
          .render(liveTopology(n));
    } catch (IllegalArgumentException e) {
      throw new EngineException(INVALID, e.getMessage(), e);
    }
  }

  @Override
  public String trace(String container, String destination) {
    ContainerRecord c = resolveSync(container);
    try {
      Ipv4.parse(destination);
    } catch (IpamException e) {
      throw new EngineException(INVALID, e.getMessage(), e);
    }
    if (!bridged(c.networkMode())) {
      throw new EngineException(
          INVALID,
          "container " + c.name() + " is on network " + c.networkMode() + ", which has no bridge");
    }
    return TraceExplainer.explain(
            liveTopology(networkRecordSync(c.networkMode())), c.name(), destination)
        .render();
  }

  /** What the kernel holds now, compared with the records. */
  private synchronized NetworkRecord networkRecordSync(String ref) {
    return networkRecord(ref);
  }

  private synchronized Topology liveTopology(NetworkRecord net) {
    List<Link> links = host.links().list();
    Map<Integer, Link> byIndex = new LinkedHashMap<>();
    links.forEach(l -> byIndex.put(l.index(), l));
    List<Addr> addrs = host.addrs().list();
    BridgeView bridgeView = null;
    int bridgeIndex = 0;
    for (Link l : links) {
      if (l.name().equals(net.bridge())) {
        bridgeIndex = l.index();
        bridgeView =
            new BridgeView(
                l.index(),
                l.name(),
                ipv4Of(addrs, l.index()),
                String.valueOf(l.mac()),
                l.mtu(),
                Presence.BOTH);
      }
    }
    if (bridgeView == null) {
      bridgeView =
          new BridgeView(
              0,
              net.bridge(),
              net.gateway() + "/" + net.subnet().split("/")[1],
              net.mac(),
              net.mtu(),
              Presence.RECORD_ONLY);
    }
    UplinkView uplink = null;
    for (Route r : host.routes().list()) {
      if (r.destination() == null && r.gateway() != null && byIndex.containsKey(r.outputIndex())) {
        Link l = byIndex.get(r.outputIndex());
        uplink =
            new UplinkView(
                l.index(),
                l.name(),
                ipv4Of(addrs, l.index()),
                String.valueOf(l.mac()),
                l.mtu(),
                r.gateway().getHostAddress());
        break;
      }
    }
    List<ContainerView> views = new ArrayList<>();
    List<EndpointRecord> endpoints =
        store.inTransaction(tx -> tx.endpoints()).stream()
            .filter(e -> e.networkId().equals(net.id()))
            .toList();
    Map<String, ContainerRecord> byId = new LinkedHashMap<>();
    records().forEach(c -> byId.put(c.id(), c));
    List<String> seenVeths = new ArrayList<>();
    for (EndpointRecord e : endpoints) {
      ContainerRecord c = byId.get(e.containerId());
      String name = c == null ? e.containerId().substring(0, 12) : c.name();
      Link veth =
          links.stream().filter(l -> l.name().equals(e.hostVeth())).findFirst().orElse(null);
      int eth0Index = 0;
      int eth0Peer = 0;
      String eth0Mac = e.mac();
      if (namespaces.exists(e.netns())) {
        try (Netns ns = namespaces.open(e.netns())) {
          Optional<Link> eth0 = ns.links().find("eth0");
          if (eth0.isPresent()) {
            eth0Index = eth0.get().index();
            eth0Peer = eth0.get().linkIndex();
            eth0Mac = String.valueOf(eth0.get().mac());
          }
        }
      }
      if (veth != null) {
        seenVeths.add(veth.name());
      }
      views.add(
          new ContainerView(
              name,
              e.netns(),
              eth0Index,
              eth0Mac,
              e.address() + "/" + net.subnet().split("/")[1],
              eth0Peer,
              e.hostVeth(),
              veth == null ? 0 : veth.index(),
              veth == null ? 0 : veth.linkIndex(),
              veth == null || eth0Index == 0 ? Presence.RECORD_ONLY : Presence.BOTH));
    }
    for (Link l : links) {
      if (bridgeIndex != 0 && l.masterIndex() == bridgeIndex && !seenVeths.contains(l.name())) {
        views.add(
            new ContainerView(
                null,
                null,
                0,
                null,
                null,
                0,
                l.name(),
                l.index(),
                l.linkIndex(),
                Presence.KERNEL_ONLY));
      }
    }
    List<Rule> rules = new ArrayList<>();
    String forwardPolicy = "ACCEPT";
    String table = "";
    for (String line : new Iptables(config.hostNetns()).save().split("\n")) {
      if (line.startsWith("*")) {
        table = line.substring(1);
      } else if (line.startsWith(":FORWARD ") && table.equals("filter")) {
        forwardPolicy = line.split(" ")[1];
      } else if (line.startsWith("-A ")) {
        String[] words = line.substring(3).split(" ");
        rules.add(new Rule(table, words[0], List.of(words).subList(1, words.length)));
      }
    }
    boolean forward = "1".equals(host.sysctls().get("net.ipv4.ip_forward"));
    boolean nfCall = "1".equals(bridgeNfCallIptables());
    return new Topology(
        net.name(), uplink, bridgeView, views, rules, forward, forwardPolicy, nfCall);
  }

  private static String ipv4Of(List<Addr> addrs, int index) {
    return addrs.stream()
        .filter(a -> a.linkIndex() == index && a.address() instanceof java.net.Inet4Address)
        .map(Addr::cidr)
        .findFirst()
        .orElse(null);
  }

  @Override
  public EngineInfo info() {
    List<ContainerRecord> all = recordsSync();
    int running = (int) all.stream().filter(c -> c.status().equals("running")).count();
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
    closed = true;
    supervisor.interrupt();
    synchronized (this) {
      store.close();
      host.close();
      exits.close();
    }
  }

  // ---------------------------------------------------------------- records

  private List<ContainerRecord> records() {
    return index.newestFirst();
  }

  private synchronized List<ContainerRecord> recordsSync() {
    return records();
  }

  private synchronized Optional<ContainerRecord> findSync(String id) {
    return store.inTransaction(tx -> tx.container(id));
  }

  private ContainerRecord resolve(String ref) {
    String name = ref.startsWith("/") ? ref.substring(1) : ref;
    Optional<ContainerRecord> exact =
        store.inTransaction(tx -> tx.container(ref).or(() -> tx.containerNamed(name)));
    if (exact.isPresent()) {
      return exact.get();
    }
    List<ContainerRecord> all = records();
    for (ContainerRecord c : all) {
      if (c.id().equals(ref) || c.name().equals(ref) || ("/" + c.name()).equals(ref)) {
        return c;
      }
    }
    List<ContainerRecord> prefixed =
        ref.isEmpty() ? List.of() : all.stream().filter(c -> c.id().startsWith(ref)).toList();
    if (prefixed.size() == 1) {
      return prefixed.get(0);
    }
    throw EngineException.notFound("container", ref);
  }

  private synchronized ContainerRecord resolveSync(String ref) {
    return resolve(ref);
  }

  private void saveState(ContainerRecord c) {
    store.inTransaction(
        tx -> {
          tx.updateContainerState(c);
          return null;
        });
    index.put(c);
    // A new state is a new process or none: a pidfd of the one before would report it ended.
    exits.forget(c.id());
  }

  private EndpointInfo endpointInfo(ContainerRecord c, Map<String, EndpointRecord> endpoints) {
    EndpointRecord e = endpoints.get(c.id());
    if (!bridged(c.networkMode()) || e == null) {
      return null;
    }
    NetworkRecord n = networks.get(c.networkMode());
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
    return info(c, index.endpointsByContainer());
  }

  private ContainerInfo info(ContainerRecord c, Map<String, EndpointRecord> endpoints) {
    Path dir = runDirs.resolve(c.id());
    String sandboxKey =
        c.networkMode().equals(HOST) ? null : namespaces.path(NETNS_PREFIX + c.name()).toString();
    return new ContainerInfo(
        c.id(),
        c.name(),
        c.image(),
        c.imageId(),
        c.command().get(0),
        c.command().subList(1, c.command().size()),
        c.env(),
        c.hostname(),
        c.created(),
        new ContainerInfo.State(c.status(), c.pid(), c.exitCode(), c.startedAt(), c.finishedAt()),
        c.networkMode(),
        endpointInfo(c, endpoints),
        sandboxKey,
        c.tty(),
        c.openStdin(),
        c.autoRemove(),
        containersDir.resolve(c.id()).resolve("container.log").toString(),
        dir.resolve("hosts").toString(),
        dir.resolve("hostname").toString(),
        dir.resolve("resolv.conf").toString());
  }

  private static void deleteDir(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(walk.toList());
      java.util.Collections.reverse(all);
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("delete {}: {}", dir, e.getMessage());
    }
  }
}

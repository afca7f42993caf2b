package dev.jocker.engine;

import static dev.jocker.engine.EngineException.Kind.CONFLICT;
import static dev.jocker.engine.EngineException.Kind.INVALID;
import static dev.jocker.store.ContainerRecord.CREATED;
import static dev.jocker.store.ContainerRecord.EXITED;
import static dev.jocker.store.ContainerRecord.REMOVING;
import static dev.jocker.store.ContainerRecord.RESTARTING;
import static dev.jocker.store.ContainerRecord.STARTING;

import dev.jocker.bridge.Crashpoints;
import dev.jocker.cgroup.Cgroup;
import dev.jocker.concurrent.KeyedLocks;
import dev.jocker.container.Attachment;
import dev.jocker.container.Capabilities;
import dev.jocker.container.ContainerFiles;
import dev.jocker.container.ContainerNames;
import dev.jocker.container.ExecProcess;
import dev.jocker.container.ExecSpec;
import dev.jocker.container.Exit;
import dev.jocker.container.Images;
import dev.jocker.container.InvalidConfigException;
import dev.jocker.container.LaunchSpec;
import dev.jocker.container.Launcher;
import dev.jocker.container.ProcessConfig;
import dev.jocker.container.Resources;
import dev.jocker.container.RestartPolicy;
import dev.jocker.container.StartException;
import dev.jocker.container.Started;
import dev.jocker.kernel.ExitWatch;
import dev.jocker.kernel.Pidfd;
import dev.jocker.kernel.Processes;
import dev.jocker.network.NetworkController;
import dev.jocker.network.Sandbox;
import dev.jocker.network.SandboxRequest;
import dev.jocker.store.ContainerConfig;
import dev.jocker.store.ContainerRecord;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.JournalEntry;
import dev.jocker.store.NetworkRecord;
import dev.jocker.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Containers from create to remove, Docker's daemon side: a create checks and writes the record
 * only; a start makes the sandbox through the network controller, then starts the process through
 * the {@link Launcher}; the end of the process (noticed by the supervisor through the shim's pidfd,
 * or waited for by stop and remove) releases the sandbox, and the restart policy may start it
 * again. Each multi-step change writes a journal entry in the same transaction as the state it
 * leaves ({@code starting}, {@code exited}, {@code removing}), before the kernel is touched, so
 * {@link #recover} finishes it after a crash. Operations resolve a reference to an ID, lock that
 * ID, and read the record again by ID: operations on different containers run in parallel, those on
 * one container one at a time, and none acts on a record that changed or went while it waited.
 */
@SuppressWarnings("try") // a held lock is a resource whose body never names it
final class ContainerService {
  static final String START = "container.start";
  static final String STOP = "container.stop";
  static final String REMOVE = "container.remove";

  private static final int SIGKILL = 9;
  private static final int SIGTERM = 15;

  /**
   * Every image's configuration: jocker's images are root file systems without one, so each gets
   * Docker Hub busybox's ({@code CMD ["sh"]}, Docker's PATH).
   */
  static final List<String> IMAGE_CMD = List.of("sh");

  static final List<String> IMAGE_ENV = List.of("PATH=" + ProcessConfig.DEFAULT_PATH);

  /** How long a stop by the daemon's shutdown waits before SIGKILL, Docker's stop timeout. */
  static final Duration SHUTDOWN_STOP_TIMEOUT = Duration.ofSeconds(10);

  /** Schedules a task after a delay; the future cancels it. */
  interface Scheduler {
    Future<?> schedule(Runnable task, Duration delay);
  }

  private final EngineConfig config;
  private final Store store;
  private final ContainerIndex index;
  private final NetworkController network;
  private final Images images;
  private final Launcher launcher;
  private final ExecInstances execs = new ExecInstances();
  private final KeyedLocks locks = new KeyedLocks();
  private final List<ContainerListener> listeners = new CopyOnWriteArrayList<>();
  private ExitWatch exits;
  private Scheduler scheduler;

  /** Each container's layer and log, which outlive a reboot, by container ID. */
  private final Path containersDir;

  /** Each container's files of its current run, on the exec root, by container ID. */
  private final Path runDirs;

  /** Completed when a watched shim (or PID 1) ends, before its exit is recorded; by ID. */
  private final Map<String, CompletableFuture<Void>> ended = new ConcurrentHashMap<>();

  /** Waits for runs' ends and removals, by container ID; changed under the container's lock. */
  private final Map<String, List<Waiter>> waiters = new ConcurrentHashMap<>();

  /** Attach clients waiting for a container's next start, by ID; under the container's lock. */
  private final Map<String, List<CompletableFuture<Attachment>>> attachers =
      new ConcurrentHashMap<>();

  /** Each container's restart manager (its back-off), by ID; used under the container's lock. */
  private final Map<String, RestartPolicy.Manager> restartManagers = new ConcurrentHashMap<>();

  /** Restarts waiting for their delay, by container ID. */
  private final Map<String, Future<?>> pendingRestarts = new ConcurrentHashMap<>();

  /** Containers a user stops now: their exit starts nothing. */
  private final Set<String> stopping = ConcurrentHashMap.newKeySet();

  /** The daemon opens (exits are recorded, restarts decided afterwards) or shuts down. */
  private volatile boolean quiet;

  private record Waiter(WaitCondition condition, CompletableFuture<Integer> result) {}

  ContainerService(
      EngineConfig config,
      Store store,
      ContainerIndex index,
      NetworkController network,
      Images images,
      Launcher launcher) {
    this.config = config;
    this.store = store;
    this.index = index;
    this.network = network;
    this.images = images;
    this.launcher = launcher;
    this.containersDir = config.dataRoot().resolve("containers");
    this.runDirs = config.execRoot().resolve("containers");
  }

  /** The exit watch, made after this service since its callback leads back here. */
  void watchExitsWith(ExitWatch watch) {
    this.exits = watch;
  }

  /** Where delayed restarts are scheduled (the supervisor's timer). */
  void scheduleWith(Scheduler s) {
    this.scheduler = s;
  }

  void addListener(ContainerListener listener) {
    listeners.add(listener);
  }

  private void emit(String action, ContainerRecord c, Map<String, String> attributes) {
    ContainerEvent e =
        new ContainerEvent(action, c.id(), c.name(), c.config().image(), Instant.now(), attributes);
    for (ContainerListener l : listeners) {
      try {
        l.event(e);
      } catch (RuntimeException ex) {
        Events.warn("a container event listener failed: " + Errors.describe(ex), c.name(), null);
      }
    }
  }

  private void emit(String action, ContainerRecord c) {
    emit(action, c, Map.of());
  }

  // ---------------------------------------------------------------- references and locks

  /** The container {@code ref} names now, read without a lock. */
  ContainerRecord resolve(String ref) {
    return index.resolve(ref).orElseThrow(() -> EngineException.notFound("container", ref));
  }

  private interface Locked<T> {
    T run(ContainerRecord c);
  }

  /**
   * Runs {@code work} with the lock of the container {@code ref} names, on its record as read again
   * under the lock: if it went meanwhile, Docker's 404; if the name now belongs to another
   * container, this one's ID still decides.
   */
  private <T> T locked(String ref, Locked<T> work) {
    String id = resolve(ref).id();
    try (KeyedLocks.Held held = locks.exclusive(id)) {
      ContainerRecord c =
          index.get(id).orElseThrow(() -> EngineException.notFound("container", ref));
      return work.run(c);
    }
  }

  /** The name of a container ID, for messages; the short ID when it is gone. */
  String nameOf(String id) {
    return index.get(id).map(ContainerRecord::name).orElse(id.substring(0, 12));
  }

  // ---------------------------------------------------------------- create

  /**
   * Checks the request as dockerd does at create (each failure Docker's text, nothing written),
   * then writes the container's record (and reserves its {@code --ip}) in one transaction.
   */
  ContainerRecord create(CreateRequest request) {
    Images.Image image =
        images
            .find(request.image())
            .orElseThrow(() -> EngineException.notFound("image", request.image()));
    String mode =
        request.network() == null
                || request.network().isEmpty()
                || request.network().equals("default")
            ? NetworkController.BRIDGE
            : network.network(request.network()).name();
    String ip = request.ipv4() == null || request.ipv4().isEmpty() ? null : request.ipv4();
    ContainerConfig containerConfig = checked(request, image, mode, ip);
    String id = ContainerNames.newId();
    String hostname =
        request.hostname() != null && !request.hostname().isEmpty()
            ? request.hostname()
            : mode.equals(NetworkController.HOST)
                ? ContainerFiles.hostHostname()
                : id.substring(0, 12);
    ContainerConfig withHostname = withHostname(containerConfig, hostname);
    ContainerConfig configWithPorts = Ports.withPorts(withHostname, request);
    // One transaction from the name check to the reservation: the insert relies on what the checks
    // read, and a transaction of its own per check cost more than the checks.
    ContainerRecord record =
        store.inTransaction(
            tx -> {
              String name = request.name();
              if (name == null || name.isEmpty()) {
                name = uniqueGeneratedName(tx);
              } else {
                checkNewName(tx, name, "");
              }
              ContainerRecord c = ContainerRecord.fresh(id, name, Instant.now(), configWithPorts);
              tx.insertContainer(c);
              if (ip != null) {
                network.reserve(tx, id, mode, ip);
              }
              tx.onCommit(() -> index.put(c));
              return c;
            });
    Events.info("container created", record.name(), mode, "address", ip == null ? "at start" : ip);
    emit("create", record);
    return record;
  }

  /** Docker's create-time checks; the configuration to record (without its hostname yet). */
  private static ContainerConfig checked(
      CreateRequest r, Images.Image image, String mode, String ip) {
    try {
      List<String> argv = ProcessConfig.command(null, IMAGE_CMD, r.entrypoint(), r.command());
      ProcessConfig.checkEnvironment(r.env());
      String workingDir =
          r.process().workingDir().isEmpty()
              ? ""
              : ProcessConfig.workingDir(r.process().workingDir());
      checkWorkingDir(image, workingDir);
      List<String> capAdd = Capabilities.normalize(r.security().capAdd(), "CapAdd");
      List<String> capDrop = Capabilities.normalize(r.security().capDrop(), "CapDrop");
      checkSecurityOptions(r.security().securityOpt());
      CreateRequest.Resources res = r.resources();
      Long pids = res.pidsLimit() == null || res.pidsLimit() <= 0 ? null : res.pidsLimit();
      // cpu-shares are dockerd's (and runc's) to refuse at start, as Docker 20.10 does.
      Resources limits =
          new Resources(res.memory(), res.memorySwap(), res.nanoCpus(), 0, 0)
              .validate(Runtime.getRuntime().availableProcessors());
      RestartPolicy policy =
          new RestartPolicy(r.restart().name(), r.restart().maximumRetryCount()).validate();
      if (r.autoRemove() && !policy.name().equals("no")) {
        throw new InvalidConfigException("can't create 'AutoRemove' container with restart policy");
      }
      List<String> entrypoint =
          r.entrypoint() == null || r.entrypoint().isEmpty() || r.entrypoint().equals(List.of(""))
              ? null
              : r.entrypoint();
      List<String> cmd = entrypoint == null ? argv : argv.subList(entrypoint.size(), argv.size());
      return new ContainerConfig(
          r.image(),
          image.id(),
          cmd,
          configEnv(r.env()),
          null,
          mode,
          ip,
          r.tty(),
          r.openStdin(),
          r.autoRemove(),
          entrypoint,
          r.process().user(),
          workingDir,
          capAdd,
          capDrop,
          r.security().privileged(),
          r.security().securityOpt(),
          limits.memory(),
          limits.memorySwap(),
          limits.nanoCpus(),
          res.cpuShares(),
          pids,
          policy.name(),
          policy.maximumRetryCount(),
          List.of(),
          Map.of(),
          false);
    } catch (InvalidConfigException e) {
      throw new EngineException(INVALID, e.getMessage(), e);
    }
  }

  private static ContainerConfig withHostname(ContainerConfig c, String hostname) {
    return new ContainerConfig(
        c.image(),
        c.imageId(),
        c.cmd(),
        c.env(),
        hostname,
        c.networkMode(),
        c.ipv4Address(),
        c.tty(),
        c.openStdin(),
        c.autoRemove(),
        c.entrypoint(),
        c.user(),
        c.workingDir(),
        c.capAdd(),
        c.capDrop(),
        c.privileged(),
        c.securityOpt(),
        c.memory(),
        c.memorySwap(),
        c.nanoCpus(),
        c.cpuShares(),
        c.pidsLimit(),
        c.restartPolicy(),
        c.restartRetries(),
        c.exposedPorts(),
        c.portBindings(),
        c.publishAllPorts());
  }

  /** Docker's Config.Env: the user's variables, then the image's that the user does not set. */
  static List<String> configEnv(List<String> user) {
    List<String> env = new ArrayList<>(user);
    for (String e : IMAGE_ENV) {
      String name = e.substring(0, e.indexOf('=') + 1);
      if (user.stream()
          .noneMatch(u -> u.startsWith(name) || u.equals(name.substring(0, name.length() - 1)))) {
        env.add(e);
      }
    }
    return env;
  }

  /**
   * Docker makes the working directory at create and fails there when the image has a file in its
   * place; jocker makes it at start, so the image is looked at now.
   */
  private static void checkWorkingDir(Images.Image image, String dir) {
    if (dir.isEmpty() || dir.equals("/")) {
      return;
    }
    Path p = image.rootfs().resolve(dir.substring(1));
    if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)
        && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
        && !Files.isSymbolicLink(p)) {
      throw new InvalidConfigException("Cannot mkdir: " + dir + " is not a directory");
    }
  }

  /**
   * dockerd's parse of {@code --security-opt}: {@code no-new-privileges} (alone or with a boolean);
   * {@code seccomp}, {@code apparmor} and {@code label} only as the no-ops jocker can honour.
   */
  static void checkSecurityOptions(List<String> options) {
    for (String opt : options) {
      if (opt.equals("no-new-privileges") || opt.equals("disable")) {
        continue;
      }
      int at = opt.indexOf('=') >= 0 ? opt.indexOf('=') : opt.indexOf(':');
      if (at < 0) {
        throw new InvalidConfigException("invalid --security-opt 1: \"" + opt + "\"");
      }
      String key = opt.substring(0, at);
      String value = opt.substring(at + 1);
      switch (key) {
        case "no-new-privileges" -> {
          if (!List.of(
                  "1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False")
              .contains(value)) {
            throw new InvalidConfigException("invalid --security-opt 2: \"" + opt + "\"");
          }
        }
        case "seccomp", "apparmor" -> {
          if (!value.equals("unconfined")) {
            throw new InvalidConfigException(
                "--security-opt "
                    + opt
                    + " is not supported by jocker: it applies no "
                    + key
                    + " profile (only "
                    + key
                    + "=unconfined)");
          }
        }
        case "label" -> {
          if (!value.equals("disable")) {
            throw new InvalidConfigException(
                "--security-opt " + opt + " is not supported by jocker (only label=disable)");
          }
        }
        default -> throw new InvalidConfigException("invalid --security-opt 2: \"" + opt + "\"");
      }
    }
  }

  /** Refuses a name that is malformed or taken; {@code prefix} starts Docker's conflict text. */
  private static void checkNewName(Store.Tx tx, String name, String prefix) {
    String problem = ContainerNames.problem(name);
    if (problem != null) {
      throw new EngineException(INVALID, problem);
    }
    Optional<ContainerRecord> clash = tx.containerNamed(name);
    if (clash.isPresent()) {
      throw new EngineException(
          CONFLICT,
          prefix
              + "Conflict. The container name \"/"
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

  // ---------------------------------------------------------------- start

  /**
   * Starts a created, exited or restarting container, as a user does: its restart count starts
   * again from zero and a manual stop is forgotten. A running one is left as it is.
   */
  ContainerRecord start(String ref) {
    return locked(
        ref,
        c -> {
          if (c.running()) {
            return c;
          }
          refuseWhileBusy(c);
          cancelRestart(c.id());
          restartManagers.remove(c.id());
          ContainerRecord fresh = c.withRun(c.run().withRestartCount(0).withManuallyStopped(false));
          return startLocked(fresh);
        });
  }

  private static void refuseWhileBusy(ContainerRecord c) {
    if (c.status().equals(REMOVING)) {
      throw new EngineException(
          CONFLICT, "removal of container " + c.name() + " is already in progress");
    }
    if (c.status().equals(STARTING)) {
      throw new EngineException(CONFLICT, "container " + c.name() + " is starting");
    }
  }

  /**
   * Journals the start with the {@code starting} state, makes the sandbox, starts the process, and
   * records it; any failure undoes every step and names its cause. A start that failed in the
   * container (a missing command) leaves the container with Docker's exit code and error.
   */
  private ContainerRecord startLocked(ContainerRecord c) {
    Images.Image image = image(c);
    checkAtStart(c);
    long journal = prepareRun(c);
    List<CompletableFuture<Attachment>> waiting = takeAttachers(c.id());
    try {
      LaunchSpec spec = spec(c, image);
      Started started;
      Attachment first = null;
      if (waiting.isEmpty()) {
        started = launcher.start(spec);
      } else {
        Launcher.Attached a = launcher.startAttached(spec);
        started = a.started();
        first = a.attachment();
      }
      Crashpoints.reach("start:spawned");
      network.ready(c.id());
      ContainerRecord running = running(c, started, journal);
      handOut(waiting, first, spec);
      return running;
    } catch (StartException e) {
      String status = c.status().equals(RESTARTING) ? EXITED : c.status();
      undoStart(c, journal, c.failedStart(status, e.stateExitCode(), e.dockerMessage()));
      waiting.forEach(f -> f.completeExceptionally(e));
      throw new EngineException(INVALID, e.dockerMessage(), e);
    } catch (RuntimeException e) {
      undoStart(c, journal, null);
      waiting.forEach(f -> f.completeExceptionally(e));
      throw Errors.of("start container " + c.name(), e, this::nameOf);
    }
  }

  /** What dockerd and runc refuse only when the container starts (Docker leaves it created). */
  private void checkAtStart(ContainerRecord c) {
    long shares = c.config().cpuShares();
    String problem = null;
    if (shares < 0) {
      problem = "shares: invalid argument";
    } else if (shares == 1) {
      problem =
          "failed to create shim task: OCI runtime create failed: runc create failed: unable to"
              + " start container process: error during container init: error setting cgroup"
              + " config for procHooks process: the minimum allowed cpu-shares is 2: unknown";
    } else if (shares > 262144) {
      problem = "the maximum allowed cpu-shares is 262144";
    }
    if (problem != null) {
      ContainerRecord failed =
          c.failedStart(c.startedAt() == null ? CREATED : EXITED, 128, problem);
      store.inTransaction(
          tx -> {
            tx.updateContainerState(failed);
            tx.onCommit(() -> index.put(failed));
            return null;
          });
      throw new EngineException(INVALID, problem);
    }
  }

  /**
   * The steps before the spawn: the {@code starting} state and the journal entry, in the
   * transaction that records the sandbox; the sandbox's kernel objects; the /etc files. Returns the
   * journal entry's ID; undoes what it did if it fails.
   */
  private long prepareRun(ContainerRecord c) {
    long[] journal = {0};
    ContainerRecord starting = c.withStatus(STARTING);
    Consumer<Store.Tx> journaled =
        tx -> {
          tx.updateContainerState(starting);
          journal[0] =
              tx.beginJournal(
                  START,
                  c.id(),
                  Map.of("from", c.status().equals(RESTARTING) ? EXITED : c.status()));
          tx.onCommit(() -> index.put(starting));
        };
    try {
      SandboxRequest request = sandboxRequest(c);
      if (request == null) {
        store.inTransaction(
            tx -> {
              journaled.accept(tx);
              return null;
            });
      } else {
        try (NetworkController.Plan plan = network.plan(request, journaled)) {
          Crashpoints.reach("start:journaled");
          network.realize(plan);
        }
      }
      Crashpoints.reach("start:sandbox");
      writeEtcFiles(c);
      return journal[0];
    } catch (RuntimeException e) {
      if (journal[0] != 0) {
        undoStart(c, journal[0], null);
      }
      throw Errors.of("start container " + c.name(), e, this::nameOf);
    }
  }

  /** What the container's start asks of the network side; null for the host's network. */
  private SandboxRequest sandboxRequest(ContainerRecord c) {
    String mode = c.config().networkMode();
    if (mode.equals(NetworkController.HOST)) {
      return null;
    }
    List<SandboxRequest.EndpointRequest> endpoints =
        mode.equals(NetworkController.NONE)
            ? List.of()
            : List.of(
                new SandboxRequest.EndpointRequest(
                    mode, c.config().ipv4Address(), Ports.endpointOptions(c)));
    return new SandboxRequest(c.id(), config.netnsPrefix() + c.name(), endpoints, Map.of());
  }

  /** Records a started process as the container's: state, journal entry finished, watched. */
  private ContainerRecord running(ContainerRecord c, Started started, long journal) {
    ContainerRecord running =
        c.running(started.pid(), started.startTime(), started.shimPid(), Instant.now());
    ended.put(c.id(), new CompletableFuture<>());
    store.inTransaction(
        tx -> {
          tx.updateContainerState(running);
          tx.finishJournal(journal);
          tx.onCommit(() -> index.put(running));
          return null;
        });
    Events.info("container started", c.name(), c.config().networkMode(), "pid", "" + started.pid());
    emit("start", running);
    if (!watch(running)) {
      // It ended before it could be watched: record that now, as the watch would have.
      recordExit(running);
      return index.get(c.id()).orElse(running);
    }
    return running;
  }

  /**
   * Watches the container's shim (the exit record is complete once it is gone), or its PID 1 when
   * the shim was killed; false when neither lives.
   */
  private boolean watch(ContainerRecord c) {
    if (shimAlive(c)) {
      return exits.watch(c.id(), c.run().shimPid());
    }
    return Pidfd.startTime(c.pid()) == c.pidStart() && exits.watch(c.id(), c.pid());
  }

  /** Whether the shim recorded for {@code c} runs, the container's state directory in its argv. */
  private boolean shimAlive(ContainerRecord c) {
    long shim = c.run().shimPid();
    if (shim == 0) {
      return false;
    }
    try {
      String cmdline =
          new String(
              Files.readAllBytes(Path.of("/proc/" + shim + "/cmdline")), StandardCharsets.UTF_8);
      return cmdline.contains(runDirs.resolve(c.id()).toString());
    } catch (IOException gone) {
      return false;
    }
  }

  /**
   * Undoes a start: ends whatever runs in the sandbox and the cgroup, releases the sandbox, and
   * puts the state back to what it was ({@code failed} when the start failed in the container),
   * finishing the journal entry.
   */
  private void undoStart(ContainerRecord c, long journal, ContainerRecord failed) {
    ContainerRecord before =
        failed != null
            ? failed
            : c.status().equals(STARTING)
                ? c.withStatus(CREATED)
                : c.status().equals(RESTARTING) ? c.withStatus(EXITED) : c;
    endProcessesOf(c.id());
    network.release(
        c.id(),
        tx -> {
          tx.updateContainerState(before);
          tx.finishJournal(journal);
          tx.onCommit(() -> index.put(before));
        });
  }

  /**
   * SIGKILL to every process in the container's sandbox namespace, in its cgroup and to its
   * recorded PID 1 (when it still is that process), then its cgroup removed: what a crash or a
   * failed start may have left.
   */
  private void endProcessesOf(String id) {
    Optional<Sandbox> sandbox = network.sandbox(id);
    sandbox.ifPresent(s -> Processes.inNamespace(network.netnsPath(s)).forEach(Processes::kill));
    Launcher.recorded(launchSpecPaths(id))
        .filter(r -> Pidfd.startTime(r.pid()) == r.startTime())
        .ifPresent(r -> Processes.kill(r.pid()));
    removeCgroup(id);
  }

  /** Kills what is left in the container's cgroup (thawed first) and removes it. */
  private void removeCgroup(String id) {
    Optional<Cgroup> cgroup = launcher.cgroup(id).filter(Cgroup::exists);
    if (cgroup.isEmpty()) {
      return;
    }
    Cgroup g = cgroup.get();
    for (long pid : g.pids()) {
      Processes.kill(pid);
    }
    if (g.frozen()) {
      g.thaw();
    }
    g.remove();
  }

  private Images.Image image(ContainerRecord c) {
    return images
        .find(c.config().image())
        .orElseThrow(() -> EngineException.notFound("image", c.config().image()));
  }

  /** The paths of a container's launch (enough to read its records back). */
  private LaunchSpec launchSpecPaths(String id) {
    return new LaunchSpec(
        id,
        runDirs.resolve(id),
        containersDir.resolve(id),
        containersDir.resolve(id),
        null,
        "",
        List.of(),
        List.of(),
        "",
        "",
        false,
        false,
        LaunchSpec.Security.DEFAULT,
        Resources.NONE,
        logPath(id));
  }

  private LaunchSpec spec(ContainerRecord c, Images.Image image) {
    ContainerConfig cc = c.config();
    Path netns =
        network
            .sandbox(c.id())
            .map(network::netnsPath)
            .orElse(cc.networkMode().equals(NetworkController.HOST) ? config.hostNetns() : null);
    return new LaunchSpec(
        c.id(),
        runDirs.resolve(c.id()),
        image.rootfs(),
        containersDir.resolve(c.id()),
        netns,
        cc.hostname(),
        cc.argv(),
        cc.env(),
        cc.user() == null ? "" : cc.user(),
        cc.workingDir() == null ? "" : cc.workingDir(),
        cc.tty(),
        cc.openStdin(),
        new LaunchSpec.Security(
            cc.capAdd(), cc.capDrop(), cc.privileged(), cc.noNewPrivileges(), false),
        new Resources(
            cc.memory(),
            cc.memorySwap(),
            cc.nanoCpus(),
            cc.cpuShares(),
            cc.pidsLimit() == null ? 0 : cc.pidsLimit()),
        logPath(c.id()));
  }

  /** The container's json-file log, Docker's {@code <id>-json.log} beside its layer. */
  Path logPath(String id) {
    return containersDir.resolve(id).resolve(id + "-json.log");
  }

  /**
   * The /etc/hosts, hostname and resolv.conf that the container's run binds over the image's,
   * written at each start with the address of this run. They live on the exec root, a tmpfs.
   */
  private void writeEtcFiles(ContainerRecord c) {
    Path dir = runDirs.resolve(c.id());
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("create " + dir + ": " + e.getMessage(), e);
    }
    if (c.config().networkMode().equals(NetworkController.HOST)) {
      ContainerFiles.copyHostFiles(dir, c.config().hostname());
    } else {
      String address =
          network.sandbox(c.id()).stream()
              .flatMap(s -> s.endpoints().stream())
              .map(EndpointRecord::address)
              .findFirst()
              .orElse(null);
      ContainerFiles.write(dir, address, c.config().hostname());
    }
  }

  // ---------------------------------------------------------------- attach

  /**
   * The container's stdio: its current run's when it runs, else its next run's, which then waits
   * for this attachment before its command starts. The future completes subscribed to the output.
   */
  CompletableFuture<Attachment> attach(String ref) {
    return locked(
        ref,
        c -> {
          if (c.running()) {
            Attachment a = launcher.attach(spec(c, image(c)));
            a.subscribe();
            return CompletableFuture.completedFuture(a);
          }
          refuseWhileBusy(c);
          CompletableFuture<Attachment> f = new CompletableFuture<>();
          attachers.computeIfAbsent(c.id(), k -> new ArrayList<>()).add(f);
          return f;
        });
  }

  private List<CompletableFuture<Attachment>> takeAttachers(String id) {
    List<CompletableFuture<Attachment>> waiting = attachers.remove(id);
    if (waiting == null) {
      return List.of();
    }
    waiting.removeIf(CompletableFuture::isDone);
    return waiting;
  }

  /** The first waiting client gets the attachment made before the exec, the others their own. */
  private void handOut(
      List<CompletableFuture<Attachment>> waiting, Attachment first, LaunchSpec spec) {
    for (CompletableFuture<Attachment> f : waiting) {
      Attachment a = first;
      first = null;
      try {
        if (a == null) {
          a = launcher.attach(spec);
          a.subscribe();
        }
        if (!f.complete(a)) {
          a.close();
        }
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    }
  }

  /** Resizes a running container's terminal; nothing without one. */
  void resize(String ref, int rows, int columns) {
    ContainerRecord c = runningContainer(ref);
    if (c.config().tty()) {
      try (Attachment a = launcher.attach(spec(c, image(c)))) {
        a.resize(rows, columns);
      }
    }
  }

  // ---------------------------------------------------------------- the end of a run

  /** Called by the exit watch's thread when a container's shim (or PID 1) ended; must not block. */
  void processEnded(String id) {
    CompletableFuture<Void> end = ended.get(id);
    if (end != null) {
      end.complete(null);
    }
  }

  /**
   * Records the end of container {@code id}'s run if its process is gone, under its lock: state,
   * exit code, sandbox released. Called by the supervisor after an exit, and for retries.
   */
  void handleExit(String id) {
    try (KeyedLocks.Held held = locks.exclusive(id)) {
      ContainerRecord c = index.get(id).orElse(null);
      if (c == null || !c.running()) {
        return;
      }
      if (watch(c)) {
        // The shim was killed but the container runs on: its PID 1 is watched from now.
        return;
      }
      recordExit(c);
    }
  }

  /**
   * Records a run's end, the caller holding the lock: the code the shim recorded (137 when the shim
   * itself was killed), the cgroup removed, then the {@code exited} (or, by the restart policy,
   * {@code restarting}) state with a journal entry, and the sandbox released.
   */
  private void recordExit(ContainerRecord c) {
    exits.forget(c.id());
    CompletableFuture<Void> end = ended.remove(c.id());
    if (end != null) {
      end.complete(null);
    }
    Optional<Exit> exit = Launcher.exit(launchSpecPaths(c.id()).exitFile());
    removeCgroup(c.id());
    int code = exit.map(Exit::code).orElse(137);
    boolean oom = exit.map(Exit::oomKilled).orElse(false);
    Instant at = exit.map(Exit::finishedAt).orElse(Instant.now());
    finishRun(c, c.exited(code, oom, at));
  }

  private void finishRun(ContainerRecord c, ContainerRecord exited) {
    Optional<Duration> restart = restartDelay(c, exited);
    ContainerRecord after =
        restart.isPresent()
            ? exited
                .withStatus(RESTARTING)
                .withRun(exited.run().withRestartCount(restartManagers.get(c.id()).restartCount()))
            : exited;
    long journal =
        store.inTransaction(
            tx -> {
              tx.updateContainerState(after);
              tx.onCommit(() -> index.put(after));
              return tx.beginJournal(STOP, c.id(), Map.of());
            });
    Events.info(
        "container exited", c.name(), c.config().networkMode(), "code", "" + exited.exitCode());
    Crashpoints.reach("stop:journaled");
    release(c.id(), journal);
    execs.forgetContainer(c.id());
    if (exited.run().oomKilled()) {
      emit("oom", after);
    }
    emit("die", after, Map.of("exitCode", Integer.toString(exited.exitCode())));
    complete(c.id(), exited.exitCode(), WaitCondition.NOT_RUNNING, WaitCondition.NEXT_EXIT);
    if (restart.isPresent()) {
      Events.info(
          "restarting by its policy",
          c.name(),
          null,
          "policy",
          c.config().restartPolicyName(),
          "delay",
          restart.get().toMillis() + " ms");
      pendingRestarts.put(c.id(), scheduler.schedule(() -> restartByPolicy(c.id()), restart.get()));
    } else if (c.config().autoRemove()) {
      removeLocked(after);
    }
  }

  /** The restart policy's verdict on a run's end: the delay before the restart, or none. */
  private Optional<Duration> restartDelay(ContainerRecord c, ContainerRecord exited) {
    if (quiet || stopping.contains(c.id()) || c.config().restartPolicyName().equals("no")) {
      return Optional.empty();
    }
    RestartPolicy.Manager m =
        restartManagers.computeIfAbsent(
            c.id(),
            k ->
                new RestartPolicy.Manager(
                    new RestartPolicy(c.config().restartPolicyName(), c.config().restartRetries()),
                    c.run().restartCount()));
    Duration ran =
        c.startedAt() == null
            ? Duration.ZERO
            : Duration.between(c.startedAt(), exited.finishedAt());
    return m.shouldRestart(exited.exitCode(), c.run().manuallyStopped(), ran);
  }

  /** The restart the policy scheduled: the container starts again unless it changed meanwhile. */
  void restartByPolicy(String id) {
    try (KeyedLocks.Held held = locks.exclusive(id)) {
      pendingRestarts.remove(id);
      ContainerRecord c = index.get(id).orElse(null);
      if (c == null || !c.status().equals(RESTARTING)) {
        return;
      }
      try {
        startLocked(c);
      } catch (RuntimeException e) {
        Events.warn("restart by its policy failed: " + Errors.describe(e), c.name(), null);
        ContainerRecord now = index.get(id).orElse(c);
        if (now.status().equals(RESTARTING)) {
          ContainerRecord stopped = now.withStatus(EXITED);
          store.inTransaction(
              tx -> {
                tx.updateContainerState(stopped);
                tx.onCommit(() -> index.put(stopped));
                return null;
              });
        }
      }
    }
  }

  private void cancelRestart(String id) {
    Future<?> pending = pendingRestarts.remove(id);
    if (pending != null) {
      pending.cancel(false);
    }
  }

  private void release(String id, long journal) {
    network.release(id, tx -> tx.finishJournal(journal));
  }

  // ---------------------------------------------------------------- stop, kill, wait

  /**
   * SIGTERM, then SIGKILL after {@code timeout}; the end of the run is recorded before return, and
   * the restart policy leaves it stopped. A restarting container just stays stopped.
   */
  ContainerRecord stop(String ref, Duration timeout) {
    return locked(
        ref,
        c -> {
          if (c.status().equals(RESTARTING)) {
            cancelRestart(c.id());
            ContainerRecord stopped =
                c.withStatus(EXITED).withRun(c.run().withManuallyStopped(true));
            store.inTransaction(
                tx -> {
                  tx.updateContainerState(stopped);
                  tx.onCommit(() -> index.put(stopped));
                  return null;
                });
            emit("stop", stopped);
            return stopped;
          }
          if (!c.running()) {
            return c;
          }
          ContainerRecord marked = manuallyStopped(c);
          stopping.add(c.id());
          try {
            signal(marked, SIGTERM);
            if (!awaitEnd(marked, timeout.toMillis())) {
              signal(marked, SIGKILL);
              awaitEnd(marked, 10_000);
            }
            Events.info("container stopped", c.name(), c.config().networkMode());
            recordExit(marked);
          } finally {
            stopping.remove(c.id());
          }
          ContainerRecord after = index.get(c.id()).orElse(marked.exited(137, Instant.now()));
          emit("stop", after);
          return after;
        });
  }

  /** Records that a user stopped or killed it, which {@code unless-stopped} respects. */
  private ContainerRecord manuallyStopped(ContainerRecord c) {
    if (c.run().manuallyStopped()) {
      return c;
    }
    ContainerRecord marked = c.withRun(c.run().withManuallyStopped(true));
    store.inTransaction(
        tx -> {
          tx.updateContainerState(marked);
          tx.onCommit(() -> index.put(marked));
          return null;
        });
    return marked;
  }

  /** Sends {@code signal} to PID 1 (thawing a paused container after SIGKILL); false if gone. */
  private boolean signal(ContainerRecord c, int signal) {
    emit("kill", c, Map.of("signal", Integer.toString(signal)));
    return launcher.signal(c.id(), new Started(c.pid(), c.pidStart(), c.run().shimPid()), signal);
  }

  /** Waits for a running container's shim to end; false when {@code millis} passed first. */
  private boolean awaitEnd(ContainerRecord c, long millis) {
    CompletableFuture<Void> end = ended.get(c.id());
    if (end == null) {
      return !shimAlive(c) && Pidfd.startTime(c.pid()) != c.pidStart();
    }
    try {
      end.get(millis, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sends {@code signal} to the container's PID 1. */
  void kill(String ref, String signal) {
    int number = Signals.number(signal);
    locked(
        ref,
        c -> {
          if (!c.running()) {
            throw new EngineException(CONFLICT, "Container " + c.id() + " is not running");
          }
          ContainerRecord marked = manuallyStopped(c);
          if (!signal(marked, number)) {
            throw new EngineException(CONFLICT, "Container " + c.id() + " is not running");
          }
          Events.info("container signalled", c.name(), c.config().networkMode(), "signal", signal);
          return null;
        });
  }

  /**
   * A future of the container's exit code when {@code condition} holds: at once for {@code
   * not-running} on a container that does not run.
   */
  CompletableFuture<Integer> await(String ref, WaitCondition condition) {
    return locked(
        ref,
        c -> {
          boolean live =
              c.running() || c.status().equals(STARTING) || c.status().equals(RESTARTING);
          if (condition == WaitCondition.NOT_RUNNING && !live) {
            return CompletableFuture.completedFuture(c.exitCode());
          }
          CompletableFuture<Integer> f = new CompletableFuture<>();
          waiters
              .computeIfAbsent(c.id(), k -> Collections.synchronizedList(new ArrayList<>()))
              .add(new Waiter(condition, f));
          return f;
        });
  }

  /** Completes the waits of {@code conditions} with {@code code} (the others stay). */
  private void complete(String id, int code, WaitCondition... conditions) {
    List<Waiter> list = waiters.get(id);
    if (list == null) {
      return;
    }
    List<WaitCondition> which = List.of(conditions);
    synchronized (list) {
      list.removeIf(
          w -> {
            if (w.result().isDone()) {
              return true;
            }
            if (which.contains(w.condition())) {
              w.result().complete(code);
              return true;
            }
            return false;
          });
    }
  }

  // ---------------------------------------------------------------- pause

  /** Freezes every process of a running container ({@code docker pause}). */
  ContainerRecord pause(String ref) {
    return locked(
        ref,
        c -> {
          if (!c.running()) {
            throw new EngineException(CONFLICT, "Container " + c.id() + " is not running");
          }
          if (c.run().paused()) {
            throw new EngineException(CONFLICT, "Container " + c.id() + " is already paused");
          }
          cgroupOf(c).freeze();
          return paused(c, true, "pause");
        });
  }

  /** Lets a paused container's processes run again ({@code docker unpause}). */
  ContainerRecord unpause(String ref) {
    return locked(
        ref,
        c -> {
          if (!c.running() || !c.run().paused()) {
            throw new EngineException(CONFLICT, "Container " + c.id() + " is not paused");
          }
          cgroupOf(c).thaw();
          return paused(c, false, "unpause");
        });
  }

  private Cgroup cgroupOf(ContainerRecord c) {
    return launcher
        .cgroup(c.id())
        .filter(Cgroup::exists)
        .orElseThrow(
            () ->
                new EngineException(
                    CONFLICT,
                    "container "
                        + c.name()
                        + " has no cgroup: jockerd runs without cgroups (see its log)"));
  }

  private ContainerRecord paused(ContainerRecord c, boolean paused, String action) {
    ContainerRecord after = c.withRun(c.run().withPaused(paused));
    store.inTransaction(
        tx -> {
          tx.updateContainerState(after);
          tx.onCommit(() -> index.put(after));
          return null;
        });
    Events.info("container " + action + "d", c.name(), null);
    emit(action, after);
    return after;
  }

  // ---------------------------------------------------------------- rename

  /** Gives the container another name; its running sandbox keeps its namespace's name. */
  ContainerRecord rename(String ref, String newName) {
    String name = newName.startsWith("/") ? newName.substring(1) : newName;
    return locked(
        ref,
        c -> {
          if (name.equals(c.name())) {
            throw new EngineException(
                INVALID, "Renaming a container with the same name as its current name");
          }
          ContainerRecord renamed = c.withName(name);
          store.inTransaction(
              tx -> {
                checkNewName(tx, name, "Error when allocating new name: ");
                tx.renameContainer(c.id(), name);
                tx.onCommit(() -> index.put(renamed));
                return null;
              });
          Events.info("container renamed", name, null, "from", c.name());
          emit("rename", renamed, Map.of("oldName", "/" + c.name()));
          return renamed;
        });
  }

  // ---------------------------------------------------------------- remove

  /**
   * Removes a container: the {@code removing} state and journal entry first, then (with {@code
   * force}) the kill, the sandbox, the record and the container's files.
   */
  void remove(String ref, boolean force) {
    locked(
        ref,
        c -> {
          if ((c.running() || c.status().equals(STARTING)) && !force) {
            throw new EngineException(
                CONFLICT,
                "You cannot remove a "
                    + (c.run().paused() ? "paused" : "running")
                    + " container "
                    + c.id()
                    + ". "
                    + (c.run().paused() ? "Unpause and then stop" : "Stop")
                    + " the container before attempting removal or force remove");
          }
          if (c.status().equals(RESTARTING) && !force) {
            throw new EngineException(
                CONFLICT,
                "You cannot remove a restarting container "
                    + c.id()
                    + ". Stop the container before attempting removal or force remove");
          }
          if (c.status().equals(REMOVING)) {
            throw new EngineException(
                CONFLICT, "removal of container " + c.name() + " is already in progress");
          }
          removeLocked(c);
          return null;
        });
  }

  private void removeLocked(ContainerRecord c) {
    cancelRestart(c.id());
    ContainerRecord removing = c.withStatus(REMOVING);
    long journal =
        store.inTransaction(
            tx -> {
              tx.updateContainerState(removing);
              tx.onCommit(() -> index.put(removing));
              return tx.beginJournal(REMOVE, c.id(), Map.of());
            });
    Crashpoints.reach("remove:journaled");
    int code = c.exitCode();
    if (c.running()) {
      signal(c, SIGKILL);
      awaitEnd(c, 10_000);
      code = Launcher.exit(launchSpecPaths(c.id()).exitFile()).map(Exit::code).orElse(137);
      emit("die", c, Map.of("exitCode", Integer.toString(code)));
      complete(c.id(), code, WaitCondition.NOT_RUNNING, WaitCondition.NEXT_EXIT);
    } else if (c.status().equals(STARTING)) {
      endProcessesOf(c.id());
    }
    Crashpoints.reach("remove:killed");
    forget(c, journal, code);
    Events.info("container removed", c.name(), c.config().networkMode());
  }

  /**
   * The last step of a remove, also after a crash: the sandbox released, then the record, its
   * reserved address and the journal entry in one transaction, then its cgroup and files.
   */
  private void forget(ContainerRecord c, long journal, int exitCode) {
    ended.remove(c.id());
    exits.forget(c.id());
    restartManagers.remove(c.id());
    cancelRestart(c.id());
    endProcessesOf(c.id());
    network.release(
        c.id(),
        tx -> {
          network.unreserve(tx, c.id());
          tx.deleteContainer(c.id());
          tx.finishJournal(journal);
          tx.onCommit(() -> index.remove(c.id()));
        });
    execs.forgetContainer(c.id());
    emit("destroy", c);
    complete(c.id(), exitCode, WaitCondition.values());
    waiters.remove(c.id());
    List<CompletableFuture<Attachment>> waiting = attachers.remove(c.id());
    if (waiting != null) {
      waiting.forEach(
          f -> f.completeExceptionally(EngineException.notFound("container", c.name())));
    }
    deleteDir(runDirs.resolve(c.id()));
    deleteDir(containersDir.resolve(c.id()));
  }

  // ---------------------------------------------------------------- exec

  /** A new exec instance in a running container. */
  String createExec(String ref, ExecRequest request) {
    ContainerRecord c = runningContainer(ref);
    refusePaused(c, ref);
    return execs.create(c.id(), request).id;
  }

  private static void refusePaused(ContainerRecord c, String ref) {
    if (c.run().paused()) {
      throw new EngineException(
          CONFLICT, "Container " + ref + " is paused, unpause the container before exec");
    }
  }

  /**
   * Starts an exec instance and returns its process, whose streams the caller relays; the instance
   * records its exit code when it ends. A command that cannot start fails with Docker's text, the
   * instance then ended with 126.
   */
  ExecProcess startExec(String execId) {
    return launchExec(execs.get(execId), false);
  }

  private ExecProcess launchExec(ExecInstances.Instance i, boolean detached) {
    ContainerRecord c = runningContainer(i.containerId);
    refusePaused(c, c.name());
    if (!i.begin()) {
      throw new EngineException(CONFLICT, "Error: Exec command " + i.id + " has already run");
    }
    ExecRequest r = i.request;
    ExecProcess p;
    try {
      p =
          launcher.exec(
              spec(c, image(c)),
              new Started(c.pid(), c.pidStart(), c.run().shimPid()),
              new ExecSpec(r.command(), r.env(), r.user(), r.workingDir(), r.tty(), r.privileged()),
              detached);
    } catch (StartException e) {
      i.ended(126);
      throw new EngineException(INVALID, e.dockerExecMessage(), e);
    } catch (RuntimeException e) {
      i.ended(126);
      throw Errors.of("exec in container " + c.name(), e, this::nameOf);
    }
    i.running(p);
    p.onExit().thenAccept(i::ended);
    if (!r.attachStdin() && !r.tty()) {
      try {
        p.stdin().close();
      } catch (IOException e) {
        // The process reads end of file either way.
      }
    }
    return p;
  }

  /** Runs an exec instance to its end (or, detached, starts it and returns null). */
  ExecResult startExec(String execId, boolean detach) {
    ExecInstances.Instance i = execs.get(execId);
    if (detach) {
      ExecProcess p = launchExec(i, true);
      Thread drain =
          new Thread(() -> discard(p.stdout()), "jocker-exec-" + execId.substring(0, 12));
      drain.setDaemon(true);
      drain.start();
      return null;
    }
    try {
      return collect(launchExec(i, false));
    } catch (EngineException e) {
      if (e.getCause() instanceof StartException) {
        return new ExecResult(126, e.getMessage().getBytes(StandardCharsets.UTF_8), new byte[0]);
      }
      throw e;
    }
  }

  private static void discard(InputStream in) {
    try (in) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException ended) {
      // The process ended.
    }
  }

  private static ExecResult collect(ExecProcess p) {
    try {
      ExecProcess.Output out = p.collect();
      return new ExecResult(out.exitCode(), out.stdout(), out.stderr());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.kill();
      throw new EngineException(INVALID, "interrupted waiting for an exec", e);
    }
  }

  /** An exec instance's state; an ended one is forgotten once read. */
  ExecState inspectExec(String execId) {
    return execs.inspect(execId);
  }

  /** An exec instance's state, not forgotten by this read. */
  ExecState execInstance(String execId) {
    return execs.get(execId).state();
  }

  /** Resizes a running exec's terminal; nothing without one. */
  void resizeExec(String execId, int rows, int columns) {
    ExecInstances.Instance i = execs.get(execId);
    ExecProcess p = i.process();
    if (p == null) {
      throw new EngineException(CONFLICT, "Exec " + execId + " is not running");
    }
    p.resize(rows, columns);
  }

  /** Runs a process inside a running container and waits for it, capturing its output. */
  ExecResult exec(String ref, ExecRequest request) {
    ContainerRecord c = runningContainer(ref);
    String id = execs.create(c.id(), request).id;
    ExecResult r = startExec(id, false);
    execs.inspect(id);
    return r;
  }

  private ContainerRecord runningContainer(String ref) {
    ContainerRecord c = resolve(ref);
    if (!c.running()) {
      throw new EngineException(CONFLICT, "Container " + c.id() + " is not running");
    }
    return c;
  }

  // ---------------------------------------------------------------- stats

  /** What a container uses now; zeros when it does not run. */
  ContainerStats stats(String ref) {
    ContainerRecord c = resolve(ref);
    Map<String, ContainerStats.NetworkStats> nets = new LinkedHashMap<>();
    if (!c.running()) {
      return new ContainerStats(
          Instant.now(),
          0,
          HostStats.systemCpuNanos(),
          HostStats.cpus(),
          0,
          0,
          Map.of(),
          0,
          0,
          nets);
    }
    Optional<Sandbox> sandbox = network.sandbox(c.id());
    if (sandbox.isPresent()) {
      try (dev.jocker.kernel.Netns ns =
          dev.jocker.kernel.Netns.open(network.netnsPath(sandbox.get()))) {
        ns.links()
            .stats()
            .forEach(
                (name, s) -> {
                  if (!name.equals("lo")) {
                    nets.put(
                        name,
                        new ContainerStats.NetworkStats(
                            s.rxBytes(),
                            s.rxPackets(),
                            s.rxErrors(),
                            s.rxDropped(),
                            s.txBytes(),
                            s.txPackets(),
                            s.txErrors(),
                            s.txDropped()));
                  }
                });
      }
    }
    Optional<Cgroup> cgroup = launcher.cgroup(c.id()).filter(Cgroup::exists);
    if (cgroup.isEmpty()) {
      return new ContainerStats(
          Instant.now(),
          0,
          HostStats.systemCpuNanos(),
          HostStats.cpus(),
          0,
          HostStats.memory(),
          Map.of(),
          0,
          0,
          nets);
    }
    dev.jocker.cgroup.Usage u = cgroup.get().usage();
    return new ContainerStats(
        Instant.now(),
        u.cpuNanos(),
        HostStats.systemCpuNanos(),
        HostStats.cpus(),
        u.memoryBytes(),
        u.memoryLimit() > 0 ? u.memoryLimit() : HostStats.memory(),
        cgroup.get().memoryStat(),
        u.pids(),
        Math.max(0, u.pidsLimit()),
        nets);
  }

  // ---------------------------------------------------------------- paths

  /** The file holding the container's stdout and stderr (Docker's json-file). */
  Path logFile(String ref) {
    return logPath(resolve(ref).id());
  }

  /** The overlay's upper directory of a container (in its data directory). */
  Path layer(String ref) {
    return containersDir.resolve(resolve(ref).id()).resolve("upper");
  }

  /** The directory of a container's current run (exec root). */
  Path runDir(String id) {
    return runDirs.resolve(id);
  }

  /** Where containers' layers and logs live (data root). */
  Path containersDir() {
    return containersDir;
  }

  /** Where containers' run files live (exec root). */
  Path runDirs() {
    return runDirs;
  }

  // ---------------------------------------------------------------- recovery and shutdown

  /**
   * Finishes a container change a crash interrupted: a start whose process runs (the shim's record
   * names a live process with its recorded start time) is adopted, any other is undone; an exit's
   * release and a remove are completed.
   */
  void recover(JournalEntry entry) {
    String id = entry.subject();
    try (KeyedLocks.Held held = locks.exclusive(id)) {
      ContainerRecord c = index.get(id).orElse(null);
      if (c == null) {
        Events.warn(
            "recovering the unfinished " + entry.kind() + " of a removed container",
            null,
            null,
            "id",
            id);
        endProcessesOf(id);
        network.release(id, tx -> tx.finishJournal(entry.id()));
        return;
      }
      Events.warn("recovering the unfinished " + entry.kind(), c.name(), c.config().networkMode());
      switch (entry.kind()) {
        case START -> recoverStart(c, entry);
        case STOP -> {
          if (!c.running()) {
            endProcessesOf(id);
          }
          release(id, entry.id());
        }
        default -> {
          endProcessesOf(id);
          forget(c, entry.id(), c.exitCode());
        }
      }
    }
  }

  private void recoverStart(ContainerRecord c, JournalEntry entry) {
    LaunchSpec paths = launchSpecPaths(c.id());
    Optional<Started> run = Launcher.recorded(paths);
    Optional<Exit> exit = Launcher.exit(paths.exitFile());
    if (run.isPresent()
        && exit.isEmpty()
        && Pidfd.startTime(run.get().pid()) == run.get().startTime()) {
      running(c, run.get(), entry.id());
      return;
    }
    ContainerRecord before =
        run.isPresent() && exit.isPresent()
            ? c.exited(exit.get().code(), exit.get().oomKilled(), exit.get().finishedAt())
            : c.withStatus(entry.payload().getOrDefault("from", CREATED));
    endProcessesOf(c.id());
    network.release(
        c.id(),
        tx -> {
          tx.updateContainerState(before);
          tx.finishJournal(entry.id());
          tx.onCommit(() -> index.put(before));
        });
  }

  /**
   * After the journal: watches every running container's shim (or PID 1) again, recording the end
   * of those that ended while the daemon was away, takes a pause from the cgroup, and releases the
   * sandbox of every container that is not running. Restart policies are applied afterwards by
   * {@link #restartOnOpen}.
   */
  void readopt() {
    quiet = true;
    try {
      for (ContainerRecord c : index.newestFirst()) {
        try (KeyedLocks.Held held = locks.exclusive(c.id())) {
          ContainerRecord now = index.get(c.id()).orElse(null);
          if (now == null) {
            continue;
          }
          if (now.running()) {
            ended.putIfAbsent(now.id(), new CompletableFuture<>());
            if (!watch(now)) {
              recordExit(now);
              continue;
            }
            boolean frozen =
                launcher.cgroup(now.id()).filter(Cgroup::exists).map(Cgroup::frozen).orElse(false);
            if (frozen != now.run().paused()) {
              ContainerRecord synced = now.withRun(now.run().withPaused(frozen));
              store.inTransaction(
                  tx -> {
                    tx.updateContainerState(synced);
                    tx.onCommit(() -> index.put(synced));
                    return null;
                  });
            }
          } else if (network.sandbox(now.id()).isPresent()) {
            endProcessesOf(now.id());
            network.release(now.id(), tx -> {});
          }
        }
      }
    } finally {
      quiet = false;
    }
  }

  /**
   * Docker's daemon start: every container that has run and is not running starts again when its
   * restart policy says so ({@code always}; {@code unless-stopped} unless a user stopped it; {@code
   * on-failure} after a failure, within its retries). Returns the names of those started.
   */
  List<String> restartOnOpen() {
    List<String> started = new ArrayList<>();
    for (ContainerRecord c : index.newestFirst()) {
      boolean eligible =
          (c.status().equals(EXITED) || c.status().equals(RESTARTING)) && c.startedAt() != null;
      if (!eligible) {
        continue;
      }
      ContainerConfig cc = c.config();
      boolean restart =
          switch (cc.restartPolicyName()) {
            case "always" -> true;
            case "unless-stopped" -> !c.run().manuallyStopped();
            case "on-failure" ->
                c.exitCode() != 0
                    && (cc.restartRetries() == 0 || c.run().restartCount() < cc.restartRetries());
            default -> false;
          };
      try (KeyedLocks.Held held = locks.exclusive(c.id())) {
        ContainerRecord now = index.get(c.id()).orElse(null);
        if (now == null || now.running()) {
          continue;
        }
        if (!restart) {
          if (now.status().equals(RESTARTING)) {
            ContainerRecord stopped = now.withStatus(EXITED);
            store.inTransaction(
                tx -> {
                  tx.updateContainerState(stopped);
                  tx.onCommit(() -> index.put(stopped));
                  return null;
                });
          }
          continue;
        }
        try {
          startLocked(now);
          started.add(now.name());
        } catch (RuntimeException e) {
          Events.warn(
              "could not start it again by its restart policy: " + Errors.describe(e),
              now.name(),
              null);
        }
      }
    }
    return started;
  }

  /**
   * Stops every running container, as dockerd without live-restore does at its shutdown and, at its
   * start, with the survivors of a crash: SIGTERM to all, SIGKILL to those still running after
   * {@code timeout}, each end recorded without a restart.
   */
  void stopAll(Duration timeout) {
    boolean wasQuiet = quiet;
    quiet = true;
    try {
      stopEach(timeout);
    } finally {
      quiet = wasQuiet;
    }
  }

  private void stopEach(Duration timeout) {
    List<ContainerRecord> running =
        index.newestFirst().stream().filter(ContainerRecord::running).toList();
    for (ContainerRecord c : running) {
      cancelRestart(c.id());
      signal(c, SIGTERM);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ContainerRecord c : running) {
      if (!awaitEnd(c, Math.max(0, (deadline - System.nanoTime()) / 1_000_000))) {
        signal(c, SIGKILL);
      }
    }
    for (ContainerRecord c : running) {
      awaitEnd(c, 10_000);
      try (KeyedLocks.Held held = locks.exclusive(c.id())) {
        ContainerRecord now = index.get(c.id()).orElse(null);
        if (now != null && now.running()) {
          Events.info("container stopped with the daemon", now.name(), null);
          recordExit(now);
          emit("stop", now);
        }
      }
    }
  }

  /** From now on exits start nothing: the daemon shuts down. */
  void shuttingDown() {
    quiet = true;
    pendingRestarts.keySet().forEach(this::cancelRestart);
  }

  /** Whether an operation on container {@code id} holds or waits for its lock. */
  boolean busy(String id) {
    return locks.busy(id);
  }

  /** Whether container {@code id} has a record here. */
  boolean knows(String id) {
    return index.get(id).isPresent();
  }

  /** Whether a container should hold a sandbox and processes now. */
  boolean live(String id) {
    return index.get(id).map(c -> c.running() || c.status().equals(STARTING)).orElse(false);
  }

  /** Whether {@code pid} is the shim of a container that should run. */
  boolean isShim(String id, long pid) {
    return live(id) && index.get(id).map(c -> c.run().shimPid() == pid).orElse(false);
  }

  /** Whether container {@code id} keeps an {@code --ip} address on {@code network}. */
  boolean reserves(String id, NetworkRecord n) {
    return index
        .get(id)
        .map(
            c ->
                c.config().ipv4Address() != null
                    && (c.config().networkMode().equals(n.name())
                        || c.config().networkMode().equals(n.id())))
        .orElse(false);
  }

  /**
   * Removes the cgroups of containers that should not run (a shim killed with -9 removes nothing),
   * killing what is left in them; returns what it removed.
   */
  List<String> removeLeftoverCgroups() {
    List<String> removed = new ArrayList<>();
    for (String id : launcher.cgroupIds()) {
      if (!live(id) && !locks.busy(id)) {
        try (KeyedLocks.Held held = locks.exclusive(id)) {
          if (live(id)) {
            continue;
          }
          String whose = index.get(id).isPresent() ? "container " + nameOf(id) : id;
          try {
            removeCgroup(id);
            removed.add("removed the cgroup of " + whose + ", which is not running");
          } catch (RuntimeException e) {
            removed.add("could not remove the cgroup of " + whose + ": " + Errors.describe(e));
          }
        }
      }
    }
    return removed;
  }

  private static void deleteDir(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(walk.toList());
      Collections.reverse(all);
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      Events.warn("could not delete " + dir + ": " + e.getMessage(), null, null);
    }
  }

  /** Deletes the directories of containers that have no record (a crash left them). */
  List<String> removeOrphanDirectories() {
    List<String> removed = new ArrayList<>();
    for (Path root : List.of(runDirs, containersDir)) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (var dirs = Files.list(root)) {
        for (Path d : dirs.toList()) {
          String id = d.getFileName().toString();
          if (index.get(id).isEmpty() && !locks.busy(id)) {
            deleteDir(d);
            removed.add("removed " + d + ", which no container owns");
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("list " + root + ": " + e.getMessage(), e);
      }
    }
    return removed;
  }
}

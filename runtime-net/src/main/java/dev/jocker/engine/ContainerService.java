package dev.jocker.engine;

import static dev.jocker.engine.EngineException.Kind.CONFLICT;
import static dev.jocker.engine.EngineException.Kind.INVALID;
import static dev.jocker.store.ContainerRecord.CREATED;
import static dev.jocker.store.ContainerRecord.REMOVING;
import static dev.jocker.store.ContainerRecord.STARTING;

import dev.jocker.bridge.Crashpoints;
import dev.jocker.concurrent.KeyedLocks;
import dev.jocker.container.ContainerFiles;
import dev.jocker.container.ContainerNames;
import dev.jocker.container.Images;
import dev.jocker.container.ProcessRuntime;
import dev.jocker.container.ProcessSpec;
import dev.jocker.kernel.ExitWatch;
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
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Containers from create to remove, Docker's daemon side: a create writes the record only; a start
 * makes the sandbox through the network controller, then spawns; the end of the process (noticed by
 * the supervisor, or waited for by stop and remove) releases the sandbox. Each multi-step change
 * writes a journal entry in the same transaction as the state it leaves ({@code starting}, {@code
 * exited}, {@code removing}), before the kernel is touched, so {@link #recover} finishes it after a
 * crash. Operations resolve a reference to an ID, lock that ID, and read the record again by ID:
 * operations on different containers run in parallel, those on one container one at a time, and
 * none acts on a record that changed or went while it waited.
 */
@SuppressWarnings("try") // a held lock is a resource whose body never names it
final class ContainerService {
  static final String START = "container.start";
  static final String STOP = "container.stop";
  static final String REMOVE = "container.remove";

  private static final int SIGKILL = 9;
  private static final int SIGTERM = 15;

  private final EngineConfig config;
  private final Store store;
  private final ContainerIndex index;
  private final NetworkController network;
  private final Images images;
  private final ExecInstances execs = new ExecInstances();
  private final KeyedLocks locks = new KeyedLocks();
  private ExitWatch exits;

  /** Each container's layer and log, which outlive a reboot, by container ID. */
  private final Path containersDir;

  /** Each container's files of its current run, on the exec root, by container ID. */
  private final Path runDirs;

  /** Completed when a watched process ends, before its exit is recorded; by container ID. */
  private final Map<String, CompletableFuture<Void>> ended = new ConcurrentHashMap<>();

  /** Completed with the exit code once a run's end is recorded (or the container goes). */
  private final Map<String, CompletableFuture<Integer>> finished = new ConcurrentHashMap<>();

  /** The journal entry of each start whose process the caller launches itself ({@code run -it}). */
  private final Map<String, Long> launching = new ConcurrentHashMap<>();

  /**
   * Launched containers whose process ended before the caller reported its exit code, by when it
   * ended: recorded when the report comes, or with 137 if it never does.
   */
  private final Map<String, Instant> unreported = new ConcurrentHashMap<>();

  ContainerService(
      EngineConfig config,
      Store store,
      ContainerIndex index,
      NetworkController network,
      Images images) {
    this.config = config;
    this.store = store;
    this.index = index;
    this.network = network;
    this.images = images;
    this.containersDir = config.dataRoot().resolve("containers");
    this.runDirs = config.execRoot().resolve("containers");
  }

  /** The exit watch, made after this service since its callback leads back here. */
  void watchExitsWith(ExitWatch watch) {
    this.exits = watch;
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

  /** Writes the container's record (and reserves its {@code --ip}), in one transaction. */
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
    String id = ContainerNames.newId();
    String hostname =
        request.hostname() != null && !request.hostname().isEmpty()
            ? request.hostname()
            : mode.equals(NetworkController.HOST)
                ? ContainerFiles.hostHostname()
                : id.substring(0, 12);
    ContainerConfig containerConfig =
        new ContainerConfig(
            request.image(),
            image.id(),
            request.command().isEmpty() ? List.of("sh") : request.command(),
            ProcessRuntime.environment(hostname, request.env(), request.tty()),
            hostname,
            mode,
            ip,
            request.tty(),
            request.openStdin(),
            request.autoRemove());
    // One transaction from the name check to the reservation: the insert relies on what the checks
    // read, and a transaction of its own per check cost more than the checks.
    ContainerRecord record =
        store.inTransaction(
            tx -> {
              String name = request.name();
              if (name == null || name.isEmpty()) {
                name = uniqueGeneratedName(tx);
              } else {
                checkNewName(tx, name);
              }
              ContainerRecord c = ContainerRecord.fresh(id, name, Instant.now(), containerConfig);
              tx.insertContainer(c);
              if (ip != null) {
                network.reserve(tx, id, mode, ip);
              }
              tx.onCommit(() -> index.put(c));
              return c;
            });
    Events.info("container created", record.name(), mode, "address", ip == null ? "at start" : ip);
    return record;
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

  // ---------------------------------------------------------------- start

  /** Starts a created or exited container; a running one is left as it is. */
  ContainerRecord start(String ref) {
    return locked(
        ref,
        c -> {
          if (c.running()) {
            return c;
          }
          refuseWhileBusy(c);
          return startLocked(c);
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
   * Journals the start with the {@code starting} state, makes the sandbox, spawns, and records the
   * process; any failure undoes every step and names its cause.
   */
  private ContainerRecord startLocked(ContainerRecord c) {
    Images.Image image = image(c);
    long journal = prepareRun(c);
    try {
      CompletableFuture<Integer> done = new CompletableFuture<>();
      finished.put(c.id(), done);
      ProcessRuntime.Started started = ProcessRuntime.start(spec(c, image));
      Crashpoints.reach("start:spawned");
      return running(c, started, journal);
    } catch (RuntimeException e) {
      undoStart(c, journal);
      throw Errors.of("start container " + c.name(), e, this::nameOf);
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
          journal[0] = tx.beginJournal(START, c.id(), Map.of("from", c.status()));
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
        undoStart(c, journal[0]);
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
            : List.of(new SandboxRequest.EndpointRequest(mode, c.config().ipv4Address(), Map.of()));
    return new SandboxRequest(c.id(), config.netnsPrefix() + c.name(), endpoints, Map.of());
  }

  /** Records a started process as the container's: state, journal entry finished, watched. */
  private ContainerRecord running(ContainerRecord c, ProcessRuntime.Started started, long journal) {
    ContainerRecord running = c.running(started.pid(), started.startTime(), Instant.now());
    CompletableFuture<Void> end = new CompletableFuture<>();
    ended.put(c.id(), end);
    store.inTransaction(
        tx -> {
          tx.updateContainerState(running);
          tx.finishJournal(journal);
          tx.onCommit(() -> index.put(running));
          return null;
        });
    Events.info("container started", c.name(), c.config().networkMode(), "pid", "" + started.pid());
    if (!exits.watch(c.id(), started.pid())) {
      // It ended before it could be watched: record that now, as the watch would have.
      end.complete(null);
      recordExit(running);
      return index.get(c.id()).orElse(running);
    }
    return running;
  }

  /**
   * Undoes a start: ends whatever runs in the sandbox, releases the sandbox, and puts the state
   * back to what it was, finishing the journal entry.
   */
  private void undoStart(ContainerRecord c, long journal) {
    ContainerRecord before = c.status().equals(STARTING) ? c.withStatus(CREATED) : c;
    endProcessesOf(c.id());
    network.release(
        c.id(),
        tx -> {
          tx.updateContainerState(before);
          tx.finishJournal(journal);
          tx.onCommit(() -> index.put(before));
        });
    launching.remove(c.id());
    CompletableFuture<Integer> done = finished.remove(c.id());
    if (done != null) {
      done.complete(before.exitCode());
    }
  }

  /**
   * SIGKILL to every process in the container's sandbox namespace and to its recorded PID 1 (when
   * it still is that process): what a crash or a failed start may have left running.
   */
  private void endProcessesOf(String id) {
    Optional<Sandbox> sandbox = network.sandbox(id);
    sandbox.ifPresent(s -> Processes.inNamespace(network.netnsPath(s)).forEach(Processes::kill));
    ProcessRuntime.recorded(runDirs.resolve(id))
        .filter(r -> ProcessRuntime.alive(r.started().pid(), r.started().startTime()))
        .ifPresent(r -> Processes.kill(r.started().pid()));
  }

  private Images.Image image(ContainerRecord c) {
    return images
        .find(c.config().image())
        .orElseThrow(() -> EngineException.notFound("image", c.config().image()));
  }

  private ProcessSpec spec(ContainerRecord c, Images.Image image) {
    Path netns =
        network
            .sandbox(c.id())
            .map(network::netnsPath)
            .orElse(
                c.config().networkMode().equals(NetworkController.HOST)
                    ? config.hostNetns()
                    : null);
    return new ProcessSpec(
        runDirs.resolve(c.id()),
        containersDir.resolve(c.id()),
        image.rootfs(),
        netns,
        c.config().hostname(),
        c.config().cmd(),
        c.config().env(),
        c.config().tty());
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

  // ---------------------------------------------------------------- run -it: launch and adopt

  /**
   * Prepares a run whose process the caller starts itself with its own terminal: journaled start
   * and sandbox as for {@link #start}; returns the argument vector. {@link #adopt} finishes it.
   */
  List<String> launch(String ref) {
    return locked(
        ref,
        c -> {
          if (c.running()) {
            throw new EngineException(CONFLICT, "Container " + c.id() + " is already running");
          }
          refuseWhileBusy(c);
          Images.Image image = image(c);
          long journal = prepareRun(c);
          try {
            Path dir = runDirs.resolve(c.id());
            Files.deleteIfExists(dir.resolve("pid"));
            Files.deleteIfExists(dir.resolve("exitcode"));
            finished.put(c.id(), new CompletableFuture<>());
            List<String> argv = ProcessRuntime.launchArgv(spec(c, image));
            launching.put(c.id(), journal);
            return argv;
          } catch (IOException | RuntimeException e) {
            undoStart(c, journal);
            throw Errors.of(
                "launch container " + c.name(),
                e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e),
                this::nameOf);
          }
        });
  }

  /** Takes over a process the caller started from {@link #launch} as {@code launcherPid}. */
  ContainerRecord adopt(String ref, long launcherPid) {
    return locked(
        ref,
        c -> {
          Long journal = launching.remove(c.id());
          if (journal == null || !c.status().equals(STARTING)) {
            throw new EngineException(CONFLICT, "container " + c.name() + " was not launched");
          }
          try {
            ProcessRuntime.Started started =
                ProcessRuntime.awaitStarted(spec(c, image(c)), launcherPid, 10_000);
            return running(c, started, journal);
          } catch (RuntimeException e) {
            undoStart(c, journal);
            throw Errors.of("start container " + c.name(), e, this::nameOf);
          }
        });
  }

  /** Records how a launched container's process ended, as its launcher saw it. */
  void reportExit(String ref, int exitCode) {
    ContainerRecord c = resolve(ref);
    Path file = runDirs.resolve(c.id()).resolve("exitcode");
    try {
      if (!Files.exists(file)) {
        Files.writeString(file, Integer.toString(exitCode));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("write " + file + ": " + e.getMessage(), e);
    }
    if (unreported.remove(c.id()) != null) {
      handleExit(c.id());
    }
  }

  // ---------------------------------------------------------------- the end of a run

  /** Called by the exit watch's thread when a container's process ended; must not block. */
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
      if (ProcessRuntime.alive(c.pid(), c.pidStart()) && exits.watch(id, c.pid())) {
        return;
      }
      recordExit(c);
    }
  }

  /**
   * Records a run's end, the caller holding the lock: the {@code exited} state with the code the
   * shim recorded and a journal entry in one transaction, then the sandbox released with the entry
   * finished. A launched process whose launcher has not yet reported its code waits for that.
   */
  private void recordExit(ContainerRecord c) {
    ended.remove(c.id());
    exits.forget(c.id());
    OptionalInt code = exitCodeOf(c);
    if (code.isEmpty()) {
      unreported.putIfAbsent(c.id(), Instant.now());
      return;
    }
    finishRun(c, c.exited(code.getAsInt(), Instant.now()));
  }

  private void finishRun(ContainerRecord c, ContainerRecord exited) {
    unreported.remove(c.id());
    long journal =
        store.inTransaction(
            tx -> {
              tx.updateContainerState(exited);
              tx.onCommit(() -> index.put(exited));
              return tx.beginJournal(STOP, c.id(), Map.of());
            });
    Events.info(
        "container exited", c.name(), c.config().networkMode(), "code", "" + exited.exitCode());
    Crashpoints.reach("stop:journaled");
    release(c.id(), journal);
    execs.forgetContainer(c.id());
    CompletableFuture<Integer> done = finished.remove(c.id());
    if (done != null) {
      done.complete(exited.exitCode());
    }
    if (c.config().autoRemove()) {
      removeLocked(exited);
    }
  }

  private void release(String id, long journal) {
    network.release(id, tx -> tx.finishJournal(journal));
  }

  /**
   * The code the shim recorded. The shim writes it a moment after PID 1 ends, then exits itself:
   * when the file is not there yet, one poll(2) on the shim's pidfd waits for that (no sleep loop).
   * A process the caller launched has no shim: empty until its launcher reports the code.
   */
  private OptionalInt exitCodeOf(ContainerRecord c) {
    Path dir = runDirs.resolve(c.id());
    OptionalInt code = ProcessRuntime.exitCode(dir);
    if (code.isPresent()) {
      return code;
    }
    long shim = ProcessRuntime.recorded(dir).map(ProcessRuntime.Recorded::shimPid).orElse(0L);
    if (shim == 0) {
      return unreported.containsKey(c.id()) || !launchedByCaller(dir)
          ? OptionalInt.of(137)
          : OptionalInt.empty();
    }
    ExitWatch.awaitEnd(shim, 2_000);
    code = ProcessRuntime.exitCode(dir);
    // No code although the shim is gone: the shim itself was killed, and with it the record.
    return code.isPresent() ? code : OptionalInt.of(137);
  }

  private static boolean launchedByCaller(Path dir) {
    return ProcessRuntime.recorded(dir).map(r -> r.shimPid() == 0).orElse(false);
  }

  /**
   * Records with code 137 the launched runs whose launcher never reported how they ended (it died
   * too), {@code grace} after their process did.
   */
  void expireUnreported(Duration grace) {
    for (Map.Entry<String, Instant> e : Map.copyOf(unreported).entrySet()) {
      if (e.getValue().plus(grace).isBefore(Instant.now())) {
        try (KeyedLocks.Held held = locks.exclusive(e.getKey())) {
          ContainerRecord c = index.get(e.getKey()).orElse(null);
          if (c != null && c.running()) {
            finishRun(c, c.exited(137, Instant.now()));
          } else {
            unreported.remove(e.getKey());
          }
        }
      }
    }
  }

  /**
   * Abandons launches whose caller never adopted the process within {@code grace}: a {@code
   * starting} container with no process of its own gets its state back and its sandbox released.
   */
  void expireLaunches(Duration grace) {
    for (String id : List.copyOf(launching.keySet())) {
      try (KeyedLocks.Held held = locks.exclusive(id)) {
        ContainerRecord c = index.get(id).orElse(null);
        Long journal = launching.get(id);
        boolean stale =
            c != null
                && journal != null
                && c.status().equals(STARTING)
                && network
                    .sandbox(id)
                    .map(s -> s.record().created().plus(grace).isBefore(Instant.now()))
                    .orElse(true)
                && ProcessRuntime.recorded(runDirs.resolve(id)).isEmpty();
        if (stale) {
          Events.warn("launch was never adopted; undoing it", c.name(), null);
          undoStart(c, journal);
        }
      }
    }
  }

  // ---------------------------------------------------------------- stop, kill, wait

  /** SIGTERM, then SIGKILL after {@code timeout}; the end of the run is recorded before return. */
  ContainerRecord stop(String ref, Duration timeout) {
    return locked(
        ref,
        c -> {
          if (!c.running()) {
            return c;
          }
          exits.signal(c.id(), SIGTERM);
          if (!awaitEnd(c, timeout.toMillis())) {
            exits.signal(c.id(), SIGKILL);
            awaitEnd(c, 10_000);
          }
          Events.info("container stopped", c.name(), c.config().networkMode());
          recordExit(c);
          return index.get(c.id()).orElse(c.exited(137, Instant.now()));
        });
  }

  /** Waits for a running container's process to end; false when {@code millis} passed first. */
  private boolean awaitEnd(ContainerRecord c, long millis) {
    CompletableFuture<Void> end = ended.get(c.id());
    if (end == null) {
      return !ProcessRuntime.alive(c.pid(), c.pidStart());
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

  /** Sends {@code signal} to the container's PID 1, through its pidfd. */
  void kill(String ref, String signal) {
    ContainerRecord c = resolve(ref);
    int number = Signals.number(signal);
    if (!c.running() || !exits.signal(c.id(), number)) {
      throw new EngineException(CONFLICT, "Container " + c.id() + " is not running");
    }
    Events.info("container signalled", c.name(), c.config().networkMode(), "signal", signal);
  }

  /**
   * Blocks until the container is not running (its end recorded) and returns its exit code; a
   * container that is not running answers at once.
   */
  int waitForExit(String ref) throws InterruptedException {
    ContainerRecord c = resolve(ref);
    CompletableFuture<Integer> done = finished.get(c.id());
    if (done == null || !(c.running() || c.status().equals(STARTING))) {
      return index.get(c.id()).map(ContainerRecord::exitCode).orElse(c.exitCode());
    }
    try {
      return done.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
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
                "You cannot remove a running container "
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
    ContainerRecord removing = c.withStatus(REMOVING);
    long journal =
        store.inTransaction(
            tx -> {
              tx.updateContainerState(removing);
              tx.onCommit(() -> index.put(removing));
              return tx.beginJournal(REMOVE, c.id(), Map.of());
            });
    Crashpoints.reach("remove:journaled");
    if (c.running()) {
      exits.signal(c.id(), SIGKILL);
      awaitEnd(c, 10_000);
    } else if (c.status().equals(STARTING)) {
      endProcessesOf(c.id());
    }
    Crashpoints.reach("remove:killed");
    forget(c, journal);
    Events.info("container removed", c.name(), c.config().networkMode());
  }

  /**
   * The last step of a remove, also after a crash: the sandbox released, then the record, its
   * reserved address and the journal entry in one transaction, then its files.
   */
  private void forget(ContainerRecord c, long journal) {
    ended.remove(c.id());
    exits.forget(c.id());
    launching.remove(c.id());
    unreported.remove(c.id());
    network.release(
        c.id(),
        tx -> {
          network.unreserve(tx, c.id());
          tx.deleteContainer(c.id());
          tx.finishJournal(journal);
          tx.onCommit(() -> index.remove(c.id()));
        });
    execs.forgetContainer(c.id());
    CompletableFuture<Integer> done = finished.remove(c.id());
    if (done != null) {
      OptionalInt code = ProcessRuntime.exitCode(runDirs.resolve(c.id()));
      done.complete(code.orElse(137));
    }
    deleteDir(runDirs.resolve(c.id()));
    deleteDir(containersDir.resolve(c.id()));
  }

  // ---------------------------------------------------------------- exec

  /** A new exec instance in a running container. */
  String createExec(String ref, ExecRequest request) {
    ContainerRecord c = runningContainer(ref);
    return execs.create(c.id(), request).id;
  }

  /** Runs an exec instance to its end (or, detached, starts it and returns null). */
  ExecResult startExec(String execId, boolean detach) {
    ExecInstances.Instance i = execs.get(execId);
    ContainerRecord c = runningContainer(i.containerId);
    if (!i.start()) {
      throw new EngineException(CONFLICT, "exec " + execId + " has already been started");
    }
    List<String> env = execEnv(c, i.request);
    if (detach) {
      try {
        ProcessRuntime.execDetached(c.pid(), i.request.command(), env)
            .onExit()
            .thenAccept(p -> i.ended(p.exitValue()));
      } catch (RuntimeException e) {
        i.ended(126);
        throw e;
      }
      return null;
    }
    try {
      ProcessRuntime.ExecOutput out = ProcessRuntime.exec(c.pid(), i.request.command(), env);
      i.ended(out.exitCode());
      return new ExecResult(out.exitCode(), out.stdout(), out.stderr());
    } catch (RuntimeException e) {
      i.ended(126);
      throw e;
    }
  }

  /** An exec instance's state; an ended one is forgotten once read. */
  ExecState inspectExec(String execId) {
    return execs.inspect(execId);
  }

  /**
   * The argument vector of an interactive exec instance, whose process the caller runs: the
   * instance is forgotten, as nothing more about it passes through here.
   */
  List<String> execArgv(String execId) {
    ExecInstances.Instance i = execs.get(execId);
    ContainerRecord c = runningContainer(i.containerId);
    execs.forget(execId);
    return ProcessRuntime.execArgv(c.pid(), i.request.command(), execEnv(c, i.request));
  }

  /** Runs a process inside a running container and waits for it. */
  ExecResult exec(String ref, ExecRequest request) {
    ContainerRecord c = runningContainer(ref);
    ProcessRuntime.ExecOutput out =
        ProcessRuntime.exec(c.pid(), request.command(), execEnv(c, request));
    return new ExecResult(out.exitCode(), out.stdout(), out.stderr());
  }

  /** The argument vector that runs {@code request} in the container, for the caller to run. */
  List<String> execCommand(String ref, ExecRequest request) {
    ContainerRecord c = runningContainer(ref);
    return ProcessRuntime.execArgv(c.pid(), request.command(), execEnv(c, request));
  }

  private static List<String> execEnv(ContainerRecord c, ExecRequest request) {
    List<String> env = new ArrayList<>(c.config().env());
    env.addAll(request.env());
    if (request.tty()) {
      env.add("TERM=xterm");
    }
    return ProcessRuntime.environment(c.config().hostname(), env, request.tty());
  }

  private ContainerRecord runningContainer(String ref) {
    ContainerRecord c = resolve(ref);
    if (!c.running()) {
      throw new EngineException(CONFLICT, "Container " + c.id() + " is not running");
    }
    return c;
  }

  /** The file holding the container's stdout and stderr. */
  Path logFile(String ref) {
    return containersDir.resolve(resolve(ref).id()).resolve("container.log");
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

  // ---------------------------------------------------------------- recovery

  /**
   * Finishes a container change a crash interrupted: a start whose process runs (the PID file names
   * a live process with its recorded start time) is adopted, any other is undone; an exit's release
   * and a remove are completed.
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
          endProcessesOf(id);
          release(id, entry.id());
        }
        default -> {
          endProcessesOf(id);
          forget(c, entry.id());
        }
      }
    }
  }

  private void recoverStart(ContainerRecord c, JournalEntry entry) {
    Optional<ProcessRuntime.Recorded> run = ProcessRuntime.recorded(runDirs.resolve(c.id()));
    if (run.isPresent()
        && ProcessRuntime.alive(run.get().started().pid(), run.get().started().startTime())) {
      finished.put(c.id(), new CompletableFuture<>());
      running(c, run.get().started(), entry.id());
      return;
    }
    OptionalInt code = ProcessRuntime.exitCode(runDirs.resolve(c.id()));
    ContainerRecord before =
        run.isPresent() && code.isPresent()
            ? c.exited(code.getAsInt(), Instant.now())
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
   * After the journal: watches every running container's process again (recording the end of those
   * that ended while the daemon was away), and releases the sandbox of every container that is not
   * running.
   */
  void readopt() {
    for (ContainerRecord c : index.newestFirst()) {
      try (KeyedLocks.Held held = locks.exclusive(c.id())) {
        ContainerRecord now = index.get(c.id()).orElse(null);
        if (now == null) {
          continue;
        }
        if (now.running()) {
          finished.putIfAbsent(now.id(), new CompletableFuture<>());
          ended.putIfAbsent(now.id(), new CompletableFuture<>());
          // The pidfd is opened before the start time is checked, so it refers to the process
          // the check found.
          boolean watched = exits.watch(now.id(), now.pid());
          if (!watched || !ProcessRuntime.alive(now.pid(), now.pidStart())) {
            recordExit(now);
          }
        } else if (network.sandbox(now.id()).isPresent()) {
          endProcessesOf(now.id());
          network.release(now.id(), tx -> {});
        }
      }
    }
  }

  /** Whether an operation on container {@code id} holds or waits for its lock. */
  boolean busy(String id) {
    return locks.busy(id);
  }

  /** Whether a container should hold a sandbox and processes now. */
  boolean live(String id) {
    return index.get(id).map(c -> c.running() || c.status().equals(STARTING)).orElse(false);
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

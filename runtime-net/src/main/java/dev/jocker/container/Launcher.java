package dev.jocker.container;

import dev.jocker.cgroup.Cgroup;
import dev.jocker.cgroup.Cgroups;
import dev.jocker.cgroup.Limits;
import dev.jocker.kernel.Pidfd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts, signals and enters containers through jocker-launcher, the C program built beside this
 * class (in the spirit of Podman's conmon): one process hop from jockerd to the container's PID 1,
 * every mount made with mount(2) inside the container's own mount namespace, and a shim per
 * container that outlives jockerd, keeps stdout and stderr apart in Docker's json-file log and
 * records the exit. This class is the engine's only way in: it resolves the user, composes the
 * environment, computes capabilities, makes the cgroup, and hands the launcher a spec to perform.
 * Call it from a thread in the host's namespaces (not the namespace hopper).
 */
public final class Launcher {
  /** The program's file name, beside the jar (lib/) or the classes (target/). */
  public static final String BINARY = "jocker-launcher";

  private static final String OVERLAY_COPIED = "root-copied";

  private final Path binary;
  private final Cgroups cgroups;
  private final boolean hasKcore = Files.exists(Path.of("/proc/kcore"));

  /**
   * @param binary the jocker-launcher program
   * @param cgroups where containers' cgroups go, or null to start them without any
   */
  public Launcher(Path binary, Cgroups cgroups) {
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(
          "container launcher "
              + binary
              + " is missing or not executable: build it with ./mvnw package (gcc and libc6-dev)");
    }
    this.binary = binary;
    this.cgroups = cgroups;
  }

  /** A launcher with the program found beside this class's jar or classes directory. */
  public static Launcher create(Cgroups cgroups) {
    return new Launcher(defaultBinary(), cgroups);
  }

  /** jocker-launcher beside the jar (a distribution's lib/) or the classes (a build's target/). */
  public static Path defaultBinary() {
    try {
      Path code =
          Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return code.getParent().resolve(BINARY);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("locate " + BINARY + " beside jocker's classes", e);
    }
  }

  /** A started container with its attach connection, made before the command's first byte. */
  public record Attached(Started started, Attachment attachment) {}

  /**
   * Starts the container: returns once its command runs (execve succeeded), or throws {@link
   * StartException} with Docker's text when it could not (nothing of it is left then).
   */
  public Started start(LaunchSpec spec) {
    return launch(spec, false).started();
  }

  /**
   * As {@link #start}, attached before the command runs, so that not a byte of its output is missed
   * ({@code docker run} without {@code -d}).
   */
  public Attached startAttached(LaunchSpec spec) {
    return launch(spec, true);
  }

  /** Attaches to a running container ({@code docker attach}). */
  public Attachment attach(LaunchSpec spec) {
    return Attachment.connect(spec.attachSocket());
  }

  /** How the container's last run ended, once its shim recorded it. */
  public Optional<Exit> exit(LaunchSpec spec) {
    return exit(spec.exitFile());
  }

  /**
   * What the shim of the container's last start reported, read back from its record: how jockerd
   * finds a process whose start it did not see answered (it died meanwhile).
   */
  public static Optional<Started> recorded(LaunchSpec spec) {
    Path file = spec.pidFile();
    try {
      if (!Files.exists(file)) {
        return Optional.empty();
      }
      String[] f = Files.readString(file).strip().split(" ");
      return Optional.of(
          new Started(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])));
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("read the start record " + file, e);
    }
  }

  /** How a run ended, from the shim's record {@code exitFile}. */
  public static Optional<Exit> exit(Path exitFile) {
    try {
      if (!Files.exists(exitFile)) {
        return Optional.empty();
      }
      String[] f = Files.readString(exitFile).strip().split(" ");
      long nanos = Long.parseLong(f[2]);
      return Optional.of(
          new Exit(
              Integer.parseInt(f[0]),
              f[1].equals("1"),
              Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L)));
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("read the exit record " + exitFile, e);
    }
  }

  /**
   * Sends {@code signal} to the container's PID 1 if it is still that process. Returns false when
   * it has ended. A paused container is thawed after a SIGKILL, which a frozen task would otherwise
   * hold pending (as runc does for {@code docker kill} of a paused container).
   */
  public boolean signal(String id, Started started, int signal) {
    // Read before the signal: a container that was not frozen may be gone, cgroup and all, by
    // the time it has been sent; a frozen one cannot end before it is thawed.
    Cgroup frozen = null;
    if (signal == SIGKILL && cgroups != null) {
      Cgroup cgroup = cgroups.of(id);
      frozen = cgroup.exists() && cgroup.frozen() ? cgroup : null;
    }
    boolean sent = Pidfd.signal(started.pid(), started.startTime(), signal);
    if (sent && frozen != null) {
      frozen.thaw();
    }
    return sent;
  }

  private static final int SIGKILL = 9;

  /** The IDs that have a cgroup under jocker's parent (none without cgroups). */
  public List<String> cgroupIds() {
    return cgroups == null ? List.of() : cgroups.ids();
  }

  /** The container's cgroup (for pause, limits and stats), if jocker runs with cgroups. */
  public Optional<Cgroup> cgroup(String id) {
    return cgroups == null ? Optional.empty() : Optional.of(cgroups.of(id));
  }

  private Attached launch(LaunchSpec spec, boolean attach) {
    ExecUser user;
    try {
      user = Users.resolve(spec.user(), spec.image(), spec.layer().resolve("upper"));
    } catch (InvalidConfigException e) {
      throw new StartException(e.getMessage());
    }
    long caps =
        Capabilities.of(
            spec.security().capAdd(), spec.security().capDrop(), spec.security().privileged());
    List<String> env =
        ProcessConfig.withHome(
            ProcessConfig.environment(spec.hostname(), spec.tty(), spec.env()), user.home());
    boolean overlay = !Files.exists(spec.layer().resolve(OVERLAY_COPIED));
    prepareDirs(spec);
    Cgroup cgroup = makeCgroup(spec);
    List<String> entries =
        new ArrayList<>(
            LauncherSpec.process(
                spec.command(),
                env,
                ProcessConfig.workingDir(spec.workingDir()),
                user,
                Capabilities.Sets.of(caps, user.uid()),
                spec.security().noNewPrivileges(),
                spec.tty(),
                cgroup == null ? List.of() : cgroup.dirs(),
                cgroups != null && cgroups.v2()));
    if (cgroup != null) {
      cgroup.oomFile().ifPresent(f -> entries.add("oom_file=" + f));
    }
    if (attach) {
      entries.add("wait_attach=1");
    }
    List<String> start = new ArrayList<>(entries);
    start.addAll(LauncherSpec.container(spec, spec.rootMount(), overlay, hasKcore));
    try {
      return run(spec, start, attach);
    } catch (StartException e) {
      if (cgroup != null) {
        cgroup.remove();
      }
      if (overlay
          && e.getMessage().startsWith("mount overlay on ")
          && e.getMessage().endsWith(": invalid argument")) {
        // The layer's file system cannot be an overlay's upper layer (an overlay itself, as
        // inside a container): the layer becomes a copy of the image, bound as the root.
        copyImage(spec);
        return launch(spec, attach);
      }
      throw e;
    }
  }

  private static void prepareDirs(LaunchSpec spec) {
    try {
      Files.createDirectories(spec.rootMount());
      Files.createDirectories(spec.layer().resolve("upper"));
      Files.createDirectories(spec.layer().resolve("work"));
      Files.deleteIfExists(spec.exitFile());
      Files.deleteIfExists(spec.pidFile());
    } catch (IOException e) {
      throw new UncheckedIOException("prepare the directories of container " + spec.id(), e);
    }
  }

  private Cgroup makeCgroup(LaunchSpec spec) {
    if (cgroups == null) {
      return null;
    }
    Resources r = spec.resources();
    Limits limits =
        new Limits(
            r.memory() > 0 ? r.memory() : -1,
            r.memorySwap() > 0 ? r.memorySwap() : -1,
            r.nanoCpus() > 0 ? r.nanoCpus() * Limits.DEFAULT_PERIOD / 1_000_000_000L : -1,
            Limits.DEFAULT_PERIOD,
            r.cpuShares(),
            r.pidsLimit() > 0 ? r.pidsLimit() : -1);
    Cgroup cgroup = cgroups.create(spec.id(), limits);
    if (!spec.security().privileged()) {
      cgroup.restrictDevices(LauncherSpec.DEVICE_RULES);
    }
    return cgroup;
  }

  private static void copyImage(LaunchSpec spec) {
    Path upper = spec.layer().resolve("upper");
    try {
      Process cp =
          new ProcessBuilder("cp", "-a", spec.image() + "/.", upper.toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(cp.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (cp.waitFor() != 0) {
        throw new IllegalStateException(
            "copy image " + spec.image() + " into " + upper + ": " + out.strip());
      }
      Files.createFile(spec.layer().resolve(OVERLAY_COPIED));
    } catch (IOException e) {
      throw new UncheckedIOException("copy image " + spec.image() + " into " + upper, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted copying image " + spec.image(), e);
    }
  }

  private Attached run(LaunchSpec spec, List<String> entries, boolean attach) {
    Process p;
    try {
      p =
          new ProcessBuilder(binary.toString(), "start", spec.stateDir().toString())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(LauncherSpec.encode(entries));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("run " + binary + " for container " + spec.id(), e);
    }
    Attachment attachment = null;
    try (InputStream report = p.getInputStream()) {
      String line = readLine(report);
      if (attach && "attach".equals(line)) {
        attachment = Attachment.connect(spec.attachSocket());
        attachment.subscribe();
        line = readLine(report);
      }
      if (line != null && line.startsWith("ok ")) {
        String[] f = line.split(" ");
        return new Attached(
            new Started(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])),
            attachment);
      }
      if (attachment != null) {
        attachment.close();
      }
      throw new StartException(
          line != null && line.startsWith("error ")
              ? line.substring(6)
              : BINARY + " ended without reporting on container " + spec.id());
    } catch (IOException e) {
      throw new UncheckedIOException("read the report of " + BINARY + " on " + spec.id(), e);
    }
  }

  /**
   * Runs a process inside the running container ({@code docker exec}): as the container's user,
   * capabilities, cgroups and namespaces unless {@code exec} says otherwise. Throws {@link
   * StartException} with Docker's text when the command cannot be started.
   */
  public ExecProcess exec(LaunchSpec container, Started started, ExecSpec exec) {
    return exec(container, started, exec, false);
  }

  /**
   * As {@link #exec(LaunchSpec, Started, ExecSpec)}; with {@code discardStderr} the process's
   * stderr goes nowhere (a detached exec, whose caller reads only stdout away).
   */
  public ExecProcess exec(
      LaunchSpec container, Started started, ExecSpec exec, boolean discardStderr) {
    String userSpec = exec.user().isEmpty() ? container.user() : exec.user();
    Path root = Path.of("/proc/" + started.pid() + "/root");
    ExecUser user;
    try {
      user = Users.resolve(userSpec, root, null);
    } catch (InvalidConfigException e) {
      throw new StartException(e.getMessage());
    }
    LaunchSpec.Security security = container.security();
    long caps =
        Capabilities.of(
            security.capAdd(), security.capDrop(), security.privileged() || exec.privileged());
    List<String> configEnv = new ArrayList<>(container.env());
    configEnv.addAll(exec.env());
    List<String> env = ProcessConfig.environment(container.hostname(), exec.tty(), configEnv);
    String dir = exec.workingDir().isEmpty() ? container.workingDir() : exec.workingDir();
    Cgroup cgroup = cgroups == null ? null : cgroups.of(container.id());
    List<String> entries =
        new ArrayList<>(
            LauncherSpec.process(
                exec.command(),
                ProcessConfig.withHome(env, user.home()),
                ProcessConfig.workingDir(dir),
                user,
                Capabilities.Sets.of(caps, user.uid()),
                security.noNewPrivileges(),
                exec.tty(),
                cgroup == null ? List.of() : cgroup.dirs(),
                cgroups != null && cgroups.v2()));
    entries.add("pid=" + started.pid());
    Process p;
    try {
      ProcessBuilder pb = new ProcessBuilder(binary.toString(), "exec");
      if (discardStderr) {
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      }
      p = pb.start();
      OutputStream in = p.getOutputStream();
      in.write(LauncherSpec.encode(entries));
      in.flush();
      String line = readLine(p.getInputStream());
      if (line != null && line.startsWith("ok ")) {
        return new ExecProcess(p, Long.parseLong(line.substring(3)), exec.tty());
      }
      p.getOutputStream().close();
      p.waitFor();
      throw new StartException(
          line != null && line.startsWith("error ")
              ? line.substring(6)
              : BINARY + " ended without reporting on an exec in " + container.id());
    } catch (IOException e) {
      throw new UncheckedIOException("exec in container " + container.id(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted starting an exec in " + container.id(), e);
    }
  }

  /** One report line, read a byte at a time: what follows on an exec's stdout is the process's. */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      line.write(b);
    }
    return b < 0 && line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
  }
}

package dev.jocker.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.cgroup.Cgroup;
import dev.jocker.cgroup.Cgroups;
import dev.jocker.cli.Main;
import dev.jocker.testing.Sandbox;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real jockerd process inside the sandbox's host namespace, and the real CLI talking to it over
 * its socket. The daemon shares the test JVM's mount namespace (nsenter --net only), so the named
 * namespaces it creates are visible to the test's oracles.
 */
final class Jockerd implements AutoCloseable {
  /** One CLI invocation's outcome. */
  record Result(int exitCode, String stdout, String stderr) {}

  /** jockerd's own JVM options (the distribution's lib/jockerd.args), as bin/jockerd runs it. */
  private static final List<String> JOCKERD_ARGS = jockerdArgs();

  private static List<String> jockerdArgs() {
    try {
      return List.of(
          Files.readString(Path.of("../cli/src/dist/lib/jockerd.args")).strip().split("\\s+"));
    } catch (IOException e) {
      throw new UncheckedIOException("read jockerd's JVM options", e);
    }
  }

  private final Path dataRoot;
  private Path socket;
  private final Sandbox sandbox;
  private Process process;

  /**
   * An exec root of this daemon's own on the sandbox's /run: jockerds of other test runs on the
   * same host read the same paths in /proc (a container's root, its launcher's arguments), and one
   * whose code counts any container under its exec root path as its own would kill this one's.
   * Short, as a container's attach socket lives under it; the same for every daemon on the same
   * directory, so that a restarted one finds its containers.
   */
  private final String execRoot;

  private final List<String> jvmProperties;
  private int rulesCheckSeconds;
  private List<String> enter;
  private final List<String> daemonArgs = new ArrayList<>();

  /**
   * The cgroup parent of this state directory's containers: its own, so that tests never touch
   * another's (cgroups are the machine's), and the same for every daemon on the same directory, so
   * that a restarted one finds its containers' cgroups.
   */
  private final String cgroupParent;

  /**
   * A daemon for {@code sandbox} keeping its state under {@code dir}; {@code jvmProperties} such as
   * {@code -Djocker.test.crash-at=attach:veth} go to its JVM. The periodic firewall check is off
   * unless {@link #checkingRulesEvery} turns it on, so that tests can remove rules and watch what
   * happens.
   */
  Jockerd(Sandbox sandbox, Path dir, String... jvmProperties) {
    this.jvmProperties = List.of(jvmProperties);
    this.sandbox = sandbox;
    this.dataRoot = dir.resolve("state");
    this.socket = dir.resolve("jocker.sock");
    String tag = Integer.toHexString(dir.toAbsolutePath().toString().hashCode());
    this.cgroupParent = "jocker-it-" + tag;
    this.execRoot = "/run/jk-" + tag;
  }

  /**
   * Passes {@code args} (such as {@code --live-restore=false}, {@code --userland-proxy=false} or
   * {@code --cluster-store}) to the daemon.
   */
  Jockerd withArgs(String... args) {
    daemonArgs.addAll(List.of(args));
    return this;
  }

  String cgroupParent() {
    return cgroupParent;
  }

  /**
   * Serves on {@code socket} instead of one in the test's directory (the test JVM's /run is a tmpfs
   * of its own, so /run/jocker.sock reaches no other daemon).
   */
  Jockerd listeningOn(Path socket) {
    this.socket = socket;
    return this;
  }

  /**
   * Runs the daemon through {@code command} (such as {@code nsenter -t PID --net --mount --uts})
   * instead of entering the sandbox's host network namespace alone.
   */
  Jockerd enteringWith(List<String> command) {
    this.enter = List.copyOf(command);
    return this;
  }

  /** Turns the periodic firewall check on, every {@code seconds}. */
  Jockerd checkingRulesEvery(int seconds) {
    this.rulesCheckSeconds = seconds;
    return this;
  }

  /** Runs a daemon that is expected to refuse to start; returns its exit code and output. */
  Result runToExit() {
    try {
      Files.createDirectories(dataRoot);
      Process p = new ProcessBuilder(argv()).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("jockerd did not exit: " + output);
      }
      return new Result(p.exitValue(), output, "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private List<String> argv() {
    List<String> argv =
        new ArrayList<>(
            enter != null ? enter : List.of("nsenter", "--net=" + sandbox.host().path(), "--"));
    argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    argv.addAll(JOCKERD_ARGS);
    argv.addAll(jvmProperties);
    argv.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    argv.addAll(
        List.of(
            "daemon",
            "--data-root",
            dataRoot.toString(),
            "--exec-root",
            execRoot,
            "-H",
            "unix://" + socket,
            "--log-dir",
            dataRoot.resolve("log").toString(),
            "--rules-check-interval",
            Integer.toString(rulesCheckSeconds),
            "--cgroup-parent",
            cgroupParent));
    argv.addAll(daemonArgs);
    return argv;
  }

  Jockerd start() {
    return start(false);
  }

  /**
   * Starts a daemon armed to die at a crash point, which it may reach before it serves (in the
   * recovery of its start): returns once it serves or has died.
   */
  Jockerd startMayDie() {
    return start(true);
  }

  private Jockerd start(boolean mayDie) {
    ProcessBuilder pb = new ProcessBuilder(argv()).redirectErrorStream(true);
    pb.redirectOutput(
        ProcessBuilder.Redirect.appendTo(dataRoot.getParent().resolve("jockerd.log").toFile()));
    pb.environment().remove("JOCKER_HOST");
    try {
      Files.createDirectories(dataRoot);
      process = pb.start();
      long deadline = System.currentTimeMillis() + 30_000;
      while (!Files.exists(socket) || jocker("version").stderr().contains("Cannot connect")) {
        if (mayDie && !process.isAlive()) {
          return this;
        }
        if (!process.isAlive() || System.currentTimeMillis() > deadline) {
          throw new AssertionError("jockerd did not start: " + log());
        }
        Thread.sleep(50);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return this;
  }

  String log() {
    try {
      return Files.readString(dataRoot.getParent().resolve("jockerd.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  long pid() {
    return process.pid();
  }

  /** The daemon's exec root (its containers' run directories are under {@code containers/}). */
  String execRoot() {
    return execRoot;
  }

  /** The daemon's socket, for other clients (the docker CLI, docker-java). */
  Path socket() {
    return socket;
  }

  /** Runs the real CLI against this daemon. */
  Result jocker(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> full = new ArrayList<>(List.of("-H", "unix://" + socket));
    full.addAll(List.of(args));
    int code =
        Main.run(
            full.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * The argument vector of the real CLI in a process of its own (for what needs the CLI's own stdin
   * or terminal: {@code run -i}, {@code run -it}).
   */
  List<String> cliArgv(String... args) {
    List<String> argv = new ArrayList<>();
    argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    argv.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    argv.addAll(List.of("-H", "unix://" + socket));
    argv.addAll(List.of(args));
    return argv;
  }

  /** An API response: status and body. */
  record Response(int status, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One Engine API request over the daemon's socket, as any Docker client sends it. */
  Response api(String method, String path, String body) {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      String head =
          method
              + " /v1.41"
              + path
              + " HTTP/1.1\r\nHost: jocker\r\nConnection: close\r\n"
              + (body == null ? "" : "Content-Type: application/json\r\n")
              + "Content-Length: "
              + content.length
              + "\r\n\r\n";
      OutputStream out = Channels.newOutputStream(channel);
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(content);
      out.flush();
      String response =
          new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(response.split(" ", 3)[1]);
      int start = response.indexOf("\r\n\r\n") + 4;
      return new Response(status, response.substring(start));
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path, e);
    }
  }

  /** Runs the CLI and fails the test on a non-zero exit. */
  String ok(String... args) {
    Result r = jocker(args);
    if (r.exitCode() != 0) {
      throw new AssertionError(
          "jocker "
              + String.join(" ", args)
              + " exited "
              + r.exitCode()
              + ": "
              + r.stderr()
              + r.stdout());
    }
    return r.stdout();
  }

  /** SIGTERM, as a service manager stops it. */
  void stop() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits for the daemon to end by itself (as at an armed crash point); returns its exit code. */
  int awaitExit(int seconds) {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        throw new AssertionError("jockerd still runs after " + seconds + " s: " + log());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** SIGKILL, as a crash. */
  void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      for (String id : jocker("ps", "-aq").stdout().split("\n")) {
        if (!id.isBlank()) {
          jocker("rm", "-f", id.strip());
        }
      }
    }
    stop();
    removeCgroups();
  }

  /**
   * Removes every cgroup under this directory's parent and the parent itself, killing (and thawing)
   * what is left in them: a failed test may leave a container running, even paused.
   */
  void removeCgroups() {
    Cgroups tree;
    try {
      tree = Cgroups.detect(Cgroups.DEFAULT_ROOT, cgroupParent);
    } catch (RuntimeException noCgroups) {
      return;
    }
    for (String id : tree.ids()) {
      Cgroup cgroup = tree.of(id);
      cgroup.pids().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
      if (cgroup.frozen()) {
        cgroup.thaw();
      }
      cgroup.remove();
    }
    tree.removeParent();
  }
}

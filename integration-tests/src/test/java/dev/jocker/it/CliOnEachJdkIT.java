package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.cgroup.Cgroup;
import dev.jocker.cgroup.Cgroups;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user runs it (bin/jockerd, bin/jocker, each a new JVM) on every JDK it may
 * pick: the JDK this build runs on (Debian's 17) and the newest JDK 25 or later installed beside it
 * (Temurin's on these machines), each with the start-up cache bin/jocker records from Training and
 * jockerd records at its first stop. Every command must print the same on each JDK, and no JVM
 * message may reach a command's output or the daemon's log, while the caches are recorded or used.
 */
@Privileged
class CliOnEachJdkIT {
  private static final Path DIST =
      Path.of("../cli/target/jocker-dist").toAbsolutePath().normalize();

  @TempDir Path dir;

  /**
   * The containers' cgroup parent: the test's own, as Jockerd's (cgroups are the machine's, and
   * another daemon's reconciler kills what it finds under a parent it shares).
   */
  private final String cgroupParent = "jocker-it-jdk-" + ProcessHandle.current().pid();

  /** Where each command runs, as a user's current directory: a command leaves nothing there. */
  private Path cwd;

  /** One CLI run: its arguments, exit status and output. */
  private record Run(String command, int status, String stdout, String stderr) {}

  @Test
  void everyCommandPrintsTheSameOnEveryJdk(Sandbox sandbox) throws Exception {
    Path dist = copyOfTheBuild();
    cwd = Files.createDirectories(dir.resolve("cwd"));
    Map<String, List<Run>> byJdk = new LinkedHashMap<>();
    for (Path jdk : jdks()) {
      String version = runtimeVersion(jdk);
      List<Run> runs = new ArrayList<>();
      try (Daemon d = new Daemon(sandbox, dist, jdk)) {
        d.awaitReady();
        runs.add(d.cli("--version"));
        runs.add(d.cli("ps"));
        runs.add(d.cli("run", "-d", "--name", "cli-jdk", "busybox", "sleep", "1000"));
        runs.add(d.cli("ps"));
        runs.add(d.cli("ps", "-q", "--no-trunc"));
        runs.add(d.cli("inspect", "cli-jdk"));
        runs.add(d.cli("exec", "cli-jdk", "echo", "hello"));
        runs.add(d.cli("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"));
        runs.add(d.cli("logs", "cli-jdk"));
        runs.add(d.cli("network", "ls"));
        runs.add(d.cli("images"));
        runs.add(d.cli("rm", "-f", "cli-jdk"));
        runs.add(d.cli("inspect", "nosuch"));
        runs.add(d.cli("nosuchcommand"));
        runs.add(d.cli("ps", "--bogus"));
        runs.add(d.cliAt("unix:///nonexistent.sock", "ps"));
        d.stopAndCheckLog();
      }
      String cache = Integer.parseInt(version.split("[.+-]")[0]) >= 25 ? ".aot" : ".jsa";
      for (String program : List.of("jocker-cli-", "jockerd-")) {
        Path file = dist.resolve("lib").resolve(program + version + cache);
        assertTrue(Files.isRegularFile(file), "no start-up cache " + file);
      }
      assertEquals(List.of(), leftovers(dist.resolve("lib")), "left in lib/ on " + version);
      assertEquals(List.of(), leftovers(cwd), "left where the commands ran on " + version);
      // The second start maps the daemon's cache; the CLI's has been in use since the first.
      try (Daemon d = new Daemon(sandbox, dist, jdk)) {
        d.awaitReady();
        runs.add(d.cli("ps", "-a"));
        d.stopAndCheckLog();
      }
      byJdk.put(version, runs);
    }
    List<Run> first = byJdk.values().iterator().next();
    expectWhatAUserSees(first);
    for (Map.Entry<String, List<Run>> other : byJdk.entrySet()) {
      assertEquals(normalised(first), normalised(other.getValue()), "on " + other.getKey());
    }
  }

  /** Kills what a failed run left in the test's cgroups and removes them, as Jockerd does. */
  @AfterEach
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

  private static void expectWhatAUserSees(List<Run> runs) {
    Map<String, Run> by = new LinkedHashMap<>();
    runs.forEach(r -> by.putIfAbsent(r.command(), r));
    assertTrue(by.get("--version").stdout().startsWith("jocker version "), by.toString());
    assertEquals(
        "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n",
        by.get("ps").stdout());
    String id = by.get("run -d --name cli-jdk busybox sleep 1000").stdout();
    assertTrue(id.matches("[0-9a-f]{64}\n"), id);
    assertEquals(id, by.get("ps -q --no-trunc").stdout());
    assertTrue(by.get("inspect cli-jdk").stdout().contains("\"Id\": \"" + id.strip() + "\""));
    assertEquals("hello\n", by.get("exec cli-jdk echo hello").stdout());
    // Which stream "err" arrives on is the daemon's log's to say (one stream until the engine
    // starts containers through jocker-launcher); the CLI's part is the same on every JDK.
    Run attached = by.get("run --rm busybox sh -c echo out; echo err >&2; exit 3");
    assertEquals(3, attached.status());
    assertEquals("err\nout\n", sortedLines(attached.stdout() + attached.stderr()));
    assertEquals("cli-jdk\n", by.get("rm -f cli-jdk").stdout());
    Run missing = by.get("inspect nosuch");
    assertEquals(1, missing.status());
    assertEquals("Error: No such object: nosuch\n", missing.stderr());
    // As the docker CLI: an unknown command is 1, an unknown flag 125.
    assertEquals(1, by.get("nosuchcommand").status());
    assertEquals(125, by.get("ps --bogus").status());
    Run unreachable = by.get("-H unix:///nonexistent.sock ps");
    assertEquals(1, unreachable.status());
    assertTrue(
        unreachable
            .stderr()
            .startsWith("Cannot connect to the jocker daemon at unix:///nonexistent.sock."),
        unreachable.stderr());
    for (Run r : runs) {
      if (r.status() == 0 && !r.command().startsWith("run --rm")) {
        assertEquals("", r.stderr(), r.command() + " wrote to stderr");
      }
    }
  }

  /** Files a cache's recording left: its temporary name (CACHE.PID), its log, anything in cwd. */
  private List<String> leftovers(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> directory.equals(cwd) || n.matches(".*\\.[0-9]+(\\.log)?"))
          .sorted()
          .toList();
    }
  }

  private static String sortedLines(String s) {
    return s.lines().sorted().map(l -> l + "\n").collect(java.util.stream.Collectors.joining());
  }

  /**
   * IDs, times and PIDs differ from run to run, and a table's columns are as wide as its longest "2
   * seconds ago"; the rest must not differ.
   */
  private static List<Run> normalised(List<Run> runs) {
    return runs.stream()
        .map(r -> new Run(r.command(), r.status(), normalised(r.stdout()), normalised(r.stderr())))
        .toList();
  }

  private static String normalised(String s) {
    return s.replaceAll("[0-9a-f]{64}", "<id>")
        .replaceAll("\\b[0-9a-f]{12}\\b", "<id>")
        .replaceAll("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z", "<time>")
        .replaceAll("\"Pid\": \\d+", "\"Pid\": <pid>")
        .replaceAll("Less than a second|About a minute|\\d+ (second|minute)s?", "<duration>")
        .replaceAll(" {2,}", "  ");
  }

  /** This build's JDK and the newest of 25 or later under /usr/lib/jvm, if any. */
  private static List<Path> jdks() throws IOException {
    Path own = Path.of(System.getProperty("java.home")).toRealPath();
    List<Path> jdks = new ArrayList<>(List.of(own));
    Optional<Path> newest;
    try (Stream<Path> dirs = Files.list(Path.of("/usr/lib/jvm"))) {
      newest =
          dirs.filter(d -> Files.isRegularFile(d.resolve("release")))
              .filter(d -> Files.isExecutable(d.resolve("bin/java")))
              .filter(d -> feature(runtimeVersion(d)) >= 25)
              .max(Comparator.comparingInt(d -> feature(runtimeVersion(d))));
    }
    if (newest.isPresent() && !newest.get().toRealPath().equals(own)) {
      jdks.add(newest.get().toRealPath());
    } else {
      System.out.println("CliOnEachJdkIT: no JDK 25 or later in /usr/lib/jvm; only " + own);
    }
    return jdks;
  }

  private static int feature(String version) {
    return Integer.parseInt(version.split("[.+-]")[0]);
  }

  /**
   * The JDK's version as lib/jvm.sh reads it: JAVA_RUNTIME_VERSION of its release file, else
   * JAVA_VERSION (which some JDKs' files alone carry).
   */
  private static String runtimeVersion(Path jdk) {
    try {
      Map<String, String> release = new LinkedHashMap<>();
      for (String l : Files.readAllLines(jdk.resolve("release"))) {
        int eq = l.indexOf('=');
        if (eq > 0) {
          release.put(l.substring(0, eq), l.substring(eq + 1).replace("\"", ""));
        }
      }
      return Optional.ofNullable(release.get("JAVA_RUNTIME_VERSION"))
          .or(() -> Optional.ofNullable(release.get("JAVA_VERSION")))
          .orElseThrow(() -> new AssertionError(jdk + "/release has no JAVA_VERSION"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The built distribution as it is, with the caches and the JDK its first run recorded: copied
   * elsewhere it must find its JDK again and record its caches anew (JDK 25 would map a cache of
   * the old place, with no code source for its classes).
   */
  private Path copyOfTheBuild() throws IOException {
    Path copy = dir.resolve("dist");
    try (Stream<Path> files = Files.walk(DIST)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path to = copy.resolve(DIST.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return copy;
  }

  /** bin/jockerd of the copy on one JDK, in the sandbox's host namespace. */
  private final class Daemon implements AutoCloseable {
    private final Path dist;
    private final Path jdk;
    private final Path socket = dir.resolve("jocker.sock");
    private final Path log = dir.resolve("jockerd.log");
    private final Process process;

    Daemon(Sandbox sandbox, Path dist, Path jdk) throws IOException {
      this.dist = dist;
      this.jdk = jdk;
      Path state = dir.resolve("state");
      Files.createDirectories(state);
      ProcessBuilder pb =
          new ProcessBuilder(
                  dist.resolve("bin/jockerd").toString(),
                  "--data-root",
                  state.toString(),
                  "-H",
                  "unix://" + socket,
                  "--log-dir",
                  state.resolve("log").toString(),
                  "--cgroup-parent",
                  cgroupParent)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      pb.environment().put("JOCKER_JAVA_HOME", jdk.toString());
      process = sandbox.start(sandbox.host(), pb);
    }

    void awaitReady() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(socket) || cli("ps").status() != 0) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError("jockerd on " + jdk + " did not start: " + read(log));
        }
        Thread.sleep(100);
      }
    }

    Run cli(String... args) {
      return cliAt("unix://" + socket, args);
    }

    /** bin/jocker -H HOST ARGS; the Run's command leaves out a -H to the daemon under test. */
    Run cliAt(String host, String... args) {
      List<String> argv = new ArrayList<>(List.of(dist.resolve("bin/jocker").toString(), "-H"));
      argv.add(host);
      argv.addAll(List.of(args));
      String command = String.join(" ", args);
      if (!host.equals("unix://" + socket)) {
        command = "-H " + host + " " + command;
      }
      ProcessBuilder pb =
          new ProcessBuilder(argv)
              .directory(cwd.toFile())
              .redirectInput(ProcessBuilder.Redirect.PIPE);
      pb.environment().put("JOCKER_JAVA_HOME", jdk.toString());
      try {
        Process p = pb.start();
        p.getOutputStream().close();
        var stdout = java.util.concurrent.CompletableFuture.supplyAsync(() -> drain(p, true));
        String stderr = drain(p, false);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new AssertionError("jocker " + command + " on " + jdk + " did not end");
        }
        return new Run(command, p.exitValue(), stdout.join(), stderr);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    /** SIGTERM, as a service manager stops it, and no JVM message in what it wrote. */
    void stopAndCheckLog() throws InterruptedException {
      process.destroy();
      assertTrue(process.waitFor(120, TimeUnit.SECONDS), "jockerd on " + jdk + " did not stop");
      String text = read(log);
      assertFalse(
          text.contains("WARNING") || text.contains("][warning]") || text.contains("][error]"),
          "jockerd on " + jdk + " wrote JVM messages: " + text);
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  private static String drain(Process p, boolean stdout) {
    try {
      return new String(
          (stdout ? p.getInputStream() : p.getErrorStream()).readAllBytes(),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}

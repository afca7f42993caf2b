package dev.jocker.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.cgroup.Cgroup;
import dev.jocker.cgroup.Cgroups;
import dev.jocker.cgroup.Limits;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.kernel.Sysctls;
import dev.jocker.network.NetworkController;
import dev.jocker.testing.CgroupMounts;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers started through jocker-launcher directly, each in a network namespace the test makes
 * as the engine makes one (Docker's sysctls, IPv6 off) with an eth0 in it, from the busybox image,
 * with cgroups under a parent of the test's own. What each test asserts is what the container
 * prints or the kernel holds.
 */
@Privileged
class LauncherIT {
  @TempDir static Path shared;

  private static CgroupMounts cgroupMounts;
  private static Cgroups cgroups;
  private static Launcher launcher;
  private static Path image;

  @TempDir Path dir;

  @BeforeAll
  static void setUp() {
    cgroupMounts = CgroupMounts.under(shared.resolve("cgroup"));
    cgroups = Cgroups.detect(cgroupMounts.root(), "jocker-test-" + hex(4));
    launcher = Launcher.create(cgroups);
    image = new Images(shared.resolve("state")).find("busybox").orElseThrow().rootfs();
  }

  @AfterAll
  static void tearDown() {
    if (cgroups != null) {
      removeAll(cgroups);
    }
    if (cgroupMounts != null) {
      cgroupMounts.close();
    }
  }

  /**
   * Removes every cgroup under the parent and the parent: a test that failed half-way may leave a
   * container, even a frozen one.
   */
  private static void removeAll(Cgroups tree) {
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

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** A network namespace as the engine makes a container's, with an eth0 and an address. */
  private static Path netns(Sandbox sandbox) {
    String name = "jk-c-" + hex(3);
    new NetnsStore(NetnsStore.DEFAULT_DIR)
        .create(name, p -> Sysctls.write(NetworkController.SANDBOX_SYSCTLS))
        .close();
    Sandbox.Namespace ns = new Sandbox.Namespace(name);
    sandbox
        .host()
        .run(
            "ip", "link", "add", "v" + name, "type", "veth", "peer", "name", "eth0", "netns", name);
    ns.run("ip", "addr", "add", "172.17.0.2/16", "dev", "eth0");
    ns.run("ip", "link", "set", "lo", "up");
    ns.run("ip", "link", "set", "eth0", "up");
    return NetnsStore.DEFAULT_DIR.resolve(name);
  }

  private LaunchSpec spec(Path netns, String... command) {
    return spec(netns, LaunchSpec.Security.DEFAULT, Resources.NONE, "", "", false, command);
  }

  private LaunchSpec spec(
      Path netns,
      LaunchSpec.Security security,
      Resources resources,
      String user,
      String workingDir,
      boolean tty,
      String... command) {
    String id = hex(32);
    Path state = dir.resolve(id.substring(0, 8)).resolve("state");
    Path layer = dir.resolve(id.substring(0, 8)).resolve("layer");
    try {
      Files.createDirectories(state);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    ContainerFiles.write(state, "172.17.0.2", id.substring(0, 12));
    return new LaunchSpec(
        id,
        state,
        image,
        layer,
        netns,
        id.substring(0, 12),
        List.of(command),
        List.of(),
        user,
        workingDir,
        tty,
        false,
        security,
        resources,
        layer.resolve(id + "-json.log"));
  }

  /** What a container printed on each stream, and how it ended. */
  record Ran(String stdout, String stderr, Exit exit) {}

  private static Ran run(LaunchSpec spec) {
    Launcher.Attached a = launcher.startAttached(spec);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (Attachment attachment = a.attachment()) {
      Attachment.Frame f;
      while ((f = attachment.read()) != null) {
        (f.stream() == 2 ? err : out).writeBytes(f.data());
      }
    }
    return new Ran(
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8),
        awaitExit(spec));
  }

  private static Exit awaitExit(LaunchSpec spec) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Optional<Exit> exit = launcher.exit(spec);
      if (exit.isPresent()) {
        return exit.get();
      }
      sleep(10);
    }
    throw new AssertionError("container " + spec.id() + " did not end within 30 s");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static String exec(LaunchSpec spec, Started started, ExecSpec exec) throws Exception {
    ExecProcess.Output out = launcher.exec(spec, started, exec).collect();
    assertEquals(
        0, out.exitCode(), new String(out.stdout(), UTF8) + new String(out.stderr(), UTF8));
    return new String(out.stdout(), UTF8);
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  /**
   * What a default container shows, one container per command as {@code docker run busybox CMD}
   * records it; the golden comparison with Docker 20.10's recordings reads the same map.
   */
  static final Map<String, List<String>> DEFAULT_CONTAINER =
      new LinkedHashMap<>(
          Map.of(
              "caps", List.of("grep", "Cap", "/proc/1/status"),
              "dev", List.of("ls", "-l", "/dev"),
              "env", List.of("env"),
              "id", List.of("id"),
              "ip-addr", List.of("ip", "addr"),
              "disable-ipv6",
                  List.of(
                      "cat",
                      "/proc/sys/net/ipv6/conf/all/disable_ipv6",
                      "/proc/sys/net/ipv6/conf/default/disable_ipv6",
                      "/proc/sys/net/ipv6/conf/lo/disable_ipv6",
                      "/proc/sys/net/ipv6/conf/eth0/disable_ipv6"),
              "cgroup", List.of("cat", "/proc/1/cgroup")));

  private Map<String, String> defaultContainer(Sandbox sandbox, Map<String, String> hostnames) {
    Path netns = netns(sandbox);
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> e : DEFAULT_CONTAINER.entrySet()) {
      LaunchSpec spec = spec(netns, e.getValue().toArray(String[]::new));
      Ran ran = run(spec);
      assertEquals(0, ran.exit().code(), e.getKey() + ": " + ran.stdout() + ran.stderr());
      assertEquals("", ran.stderr(), e.getKey());
      out.put(e.getKey(), ran.stdout());
      hostnames.put(e.getKey(), spec.id());
    }
    return out;
  }

  @Test
  void aDefaultContainerHasDockersCapabilitiesDevicesEnvironmentUserAndNoIpv6(Sandbox sandbox) {
    Map<String, String> ids = new LinkedHashMap<>();
    Map<String, String> seen = defaultContainer(sandbox, ids);
    assertEquals(
        "CapInh:\t0000000000000000\n"
            + "CapPrm:\t00000000a80425fb\n"
            + "CapEff:\t00000000a80425fb\n"
            + "CapBnd:\t00000000a80425fb\n"
            + "CapAmb:\t0000000000000000\n",
        seen.get("caps"));
    assertEquals(
        "total 0\n"
            + (Files.exists(Path.of("/proc/kcore"))
                ? "lrwxrwxrwx    1 root     root            11 core -> /proc/kcore\n"
                : "")
            + "lrwxrwxrwx    1 root     root            13 fd -> /proc/self/fd\n"
            + "crw-rw-rw-    1 root     root        1,   7 full\n"
            + "drwxrwxrwt    2 root     root            40 mqueue\n"
            + "crw-rw-rw-    1 root     root        1,   3 null\n"
            + "lrwxrwxrwx    1 root     root             8 ptmx -> pts/ptmx\n"
            + "drwxr-xr-x    2 root     root             0 pts\n"
            + "crw-rw-rw-    1 root     root        1,   8 random\n"
            + "drwxrwxrwt    2 root     root            40 shm\n"
            + "lrwxrwxrwx    1 root     root            15 stderr -> /proc/self/fd/2\n"
            + "lrwxrwxrwx    1 root     root            15 stdin -> /proc/self/fd/0\n"
            + "lrwxrwxrwx    1 root     root            15 stdout -> /proc/self/fd/1\n"
            + "crw-rw-rw-    1 root     root        5,   0 tty\n"
            + "crw-rw-rw-    1 root     root        1,   9 urandom\n"
            + "crw-rw-rw-    1 root     root        1,   5 zero\n",
        withoutDates(seen.get("dev")));
    assertEquals(
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
            + "HOSTNAME="
            + ids.get("env").substring(0, 12)
            + "\nHOME=/root\n",
        seen.get("env"));
    assertEquals("uid=0(root) gid=0(root) groups=0(root),10(wheel)\n", seen.get("id"));
    String addr = seen.get("ip-addr");
    assertFalse(addr.contains("inet6"), addr);
    assertTrue(addr.contains("inet 127.0.0.1/8 scope host lo"), addr);
    assertTrue(addr.contains("inet 172.17.0.2/16 scope global eth0"), addr);
    assertEquals("1\n1\n1\n1\n", seen.get("disable-ipv6"));
    String cgroup = seen.get("cgroup");
    for (String line : cgroup.split("\n")) {
      assertTrue(line.endsWith(":/" + cgroups.parent() + "/" + ids.get("cgroup")), line);
    }
    assertEquals(cgroups.hierarchies().size(), cgroup.split("\n").length, cgroup);
  }

  /** Docker 20.10's recordings, made with tools/record-docker-goldens. */
  private static final Path REFERENCE = Path.of("../reference/docker-20.10/container-default");

  private static String golden(String name) throws IOException {
    return Files.readString(REFERENCE.resolve(name + ".out"));
  }

  /**
   * What a default container shows beside what Docker 20.10's showed for the same command, with
   * what differs from run to run normalised: dates, container IDs and the cgroup parent.
   */
  @Test
  void aDefaultContainerShowsWhatDocker2010sShowed(Sandbox sandbox) throws IOException {
    Path netns = netns(sandbox);
    Map<String, List<String>> commands = new LinkedHashMap<>();
    commands.put("status", List.of("grep", "Cap", "/proc/1/status"));
    commands.put("ls-dev", List.of("ls", "-l", "/dev"));
    commands.put("id", List.of("id"));
    commands.put(
        "disable-ipv6",
        List.of(
            "sh",
            "-c",
            "for i in all default lo eth0; do echo \"$i $(cat /proc/sys/net/ipv6/conf/$i/disable_ipv6)\"; done"));
    commands.put("proc1-cgroup", List.of("cat", "/proc/1/cgroup"));
    commands.put(
        "stdio-links",
        List.of("sh", "-c", "ls -l /proc/self/fd/; echo x >/dev/stderr; echo y >/dev/stdout"));
    commands.put("run-env", List.of("env"));
    for (Map.Entry<String, List<String>> c : commands.entrySet()) {
      LaunchSpec spec = spec(netns, c.getValue().toArray(String[]::new));
      Ran ran = run(spec);
      String expected = golden(c.getKey());
      if (c.getKey().equals("status")) {
        expected =
            expected
                .lines()
                .filter(l -> l.startsWith("Cap"))
                .map(l -> l + "\n")
                .reduce("", String::concat);
      }
      assertEquals(
          normalized(expected, "docker", "[0-9a-f]{64}"),
          normalized(ran.stdout(), cgroups.parent(), spec.id())
              .replace("HOSTNAME=" + spec.hostname(), "HOSTNAME=h2"),
          c.getKey());
      assertEquals(
          Integer.parseInt(Files.readString(REFERENCE.resolve(c.getKey() + ".exit")).strip()),
          ran.exit().code(),
          c.getKey());
    }
    String lo = golden("ip-addr").split("\n(?=\\d+: )")[0];
    String ours = run(spec(netns, "ip", "addr")).stdout().split("\n(?=\\d+: )")[0];
    assertEquals(lo.strip(), ours.strip());
  }

  /** One {@code docker run} of reference/docker-20.10/container-process, as a launch. */
  private record Scenario(
      String name,
      String user,
      String workingDir,
      List<String> entrypoint,
      List<String> cmd,
      List<String> env) {}

  private static final List<Scenario> PROCESS_SCENARIOS =
      List.of(
          new Scenario("u-nobody-id", "nobody", "", null, List.of("id"), List.of()),
          new Scenario("u-nobody-env", "nobody", "", null, List.of("env"), List.of()),
          new Scenario(
              "u-nobody-home",
              "nobody",
              "",
              null,
              List.of("sh", "-c", "echo \"$HOME\"; pwd"),
              List.of()),
          new Scenario("u-1000-1000-id", "1000:1000", "", null, List.of("id"), List.of()),
          new Scenario("u-1000-1000-env", "1000:1000", "", null, List.of("env"), List.of()),
          new Scenario("u-1000-id", "1000", "", null, List.of("id"), List.of()),
          new Scenario("u-daemon-id", "daemon", "", null, List.of("id"), List.of()),
          new Scenario("u-daemon-env", "daemon", "", null, List.of("env"), List.of()),
          new Scenario("u-nobody-nogroup-id", "nobody:nogroup", "", null, List.of("id"), List.of()),
          new Scenario("u-0-65534-id", "0:65534", "", null, List.of("id"), List.of()),
          new Scenario("u-www-data-users-id", "www-data:users", "", null, List.of("id"), List.of()),
          new Scenario("u-sync-id", "sync", "", null, List.of("id"), List.of()),
          new Scenario("u-root-env", "root", "", null, List.of("env"), List.of()),
          new Scenario("w-tmp-pwd", "", "/tmp", null, List.of("pwd"), List.of()),
          new Scenario(
              "w-new-dir",
              "",
              "/new/dir",
              null,
              List.of("sh", "-c", "pwd; ls -ld /new /new/dir"),
              List.of()),
          new Scenario(
              "w-new-dir-nobody",
              "nobody",
              "/new/dir",
              null,
              List.of("sh", "-c", "pwd; id; ls -ld /new /new/dir"),
              List.of()),
          new Scenario(
              "entrypoint", "", "", List.of("/bin/echo"), List.of("hello", "world"), List.of()),
          new Scenario("entrypoint-no-cmd", "", "", List.of("env"), null, List.of()),
          new Scenario(
              "entrypoint-empty",
              "",
              "",
              List.of(""),
              List.of("echo", "no", "entrypoint"),
              List.of()),
          new Scenario(
              "entrypoint-sh-c",
              "",
              "",
              List.of("sh"),
              List.of("-c", "echo \"$0 $1\"", "a", "b"),
              List.of()),
          new Scenario("e-path-bin-env", "", "", null, List.of("env"), List.of("PATH=/bin")),
          new Scenario(
              "e-path-usr-bin-env", "", "", null, List.of("env"), List.of("PATH=/usr/bin:/bin")),
          new Scenario("e-path-empty-env", "", "", null, List.of("env"), List.of("PATH=")),
          new Scenario("e-path-nowhere-ls", "", "", null, List.of("ls"), List.of("PATH=/nowhere")),
          new Scenario("e-home", "", "", null, List.of("env"), List.of("HOME=/tmp")));

  /**
   * Users, working directories, entrypoints and PATHs as Docker 20.10 ran them (the busybox image's
   * command is {@code sh}): the same output, or the same start failure and exit code.
   */
  @Test
  void processSpecsRunAsDocker2010RanThem(Sandbox sandbox) throws IOException {
    Path netns = netns(sandbox);
    Path reference = Path.of("../reference/docker-20.10/container-process");
    for (Scenario sc : PROCESS_SCENARIOS) {
      List<String> argv = ProcessConfig.command(null, List.of("sh"), sc.entrypoint(), sc.cmd());
      LaunchSpec base =
          spec(
              netns,
              LaunchSpec.Security.DEFAULT,
              Resources.NONE,
              sc.user(),
              sc.workingDir(),
              false,
              argv.toArray(String[]::new));
      LaunchSpec spec =
          new LaunchSpec(
              base.id(),
              base.stateDir(),
              base.image(),
              base.layer(),
              base.netns(),
              base.hostname(),
              base.command(),
              sc.env(),
              base.user(),
              base.workingDir(),
              false,
              false,
              base.security(),
              base.resources(),
              base.logFile());
      String out = Files.readString(reference.resolve(sc.name() + ".out"));
      int exit = Integer.parseInt(Files.readString(reference.resolve(sc.name() + ".exit")).strip());
      try {
        Ran ran = run(spec);
        assertEquals(
            withoutDates(out).replaceAll("HOSTNAME=[0-9a-f]{12}", "HOSTNAME=ID"),
            withoutDates(ran.stdout()).replace("HOSTNAME=" + spec.hostname(), "HOSTNAME=ID"),
            sc.name());
        assertEquals(exit, ran.exit().code(), sc.name());
      } catch (StartException e) {
        String err = Files.readString(reference.resolve(sc.name() + ".err"));
        assertTrue(err.contains(e.dockerMessage()), sc.name() + ": " + e.dockerMessage());
        assertEquals(exit, e.exitCode(), sc.name());
      }
    }
  }

  /** ls dates, pipe numbers and a container's cgroup path made the same for every run. */
  private static String normalized(String text, String parent, String idPattern) {
    return withoutDates(text)
        .replaceAll("pipe:\\[\\d+\\]", "pipe:[N]")
        .replaceAll(":/" + java.util.regex.Pattern.quote(parent) + "/" + idPattern, ":/PARENT/ID");
  }

  @Test
  void stdoutAndStderrStayApartToTheClientAndInTheLog(Sandbox sandbox) {
    LaunchSpec spec =
        spec(netns(sandbox), "sh", "-c", "echo out; echo err >&2; echo x >/dev/stderr; echo y");
    Ran ran = run(spec);
    assertEquals("out\ny\n", ran.stdout());
    assertEquals("err\nx\n", ran.stderr());
    List<ContainerLogs.Entry> log = ContainerLogs.read(spec.logFile(), ContainerLogs.Options.ALL);
    // Two pipes, read as they become readable: the order between streams is the kernel's, as
    // under Docker; within a stream it is the container's.
    assertEquals(
        List.of("stdout out\n", "stdout y\n", "stderr err\n", "stderr x\n"),
        log.stream()
            .sorted(java.util.Comparator.comparing(ContainerLogs.Entry::stream).reversed())
            .map(e -> e.stream() + " " + new String(e.log(), UTF8))
            .toList());
    List<ContainerLogs.Entry> errors =
        ContainerLogs.read(spec.logFile(), new ContainerLogs.Options(false, true, -1, null, null));
    assertEquals(2, errors.size());
  }

  @Test
  void theLogEscapesAndSplitsAsDockersJsonFile(Sandbox sandbox) throws IOException {
    LaunchSpec spec =
        spec(
            netns(sandbox),
            "sh",
            "-c",
            "printf '<a&b>\\t\\377\\342\\200\\250\\n'; head -c 20000 /dev/zero | tr '\\0' a; echo");
    assertEquals(0, run(spec).exit().code());
    List<String> lines = Files.readAllLines(spec.logFile());
    assertTrue(
        lines
            .get(0)
            .startsWith(
                "{\"log\":\"\\u003ca\\u0026b\\u003e\\u0009\\ufffd\\u2028\\n\",\"stream\":\"stdout\",\"time\":\""),
        lines.get(0));
    assertTrue(
        lines
            .get(0)
            .matches(".*\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d*[1-9])?Z\"}"),
        lines.get(0));
    List<ContainerLogs.Entry> entries =
        ContainerLogs.read(spec.logFile(), ContainerLogs.Options.ALL);
    assertEquals(16 * 1024, entries.get(1).log().length);
    assertEquals(20000 - 16 * 1024 + 1, entries.get(2).log().length);
    assertEquals(
        2,
        ContainerLogs.read(spec.logFile(), new ContainerLogs.Options(true, true, 2, null, null))
            .size());
  }

  @Test
  void userWorkingDirEntrypointAndPathAreDockers(Sandbox sandbox) {
    Path netns = netns(sandbox);
    LaunchSpec.Security none = LaunchSpec.Security.DEFAULT;
    assertEquals(
        "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)\n",
        run(spec(netns, none, Resources.NONE, "nobody", "", false, "id")).stdout());
    assertEquals(
        "uid=99999999 gid=0(root) groups=0(root)\n",
        run(spec(netns, none, Resources.NONE, "99999999", "", false, "id")).stdout());
    assertEquals(
        "/tmp\n", run(spec(netns, none, Resources.NONE, "", "/tmp", false, "pwd")).stdout());
    assertEquals(
        "drwxr-xr-x /made/here\n",
        run(spec(
                netns,
                none,
                Resources.NONE,
                "nobody",
                "/made/here",
                false,
                "sh",
                "-c",
                "ls -ld $PWD | cut -c1-10 | tr -d '\\n'; echo \" $PWD\""))
            .stdout());
    List<String> argv = ProcessConfig.command(null, List.of("sh"), List.of("echo"), List.of("hi"));
    assertEquals("hi\n", run(spec(netns, argv.toArray(String[]::new))).stdout());
    LaunchSpec path = spec(netns, "env");
    path =
        new LaunchSpec(
            path.id(),
            path.stateDir(),
            path.image(),
            path.layer(),
            path.netns(),
            path.hostname(),
            path.command(),
            List.of("PATH=/usr/bin:/bin"),
            "",
            "",
            false,
            false,
            none,
            Resources.NONE,
            path.logFile());
    Ran env = run(path);
    assertEquals(0, env.exit().code(), env.stderr());
    assertTrue(env.stdout().startsWith("PATH=/usr/bin:/bin\nHOSTNAME="), env.stdout());
  }

  @Test
  void aMissingOrForbiddenCommandFailsTheStartWithDockersTextAndLeavesNothing(Sandbox sandbox) {
    Path netns = netns(sandbox);
    LaunchSpec missing = spec(netns, "nosuchcmd");
    StartException e = assertThrows(StartException.class, () -> launcher.start(missing));
    assertEquals("exec: \"nosuchcmd\": executable file not found in $PATH", e.getMessage());
    assertEquals(127, e.exitCode());
    assertNothingLeft(missing);
    LaunchSpec forbidden = spec(netns, "/etc/passwd");
    e = assertThrows(StartException.class, () -> launcher.start(forbidden));
    assertEquals("exec: \"/etc/passwd\": permission denied", e.getMessage());
    assertEquals(126, e.exitCode());
    assertNothingLeft(forbidden);
    LaunchSpec noUser =
        spec(netns, LaunchSpec.Security.DEFAULT, Resources.NONE, "nosuchuser", "", false, "id");
    e = assertThrows(StartException.class, () -> launcher.start(noUser));
    assertEquals(
        "unable to find user nosuchuser: no matching entries in passwd file", e.getMessage());
    assertEquals(125, e.exitCode());
    assertNothingLeft(noUser);
    LaunchSpec fileAsDir =
        spec(netns, LaunchSpec.Security.DEFAULT, Resources.NONE, "", "/etc/passwd", false, "pwd");
    e = assertThrows(StartException.class, () -> launcher.start(fileAsDir));
    assertEquals("Cannot mkdir: /etc/passwd is not a directory", e.getMessage());
    assertEquals(125, e.exitCode());
    assertNothingLeft(fileAsDir);
  }

  /**
   * No cgroup, no shim (its last act is to remove the attach socket) and no mount of the container
   * remain.
   */
  private static void assertNothingLeft(LaunchSpec spec) {
    assertFalse(cgroups.of(spec.id()).exists(), "cgroup of " + spec.id());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (Files.exists(spec.attachSocket()) && System.nanoTime() < deadline) {
      sleep(10);
    }
    assertFalse(Files.exists(spec.attachSocket()), "the shim is still there");
    String root = spec.rootMount().toString();
    try {
      assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(root), root);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void symbolicLinksInTheContainersLayerNeverLeadTheLauncherOntoTheHost(Sandbox sandbox)
      throws IOException {
    Path host = dir.resolve("host");
    Files.createDirectories(host);
    LaunchSpec spec =
        spec(
            netns(sandbox),
            LaunchSpec.Security.DEFAULT,
            Resources.NONE,
            "",
            "/work/here",
            false,
            "sh",
            "-c",
            "pwd; cat /etc/hostname");
    // The container's own layer, as a container may have left it: /etc and /work point by
    // absolute links at a path that is a directory both on the host and in the container.
    Path upper = spec.layer().resolve("upper");
    Files.createDirectories(upper.resolve(host.toString().substring(1)));
    Files.createSymbolicLink(upper.resolve("etc"), host);
    Files.createSymbolicLink(upper.resolve("work"), host);
    Ran ran = run(spec);
    assertEquals(0, ran.exit().code(), ran.stderr());
    assertEquals(host + "/here\n" + spec.hostname() + "\n", ran.stdout());
    try (var left = Files.list(host)) {
      assertEquals(List.of(), left.toList(), "the launcher wrote on the host");
    }
  }

  @Test
  void capabilitiesNoNewPrivilegesAndPrivilegedAreDockers(Sandbox sandbox) {
    Path netns = netns(sandbox);
    Ran down = run(spec(netns, "ip", "link", "set", "lo", "down"));
    assertNotEquals(0, down.exit().code());
    assertTrue(down.stderr().contains("Operation not permitted"), down.stderr());
    LaunchSpec.Security netAdmin =
        new LaunchSpec.Security(List.of("NET_ADMIN"), List.of(), false, false, false);
    assertEquals(
        0,
        run(spec(netns, netAdmin, Resources.NONE, "", "", false, "ip", "link", "set", "lo", "down"))
            .exit()
            .code());
    LaunchSpec.Security nnp = new LaunchSpec.Security(List.of(), List.of(), false, true, false);
    assertEquals(
        "NoNewPrivs:\t1\n",
        run(spec(netns, nnp, Resources.NONE, "", "", false, "grep", "NoNewPrivs", "/proc/1/status"))
            .stdout());
    LaunchSpec.Security privileged =
        new LaunchSpec.Security(List.of(), List.of(), true, false, false);
    long all = Capabilities.mask(Capabilities.ALL) & heldCapabilities();
    assertEquals(
        String.format("CapBnd:\t%016x\n", all),
        run(spec(
                netns,
                privileged,
                Resources.NONE,
                "",
                "",
                false,
                "grep",
                "CapBnd",
                "/proc/1/status"))
            .stdout());
    LaunchSpec.Security dropAll =
        new LaunchSpec.Security(List.of("NET_RAW"), List.of("ALL"), false, false, false);
    assertEquals(
        "CapEff:\t0000000000002000\n",
        run(spec(netns, dropAll, Resources.NONE, "", "", false, "grep", "CapEff", "/proc/1/status"))
            .stdout());
    assertEquals(
        "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb\n",
        run(spec(
                netns,
                LaunchSpec.Security.DEFAULT,
                Resources.NONE,
                "nobody",
                "",
                false,
                "grep",
                "-E",
                "CapPrm|CapEff|CapBnd",
                "/proc/1/status"))
            .stdout());
  }

  @Test
  void aTerminalComesFromTheContainersOwnDevpts(Sandbox sandbox) {
    LaunchSpec spec =
        spec(
            netns(sandbox),
            LaunchSpec.Security.DEFAULT,
            Resources.NONE,
            "",
            "",
            true,
            "sh",
            "-c",
            "tty; ls -l /dev/console | cut -c1-43; echo $TERM");
    Ran ran = run(spec);
    assertEquals(
        "/dev/pts/0\r\ncrw--w----    1 root     tty       136,   0\r\nxterm\r\n", ran.stdout());
  }

  private static final String[] SLEEP = {"sleep", "3600"};

  /** Kills the container and waits for its shim's record. */
  private static Exit kill(LaunchSpec spec, Started started) {
    assertTrue(launcher.signal(spec.id(), started, 9));
    return awaitExit(spec);
  }

  @Test
  void execRunsInTheContainerAsItsUserOrAnotherWithATerminalOnRequest(Sandbox sandbox)
      throws Exception {
    LaunchSpec spec = spec(netns(sandbox), SLEEP);
    Started started = launcher.start(spec);
    assertEquals(
        "uid=0(root) gid=0(root) groups=0(root),10(wheel)\n",
        exec(spec, started, ExecSpec.of("id")));
    assertEquals(spec.hostname() + "\n", exec(spec, started, ExecSpec.of("hostname")));
    assertEquals(
        "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)\n",
        exec(spec, started, new ExecSpec(List.of("id"), List.of(), "nobody", "", false, false)));
    assertEquals(
        "/tmp v\n",
        exec(
            spec,
            started,
            new ExecSpec(
                List.of("sh", "-c", "echo $PWD $X"), List.of("X=v"), "", "/tmp", false, false)));
    String cgroup = exec(spec, started, ExecSpec.of("cat", "/proc/self/cgroup"));
    assertTrue(cgroup.lines().allMatch(l -> l.endsWith("/" + spec.id())), cgroup);
    ExecProcess tty =
        launcher.exec(
            spec,
            started,
            new ExecSpec(
                List.of("sh", "-c", "tty; read x; echo got $x"), List.of(), "", "", true, false));
    tty.resize(40, 100);
    tty.stdin().write("hello\n".getBytes(UTF8));
    tty.stdin().flush();
    ExecProcess.Output out = tty.collect();
    assertEquals(0, out.exitCode());
    String text = new String(out.stdout(), UTF8);
    // The terminal echoes the input; the container itself has no terminal, so this is pts 0.
    assertTrue(text.contains("/dev/pts/0\r\n"), text);
    assertTrue(text.contains("got hello"), text);
    ExecProcess.Output failed =
        launcher.exec(spec, started, ExecSpec.of("sh", "-c", "echo e >&2; exit 3")).collect();
    assertEquals(3, failed.exitCode());
    assertEquals("e\n", new String(failed.stderr(), UTF8));
    StartException e =
        assertThrows(StartException.class, () -> launcher.exec(spec, started, ExecSpec.of("nope")));
    assertEquals("exec: \"nope\": executable file not found in $PATH", e.getMessage());
    assertEquals(137, kill(spec, started).code());
    assertFalse(cgroups.of(spec.id()).exists());
  }

  @Test
  void limitsReachTheKernelAndPauseFreezesTheContainer(Sandbox sandbox) throws Exception {
    Resources resources =
        new Resources(64L * 1024 * 1024, 0, 500_000_000L, 512, 100).validate(cpus());
    LaunchSpec spec =
        spec(
            netns(sandbox),
            LaunchSpec.Security.DEFAULT,
            resources,
            "",
            "",
            false,
            "sh",
            "-c",
            "i=0; while true; do i=$((i+1)); echo $i > /tmp/t; usleep 10000; done");
    Started started = launcher.start(spec);
    Cgroup cgroup = launcher.cgroup(spec.id()).orElseThrow();
    Limits limits = cgroup.limits();
    assertEquals(64L * 1024 * 1024, limits.memory());
    assertEquals(50_000, limits.cpuQuotaMicros());
    assertEquals(100_000, limits.cpuPeriodMicros());
    assertEquals(512, limits.cpuShares());
    assertEquals(100, limits.pids());
    assertTrue(cgroup.usage().pids() >= 1);
    assertTrue(cgroup.usage().memoryBytes() > 0);
    // A frozen container runs nothing, an exec neither: its file is read from the host.
    Path t = Path.of("/proc/" + started.pid() + "/root/tmp/t");
    while (!Files.exists(t)) {
      sleep(10);
    }
    cgroup.freeze();
    assertTrue(cgroup.frozen());
    String before = Files.readString(t);
    sleep(100);
    assertEquals(before, Files.readString(t), "frozen");
    cgroup.thaw();
    sleep(100);
    assertNotEquals(before, Files.readString(t), "thawed");
    kill(spec, started);
    assertFalse(cgroup.exists());
  }

  private static int cpus() {
    return Runtime.getRuntime().availableProcessors();
  }

  @Test
  void aForkBombUnderAPidsLimitStaysInItsCgroup(Sandbox sandbox) throws Exception {
    Path netns = netns(sandbox);
    LaunchSpec bomb =
        spec(
            netns,
            LaunchSpec.Security.DEFAULT,
            new Resources(0, 0, 0, 0, 64),
            "",
            "",
            false,
            "sh",
            "-c",
            "b() { b | b & }; b; sleep 3600");
    Started bombing = launcher.start(bomb);
    long t0 = System.nanoTime();
    LaunchSpec other = spec(netns, "echo", "still here");
    assertEquals("still here\n", run(other).stdout());
    assertTrue(
        System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "a second container took too long");
    assertTrue(cgroups.of(bomb.id()).usage().pids() <= 64);
    kill(bomb, bombing);
    assertFalse(cgroups.of(bomb.id()).exists());
  }

  @Test
  void aContainerThatFillsItsMemoryIsOomKilled(Sandbox sandbox) {
    LaunchSpec spec =
        spec(
            netns(sandbox),
            LaunchSpec.Security.DEFAULT,
            new Resources(8L * 1024 * 1024, 0, 0, 0, 0).validate(cpus()),
            "",
            "",
            false,
            "sh",
            "-c",
            "x=0123456789abcdef; while true; do x=$x$x; done");
    Ran ran = run(spec);
    Exit exit = ran.exit();
    assertEquals(137, exit.code(), ran.stdout() + ran.stderr());
    assertTrue(exit.oomKilled());
    // PID 1 ignores a SIGKILL from inside its namespace: this one comes from the host.
    LaunchSpec killed = spec(netns(sandbox), SLEEP);
    Exit plain = kill(killed, launcher.start(killed));
    assertEquals(137, plain.code());
    assertFalse(plain.oomKilled());
  }

  @Test
  void theShimOutlivesTheJvmThatStartedItAndTheHostSeesNoMount(Sandbox sandbox) throws Exception {
    LaunchSpec spec = spec(netns(sandbox), SLEEP);
    Path report = dir.resolve("started");
    Process jvm =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp",
                System.getProperty("java.class.path"),
                StartAndWait.class.getName(),
                cgroupMounts.root().toString(),
                cgroups.parent(),
                spec.stateDir().toString(),
                spec.image().toString(),
                spec.layer().toString(),
                spec.netns().toString(),
                spec.id(),
                report.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("jvm.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(report) && System.nanoTime() < deadline && jvm.isAlive()) {
      sleep(20);
    }
    assertTrue(Files.exists(report), Files.readString(dir.resolve("jvm.log")));
    String[] f = Files.readString(report).strip().split(" ");
    Started started = new Started(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
    jvm.destroyForcibly().waitFor();
    sleep(200);
    assertTrue(ProcessHandle.of(started.shimPid()).isPresent(), "the shim died with the JVM");
    assertEquals("alive\n", exec(spec, started, ExecSpec.of("echo", "alive")));
    String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
    assertFalse(mountinfo.contains(spec.rootMount().toString()), mountinfo);
    assertEquals(137, kill(spec, started).code());
    assertFalse(
        Files.readString(Path.of("/proc/self/mountinfo")).contains(spec.rootMount().toString()));
    assertFalse(cgroups.of(spec.id()).exists());
  }

  @Test
  void killingTheShimAndTheContainerLeavesNoMountOnTheHost(Sandbox sandbox) throws Exception {
    LaunchSpec spec = spec(netns(sandbox), SLEEP);
    Started started = launcher.start(spec);
    ProcessHandle.of(started.shimPid()).orElseThrow().destroyForcibly();
    ProcessHandle.of(started.pid()).orElseThrow().destroyForcibly();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ProcessHandle.of(started.pid()).isPresent() && System.nanoTime() < deadline) {
      sleep(10);
    }
    assertFalse(
        Files.readString(Path.of("/proc/self/mountinfo")).contains(spec.stateDir().toString()));
    // With its shim killed too, nobody removed the cgroup: the engine's reconciliation does.
    cgroups.of(spec.id()).remove();
  }

  @Test
  void onTheUnifiedHierarchyAContainerHasACgroupNamespaceAndPauses(Sandbox sandbox)
      throws Exception {
    // The hybrid layout's cgroup2 has no controller, but it is a v2 tree like a pure v2
    // machine's: joined, namespaced and frozen the v2 way.
    Path unified =
        Files.exists(cgroupMounts.root().resolve("cgroup.controllers"))
            ? cgroupMounts.root()
            : cgroupMounts.root().resolve("unified");
    Cgroups v2 = Cgroups.detect(unified, "jocker-test-v2-" + hex(3));
    assertTrue(v2.v2());
    Launcher onV2 = Launcher.create(v2);
    LaunchSpec spec = spec(netns(sandbox), "sh", "-c", "cat /proc/1/cgroup; sleep 3600");
    try {
      Launcher.Attached a = onV2.startAttached(spec);
      try (Attachment attachment = a.attachment()) {
        String first = new String(attachment.read().data(), UTF8);
        assertTrue(first.lines().anyMatch(l -> l.equals("0::/")), first);
        Cgroup cgroup = v2.of(spec.id());
        assertTrue(cgroup.pids().contains(a.started().pid()), cgroup.pids().toString());
        cgroup.freeze();
        assertTrue(cgroup.frozen());
        assertTrue(onV2.signal(spec.id(), a.started(), 9));
        assertEquals(137, awaitExit(spec).code());
        assertFalse(cgroup.exists());
      }
    } finally {
      removeAll(v2);
    }
  }

  /** Starts a container from a JVM of its own, reports it, and waits to be killed. */
  public static final class StartAndWait {
    public static void main(String[] args) throws Exception {
      Cgroups cg = Cgroups.detect(Path.of(args[0]), args[1]);
      LaunchSpec spec =
          new LaunchSpec(
              args[6],
              Path.of(args[2]),
              Path.of(args[3]),
              Path.of(args[4]),
              Path.of(args[5]),
              args[6].substring(0, 12),
              List.of(SLEEP),
              List.of(),
              "",
              "",
              false,
              false,
              LaunchSpec.Security.DEFAULT,
              Resources.NONE,
              Path.of(args[4]).resolve("log.json"));
      Started s = Launcher.create(cg).start(spec);
      Files.writeString(Path.of(args[7]), s.pid() + " " + s.startTime() + " " + s.shimPid() + "\n");
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  /** The capabilities this JVM holds: a machine may withhold some from root itself. */
  private static long heldCapabilities() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(l -> l.startsWith("CapBnd:"))
          .mapToLong(l -> Long.parseUnsignedLong(l.substring(7).strip(), 16))
          .findFirst()
          .orElseThrow();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** ls -l without its dates. */
  private static String withoutDates(String ls) {
    return ls.replaceAll(" [A-Z][a-z]{2} [ 0-9][0-9] [ 0-9][0-9]:[0-9][0-9] ", " ");
  }
}

package dev.jocker.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.bridge.BridgeDriver;
import dev.jocker.cgroup.Cgroups;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.kernel.Sysctls;
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
      cgroups.ids().forEach(id -> cgroups.of(id).remove());
      cgroups.removeParent();
    }
    if (cgroupMounts != null) {
      cgroupMounts.close();
    }
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
        .create(name, p -> Sysctls.write(BridgeDriver.CONTAINER_SYSCTLS))
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
  void userWorkingDirEntrypointAndPathAreDockers(Sandbox sandbox) {
    Path netns = netns(sandbox);
    LaunchSpec.Security none = LaunchSpec.Security.DEFAULT;
    assertEquals(
        "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n",
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
            List.of("PATH=/bin"),
            "",
            "",
            false,
            false,
            none,
            Resources.NONE,
            path.logFile());
    Ran env = run(path);
    assertEquals(0, env.exit().code(), env.stderr());
    assertTrue(env.stdout().startsWith("PATH=/bin\nHOSTNAME="), env.stdout());
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

  /** No cgroup, no process and no mount of the container remain. */
  private static void assertNothingLeft(LaunchSpec spec) {
    assertFalse(cgroups.of(spec.id()).exists(), "cgroup of " + spec.id());
    String root = spec.rootMount().toString();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (ProcessHandle.allProcesses()
            .anyMatch(p -> p.info().commandLine().orElse("").contains(Launcher.BINARY))
        && System.nanoTime() < deadline) {
      sleep(10);
    }
    assertFalse(
        ProcessHandle.allProcesses()
            .anyMatch(p -> p.info().commandLine().orElse("").contains(Launcher.BINARY)),
        "a launcher process is left");
    try {
      assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(root), root);
    } catch (IOException e) {
      throw new AssertionError(e);
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

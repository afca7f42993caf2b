package dev.jocker.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

  /** ls -l without its dates. */
  private static String withoutDates(String ls) {
    return ls.replaceAll(" [A-Z][a-z]{2} [ 0-9][0-9] [ 0-9][0-9]:[0-9][0-9] ", " ");
  }
}

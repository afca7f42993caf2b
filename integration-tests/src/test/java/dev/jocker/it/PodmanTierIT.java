package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CNI plugin under a real orchestrator: Debian 12's Podman 4.3 with its CNI backend runs two
 * containers on a network of {@code "type": "jocker"}; they reach each other and the internet,
 * jockerd dying (kill -9) between the two runs changes nothing Podman sees (the plugin then runs in
 * a JVM of its own, on the same store), the next jockerd adopts both as its network's endpoints,
 * and {@code podman rm -f} leaves no veth, lease, record, rule or cgroup.
 */
@Privileged
class PodmanTierIT {
  private static final Path SOCKET = Path.of("/run/jocker.sock");

  @TempDir Path dir;

  private static void requirePodman() {
    boolean present = Files.isExecutable(Podman.BINARY);
    if ("true".equals(System.getenv("CI"))) {
      assertTrue(present, "CI installs podman (.ci/run); " + Podman.BINARY + " is missing");
    }
    assumeTrue(present, "podman is not installed (apt-get install podman)");
  }

  @Test
  void twoPodmanContainersOnAJockerNetwork(Sandbox sandbox) throws IOException {
    requirePodman();
    sandbox.internet();
    // The default socket: Podman runs the plugin from processes of its own (the cleanup after a
    // container's exit) that do not get this test's environment.
    Jockerd first = new Jockerd(sandbox, dir).listeningOn(SOCKET).start();
    try (Podman podman = new Podman(sandbox, dir, first.socket())) {
      String one = podman.runDetached("p1");
      // jockerd dies between the two runs: the plugin binary finds no daemon and runs the same
      // plugin in a JVM of its own, on the same state.
      first.kill();
      String two = podman.runDetached("p2");
      assertEquals(64, one.length());
      assertTrue(
          podman.run("exec", "p1", "ip", "-o", "addr", "show", "eth0").contains("10.88.0.2/24"));
      assertTrue(
          podman.run("exec", "p2", "ip", "-o", "addr", "show", "eth0").contains("10.88.0.3/24"));
      assertTrue(
          podman
              .run("exec", "p1", "ping", "-c", "1", "-W", "2", "10.88.0.3")
              .contains(" 0% packet loss"));
      assertTrue(
          podman
              .run("exec", "p2", "ping", "-c", "1", "-W", "2", Sandbox.INTERNET_ADDRESS)
              .contains(" 0% packet loss"));
      assertTrue(podman.run("inspect", "--format", "{{.Id}}", "p2").strip().equals(two));

      // The next jockerd finds both in the store (one attached by the plugin's own JVM), leaves
      // them running and wired (its reconcile neither kills nor unplugs them), and removes them.
      try (Jockerd second = new Jockerd(sandbox, dir).listeningOn(SOCKET).start()) {
        String inspect = second.ok("network", "inspect", "jnet");
        assertTrue(inspect.contains(one) && inspect.contains(two), inspect);
        assertTrue(
            podman
                .run("exec", "p2", "ping", "-c", "1", "-W", "2", "10.88.0.2")
                .contains(" 0% packet loss"));
        podman.run("rm", "-f", "-t", "0", "p1", "p2");
        assertTrue(second.log().contains("CNI DEL " + one + " eth0: exit 0"), second.log());
      }
      String links = sandbox.host().run("ip", "-o", "link");
      assertFalse(links.contains("veth") || links.contains("jk0"), links);
      assertFalse(sandbox.host().run("iptables-save").contains("jk0"));
      assertEquals("", CniRecords.of(dir.resolve("state")));
      for (Path cgroup : podman.cgroups()) {
        try (Stream<Path> tree = Files.walk(cgroup)) {
          assertEquals(
              1,
              tree.filter(Files::isDirectory).filter(d -> !d.endsWith("conmon")).count(),
              cgroup.toString());
        }
      }
    } finally {
      first.kill();
    }
  }

  @Test
  void jockerListsPodmansContainersAsEndpoints(Sandbox sandbox) {
    requirePodman();
    sandbox.internet();
    try (Jockerd d = new Jockerd(sandbox, dir).listeningOn(SOCKET).start();
        Podman podman = new Podman(sandbox, dir, d.socket())) {
      String one = podman.runDetached("p1");
      String two = podman.runDetached("p2");
      String ls = d.ok("network", "ls");
      assertTrue(ls.lines().anyMatch(l -> l.contains(" jnet ") && l.contains(" cni ")), ls);
      String inspect = d.ok("network", "inspect", "jnet");
      assertTrue(inspect.contains(one) && inspect.contains(two), inspect);
      assertTrue(inspect.contains("10.88.0.2/24") && inspect.contains("10.88.0.3/24"), inspect);
      assertTrue(inspect.contains("\"p1\"") && inspect.contains("\"p2\""), inspect);
      // Podman names its containers in CNI_ARGS (K8S_POD_NAME): topology and trace use the names.
      String topology = d.ok("network", "topology", "jnet");
      assertTrue(topology.contains("jk0"), topology);
      assertTrue(topology.contains("p1") && topology.contains("p2"), topology);
      String trace = d.ok("network", "trace", "p1", Sandbox.INTERNET_ADDRESS);
      assertTrue(trace.contains("MASQUERADE"), trace);
      podman.run("rm", "-f", "-t", "0", "p1", "p2");
      assertFalse(d.ok("network", "ls").contains("jnet"));
    }
    assertEquals("", CniRecords.of(dir.resolve("state")));
  }
}

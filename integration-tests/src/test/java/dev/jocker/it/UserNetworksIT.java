package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.firewall.IptablesSave;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jocker network create/ls/inspect/rm} and {@code run --network} through the real CLI. */
@Privileged
class UserNetworksIT {
  private static final String LOOP = "while true; do sleep 3600;done";

  @TempDir Path dir;

  private static String refused(Jockerd d, String... args) {
    Jockerd.Result r = d.jocker(args);
    assertEquals(1, r.exitCode(), String.join(" ", args) + ": " + r.stdout());
    return r.stderr().strip();
  }

  @Test
  void aNetworkFromCreateToRemove(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      String rulesBefore = IptablesSave.normalise(sandbox.host().run("iptables-save"));
      String id =
          d.ok(
                  "network",
                  "create",
                  "--subnet",
                  "10.10.0.0/24",
                  "--ip-range",
                  "10.10.0.128/25",
                  "mynet")
              .strip();
      assertEquals(64, id.length());
      assertTrue(
          d.ok("network", "ls").contains(id.substring(0, 12) + "   mynet     bridge    local"));
      JsonNode inspect = new ObjectMapper().readTree(d.ok("network", "inspect", "mynet")).get(0);
      JsonNode ipam = inspect.get("IPAM").get("Config").get(0);
      assertEquals("10.10.0.0/24", ipam.get("Subnet").asText());
      assertEquals("10.10.0.128/25", ipam.get("IPRange").asText());
      assertEquals(
          "10.10.0.128", ipam.get("Gateway").asText(), "Docker's: the range's first address");
      assertTrue(inspect.get("IPAM").get("Options").isObject(), "{}, not null");
      assertEquals(0, inspect.get("IPAM").get("Options").size());

      assertEquals(
          "Error response from daemon: subnet 172.17.0.0/24 overlaps network bridge"
              + " (172.17.0.0/16); choose another --subnet",
          refused(d, "network", "create", "--subnet", "172.17.0.0/24", "other"));
      assertEquals(
          "Error response from daemon: network with name mynet already exists",
          refused(d, "network", "create", "mynet"));
      assertTrue(
          refused(d, "network", "create", "--subnet", "10.20.0.5/24", "other")
              .contains("10.20.0.0/24"));
      // Docker's client refuses it before asking the daemon.
      assertEquals(
          "every ip-range or gateway must have a corresponding subnet",
          refused(d, "network", "create", "--gateway", "10.30.0.1", "other"));

      d.ok("network", "create", "alpha");
      assertEquals(
          List.of("alpha", "bridge", "host", "mynet", "none"),
          d.ok("network", "ls").lines().skip(1).map(l -> l.split(" +")[1]).toList(),
          "by name");
      d.ok("network", "rm", "alpha");

      d.ok("run", "-d", "--name", "n1", "--network", "mynet", "busybox", "/bin/sh", "-c", LOOP);
      d.ok("run", "-d", "--name", "n2", "--network", "mynet", "busybox", "/bin/sh", "-c", LOOP);
      String addr = d.ok("exec", "n1", "ip", "addr");
      assertTrue(addr.contains("inet 10.10.0.129/24 brd 10.10.0.255 scope global eth0"), addr);
      assertTrue(d.ok("exec", "n1", "ip", "route").contains("default via 10.10.0.128 dev eth0"));
      assertTrue(d.ok("exec", "n1", "ping", "-c", "2", "10.10.0.130").contains(" 0% packet loss"));
      assertTrue(refused(d, "network", "rm", "mynet").contains("has active endpoints (n1, n2)"));
      assertEquals(
          "Error response from daemon: bridge is a pre-defined network and cannot be removed",
          refused(d, "network", "rm", "bridge"));

      d.ok("stop", "-t", "1", "n2");
      JsonNode attached =
          new ObjectMapper().readTree(d.ok("network", "inspect", "mynet")).get(0).get("Containers");
      assertEquals(1, attached.size(), "running containers only: " + attached);
      assertEquals("n1", attached.elements().next().get("Name").asText());
      assertTrue(refused(d, "network", "rm", "mynet").contains("has active endpoints (n1)"));
      d.ok("rm", "-f", "n1");
      assertEquals(
          "mynet\n", d.ok("network", "rm", "mynet"), "a stopped container does not hold it");
      Jockerd.Result start = d.jocker("start", "n2");
      assertEquals(1, start.exitCode());
      assertTrue(start.stderr().contains("network mynet not found"), start.stderr());
      d.ok("rm", "n2");
      assertFalse(d.ok("network", "ls").contains("mynet"));
      assertEquals(rulesBefore, IptablesSave.normalise(sandbox.host().run("iptables-save")));
      assertFalse(sandbox.host().run("ip", "-o", "link").contains("br-"));
    }
  }
}

package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three machines, each with its own jockerd, share an overlay network through a real etcd: created
 * on one, used from all three; containers on different hosts ping each other over VXLAN and the
 * internet through their own host's MASQUERADE; a host killed with its containers is forgotten by
 * the others within its lease's TTL, and comes back.
 */
@Privileged
class OverlayIT {
  private static final String LOOP = "while true; do sleep 3600; done";

  @TempDir Path dir;

  static void await(String what, Duration limit, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + limit.toSeconds() + " s: " + what);
      }
      Thread.sleep(100);
    }
  }

  private static String address(ClusterLab.Host h, String container) {
    return ClusterLab.json(h.ok("inspect", container))
        .get(0)
        .get("NetworkSettings")
        .get("Networks")
        .get("ov")
        .get("IPAddress")
        .asText();
  }

  private static boolean pings(ClusterLab.Host h, String container, String address) {
    return h.daemon.jocker("exec", container, "ping", "-c", "1", "-W", "2", address).exitCode()
        == 0;
  }

  private static JsonNode inspect(ClusterLab.Host h, String network) {
    return ClusterLab.json(h.ok("network", "inspect", network)).get(0);
  }

  @Test
  void threeHostsShareAnOverlayNetworkAndForgetADeadOne(Sandbox sandbox) throws Exception {
    try (ClusterLab lab = new ClusterLab(sandbox, dir).startEtcd()) {
      List<ClusterLab.Host> hosts = List.of(lab.addHost(1), lab.addHost(2), lab.addHost(3));
      hosts.forEach(h -> h.daemon.start());
      ClusterLab.Host h1 = hosts.get(0);
      ClusterLab.Host h2 = hosts.get(1);
      ClusterLab.Host h3 = hosts.get(2);

      String id =
          h1.ok("network", "create", "-d", "overlay", "--subnet", "10.20.0.0/16", "ov").strip();
      assertEquals(64, id.length());
      await(
          "host3 lists the network created on host1",
          Duration.ofSeconds(10),
          () ->
              h3.ok("network", "ls")
                  .contains(id.substring(0, 12) + "   ov        overlay   global"));
      JsonNode ov = inspect(h3, "ov");
      assertEquals("overlay", ov.get("Driver").asText());
      assertEquals("global", ov.get("Scope").asText());
      assertEquals(
          "256", ov.get("Options").get("com.docker.network.driver.overlay.vxlanid_list").asText());
      assertEquals("10.20.0.0/16", ov.get("IPAM").get("Config").get(0).get("Subnet").asText());
      assertEquals("10.20.0.1", ov.get("IPAM").get("Config").get(0).get("Gateway").asText());
      String bridge = "br-" + id.substring(0, 12);
      String vxlan = "vx-000100-" + id.substring(0, 5);
      assertFalse(h3.links().contains(bridge), "devices come with a host's first container");

      Map<String, ClusterLab.Host> where = new LinkedHashMap<>();
      for (int i = 0; i < 3; i++) {
        String c = "c" + (i + 1);
        hosts.get(i).ok("run", "-d", "--name", c, "--network", "ov", "busybox", "sh", "-c", LOOP);
        where.put(c, hosts.get(i));
      }
      Map<String, String> addresses = new LinkedHashMap<>();
      where.forEach((c, h) -> addresses.put(c, address(h, c)));
      assertEquals(3, Set.copyOf(addresses.values()).size(), "three addresses: " + addresses);

      // The container's side and the kernel's, as Docker's overlay: MTU 1450 everywhere.
      String eth0 = h2.ok("exec", "c2", "ip", "addr", "show", "eth0");
      assertTrue(eth0.contains("mtu 1450"), eth0);
      assertTrue(eth0.contains("inet " + addresses.get("c2") + "/16"), eth0);
      assertTrue(h2.ok("exec", "c2", "ip", "route").contains("default via 10.20.0.1 dev eth0"));
      JsonNode device = ClusterLab.json(h2.ns.run("ip", "-j", "-d", "link", "show", vxlan)).get(0);
      JsonNode data = device.get("linkinfo").get("info_data");
      assertEquals(1450, device.get("mtu").asInt());
      assertEquals(256, data.get("id").asInt());
      assertEquals("192.0.2.2", data.get("local").asText());
      assertEquals(4789, data.get("port").asInt());
      assertFalse(data.get("learning").asBoolean());
      assertEquals(bridge, device.get("master").asText());
      assertEquals(
          1450,
          ClusterLab.json(h2.ns.run("ip", "-j", "link", "show", bridge)).get(0).get("mtu").asInt());

      for (String from : where.keySet()) {
        for (String to : where.keySet()) {
          if (!from.equals(to)) {
            String address = addresses.get(to);
            await(
                from + " on " + where.get(from).name + " pings " + to + " at " + address,
                Duration.ofSeconds(10),
                () -> pings(where.get(from), from, address));
          }
        }
      }
      // Out through its own host's MASQUERADE: the internet only routes the underlay back.
      assertTrue(pings(h1, "c1", Sandbox.INTERNET_ADDRESS), "c1 reaches the internet");

      // inspect on any host lists every endpoint; the other hosts' as "ep-" + endpoint ID.
      JsonNode containers = inspect(h1, "ov").get("Containers");
      Map<String, String> listed = new LinkedHashMap<>();
      containers
          .fields()
          .forEachRemaining(
              e ->
                  listed.put(
                      e.getValue().get("Name").asText(),
                      (e.getKey().startsWith("ep-") ? "remote " : "local ")
                          + e.getValue().get("IPv4Address").asText()
                          + " "
                          + e.getValue().get("MacAddress").asText()));
      Map<String, String> expected = new LinkedHashMap<>();
      for (String c : where.keySet()) {
        String a = addresses.get(c);
        String[] b = a.split("\\.");
        expected.put(
            c,
            (c.equals("c1") ? "local " : "remote ")
                + a
                + "/16 "
                + String.format(
                    "02:42:%02x:%02x:%02x:%02x",
                    Integer.parseInt(b[0]),
                    Integer.parseInt(b[1]),
                    Integer.parseInt(b[2]),
                    Integer.parseInt(b[3])));
      }
      assertEquals(expected, listed);
      containers
          .fields()
          .forEachRemaining(
              e -> {
                if (e.getKey().startsWith("ep-")) {
                  assertEquals(e.getKey(), "ep-" + e.getValue().get("EndpointID").asText());
                }
              });

      // host2 dies with its containers: no keep-alive, no goodbye.
      String c2 = addresses.get("c2");
      assertTrue(lab.etcdKeys("/jocker/blocks/" + id + "/").containsValue("host2"));
      long died = System.nanoTime();
      h2.killEverything();
      await(
          "host1 and host3 forget host2's container",
          Duration.ofSeconds(ClusterLab.TTL_SECONDS + 10),
          () ->
              h1.fdb(vxlan).size() == 1
                  && h3.fdb(vxlan).size() == 1
                  && h1.neighbours(vxlan).size() == 1
                  && h3.neighbours(vxlan).size() == 1);
      double seconds = (System.nanoTime() - died) / 1e9;
      assertTrue(
          seconds <= ClusterLab.TTL_SECONDS + 5,
          "forgotten " + seconds + " s after the kill (TTL " + ClusterLab.TTL_SECONDS + " s)");
      assertFalse(
          h1.fdb(vxlan).stream().anyMatch(e -> e.endsWith("dst 192.0.2.2")),
          "no FDB entry of host2");
      assertFalse(
          h3.neighbours(vxlan).stream().anyMatch(e -> e.startsWith(c2 + " ")),
          "no neighbour entry of c2");
      assertFalse(
          lab.etcdKeys("/jocker/blocks/" + id + "/").containsValue("host2"), "host2's blocks free");
      assertTrue(
          lab.etcdKeys("/jocker/endpoints/" + id + "/").values().stream()
              .noneMatch(v -> v.contains("\"host\":\"host2\"")),
          "no endpoint of host2");
      assertFalse(h1.ok("network", "inspect", "ov").contains("\"c2\""), "inspect forgets c2");
      assertTrue(pings(h1, "c1", addresses.get("c3")), "c1 still pings c3");
      System.out.printf(
          "host2 forgotten %.1f s after kill -9 (TTL %d s)%n", seconds, ClusterLab.TTL_SECONDS);

      // host2 comes back: it rejoins, its container is recorded as ended, and starts again.
      h2.daemon.start();
      assertTrue(h2.ok("ps", "-a").contains("Exited"), h2.ok("ps", "-a"));
      h2.ok("start", "c2");
      String again = address(h2, "c2");
      await("c1 pings c2 again", Duration.ofSeconds(10), () -> pings(h1, "c1", again));
      await(
          "c2 pings c3 again", Duration.ofSeconds(10), () -> pings(h2, "c2", addresses.get("c3")));
      assertEquals(2, h2.fdb(vxlan).size(), "host2 programs c1 and c3 again: " + h2.fdb(vxlan));
    }
  }
}

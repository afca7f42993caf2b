package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
    return address(h, container, "ov");
  }

  private static String address(ClusterLab.Host h, String container, String network) {
    return ClusterLab.json(h.ok("inspect", container))
        .get(0)
        .get("NetworkSettings")
        .get("Networks")
        .get(network)
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
  void threeHostsShareAnOverlayNetworkForgetADeadOneAndStartFiftyEachAtOnce(Sandbox sandbox)
      throws Exception {
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

      // topology draws the hosts, their VTEPs and endpoints; trace explains the encapsulation.
      String topology = h1.ok("network", "topology", "ov");
      assertFalse(topology.contains("⚠"), "records and kernel agree: " + topology);
      assertTrue(
          topology.contains(vxlan + " (vxlan) · VNI 256 · UDP 4789 · local 192.0.2.1 dev eth0"),
          topology);
      assertTrue(
          topology.contains("host1 (this host) · VTEP 192.0.2.1 · blocks 10.20.0.0/26"), topology);
      assertTrue(
          topology.contains(
              "c2 · "
                  + addresses.get("c2")
                  + " · "
                  + expected.get("c2").split(" ")[2]
                  + " · fdb ✓ dst 192.0.2.2 · neigh ✓"),
          topology);
      assertTrue(topology.contains("─ host3 · VTEP 192.0.2.3 · blocks "), topology);
      String trace = h1.ok("network", "trace", "c1", "c2");
      assertTrue(
          trace.startsWith(
              "trace c1 → "
                  + addresses.get("c2")
                  + "\n"
                  + addresses.get("c2")
                  + " is c2 on host2: switched to "
                  + vxlan
                  + ", wrapped in VXLAN (VNI 256) and sent to VTEP 192.0.2.2.\n"),
          trace);

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

      fiftyContainersEachAtOnce(lab, hosts);
    }
  }

  /**
   * The three hosts start 50 containers each at once on a new overlay network: no address is handed
   * out twice, each lies in a block its host claimed, and a sample of 30 pairs ping each other.
   */
  private static void fiftyContainersEachAtOnce(ClusterLab lab, List<ClusterLab.Host> hosts)
      throws Exception {
    {
      // A /24 is cut in /28 blocks: each host claims four or more, racing the others for them.
      String id =
          hosts
              .get(0)
              .ok("network", "create", "-d", "overlay", "--subnet", "10.30.0.0/24", "busy")
              .strip();
      for (ClusterLab.Host h : hosts) {
        await(
            "the network on " + h.name,
            Duration.ofSeconds(10),
            () -> h.ok("network", "ls").contains(" busy "));
      }
      List<String> failures = Collections.synchronizedList(new ArrayList<>());
      ExecutorService pool = Executors.newFixedThreadPool(15);
      long started = System.nanoTime();
      List<Future<?>> runs = new ArrayList<>();
      for (ClusterLab.Host h : hosts) {
        for (int i = 0; i < 50; i++) {
          String name = h.name + "-" + i;
          runs.add(
              pool.submit(
                  () -> {
                    Jockerd.Result r =
                        h.daemon.jocker(
                            "run",
                            "-d",
                            "--name",
                            name,
                            "--network",
                            "busy",
                            "busybox",
                            "sh",
                            "-c",
                            LOOP);
                    if (r.exitCode() != 0) {
                      failures.add(name + ": " + r.stderr().strip());
                    }
                  }));
        }
      }
      for (Future<?> run : runs) {
        run.get();
      }
      pool.shutdown();
      System.out.printf(
          "150 containers started on three hosts in %.1f s%n", (System.nanoTime() - started) / 1e9);
      assertEquals(List.of(), failures);

      // Every host lists all 150, each address once.
      Map<String, String> addresses = new LinkedHashMap<>();
      for (ClusterLab.Host h : hosts) {
        await(
            h.name + " lists 150 endpoints",
            Duration.ofSeconds(15),
            () -> inspect(h, "busy").get("Containers").size() == 150);
      }
      inspect(hosts.get(0), "busy")
          .get("Containers")
          .forEach(
              c ->
                  addresses.put(
                      c.get("Name").asText(), c.get("IPv4Address").asText().split("/")[0]));
      assertEquals(150, addresses.size());
      assertEquals(150, new HashSet<>(addresses.values()).size(), "no address twice");
      Map<String, String> blocks = lab.etcdKeys("/jocker/blocks/" + id + "/");
      for (Map.Entry<String, String> a : addresses.entrySet()) {
        int last = Integer.parseInt(a.getValue().substring(a.getValue().lastIndexOf('.') + 1));
        String block = "/jocker/blocks/" + id + "/10.30.0." + (last & ~15) + "-28";
        assertEquals(
            a.getKey().substring(0, 5), blocks.get(block), a + " lies in a block of its host");
      }

      // A sample of 30 pairs, across hosts, reachable.
      List<String> names = new ArrayList<>(addresses.keySet());
      Random random = new Random(26);
      for (int i = 0; i < 30; i++) {
        String from = names.get(random.nextInt(names.size()));
        String to = names.get(random.nextInt(names.size()));
        if (from.equals(to)) {
          i--;
          continue;
        }
        ClusterLab.Host h = hosts.get(Integer.parseInt(from.substring(4, 5)) - 1);
        assertTrue(
            pings(h, from, addresses.get(to)), from + " pings " + to + " at " + addresses.get(to));
      }
    }
  }

  @Test
  void faultsFailWithTheirReasonAndLeaveNothingHalfMade(Sandbox sandbox) throws Exception {
    try (ClusterLab lab = new ClusterLab(sandbox, dir)) {
      // The store is not there yet: jockerd starts anyway, an overlay create says why it fails.
      ClusterLab.Host h1 = lab.addHost(1);
      h1.daemon.start();
      Jockerd.Result early = h1.daemon.jocker("network", "create", "-d", "overlay", "early");
      assertEquals(1, early.exitCode());
      assertTrue(
          early
              .stderr()
              .startsWith(
                  "Error response from daemon: host host1 has not joined the cluster at "
                      + ClusterLab.STORE
                      + " yet: "),
          early.stderr());
      assertTrue(early.stderr().strip().endsWith("; jockerd keeps trying every second"));
      assertFalse(h1.ok("network", "ls").contains("early"), "nothing recorded");
      assertFalse(h1.links().contains("br-"), "nothing made");

      // The store comes: jockerd joins by itself, and the same create works.
      lab.startEtcd();
      await(
          "host1 joins once etcd is up and creates the network",
          Duration.ofSeconds(20),
          () -> h1.daemon.jocker("network", "create", "-d", "overlay", "early").exitCode() == 0);
      ClusterLab.Host h2 = lab.addHost(2);
      h2.daemon.start();

      // A VXLAN ID taken, a name taken, from another host.
      h1.ok(
          "network",
          "create",
          "-d",
          "overlay",
          "-o",
          VNI + "=300",
          "--subnet",
          "10.40.0.0/24",
          "ova");
      assertEquals(
          "Error response from daemon: network ovb: VNI 300 is already used by network ova; choose"
              + " another or leave it out",
          refused(h2, "network", "create", "-d", "overlay", "-o", VNI + "=300", "ovb"));
      assertEquals(
          "Error response from daemon: network with name ova already exists",
          refused(h2, "network", "create", "-d", "overlay", "ova"));
      assertEquals(
          "Error response from daemon: option encrypted is not supported by the overlay driver"
              + " (only "
              + VNI
              + ")",
          refused(h2, "network", "create", "-d", "overlay", "-o", "encrypted=true", "ovc"));

      // A network with a container on another host cannot be removed, as Docker refuses.
      await(
          "host2 sees ova", Duration.ofSeconds(10), () -> h2.ok("network", "ls").contains(" ova "));
      h2.ok("run", "-d", "--name", "x2", "--network", "ova", "busybox", "sh", "-c", LOOP);
      String aId = inspect(h1, "ova").get("Id").asText();
      assertEquals(
          "Error response from daemon: error while removing network: network ova id "
              + aId
              + " has active endpoints (on host2)",
          refused(h1, "network", "rm", "ova"));
      assertTrue(h1.ok("network", "ls").contains(" ova "), "still there");
      assertTrue(pings(h2, "x2", "10.40.0.1"), "and in use");
      h2.ok("rm", "-f", "x2");
      h1.ok("network", "rm", "ova");
      await(
          "host2 forgets ova and removes its devices",
          Duration.ofSeconds(10),
          () ->
              !h2.ok("network", "ls").contains(" ova ")
                  && !h2.links().contains(aId.substring(0, 12)));

      // The store goes away at a container's start: a clear error, nothing half-made; back, the
      // same start works.
      h1.ok("network", "create", "-d", "overlay", "--subnet", "10.50.0.0/24", "ovb");
      h1.ok("create", "--name", "y1", "--network", "ovb", "busybox", "sh", "-c", LOOP);
      lab.etcd().stop();
      Jockerd.Result away = h1.daemon.jocker("start", "y1");
      assertEquals(1, away.exitCode());
      assertTrue(away.stderr().contains(ClusterLab.STORE), away.stderr());
      assertTrue(h1.exec("ip", "netns", "list").stdout().isBlank(), "no namespace left");
      assertFalse(h1.links().contains("veth"), "no veth left");
      lab.etcd().restart();
      await(
          "y1 starts once the store is back",
          Duration.ofSeconds(30),
          () -> h1.daemon.jocker("start", "y1").exitCode() == 0);
      assertTrue(pings(h1, "y1", "10.50.0.1"));

      // --ip on an overlay: the address's block becomes its host's; no other host gives out in it.
      // host2 rejoins the store on its own schedule (its client's reconnect back-off), so its
      // create or start may have to wait for that, as y1's did.
      List<String> z2 =
          List.of(
              "--name", "z2", "--ip", "10.50.0.200", "--network", "ovb", "busybox", "sleep", "600");
      await(
          "z2 starts once host2 is back in the cluster",
          Duration.ofSeconds(30),
          () ->
              (h2.daemon.jocker("inspect", "z2").exitCode() == 0
                      || h2.daemon.jocker(concat("create", z2)).exitCode() == 0)
                  && h2.daemon.jocker("start", "z2").exitCode() == 0);
      assertEquals("10.50.0.200", address(h2, "z2", "ovb"));
      Jockerd.Result z1 =
          h1.daemon.jocker(
              "run",
              "-d",
              "--name",
              "z1",
              "--ip",
              "10.50.0.201",
              "--network",
              "ovb",
              "busybox",
              "sleep",
              "600");
      assertTrue(
          z1.stderr()
              .contains(
                  "network ovb: block 10.50.0.192/28 is claimed by host host2; an address in it can only be given out there"),
          z1.stderr());
      assertTrue(pings(h1, "y1", "10.50.0.200"), "y1 on host1 pings z2 on host2");

      // An advertised address that is not this host's: jockerd refuses to start.
      ClusterLab.Host h3 = lab.addHost(3, "--cluster-advertise", "192.0.2.77:2376");
      Jockerd.Result notLocal = h3.daemon.runToExit();
      assertEquals(1, notLocal.exitCode(), notLocal.stdout());
      assertTrue(
          notLocal
              .stdout()
              .contains(
                  "--cluster-advertise 192.0.2.77:2376: 192.0.2.77 is not an address of this host"
                      + " (its addresses: 192.0.2.3 on eth0); other hosts would send its VXLAN"
                      + " traffic elsewhere"),
          notLocal.stdout());
    }
  }

  private static final String VNI = "com.docker.network.driver.overlay.vxlanid_list";

  private static String refused(ClusterLab.Host h, String... args) {
    Jockerd.Result r = h.daemon.jocker(args);
    assertEquals(1, r.exitCode(), String.join(" ", args) + ": " + r.stdout());
    return r.stderr().strip();
  }

  private static String[] concat(String first, List<String> rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(rest);
    return all.toArray(String[]::new);
  }
}

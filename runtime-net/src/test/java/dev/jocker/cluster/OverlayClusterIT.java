package dev.jocker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Three hosts on one underlay share an overlay network through a real etcd: containers on each ping
 * the others over VXLAN; a host whose lease expires disappears from the others' FDB, neighbour
 * tables and address blocks; three hosts allocating at once never share an address; and the faults
 * (store unreachable, hostname taken, VNI taken, a network in use elsewhere) fail with their reason
 * and leave nothing half-made.
 */
@Privileged
class OverlayClusterIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TTL = Duration.ofSeconds(4);

  private static void await(String what, Duration limit, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + limit.toSeconds() + " s: " + what);
      }
      Thread.sleep(100);
    }
  }

  /** {@code bridge -j fdb show dev VX}: the remote entries as "MAC dst VTEP". */
  private static List<String> fdb(OverlayLab.Host host, String vxlan) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : json(host.ns, "bridge", "-j", "fdb", "show", "dev", vxlan)) {
      if (e.has("dst")) {
        out.add(e.get("mac").asText() + " dst " + e.get("dst").asText());
      }
    }
    return out;
  }

  /** {@code ip -j neigh show dev VX}: the permanent entries as "IP lladdr MAC". */
  private static List<String> neighbours(OverlayLab.Host host, String vxlan) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : json(host.ns, "ip", "-j", "neigh", "show", "dev", vxlan)) {
      if (n.get("state").toString().contains("PERMANENT")) {
        out.add(n.get("dst").asText() + " lladdr " + n.get("lladdr").asText());
      }
    }
    return out;
  }

  private static JsonNode json(Sandbox.Namespace ns, String... command) {
    try {
      String out = ns.run(command);
      return JSON.readTree(out.isBlank() ? "[]" : out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean pings(Sandbox.Namespace from, Inet4Address to) {
    return from.exec("ping", "-c", "1", "-W", "2", to.getHostAddress()).exitCode() == 0;
  }

  private static String entry(Inet4Address container, String vtep) {
    return dev.jocker.kernel.MacAddress.forIpv4(container) + " dst " + vtep;
  }

  @Test
  void threeHostsPingEachOtherAndForgetADeadOne(Sandbox sandbox) throws Exception {
    try (OverlayLab lab = new OverlayLab(sandbox).startEtcd()) {
      OverlayLab.Host h1 = lab.addHost(1).join(TTL);
      OverlayLab.Host h2 = lab.addHost(2).join(TTL);
      OverlayLab.Host h3 = lab.addHost(3).join(TTL);
      OverlayNetwork net = h1.cluster.networks().create("ov1", "10.20.0.0/24", null, null);
      assertEquals(256, net.vni(), "the first VNI, as Docker's");
      assertEquals(net, h3.cluster.networks().get("ov1"), "every host sees it");

      Inet4Address c1 = h1.runContainer(net, "c1");
      Inet4Address c2 = h2.runContainer(net, "c2");
      Inet4Address c3 = h3.runContainer(net, "c3");
      String vx = OverlayLinks.vxlanName(net);
      assertEquals("vx-000100-" + net.id().substring(0, 5), vx);

      JsonNode device = json(h2.ns, "ip", "-j", "-d", "link", "show", "dev", vx).get(0);
      JsonNode data = device.get("linkinfo").get("info_data");
      assertEquals(1450, device.get("mtu").asInt());
      assertEquals(256, data.get("id").asInt());
      assertEquals("192.0.2.2", data.get("local").asText());
      assertEquals(4789, data.get("port").asInt());
      assertFalse(data.get("learning").asBoolean());
      assertEquals(OverlayLinks.bridgeName(net), device.get("master").asText());
      assertEquals(
          1450,
          json(h2.ns, "ip", "-j", "link", "show", "dev", OverlayLinks.bridgeName(net))
              .get(0)
              .get("mtu")
              .asInt());

      await(
          "host1 has FDB entries for c2 and c3",
          Duration.ofSeconds(10),
          () ->
              Set.copyOf(fdb(h1, vx))
                  .equals(Set.of(entry(c2, "192.0.2.2"), entry(c3, "192.0.2.3"))));
      await(
          "host2 has FDB entries for c1 and c3",
          Duration.ofSeconds(10),
          () -> fdb(h2, vx).size() == 2);
      await(
          "host3 has FDB entries for c1 and c2",
          Duration.ofSeconds(10),
          () -> fdb(h3, vx).size() == 2);
      assertEquals(
          Set.of(
              c2.getHostAddress() + " lladdr " + dev.jocker.kernel.MacAddress.forIpv4(c2),
              c3.getHostAddress() + " lladdr " + dev.jocker.kernel.MacAddress.forIpv4(c3)),
          Set.copyOf(neighbours(h1, vx)));

      List<Sandbox.Namespace> containers =
          List.of(h1.containers.get(0), h2.containers.get(0), h3.containers.get(0));
      List<Inet4Address> addresses = List.of(c1, c2, c3);
      for (int from = 0; from < 3; from++) {
        for (int to = 0; to < 3; to++) {
          if (from != to) {
            assertTrue(
                pings(containers.get(from), addresses.get(to)),
                "c" + (from + 1) + " pings c" + (to + 1) + " at " + addresses.get(to));
          }
        }
      }
      assertEquals(3, h1.cluster.endpoints().list(net.id()).size());
      assertTrue(h1.cluster.addresses().holders(net).containsValue("host2"));

      // host2 dies: no keep-alive any more, no goodbye. Its lease expires after the TTL.
      long died = System.nanoTime();
      h2.cluster.close();
      await(
          "host1 and host3 forget host2's container",
          TTL.plusSeconds(10),
          () ->
              fdb(h1, vx).equals(List.of(entry(c3, "192.0.2.3")))
                  && fdb(h3, vx).equals(List.of(entry(c1, "192.0.2.1")))
                  && neighbours(h1, vx).size() == 1
                  && neighbours(h3, vx).size() == 1);
      long seconds = Duration.ofNanos(System.nanoTime() - died).toSeconds();
      assertTrue(seconds <= TTL.toSeconds() + 5, "forgotten after " + seconds + " s");
      assertFalse(h1.cluster.addresses().holders(net).containsValue("host2"), "blocks freed");
      assertEquals(
          List.of("host1", "host3"),
          h3.cluster.members().stream().map(Member::hostname).sorted().toList());
      assertTrue(pings(containers.get(0), c3), "c1 still pings c3");

      // host2 comes back (a new run, same instance): it rejoins, takes its addresses' blocks
      // again from its own leases, publishes its container, and the others program it again.
      h2.join(TTL);
      h2.cluster.addresses().resume(net, h2.leases);
      h2.programmer.attach(net, h2.netns.links().get(vx).index());
      h2.cluster
          .endpoints()
          .publish(
              net,
              OverlayLab.endpointId("c2"),
              "c2",
              dev.jocker.kernel.MacAddress.forIpv4(c2).toString(),
              c2.getHostAddress());
      await(
          "host1 programs c2 again",
          Duration.ofSeconds(10),
          () -> fdb(h1, vx).contains(entry(c2, "192.0.2.2")));
      await(
          "host2 programs c1 and c3 again", Duration.ofSeconds(10), () -> fdb(h2, vx).size() == 2);
      assertTrue(pings(containers.get(0), c2), "c1 pings c2 again");
      assertTrue(pings(containers.get(1), c3), "c2 pings c3 again");
    }
  }

  @Test
  void threeHostsAllocatingAtOnceNeverShareAnAddress(Sandbox sandbox) throws Exception {
    try (OverlayLab lab = new OverlayLab(sandbox).startEtcd()) {
      List<OverlayLab.Host> hosts =
          List.of(lab.addHost(1).join(TTL), lab.addHost(2).join(TTL), lab.addHost(3).join(TTL));
      OverlayNetwork net =
          hosts.get(0).cluster.networks().create("busy", "10.30.0.0/24", null, null);
      assertEquals(28, net.blockPrefix(), "a /24 is cut in /28s, so 16 hosts fit");
      ExecutorService pool = Executors.newFixedThreadPool(3);
      List<Future<List<Inet4Address>>> results = new ArrayList<>();
      for (OverlayLab.Host host : hosts) {
        Callable<List<Inet4Address>> fifty =
            () -> {
              List<Inet4Address> mine = new ArrayList<>();
              for (int i = 0; i < 50; i++) {
                mine.add(
                    host.cluster.addresses().allocate(net, null, host.name + "-" + i, host.leases));
              }
              return mine;
            };
        results.add(pool.submit(fifty));
      }
      Set<Inet4Address> all = new HashSet<>();
      Map<Subnet, String> holders = null;
      for (int h = 0; h < 3; h++) {
        List<Inet4Address> mine = results.get(h).get();
        assertEquals(50, mine.size());
        all.addAll(mine);
        holders = hosts.get(h).cluster.addresses().holders(net);
        for (Inet4Address a : mine) {
          Subnet block = new Subnet(Ipv4.of(a) & ~15, 28);
          assertEquals(hosts.get(h).name, holders.get(block), a + " lies in a block of its host");
        }
      }
      pool.shutdown();
      assertEquals(150, all.size(), "no address handed out twice");
      assertFalse(all.contains(net.gatewayAddress()), "nor the gateway");
      assertEquals(12, holders.size(), "four /28 blocks per host");
    }
  }

  @Test
  void faultsFailWithTheirReasonAndLeaveNothingHalfMade(Sandbox sandbox) throws Exception {
    try (OverlayLab lab = new OverlayLab(sandbox)) {
      OverlayLab.Host h1 = lab.addHost(1);
      ClusterConfig config = lab.config("eth0:2376").withTtl(TTL);
      ClusterConfig.Resolved vtep = config.resolve(ClusterConfig.localAddresses(h1.netns));

      // The store is not there yet: a clear error, and the host keeps trying.
      h1.cluster = Cluster.start(config, new Cluster.Identity("host1", "i1"), vtep);
      assertFalse(h1.cluster.joined());
      ClusterUnavailableException away =
          assertThrows(
              ClusterUnavailableException.class,
              () -> h1.cluster.networks().create("early", null, null, null));
      assertTrue(
          away.getMessage()
              .startsWith("host host1 has not joined the cluster at etcd://192.0.2.254:2379 yet: "),
          away.getMessage());

      lab.startEtcd();
      await("host1 joins once etcd is up", Duration.ofSeconds(15), h1.cluster::joined);
      assertEquals(List.of(), h1.cluster.networks().list(), "the failed create left nothing");

      // A second machine with the same hostname is refused.
      OverlayLab.Host twin = lab.addHost(9);
      ClusterConfig twinConfig = lab.config("192.0.2.9:2376").withTtl(TTL);
      ClusterException taken =
          assertThrows(
              ClusterException.class,
              () ->
                  Cluster.join(
                      twinConfig,
                      new Cluster.Identity("host1", "another-machine"),
                      twinConfig.resolve(ClusterConfig.localAddresses(twin.netns))));
      assertEquals(
          "cannot join the cluster at etcd://192.0.2.254:2379 as host1: another host with that"
              + " hostname is a member (VTEP 192.0.2.1); each host needs a hostname of its own",
          taken.getMessage());

      // An advertised address that is not this host's.
      ClusterException notLocal =
          assertThrows(
              ClusterException.class,
              () ->
                  lab.config("192.0.2.77:2376").resolve(ClusterConfig.localAddresses(twin.netns)));
      assertTrue(
          notLocal.getMessage().contains("192.0.2.77 is not an address of this host"),
          notLocal.getMessage());

      // VNIs: from 256 up, and a taken one is refused with its owner.
      OverlayNetwork a = h1.cluster.networks().create("a", null, null, null);
      OverlayNetwork b = h1.cluster.networks().create("b", null, null, 300);
      OverlayNetwork c = h1.cluster.networks().create("c", null, null, null);
      assertEquals(List.of(256, 300, 257), List.of(a.vni(), b.vni(), c.vni()));
      assertEquals(List.of("10.0.0.0/24", "10.0.1.0/24"), List.of(a.subnet(), b.subnet()));
      ClusterException vniTaken =
          assertThrows(
              ClusterException.class, () -> h1.cluster.networks().create("d", null, null, 300));
      assertEquals(
          "network d: VNI 300 is already used by network b; choose another or leave it out",
          vniTaken.getMessage());
      ClusterException nameTaken =
          assertThrows(
              ClusterException.class, () -> h1.cluster.networks().create("a", null, null, null));
      assertEquals("network with name a already exists", nameTaken.getMessage());
      ClusterException overlap =
          assertThrows(
              ClusterException.class,
              () -> h1.cluster.networks().create("e", "10.0.0.128/25", null, null));
      assertTrue(overlap.getMessage().contains("overlaps network a (10.0.0.0/24)"));

      // A network with an endpoint on another host cannot be removed, as Docker refuses.
      OverlayLab.Host h2 = lab.addHost(2).join(TTL);
      h2.runContainer(a, "busy1");
      ClusterException inUse =
          assertThrows(ClusterException.class, () -> h1.cluster.networks().remove("a"));
      assertEquals(
          "error while removing network: network a id "
              + a.id()
              + " has active endpoints (on host2)",
          inUse.getMessage());
      assertFalse(h1.cluster.networks().get("a").removing(), "the removal mark is taken back");
      h2.cluster.endpoints().withdraw(a.id(), OverlayLab.endpointId("busy1"));
      h1.cluster.networks().remove("a");
      assertEquals(
          List.of("b", "c"),
          h2.cluster.networks().list().stream().map(OverlayNetwork::name).toList());
      assertEquals(256, h1.cluster.networks().create("a2", null, null, null).vni(), "freed");

      // The store goes away: calls fail with the reason; nothing is written.
      lab.stopEtcd();
      ClusterException down =
          assertThrows(
              ClusterException.class, () -> h1.cluster.networks().create("late", null, null, null));
      assertTrue(down.getMessage().contains("etcd://192.0.2.254:2379"), down.getMessage());
    }
  }
}

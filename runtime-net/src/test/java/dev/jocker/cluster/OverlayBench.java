package dev.jocker.cluster;

import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.MemoryLeaseStore;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.Vxlan;
import dev.jocker.testing.Sandbox;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.List;

/**
 * The set-up of {@code bench/overlay.sh}, run inside its sandbox: two "hosts" (namespaces bench-h1
 * and bench-h2 on the underlay bridge under0, 192.0.2.1 and .2) join the cluster at the etcd the
 * script started on 192.0.2.254, host 1 creates an overlay network, and each host runs a
 * "container" (bench-c1, bench-c2) on it, exactly as the overlay tests do. It returns once each
 * host has programmed the other's container, and prints the two addresses; the kernel state stays
 * for the script to measure.
 */
public final class OverlayBench {
  private OverlayBench() {}

  public static void main(String[] args) throws Exception {
    Inet4Address c1 = null;
    for (int n = 1; n <= 2; n++) {
      String host = "bench-h" + n;
      Sandbox.Command.run(List.of("ip", "netns", "add", host));
      Sandbox.Namespace ns = new Sandbox.Namespace(host);
      Sandbox.Command.run(
          List.of(
              "ip",
              "link",
              "add",
              "up-h" + n,
              "type",
              "veth",
              "peer",
              "name",
              "eth0",
              "netns",
              host));
      Sandbox.Command.run(List.of("ip", "link", "set", "up-h" + n, "master", "under0", "up"));
      ns.run("ip", "addr", "add", "192.0.2." + n + "/24", "dev", "eth0");
      ns.run("ip", "link", "set", "eth0", "up");
      ns.run("ip", "link", "set", "lo", "up");
    }
    ClusterConfig config =
        ClusterConfig.parse("etcd://192.0.2.254:2379", "eth0:2376").withTtl(Duration.ofSeconds(30));
    Netns h1 = Netns.open(new Sandbox.Namespace("bench-h1").path());
    Netns h2 = Netns.open(new Sandbox.Namespace("bench-h2").path());
    Cluster one =
        Cluster.join(
            config,
            new Cluster.Identity("bench-h1", "bench-1"),
            config.resolve(ClusterConfig.localAddresses(h1)));
    Cluster two =
        Cluster.join(
            config,
            new Cluster.Identity("bench-h2", "bench-2"),
            config.resolve(ClusterConfig.localAddresses(h2)));
    OverlayNetwork net = one.networks().create("bench", "10.20.0.0/24", null, null);
    VtepProgrammer p1 = new VtepProgrammer(h1, "bench-h1");
    VtepProgrammer p2 = new VtepProgrammer(h2, "bench-h2");
    one.watch(p1);
    two.watch(p2);
    c1 = container(one, p1, h1, net, "bench-c1");
    Inet4Address c2 = container(two, p2, h2, net, "bench-c2");
    String vx = OverlayLinks.vxlanName(net);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (h1.fdb().list(vx).stream().noneMatch(e -> e.self())
        || h2.fdb().list(vx).stream().noneMatch(e -> e.self())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the hosts did not program each other within 10 s");
      }
      Thread.sleep(50);
    }
    one.close();
    two.close();
    System.out.println(c1.getHostAddress() + " " + c2.getHostAddress());
    System.exit(0);
  }

  private static Inet4Address container(
      Cluster cluster, VtepProgrammer programmer, Netns host, OverlayNetwork net, String name) {
    OverlayLinks.Devices devices = OverlayLinks.ensure(host, net, cluster.vtep().local());
    programmer.attach(net, devices.vxlan().index());
    Inet4Address address = cluster.addresses().allocate(net, null, name, new MemoryLeaseStore());
    MacAddress mac = MacAddress.forIpv4(address);
    Sandbox.Command.run(List.of("ip", "netns", "add", name));
    try (Netns inside = Netns.open(new Sandbox.Namespace(name).path())) {
      String veth = "veth" + name.substring(name.length() - 2);
      host.links().addVethPair(veth, "eth0", inside, mac, Vxlan.OVERLAY_MTU);
      host.links().setMaster(veth, devices.bridge().index());
      host.links().setUp(veth);
      inside.links().setUp("lo");
      inside.addrs().add("eth0", address, 24, Ipv4.toInet(net.parsedSubnet().broadcast()));
      inside.links().setUp("eth0");
      inside.routes().addDefault(net.gatewayAddress());
    }
    cluster
        .endpoints()
        .publish(net, OverlayLab.endpointId(name), name, mac.toString(), address.getHostAddress());
    return address;
  }
}

package dev.jocker.cluster;

import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.MemoryLeaseStore;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.Vxlan;
import dev.jocker.testing.Sandbox;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A cluster in one sandbox: a "lan" namespace with the underlay bridge (192.0.2.0/24) and etcd on
 * 192.0.2.254, "hosts" as namespaces on it (192.0.2.N), each with its own cluster membership, VTEP
 * programmer and watch, run in this JVM; and "containers" as namespaces on a host's overlay bridge.
 * The test JVM reaches etcd over a veth of its own into the lan, as each host would over its
 * underlay.
 */
final class OverlayLab implements AutoCloseable {
  static final String ETCD_ADDRESS = "192.0.2.254";

  final Sandbox sandbox;
  final Sandbox.Namespace lan;
  final String tag;
  private final List<Host> hosts = new ArrayList<>();
  private EtcdServer etcd;

  /** One "host": its namespace, its cluster membership and what programs its kernel. */
  final class Host implements AutoCloseable {
    final String name;
    final Sandbox.Namespace ns;
    final Netns netns;
    Cluster cluster;
    VtepProgrammer programmer;
    final List<Sandbox.Namespace> containers = new ArrayList<>();
    final MemoryLeaseStore leases = new MemoryLeaseStore();

    Host(String name, Sandbox.Namespace ns) {
      this.name = name;
      this.ns = ns;
      this.netns = Netns.open(ns.path());
    }

    /** Joins the cluster and starts programming this host's kernel from the store. */
    Host join(Duration ttl) {
      ClusterConfig config = config("eth0:2376").withTtl(ttl);
      cluster =
          Cluster.join(
              config,
              new Cluster.Identity(name, "instance-" + name),
              config.resolve(ClusterConfig.localAddresses(netns)));
      programmer = new VtepProgrammer(netns, name);
      cluster.watch(programmer);
      return this;
    }

    /** The network's bridge and VXLAN device here, programmed from now on. */
    OverlayLinks.Devices use(OverlayNetwork net) {
      OverlayLinks.Devices devices = OverlayLinks.ensure(netns, net, cluster.vtep().local());
      programmer.attach(net, devices.vxlan().index());
      return devices;
    }

    /**
     * A "container": a namespace whose eth0 (MTU 1450) is a veth on the network's bridge here, with
     * an address from this host's blocks and the network's gateway as its default route; its
     * endpoint is published.
     */
    Inet4Address runContainer(OverlayNetwork net, String containerName) {
      OverlayLinks.Devices devices = use(net);
      Inet4Address address = cluster.addresses().allocate(net, null, containerName, leases);
      MacAddress mac = MacAddress.forIpv4(address);
      String nsName = "jk-" + containerName + "-" + tag;
      Sandbox.Command.run(List.of("ip", "netns", "add", nsName));
      Sandbox.Namespace c = new Sandbox.Namespace(nsName);
      containers.add(c);
      try (Netns inside = Netns.open(c.path())) {
        String veth = "veth" + containerName;
        netns.links().addVethPair(veth, "eth0", inside, mac, Vxlan.OVERLAY_MTU);
        netns.links().setMaster(veth, devices.bridge().index());
        netns.links().setUp(veth);
        inside.links().setUp("lo");
        inside
            .addrs()
            .add(
                "eth0",
                address,
                net.parsedSubnet().prefixLength(),
                Ipv4.toInet(net.parsedSubnet().broadcast()));
        inside.links().setUp("eth0");
        inside.routes().addDefault(net.gatewayAddress());
      }
      cluster
          .endpoints()
          .publish(
              net,
              endpointId(containerName),
              containerName,
              mac.toString(),
              address.getHostAddress());
      return address;
    }

    @Override
    public void close() {
      if (cluster != null) {
        cluster.close();
      }
      netns.close();
    }
  }

  OverlayLab(Sandbox sandbox) {
    this.sandbox = sandbox;
    this.lan = sandbox.host();
    this.tag = lan.name().substring(lan.name().length() - 6);
    Underlay.build(lan, tag, ETCD_ADDRESS);
  }

  /** Starts etcd in the lan. */
  OverlayLab startEtcd() {
    etcd = EtcdServer.start(sandbox, lan, ETCD_ADDRESS);
    return this;
  }

  /** Stops etcd (its data goes with it). */
  void stopEtcd() {
    etcd.close();
    etcd = null;
  }

  ClusterConfig config(String advertise) {
    // The daemon's own per-call timeout: a shorter one fails calls that a loaded machine's etcd
    // answers late.
    return ClusterConfig.parse("etcd://" + ETCD_ADDRESS + ":2379", advertise);
  }

  /** Host number {@code n} (1, 2, 3…) on the lan at 192.0.2.N, not joined yet. */
  Host addHost(int n) {
    String name = "host" + n;
    String nsName = "jk-" + name + "-" + tag;
    Sandbox.Command.run(List.of("ip", "netns", "add", nsName));
    Sandbox.Namespace ns = new Sandbox.Namespace(nsName);
    lan.run(
        "ip", "link", "add", "up-" + name, "type", "veth", "peer", "name", "eth0", "netns", nsName);
    lan.run("ip", "link", "set", "up-" + name, "master", "under0", "up");
    ns.run("ip", "addr", "add", "192.0.2." + n + "/24", "dev", "eth0");
    ns.run("ip", "link", "set", "eth0", "up");
    ns.run("ip", "link", "set", "lo", "up");
    Host host = new Host(name, ns);
    hosts.add(host);
    return host;
  }

  static String endpointId(String containerName) {
    StringBuilder id = new StringBuilder();
    while (id.length() < 64) {
      id.append(Integer.toHexString(Math.abs((containerName + id.length()).hashCode())));
    }
    return id.substring(0, 64);
  }

  @Override
  public void close() {
    hosts.forEach(Host::close);
    if (etcd != null) {
      etcd.close();
    }
  }
}

package dev.jocker.topology;

import java.util.List;

/**
 * What an overlay network adds to its bridge on this host: its VXLAN device, and the hosts of the
 * cluster with their VTEPs, address blocks and endpoints, as the cluster store and this host's
 * kernel hold them.
 *
 * @param vni the network's VXLAN ID
 * @param vxlan the VXLAN device, or null when this host has not made it (no container here yet)
 * @param store the cluster store, {@code etcd://HOST:PORT}
 * @param hosts every host of the cluster, this one first
 * @param storeProblem why the store could not be read now (its blocks are then unknown), or null
 * @param stray FDB entries of the device that no remote endpoint explains, as {@code MAC dst VTEP}
 */
public record OverlayView(
    int vni, Vxlan vxlan, String store, List<Host> hosts, String storeProblem, List<String> stray) {
  public OverlayView {
    hosts = List.copyOf(hosts);
    stray = List.copyOf(stray);
  }

  /**
   * The network's VXLAN device on this host.
   *
   * @param ifindex its interface index
   * @param name e.g. {@code vx-000100-3f2a1}
   * @param local the source address of what it sends: this host's VTEP
   * @param underlay the interface its packets leave by, e.g. {@code eth0}
   * @param port the UDP port, 4789
   * @param mtu 1450
   * @param learning whether it learns remote MACs (jocker's does not)
   * @param proxy whether it answers ARP from its neighbour table
   */
  public record Vxlan(
      int ifindex,
      String name,
      String local,
      String underlay,
      int port,
      int mtu,
      boolean learning,
      boolean proxy) {}

  /**
   * One host of the cluster.
   *
   * @param hostname its name, its identity in the cluster
   * @param vtep its advertised address, where VXLAN packets for its containers go
   * @param vtepInterface the interface that holds it on that host
   * @param self whether it is this host
   * @param blocks the address blocks it holds in this network's subnet
   * @param endpoints its endpoints on this network (none listed for this host: its containers are
   *     drawn on the bridge)
   */
  public record Host(
      String hostname,
      String vtep,
      String vtepInterface,
      boolean self,
      List<String> blocks,
      List<Endpoint> endpoints) {
    public Host {
      blocks = List.copyOf(blocks);
      endpoints = List.copyOf(endpoints);
    }
  }

  /**
   * An endpoint on another host, and whether this host's kernel has its way to it.
   *
   * @param name its container's name
   * @param address its address
   * @param mac its MAC
   * @param fdb whether the VXLAN device has its static FDB entry (MAC behind its host's VTEP)
   * @param neighbour whether the VXLAN device has its permanent neighbour entry (address at MAC)
   */
  public record Endpoint(String name, String address, String mac, boolean fdb, boolean neighbour) {}

  /** The host that holds {@code address} as an endpoint, with that endpoint, or null. */
  Host hostOf(String address) {
    for (Host h : hosts) {
      for (Endpoint e : h.endpoints()) {
        if (e.address().equals(address)) {
          return h;
        }
      }
    }
    return null;
  }

  /** The remote endpoint at {@code address}, or null. */
  Endpoint endpointAt(String address) {
    Host h = hostOf(address);
    return h == null
        ? null
        : h.endpoints().stream().filter(e -> e.address().equals(address)).findFirst().orElseThrow();
  }

  /** This host. */
  Host self() {
    return hosts.stream().filter(Host::self).findFirst().orElse(null);
  }
}

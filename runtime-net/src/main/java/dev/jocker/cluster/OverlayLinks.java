package dev.jocker.cluster;

import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.Link;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NotFoundException;
import dev.jocker.kernel.Vxlan;
import java.util.Optional;

/**
 * An overlay network's devices on one host, made on first use: a bridge {@code br-<id>} holding the
 * gateway address (each host is the gateway of its own containers, as each host's MASQUERADE is
 * their way out) and the network's VXLAN device enslaved to it, MTU 1450 on both. Docker puts the
 * same pair in a namespace of its own per network; jocker keeps them on the host like its bridge
 * networks, so {@code ip link}, {@code bridge fdb} and {@code network topology} see them.
 */
public final class OverlayLinks {
  /** The devices of one network on this host. */
  public record Devices(Link bridge, Link vxlan) {}

  private OverlayLinks() {}

  /** The bridge's name: {@code br-} and the network ID's first 12 digits, as Docker's bridges. */
  public static String bridgeName(OverlayNetwork net) {
    return "br-" + net.shortId();
  }

  /**
   * The VXLAN device's name, Docker's form: {@code vx-}, the VNI in 6 hex digits, and the network
   * ID's first 5 digits ({@code vx-000100-3f2a1}, 15 characters: the longest name Linux allows).
   */
  public static String vxlanName(OverlayNetwork net) {
    return String.format("vx-%06x-%s", net.vni(), net.id().substring(0, 5));
  }

  /** The devices when they exist. */
  public static Optional<Devices> find(Netns host, OverlayNetwork net) {
    Optional<Link> bridge = host.links().find(bridgeName(net));
    Optional<Link> vxlan = host.links().find(vxlanName(net));
    if (bridge.isEmpty() || vxlan.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Devices(bridge.get(), vxlan.get()));
  }

  /**
   * Makes what is missing of the bridge (with the gateway address) and the VXLAN device (local
   * address and underlay from {@code vtep}), enslaves the device and brings both up. Running it
   * again changes nothing.
   */
  public static Devices ensure(Netns host, OverlayNetwork net, ClusterConfig.LocalAddress vtep) {
    String bridgeName = bridgeName(net);
    Link bridge =
        host.links()
            .find(bridgeName)
            .orElseGet(
                () -> {
                  Link made =
                      host.links()
                          .addBridge(bridgeName, Vxlan.OVERLAY_MTU, MacAddress.randomDocker());
                  Subnet subnet = net.parsedSubnet();
                  host.addrs()
                      .add(
                          made.index(),
                          net.gatewayAddress(),
                          subnet.prefixLength(),
                          Ipv4.toInet(subnet.broadcast()));
                  return made;
                });
    String vxlanName = vxlanName(net);
    Link vxlan =
        host.links()
            .find(vxlanName)
            .orElseGet(
                () ->
                    host.links()
                        .addVxlan(
                            Vxlan.overlay(
                                vxlanName, net.vni(), vtep.address(), vtep.interfaceIndex())));
    if (vxlan.masterIndex() != bridge.index()) {
      host.links().setMaster(vxlanName, bridge.index());
    }
    if (!vxlan.up()) {
      host.links().setUp(vxlanName);
    }
    if (!bridge.up()) {
      host.links().setUp(bridgeName);
    }
    return new Devices(host.links().get(bridgeName), host.links().get(vxlanName));
  }

  /** Deletes the network's devices on this host (those already gone are fine). */
  public static void remove(Netns host, OverlayNetwork net) {
    for (String name : new String[] {vxlanName(net), bridgeName(net)}) {
      try {
        host.links().delete(name);
      } catch (NotFoundException gone) {
        // Nothing left to delete.
      }
    }
  }
}

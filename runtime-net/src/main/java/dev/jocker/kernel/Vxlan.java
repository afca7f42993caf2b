package dev.jocker.kernel;

import java.net.Inet4Address;

/**
 * A VXLAN device as jocker makes it for an overlay network (Docker's overlay sets the same but for
 * learning: it learns, jocker programs every remote ahead): unicast only, no multicast group.
 *
 * @param name interface name, e.g. {@code vx-000100-3f2a1}
 * @param vni the VXLAN network identifier (24 bits)
 * @param local the local VTEP address: the source of every encapsulated packet
 * @param underlayIndex ifindex of the device the packets leave by, or 0 to follow the routes
 * @param port destination UDP port, 4789 (IANA's) for Docker's overlay
 * @param mtu the device's MTU: the underlay's less the 50 bytes of outer headers, 1450 on 1500
 * @param learning whether the device learns remote MACs from what it receives
 * @param proxy whether it answers ARP from its own neighbour table (so no ARP crosses the tunnel)
 */
public record Vxlan(
    String name,
    int vni,
    Inet4Address local,
    int underlayIndex,
    int port,
    int mtu,
    boolean learning,
    boolean proxy) {
  /** IANA's VXLAN port, Docker's overlay's. */
  public static final int IANA_PORT = 4789;

  /** The MTU of Docker's overlay: 1500 less the outer Ethernet, IPv4, UDP and VXLAN headers. */
  public static final int OVERLAY_MTU = 1450;

  public Vxlan {
    if (vni < 1 || vni > 0xffffff) {
      throw new IllegalArgumentException("VNI " + vni + " is outside 1..16777215");
    }
    if (port < 1 || port > 0xffff) {
      throw new IllegalArgumentException("UDP port " + port + " is outside 1..65535");
    }
  }

  /** jocker's overlay device: IANA's port, MTU 1450, no learning, ARP answered locally. */
  public static Vxlan overlay(String name, int vni, Inet4Address local, int underlayIndex) {
    return new Vxlan(name, vni, local, underlayIndex, IANA_PORT, OVERLAY_MTU, false, true);
  }
}

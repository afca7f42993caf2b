package dev.jocker.portmap;

import dev.jocker.kernel.Netns;

/**
 * What Docker's bridge driver sets in the kernel when the userland proxy is off ({@code
 * --userland-proxy=false}), so that published ports work by NAT alone: from the host's loopback and
 * for a container reaching its own published port. The bridge's rules for that mode are {@link
 * PortRules#bridgeRules}.
 */
public final class HairpinNat {
  private HairpinNat() {}

  /**
   * Docker's {@code setupLoopbackAddressesRouting} at bridge setup: {@code
   * net.ipv4.conf.BRIDGE.route_localnet=1}, so that a connection to 127.0.0.1:8080, DNATed to a
   * container, may leave through the bridge. Returns whether it had to change.
   */
  public static boolean enableLocalRouting(Netns host, String bridge) {
    String key = "net.ipv4.conf." + bridge + ".route_localnet";
    if ("1".equals(host.sysctls().get(key))) {
      return false;
    }
    host.sysctls().set(key, "1");
    return true;
  }

  /**
   * Docker's {@code setHairpinMode} when it creates an endpoint: hairpin mode on the host end of
   * the container's veth, so that a packet a container sends to its own published port, DNATed back
   * to it, may leave by the port it came in.
   */
  public static void enableOnPort(Netns host, int vethIndex, String veth) {
    host.links().setHairpin(vethIndex, veth, true);
  }
}

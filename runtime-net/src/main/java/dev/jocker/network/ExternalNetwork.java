package dev.jocker.network;

import dev.jocker.ipam.Subnet;

/**
 * A network as an orchestrator configures it, anew with each attachment (a CNI configuration): the
 * controller records it with its first endpoint and removes it with its last.
 *
 * @param name the network's name, unique among all of the controller's networks
 * @param bridge the Linux bridge its containers are wired to
 * @param mtu MTU of the bridge and the veths
 * @param subnet the subnet
 * @param gateway the gateway address (on the bridge, or the next hop of the routes)
 * @param gatewayOnBridge whether the bridge holds the gateway address
 * @param masquerade whether traffic from the subnet leaving the bridge is MASQUERADEd
 * @param range the addresses jocker's IPAM hands out, or null when another IPAM chooses them
 */
public record ExternalNetwork(
    String name,
    String bridge,
    int mtu,
    Subnet subnet,
    int gateway,
    boolean gatewayOnBridge,
    boolean masquerade,
    Range range) {

  /**
   * The addresses handed out, from {@code first} to {@code last} of the subnet (CNI's rangeStart
   * and rangeEnd).
   */
  public record Range(int first, int last) {}
}

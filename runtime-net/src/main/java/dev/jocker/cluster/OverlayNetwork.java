package dev.jocker.cluster;

import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Pool;
import dev.jocker.ipam.Subnet;
import java.net.Inet4Address;

/**
 * An overlay network as the cluster store holds it, the same on every host.
 *
 * @param id 64 hex digits, as Docker's network IDs
 * @param name unique in the cluster
 * @param subnet e.g. {@code 10.0.0.0/24}
 * @param gateway the gateway address, on every host's bridge for the network
 * @param vni the VXLAN network identifier, unique in the cluster, from 256 up as Docker's
 * @param blockPrefix the prefix length of the address blocks hosts claim (e.g. 26 for /26s)
 * @param createdBy the hostname that created it
 * @param createdAtMillis when, epoch milliseconds
 * @param removing set while a removal checks that no endpoint is left; no endpoint may join then
 */
public record OverlayNetwork(
    String id,
    String name,
    String subnet,
    String gateway,
    int vni,
    int blockPrefix,
    String createdBy,
    long createdAtMillis,
    boolean removing) {
  /** The subnet parsed. */
  public Subnet parsedSubnet() {
    return Subnet.parse(subnet);
  }

  /** The gateway as an address. */
  public Inet4Address gatewayAddress() {
    return Ipv4.toInet(Ipv4.parse(gateway));
  }

  /** The address pool of the whole network. */
  public Pool pool() {
    return new Pool(parsedSubnet(), parsedSubnet(), Ipv4.parse(gateway));
  }

  /** The first 12 digits of the ID, as Docker prints and names its bridges. */
  public String shortId() {
    return id.substring(0, 12);
  }

  /** The same network, marked or unmarked as being removed. */
  OverlayNetwork withRemoving(boolean value) {
    return new OverlayNetwork(
        id, name, subnet, gateway, vni, blockPrefix, createdBy, createdAtMillis, value);
  }
}

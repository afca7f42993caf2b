package dev.jocker.network;

import dev.jocker.store.NetworkRecord;
import java.util.Map;

/**
 * The networks of a driver whose records live in a store several hosts share, Docker's "global"
 * scope (the overlay driver on its cluster store): created and removed there from any host, and
 * known to every host's controller, which keeps a copy of each record in its own store so that its
 * containers can name the network and its leases have a network to belong to.
 */
public interface SharedNetworks {
  /** The driver's name, e.g. {@code overlay}. */
  String driver();

  /**
   * Creates a network in the shared store and returns the record this host keeps of it (the ID,
   * subnet and gateway are the same on every host).
   *
   * @param subnet CIDR, or null for one the shared store chooses
   * @param gateway the gateway address, or null for the subnet's first host
   * @param ipRange the part of the subnet to hand out, or null for all of it
   * @param options the driver's options ({@code -o NAME=VALUE})
   */
  NetworkRecord create(
      String name, String subnet, String gateway, String ipRange, Map<String, String> options);

  /**
   * Removes a network from the shared store; refused, with the hosts named, while another host has
   * an endpoint on it.
   */
  void remove(NetworkRecord network);

  /** Opens this host's driver of one of the networks. */
  NetworkDriver open(NetworkRecord network);

  /** Docker's {@code Options} of a network for {@code network inspect}, e.g. its VXLAN ID. */
  default Map<String, String> options(NetworkRecord network) {
    return Map.of();
  }
}

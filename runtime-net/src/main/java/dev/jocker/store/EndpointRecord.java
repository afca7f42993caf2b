package dev.jocker.store;

import java.util.Map;

/**
 * One attachment of a container's sandbox to one network, written before its kernel objects are
 * made, so that the row always names whatever may exist of them.
 *
 * @param id 64 hex characters
 * @param networkId the network
 * @param containerId the container whose sandbox it belongs to
 * @param ifname the interface inside the sandbox, {@code eth0}, {@code eth1}…
 * @param hostVeth host end of the veth pair
 * @param mac the container end's MAC
 * @param address the leased IPv4 address
 * @param reserved whether the address is the container's own ({@code --ip}), kept from create to
 *     remove, rather than leased for one run
 * @param options what the endpoint's add-ons read (port bindings, aliases), by name
 */
public record EndpointRecord(
    String id,
    String networkId,
    String containerId,
    String ifname,
    String hostVeth,
    String mac,
    String address,
    boolean reserved,
    Map<String, String> options) {
  public EndpointRecord {
    options = Map.copyOf(options);
  }
}

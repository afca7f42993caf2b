package dev.jocker.store;

/**
 * A container's attachment to a bridge network.
 *
 * @param id 64 hex characters
 * @param networkId the network
 * @param containerId the container
 * @param hostVeth host end of the veth pair
 * @param mac the container end's MAC
 * @param address the leased IPv4 address
 * @param netns the container's named namespace
 */
public record EndpointRecord(
    String id,
    String networkId,
    String containerId,
    String hostVeth,
    String mac,
    String address,
    String netns) {}

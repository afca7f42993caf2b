package dev.jocker.engine;

/**
 * A container's attachment to a bridge network.
 *
 * @param networkId the network's 64-hex ID
 * @param networkName e.g. {@code bridge}
 * @param endpointId 64 hex characters
 * @param macAddress e.g. {@code 02:42:ac:11:00:02}
 * @param ipv4Address e.g. {@code 172.17.0.2}
 * @param prefixLength e.g. 16
 * @param gateway e.g. {@code 172.17.0.1}
 * @param hostVeth the host end, e.g. {@code veth3f2a1c9}
 */
public record EndpointInfo(
    String networkId,
    String networkName,
    String endpointId,
    String macAddress,
    String ipv4Address,
    int prefixLength,
    String gateway,
    String hostVeth) {}

package dev.jocker.bridge;

import dev.jocker.kernel.MacAddress;
import java.net.Inet4Address;

/**
 * A namespace wired onto the bridge.
 *
 * @param netns the named namespace
 * @param hostVeth host end, {@code veth} + 7 hex characters, enslaved to the bridge
 * @param mac MAC of {@code eth0} inside
 * @param address IPv4 address of {@code eth0}
 * @param prefixLength the subnet's prefix length
 */
public record Endpoint(
    String netns, String hostVeth, MacAddress mac, Inet4Address address, int prefixLength) {}

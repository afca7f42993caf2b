package dev.jocker.kernel;

import java.net.InetAddress;

/**
 * An address on a link.
 *
 * @param linkIndex interface index
 * @param address the local address (IPv4 or IPv6)
 * @param prefixLength e.g. 16
 * @param broadcast IPv4 broadcast, or null
 * @param scope 0 global, 253 link, 254 host
 * @param label IPv4 label, usually the interface name, or null
 */
public record Addr(
    int linkIndex,
    InetAddress address,
    int prefixLength,
    InetAddress broadcast,
    int scope,
    String label) {
  /** {@code 172.17.0.2/16}. */
  public String cidr() {
    return address.getHostAddress() + "/" + prefixLength;
  }
}

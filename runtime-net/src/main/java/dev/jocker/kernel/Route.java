package dev.jocker.kernel;

import java.net.Inet4Address;

/**
 * An IPv4 route in the main table.
 *
 * @param destination network address, or null for the default route
 * @param prefixLength 0 for the default route
 * @param gateway next hop, or null for an on-link route
 * @param outputIndex output interface index, or 0 to let the kernel choose
 * @param preferredSource source address hint, or null
 * @param scope 0 universe (via a gateway), 253 link (on-link)
 * @param protocol 2 kernel, 3 boot, 4 static
 * @param priority metric, 0 when unset
 */
public record Route(
    Inet4Address destination,
    int prefixLength,
    Inet4Address gateway,
    int outputIndex,
    Inet4Address preferredSource,
    int scope,
    int protocol,
    int priority) {
  /** A default route via {@code gateway}. */
  public static Route defaultVia(Inet4Address gateway) {
    return new Route(null, 0, gateway, 0, null, 0, 3, 0);
  }

  /** An on-link route to {@code destination/prefixLength} out of interface {@code outputIndex}. */
  public static Route onLink(Inet4Address destination, int prefixLength, int outputIndex) {
    return new Route(destination, prefixLength, null, outputIndex, null, 253, 3, 0);
  }

  /** {@code default} or {@code 172.17.0.0/16}. */
  public String destinationText() {
    return destination == null ? "default" : destination.getHostAddress() + "/" + prefixLength;
  }
}

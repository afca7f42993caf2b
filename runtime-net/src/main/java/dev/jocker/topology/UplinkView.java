package dev.jocker.topology;

/**
 * The host interface that carries the default route, where traffic leaves the host.
 *
 * @param ifindex its interface index
 * @param name e.g. {@code uplink} or {@code eth0}
 * @param address its IPv4 address with prefix, e.g. {@code 198.51.100.2/24}; null if none
 * @param mac its MAC address
 * @param mtu its MTU
 * @param gateway the default route's next hop, or null when the route has none
 */
public record UplinkView(
    int ifindex, String name, String address, String mac, int mtu, String gateway) {}

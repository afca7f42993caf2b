package dev.jocker.topology;

/**
 * The Linux bridge of the network.
 *
 * @param ifindex its interface index, 0 when it is not in the kernel
 * @param name e.g. {@code docker0}
 * @param address the gateway address with prefix, e.g. {@code 172.17.0.1/16}
 * @param mac its MAC address, null when it is not in the kernel
 * @param mtu its MTU, 0 when it is not in the kernel
 * @param presence whether record and kernel agree
 */
public record BridgeView(
    int ifindex, String name, String address, String mac, int mtu, Presence presence) {}

package dev.jocker.topology;

/**
 * An overlay network on this host: its bridge with this host's containers, as for a bridge network,
 * and what the overlay adds (the VXLAN device, the other hosts and their endpoints).
 *
 * @param local the bridge part, read as for a bridge network
 * @param overlay the VXLAN device and the cluster
 */
public record OverlayTopology(Topology local, OverlayView overlay) {}

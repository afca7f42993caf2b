package dev.jocker.kernel;

/**
 * A network interface as the kernel reports it.
 *
 * @param index interface index
 * @param name e.g. {@code docker0}
 * @param kind driver kind ({@code bridge}, {@code veth}) or null for plain devices like lo
 * @param mtu MTU
 * @param mac hardware address, or null
 * @param masterIndex the bridge's index for a port, else 0
 * @param linkIndex the peer's index for a veth (in {@link #linkNetnsId}'s namespace), else 0
 * @param linkNetnsId the peer's namespace ID as seen from here, or -1 when it is local
 * @param up administratively up
 * @param lowerUp carrier up
 * @param operState RFC 2863 state: {@code UP}, {@code DOWN}, {@code UNKNOWN}, …
 */
public record Link(
    int index,
    String name,
    String kind,
    int mtu,
    MacAddress mac,
    int masterIndex,
    int linkIndex,
    int linkNetnsId,
    boolean up,
    boolean lowerUp,
    String operState) {}

package dev.jocker.kernel;

import java.net.InetAddress;

/**
 * One entry of a neighbour (ARP) table, as {@code ip neigh} shows it.
 *
 * @param linkIndex the interface it belongs to
 * @param address the IP address
 * @param mac the link-layer address, or null while unresolved
 * @param state {@code NUD_*} bits ({@code 0x80} permanent, {@code 0x02} reachable, …)
 */
public record Neighbour(int linkIndex, InetAddress address, MacAddress mac, int state) {
  /** Whether the entry is static ({@code nud permanent}). */
  public boolean permanent() {
    return (state & dev.jocker.netlink.NdMsg.NUD_PERMANENT) != 0;
  }
}

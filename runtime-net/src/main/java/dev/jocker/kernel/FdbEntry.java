package dev.jocker.kernel;

import java.net.InetAddress;

/**
 * One forwarding-database entry, as {@code bridge fdb show} shows it: on a VXLAN device ({@code
 * self}) a MAC and the remote VTEP it lives behind; on a bridge port ({@code master}) a MAC the
 * bridge learned or was given.
 *
 * @param linkIndex the interface it belongs to
 * @param mac the link-layer address
 * @param destination the remote VTEP of a VXLAN entry, else null
 * @param masterIndex the bridge of a {@code master} entry, else 0
 * @param state {@code NUD_*} bits ({@code 0x80} permanent)
 * @param flags {@code NTF_*} bits ({@code 0x02} self, {@code 0x04} master)
 */
public record FdbEntry(
    int linkIndex, MacAddress mac, InetAddress destination, int masterIndex, int state, int flags) {
  /** Whether the entry is in the device's own table ({@code self}), as a VXLAN remote is. */
  public boolean self() {
    return (flags & dev.jocker.netlink.NdMsg.NTF_SELF) != 0;
  }

  /** Whether the entry is static ({@code permanent}). */
  public boolean permanent() {
    return (state & dev.jocker.netlink.NdMsg.NUD_PERMANENT) != 0;
  }
}

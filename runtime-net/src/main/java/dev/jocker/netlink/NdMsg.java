package dev.jocker.netlink;

import java.nio.ByteBuffer;

/**
 * {@code struct ndmsg} (family u8, pad u8, pad u16, ifindex s32, state u16, flags u8, type u8) and
 * the {@code NDA_*} attributes after it: one neighbour (ARP) entry with family {@code AF_INET}, or
 * one forwarding-database entry of a bridge or VXLAN device with family {@code AF_BRIDGE}.
 *
 * @param family {@code AF_INET} (2), {@code AF_INET6} (10) or {@code AF_BRIDGE} (7)
 * @param index interface index the entry belongs to
 * @param state {@code NUD_*} bits, e.g. {@link #NUD_PERMANENT}
 * @param flags {@code NTF_*} bits, e.g. {@link #NTF_SELF}
 * @param type route type of the entry (1 = unicast)
 * @param attributes the {@code NDA_*} attributes
 */
public record NdMsg(int family, int index, int state, int flags, int type, Attributes attributes) {
  /** Size of the fixed struct. */
  public static final int LEN = 12;

  /** Bridge and VXLAN forwarding databases ({@code bridge fdb}). */
  public static final int AF_BRIDGE = 7;

  /** Network-layer address: the IP of an ARP entry, the remote VTEP of a VXLAN FDB entry. */
  public static final int NDA_DST = 1;

  /** Link-layer address (6 bytes for Ethernet). */
  public static final int NDA_LLADDR = 2;

  /** {@code struct nda_cacheinfo}: confirmed, used, updated (in ticks), refcount. */
  public static final int NDA_CACHEINFO = 3;

  /** Probes sent for the entry, u32. */
  public static final int NDA_PROBES = 4;

  /** VXLAN FDB entry: the remote UDP port, u16 in network byte order (default: the device's). */
  public static final int NDA_PORT = 6;

  /** VXLAN FDB entry: the remote VNI, u32 (default: the device's). */
  public static final int NDA_VNI = 7;

  /** In a dump request: only entries of this interface index, u32. */
  public static final int NDA_IFINDEX = 8;

  /** ifindex of the bridge an FDB entry belongs to, u32. */
  public static final int NDA_MASTER = 9;

  /** Not resolved yet. */
  public static final int NUD_INCOMPLETE = 0x01;

  /** Confirmed recently. */
  public static final int NUD_REACHABLE = 0x02;

  /** Not confirmed for a while; reused until a probe says otherwise. */
  public static final int NUD_STALE = 0x04;

  /** Resolution failed. */
  public static final int NUD_FAILED = 0x20;

  /** Needs no resolution (point-to-point, or an FDB entry). */
  public static final int NUD_NOARP = 0x40;

  /** Static: never expires, never probed ({@code nud permanent}). */
  public static final int NUD_PERMANENT = 0x80;

  /** FDB: the entry belongs to the device's own table (a VXLAN device's remotes). */
  public static final int NTF_SELF = 0x02;

  /** FDB: the entry belongs to the bridge the device is a port of. */
  public static final int NTF_MASTER = 0x04;

  /** Decodes the struct and its attributes from a message body. */
  public static NdMsg decode(ByteBuffer body) {
    if (body.remaining() < LEN) {
      throw new NetlinkFormatException("ndmsg needs 12 bytes, got " + body.remaining());
    }
    int p = body.position();
    Attributes attrs =
        Attributes.parse(body.slice(p + LEN, body.remaining() - LEN).order(body.order()));
    return new NdMsg(
        Byte.toUnsignedInt(body.get(p)),
        body.getInt(p + 4),
        Short.toUnsignedInt(body.getShort(p + 8)),
        Byte.toUnsignedInt(body.get(p + 10)),
        Byte.toUnsignedInt(body.get(p + 11)),
        attrs);
  }
}

package dev.jocker.netlink;

import java.nio.ByteBuffer;

/**
 * {@code struct ifinfomsg} (family u8, pad u8, type u16, index s32, flags u32, change u32) and the
 * {@code IFLA_*} attributes after it.
 *
 * @param family address family, {@code AF_UNSPEC} for links
 * @param deviceType ARPHRD_* type (1 for Ethernet, 772 for loopback)
 * @param index interface index
 * @param flags {@code IFF_*} flags
 * @param attributes the {@code IFLA_*} attributes
 */
public record IfInfoMsg(int family, int deviceType, int index, int flags, Attributes attributes) {
  /** Size of the fixed struct. */
  public static final int LEN = 16;

  /** Interface is administratively up. */
  public static final int IFF_UP = 0x1;

  /** Carrier is up (read-only). */
  public static final int IFF_LOWER_UP = 0x10000;

  /** Hardware address (6 bytes for Ethernet). */
  public static final int IFLA_ADDRESS = 1;

  /** Broadcast hardware address. */
  public static final int IFLA_BROADCAST = 2;

  /** Interface name, NUL-terminated. */
  public static final int IFLA_IFNAME = 3;

  /** MTU, u32. */
  public static final int IFLA_MTU = 4;

  /** Peer or parent ifindex, u32 (a veth's other end). */
  public static final int IFLA_LINK = 5;

  /** ifindex of the master (the bridge a port belongs to), u32. */
  public static final int IFLA_MASTER = 10;

  /** Transmit queue length, u32. */
  public static final int IFLA_TXQLEN = 13;

  /** RFC 2863 operational state, u8 (6 = up, 2 = down). */
  public static final int IFLA_OPERSTATE = 16;

  /** Nested: {@code IFLA_INFO_KIND}, {@code IFLA_INFO_DATA}, slave kind and data. */
  public static final int IFLA_LINKINFO = 18;

  /** Move or create the link in the namespace of this PID, u32. */
  public static final int IFLA_NET_NS_PID = 19;

  /** Move or create the link in the namespace of this file descriptor, u32. */
  public static final int IFLA_NET_NS_FD = 28;

  /** Namespace ID (relative to the reader) where {@link #IFLA_LINK} lives, s32. */
  public static final int IFLA_LINK_NETNSID = 37;

  /** Inside {@link #IFLA_LINKINFO}: driver kind string, e.g. "veth", "bridge". */
  public static final int IFLA_INFO_KIND = 1;

  /** Inside {@link #IFLA_LINKINFO}: nested driver-specific data. */
  public static final int IFLA_INFO_DATA = 2;

  /** Inside {@link #IFLA_LINKINFO}: the master's kind for a port, e.g. "bridge". */
  public static final int IFLA_INFO_SLAVE_KIND = 4;

  /** Inside {@link #IFLA_INFO_DATA} of a veth: an ifinfomsg + attributes for the peer. */
  public static final int VETH_INFO_PEER = 1;

  /** Inside {@link #IFLA_INFO_DATA} of a vxlan: the VNI, u32. */
  public static final int IFLA_VXLAN_ID = 1;

  /** Inside {@link #IFLA_INFO_DATA} of a vxlan: ifindex of the underlay device, u32. */
  public static final int IFLA_VXLAN_LINK = 3;

  /** Inside {@link #IFLA_INFO_DATA} of a vxlan: the local VTEP address, IPv4 in network order. */
  public static final int IFLA_VXLAN_LOCAL = 4;

  /** Inside {@link #IFLA_INFO_DATA} of a vxlan: learn remote MACs from received packets, u8. */
  public static final int IFLA_VXLAN_LEARNING = 7;

  /**
   * Inside {@link #IFLA_INFO_DATA} of a vxlan: answer ARP requests from the device's own neighbour
   * table instead of sending them over the tunnel, u8.
   */
  public static final int IFLA_VXLAN_PROXY = 11;

  /** Inside {@link #IFLA_INFO_DATA} of a vxlan: notify user space of FDB misses, u8. */
  public static final int IFLA_VXLAN_L2MISS = 13;

  /** Inside {@link #IFLA_INFO_DATA} of a vxlan: notify user space of neighbour misses, u8. */
  public static final int IFLA_VXLAN_L3MISS = 14;

  /** Inside {@link #IFLA_INFO_DATA} of a vxlan: destination UDP port, u16 in network order. */
  public static final int IFLA_VXLAN_PORT = 15;

  /** Decodes the struct and its attributes from a message body. */
  public static IfInfoMsg decode(ByteBuffer body) {
    if (body.remaining() < LEN) {
      throw new NetlinkFormatException("ifinfomsg needs 16 bytes, got " + body.remaining());
    }
    int p = body.position();
    int family = Byte.toUnsignedInt(body.get(p));
    int type = Short.toUnsignedInt(body.getShort(p + 2));
    int index = body.getInt(p + 4);
    int flags = body.getInt(p + 8);
    Attributes attrs =
        Attributes.parse(body.slice(p + LEN, body.remaining() - LEN).order(body.order()));
    return new IfInfoMsg(family, type, index, flags, attrs);
  }
}

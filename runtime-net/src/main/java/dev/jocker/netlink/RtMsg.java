package dev.jocker.netlink;

import java.nio.ByteBuffer;

/**
 * {@code struct rtmsg} (family, dst_len, src_len, tos, table, protocol, scope, type as u8, then
 * flags u32) and the {@code RTA_*} attributes after it.
 *
 * @param family {@code AF_INET} or {@code AF_INET6}
 * @param dstLength destination prefix length (0 for the default route)
 * @param table routing table (254 = main) when below 256, else see {@link #RTA_TABLE}
 * @param protocol who installed it (2 kernel, 3 boot, 4 static)
 * @param scope 0 universe, 253 link, 254 host
 * @param routeType 1 unicast, 2 local, 3 broadcast
 * @param attributes the {@code RTA_*} attributes
 */
public record RtMsg(
    int family,
    int dstLength,
    int table,
    int protocol,
    int scope,
    int routeType,
    Attributes attributes) {
  /** Size of the fixed struct. */
  public static final int LEN = 12;

  /** The main routing table. */
  public static final int RT_TABLE_MAIN = 254;

  /** Route installed by the kernel (on-link routes of addresses). */
  public static final int RTPROT_KERNEL = 2;

  /** Route installed by an administrator at boot or runtime (iproute2's default). */
  public static final int RTPROT_BOOT = 3;

  /** Global scope. */
  public static final int RT_SCOPE_UNIVERSE = 0;

  /** Destination directly on the link. */
  public static final int RT_SCOPE_LINK = 253;

  /** A gateway or direct route. */
  public static final int RTN_UNICAST = 1;

  /** Destination address. */
  public static final int RTA_DST = 1;

  /** Output interface index, u32. */
  public static final int RTA_OIF = 4;

  /** Gateway address. */
  public static final int RTA_GATEWAY = 5;

  /** Metric, u32. */
  public static final int RTA_PRIORITY = 6;

  /** Preferred source address. */
  public static final int RTA_PREFSRC = 7;

  /** Table ID, u32 (authoritative over the struct's u8). */
  public static final int RTA_TABLE = 15;

  /** Decodes the struct and its attributes from a message body. */
  public static RtMsg decode(ByteBuffer body) {
    if (body.remaining() < LEN) {
      throw new NetlinkFormatException("rtmsg needs 12 bytes, got " + body.remaining());
    }
    int p = body.position();
    Attributes attrs =
        Attributes.parse(body.slice(p + LEN, body.remaining() - LEN).order(body.order()));
    return new RtMsg(
        Byte.toUnsignedInt(body.get(p)),
        Byte.toUnsignedInt(body.get(p + 1)),
        attrs.integer(RTA_TABLE, Byte.toUnsignedInt(body.get(p + 4))),
        Byte.toUnsignedInt(body.get(p + 5)),
        Byte.toUnsignedInt(body.get(p + 6)),
        Byte.toUnsignedInt(body.get(p + 7)),
        attrs);
  }
}

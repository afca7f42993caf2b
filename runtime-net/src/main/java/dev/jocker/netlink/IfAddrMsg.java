package dev.jocker.netlink;

import java.nio.ByteBuffer;

/**
 * {@code struct ifaddrmsg} (family u8, prefixlen u8, flags u8, scope u8, index u32) and the {@code
 * IFA_*} attributes after it.
 *
 * @param family {@code AF_INET} (2) or {@code AF_INET6} (10)
 * @param prefixLength e.g. 16 for a /16
 * @param flags {@code IFA_F_*} flags
 * @param scope 0 global, 253 link, 254 host
 * @param index interface index
 * @param attributes the {@code IFA_*} attributes
 */
public record IfAddrMsg(
    int family, int prefixLength, int flags, int scope, int index, Attributes attributes) {
  /** Size of the fixed struct. */
  public static final int LEN = 8;

  /** Peer address (equals {@link #IFA_LOCAL} on broadcast interfaces). */
  public static final int IFA_ADDRESS = 1;

  /** The local address. */
  public static final int IFA_LOCAL = 2;

  /** Label, e.g. "eth0" (IPv4 only). */
  public static final int IFA_LABEL = 3;

  /** Broadcast address. */
  public static final int IFA_BROADCAST = 4;

  /** Decodes the struct and its attributes from a message body. */
  public static IfAddrMsg decode(ByteBuffer body) {
    if (body.remaining() < LEN) {
      throw new NetlinkFormatException("ifaddrmsg needs 8 bytes, got " + body.remaining());
    }
    int p = body.position();
    Attributes attrs =
        Attributes.parse(body.slice(p + LEN, body.remaining() - LEN).order(body.order()));
    return new IfAddrMsg(
        Byte.toUnsignedInt(body.get(p)),
        Byte.toUnsignedInt(body.get(p + 1)),
        Byte.toUnsignedInt(body.get(p + 2)),
        Byte.toUnsignedInt(body.get(p + 3)),
        body.getInt(p + 4),
        attrs);
  }
}

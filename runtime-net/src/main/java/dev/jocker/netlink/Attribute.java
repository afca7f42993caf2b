package dev.jocker.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One {@code struct rtattr}/{@code nlattr}: len u16, type u16 (host order), then the value padded
 * to 4 bytes. The nested bit (0x8000) and byte-order bit (0x4000) are masked off {@link #type()}.
 *
 * @param type attribute type without flag bits
 * @param value the value bytes, without padding
 */
public record Attribute(int type, byte[] value) {
  /** Size of the attribute header. */
  public static final int HEADER_LEN = 4;

  private static final int TYPE_MASK = 0x3fff;

  /** The value as a NUL-terminated string (the NUL and anything after it dropped). */
  public String asString() {
    int end = 0;
    while (end < value.length && value[end] != 0) {
      end++;
    }
    return new String(value, 0, end, StandardCharsets.UTF_8);
  }

  /** The value as a host-order u32. */
  public int asInt() {
    requireLength(4);
    return ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getInt();
  }

  /** The value as a u8. */
  public int asByte() {
    requireLength(1);
    return Byte.toUnsignedInt(value[0]);
  }

  /** The value as a u16 in network byte order (a {@code be16}, e.g. a UDP port). */
  public int asBigEndianShort() {
    requireLength(2);
    return ((value[0] & 0xff) << 8) | (value[1] & 0xff);
  }

  /** The value as an address in network byte order (4 bytes IPv4, 16 bytes IPv6). */
  public InetAddress asInetAddress() {
    try {
      return InetAddress.getByAddress(value);
    } catch (UnknownHostException e) {
      throw new NetlinkFormatException(
          "attribute " + type + ": " + value.length + " bytes are not an IP address");
    }
  }

  /** The value parsed as nested attributes. */
  public Attributes nested() {
    return Attributes.parse(ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()));
  }

  private void requireLength(int length) {
    if (value.length < length) {
      throw new NetlinkFormatException(
          "attribute " + type + " has " + value.length + " bytes, needs " + length);
    }
  }

  static Attribute read(ByteBuffer buf) {
    int start = buf.position();
    if (buf.remaining() < HEADER_LEN) {
      throw new NetlinkFormatException(buf.remaining() + " bytes left, too short for an attribute");
    }
    int len = Short.toUnsignedInt(buf.getShort(start));
    int type = Short.toUnsignedInt(buf.getShort(start + 2)) & TYPE_MASK;
    if (len < HEADER_LEN || len > buf.remaining()) {
      throw new NetlinkFormatException(
          "attribute " + type + " claims " + len + " bytes, " + buf.remaining() + " available");
    }
    byte[] value = new byte[len - HEADER_LEN];
    buf.get(start + HEADER_LEN, value);
    buf.position(Math.min(buf.limit(), start + NlMsg.align(len)));
    return new Attribute(type, value);
  }
}

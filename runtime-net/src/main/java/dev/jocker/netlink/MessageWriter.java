package dev.jocker.netlink;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds one request: header, fixed struct, attributes (each padded to 4 bytes) and nests whose
 * length is patched when they close. Host byte order throughout, addresses as given (network
 * order).
 */
public final class MessageWriter {
  private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());

  /** Starts a message of {@code type} with {@code flags}; the length is patched by {@link #seq}. */
  public MessageWriter(int type, int flags) {
    buf.putInt(0).putShort((short) type).putShort((short) flags).putInt(0).putInt(0);
  }

  /** {@code struct ifinfomsg}: family u8, pad u8, type u16, index s32, flags u32, change u32. */
  public MessageWriter ifinfomsg(int family, int index, int flags, int change) {
    ensure(16);
    buf.put((byte) family).put((byte) 0).putShort((short) 0);
    buf.putInt(index).putInt(flags).putInt(change);
    return this;
  }

  /** {@code struct ifaddrmsg}: family u8, prefixlen u8, flags u8, scope u8, index u32. */
  public MessageWriter ifaddrmsg(int family, int prefixLength, int flags, int scope, int index) {
    ensure(8);
    buf.put((byte) family).put((byte) prefixLength).put((byte) flags).put((byte) scope);
    buf.putInt(index);
    return this;
  }

  /**
   * {@code struct rtmsg}: family, dst_len, src_len, tos, table, protocol, scope, type (u8 each),
   * flags u32.
   */
  public MessageWriter rtmsg(
      int family, int dstLength, int table, int protocol, int scope, int routeType) {
    ensure(12);
    buf.put((byte) family).put((byte) dstLength).put((byte) 0).put((byte) 0);
    buf.put((byte) table).put((byte) protocol).put((byte) scope).put((byte) routeType);
    buf.putInt(0);
    return this;
  }

  /**
   * {@code struct ndmsg}: family u8, pad u8, pad u16, ifindex s32, state u16, flags u8, type u8.
   */
  public MessageWriter ndmsg(int family, int index, int state, int flags, int type) {
    ensure(12);
    buf.put((byte) family).put((byte) 0).putShort((short) 0);
    buf.putInt(index).putShort((short) state).put((byte) flags).put((byte) type);
    return this;
  }

  /** An attribute with raw bytes. */
  public MessageWriter attr(int type, byte[] value) {
    int len = Attribute.HEADER_LEN + value.length;
    ensure(NlMsg.align(len));
    buf.putShort((short) len).putShort((short) type).put(value);
    pad();
    return this;
  }

  /** A NUL-terminated string attribute, as the kernel expects for names and kinds. */
  public MessageWriter attr(int type, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    byte[] z = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, z, 0, bytes.length);
    return attr(type, z);
  }

  /**
   * A string attribute without the NUL, as iproute2 sends {@code IFLA_INFO_KIND}: the kernel's
   * policy for such attributes ({@code NLA_STRING}) takes the length from the attribute.
   */
  public MessageWriter attrUnterminated(int type, String value) {
    return attr(type, value.getBytes(StandardCharsets.UTF_8));
  }

  /** A host-order u32 attribute. */
  public MessageWriter attrInt(int type, int value) {
    return attr(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
  }

  /** A u8 attribute (flags such as {@code IFLA_VXLAN_LEARNING}). */
  public MessageWriter attrByte(int type, int value) {
    return attr(type, new byte[] {(byte) value});
  }

  /** A u16 attribute in network byte order ({@code be16} in the kernel's policy, e.g. ports). */
  public MessageWriter attrBigEndianShort(int type, int value) {
    return attr(type, new byte[] {(byte) (value >>> 8), (byte) value});
  }

  /** An address attribute in network byte order. */
  public MessageWriter attr(int type, InetAddress address) {
    return attr(type, address.getAddress());
  }

  /** Opens a nested attribute; returns the token for {@link #endNested}. */
  public int beginNested(int type) {
    ensure(Attribute.HEADER_LEN);
    int start = buf.position();
    buf.putShort((short) 0).putShort((short) type);
    return start;
  }

  /** Closes the nested attribute opened at {@code token}, patching its length. */
  public MessageWriter endNested(int token) {
    buf.putShort(token, (short) (buf.position() - token));
    return this;
  }

  /** Finishes the message with sequence number {@code seq} and returns its bytes. */
  public byte[] seq(int seq) {
    buf.putInt(0, buf.position());
    buf.putInt(8, seq);
    byte[] out = new byte[buf.position()];
    buf.get(0, out);
    return out;
  }

  private void pad() {
    while ((buf.position() & 3) != 0) {
      buf.put((byte) 0);
    }
  }

  private void ensure(int more) {
    if (buf.remaining() < more + 3) {
      ByteBuffer bigger =
          ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + more + 64))
              .order(ByteOrder.nativeOrder());
      buf.flip();
      bigger.put(buf);
      buf = bigger;
    }
  }
}

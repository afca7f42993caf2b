package dev.jocker.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One netlink message: {@code struct nlmsghdr} (len u32, type u16, flags u16, seq u32, pid u32, in
 * host byte order) followed by a type-specific body.
 *
 * @param type message type, e.g. {@link #RTM_NEWLINK} or {@link #NLMSG_ERROR}
 * @param flags {@code NLM_F_*} bits
 * @param seq sequence number that pairs replies with requests
 * @param pid port ID of the sender (0 for the kernel)
 * @param body the bytes after the 16-byte header, positioned at 0, in host byte order
 */
public record NlMsg(int type, int flags, int seq, int pid, ByteBuffer body) {
  /** Size of {@code struct nlmsghdr}. */
  public static final int HEADER_LEN = 16;

  /** No operation; skipped by readers. */
  public static final int NLMSG_NOOP = 1;

  /** An error or, with error code 0, an acknowledgement: {@code struct nlmsgerr}. */
  public static final int NLMSG_ERROR = 2;

  /** End of a multi-part dump. */
  public static final int NLMSG_DONE = 3;

  /** Create a link; body {@code ifinfomsg}. */
  public static final int RTM_NEWLINK = 16;

  /** Delete a link; body {@code ifinfomsg}. */
  public static final int RTM_DELLINK = 17;

  /** Get or dump links; body {@code ifinfomsg}. */
  public static final int RTM_GETLINK = 18;

  /** Change a link's attributes; body {@code ifinfomsg}. */
  public static final int RTM_SETLINK = 19;

  /** Add an address; body {@code ifaddrmsg}. */
  public static final int RTM_NEWADDR = 20;

  /** Delete an address; body {@code ifaddrmsg}. */
  public static final int RTM_DELADDR = 21;

  /** Dump addresses; body {@code ifaddrmsg}. */
  public static final int RTM_GETADDR = 22;

  /** Add a route; body {@code rtmsg}. */
  public static final int RTM_NEWROUTE = 24;

  /** Delete a route; body {@code rtmsg}. */
  public static final int RTM_DELROUTE = 25;

  /** Dump routes; body {@code rtmsg}. */
  public static final int RTM_GETROUTE = 26;

  /** Add or replace a neighbour or FDB entry; body {@code ndmsg}. */
  public static final int RTM_NEWNEIGH = 28;

  /** Delete a neighbour or FDB entry; body {@code ndmsg}. */
  public static final int RTM_DELNEIGH = 29;

  /** Dump neighbour or FDB entries; body {@code ndmsg}. */
  public static final int RTM_GETNEIGH = 30;

  /** Every request carries this bit. */
  public static final int NLM_F_REQUEST = 0x1;

  /** Part of a multi-part reply that ends with {@link #NLMSG_DONE}. */
  public static final int NLM_F_MULTI = 0x2;

  /** Ask the kernel to acknowledge the request with an {@link #NLMSG_ERROR} of code 0. */
  public static final int NLM_F_ACK = 0x4;

  /** Send the requester the notification of what its request made (Linux 6.1+ for new links). */
  public static final int NLM_F_ECHO = 0x8;

  /** The dump was interrupted by a change; its result may be inconsistent. */
  public static final int NLM_F_DUMP_INTR = 0x10;

  /** Dump every object instead of getting one ({@code NLM_F_ROOT | NLM_F_MATCH}). */
  public static final int NLM_F_DUMP = 0x300;

  /** For new objects: replace an existing one. */
  public static final int NLM_F_REPLACE = 0x100;

  /** For new objects: fail with EEXIST if it exists. */
  public static final int NLM_F_EXCL = 0x200;

  /** For new objects: create it if it does not exist. */
  public static final int NLM_F_CREATE = 0x400;

  /** On {@link #NLMSG_ERROR}: the copied request was cut to its header (NETLINK_CAP_ACK). */
  public static final int NLM_F_CAPPED = 0x100;

  /** On {@link #NLMSG_ERROR}: extended-ACK attributes follow the copied request. */
  public static final int NLM_F_ACK_TLVS = 0x200;

  /** Rounds {@code len} up to netlink's 4-byte alignment. */
  public static int align(int len) {
    return (len + 3) & ~3;
  }

  /**
   * Splits one datagram into its messages. Each message must fit the datagram and be at least a
   * header long; padding between messages is skipped.
   */
  public static java.util.List<NlMsg> parseAll(ByteBuffer datagram) {
    ByteBuffer buf = datagram.duplicate().order(ByteOrder.nativeOrder());
    java.util.List<NlMsg> out = new java.util.ArrayList<>();
    while (buf.remaining() >= HEADER_LEN) {
      int start = buf.position();
      int len = buf.getInt(start);
      if (len < HEADER_LEN) {
        throw new NetlinkFormatException(
            "nlmsg_len " + len + " is shorter than the 16-byte header");
      }
      if (len > buf.remaining()) {
        throw new NetlinkFormatException(
            "nlmsg_len " + len + " exceeds the " + buf.remaining() + " bytes received");
      }
      int type = Short.toUnsignedInt(buf.getShort(start + 4));
      int flags = Short.toUnsignedInt(buf.getShort(start + 6));
      int seq = buf.getInt(start + 8);
      int pid = buf.getInt(start + 12);
      ByteBuffer body =
          buf.slice(start + HEADER_LEN, len - HEADER_LEN).order(ByteOrder.nativeOrder());
      out.add(new NlMsg(type, flags, seq, pid, body));
      buf.position(Math.min(buf.limit(), start + align(len)));
    }
    if (buf.hasRemaining()) {
      throw new NetlinkFormatException(buf.remaining() + " trailing bytes are not a message");
    }
    return out;
  }
}

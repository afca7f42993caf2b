package dev.jocker.netlink;

import java.nio.ByteBuffer;

/**
 * {@code struct nlmsgerr}: error s32 (negative errno, 0 for an ACK), a copy of the request's header
 * (and its body unless {@link NlMsg#NLM_F_CAPPED}), then extended-ACK attributes when {@link
 * NlMsg#NLM_F_ACK_TLVS} is set.
 *
 * @param error 0 for success, else a negative errno
 * @param requestSeq sequence number of the request this answers
 * @param message the kernel's extended-ACK text ({@code NLMSGERR_ATTR_MSG}), or null
 * @param offset offset of the offending attribute in the request ({@code NLMSGERR_ATTR_OFFS}), or
 *     -1
 */
public record NlMsgErr(int error, int requestSeq, String message, int offset) {
  /** Extended ACK: a human-readable error string. */
  public static final int NLMSGERR_ATTR_MSG = 1;

  /** Extended ACK: u32 offset of the attribute that caused the error. */
  public static final int NLMSGERR_ATTR_OFFS = 2;

  /** Decodes the body of an {@link NlMsg#NLMSG_ERROR} message with the given header flags. */
  public static NlMsgErr decode(ByteBuffer body, int flags) {
    if (body.remaining() < 4 + NlMsg.HEADER_LEN) {
      throw new NetlinkFormatException("nlmsgerr needs 20 bytes, got " + body.remaining());
    }
    int p = body.position();
    int error = body.getInt(p);
    int requestLen = body.getInt(p + 4);
    int requestSeq = body.getInt(p + 12);
    int copied = (flags & NlMsg.NLM_F_CAPPED) != 0 || error == 0 ? NlMsg.HEADER_LEN : requestLen;
    int tlvStart = 4 + NlMsg.align(copied);
    String message = null;
    int offset = -1;
    if ((flags & NlMsg.NLM_F_ACK_TLVS) != 0 && tlvStart <= body.remaining()) {
      Attributes tlvs =
          Attributes.parse(
              body.slice(p + tlvStart, body.remaining() - tlvStart).order(body.order()));
      message = tlvs.string(NLMSGERR_ATTR_MSG);
      offset = tlvs.integer(NLMSGERR_ATTR_OFFS, -1);
    }
    return new NlMsgErr(error, requestSeq, message, offset);
  }
}

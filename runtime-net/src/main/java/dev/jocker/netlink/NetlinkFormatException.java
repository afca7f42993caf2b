package dev.jocker.netlink;

/**
 * Bytes that are not a well-formed netlink message: truncated, misaligned or self-contradicting.
 */
public final class NetlinkFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NetlinkFormatException(String message) {
    super(message);
  }
}

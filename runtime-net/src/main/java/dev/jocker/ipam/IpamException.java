package dev.jocker.ipam;

/** Bad input or an impossible request; the message says which rule failed. */
public final class IpamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IpamException(String message) {
    super(message);
  }
}

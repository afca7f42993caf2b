package dev.jocker.portmap;

/** A port specification Docker refuses; the message is Docker's own text for it. */
public final class PortSpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public PortSpecException(String message) {
    super(message);
  }
}

package dev.jocker.bridge;

/** The bridge or an endpoint could not be set up; the message says what and why. */
public final class BridgeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BridgeException(String message) {
    super(message);
  }

  public BridgeException(String message, Throwable cause) {
    super(message, cause);
  }
}

package dev.jocker.portmap;

/**
 * A host port could not be published; the message is Docker's, e.g. {@code Bind for 0.0.0.0:8080
 * failed: port is already allocated} or {@code Error starting userland proxy: listen tcp4
 * 0.0.0.0:8080: bind: address already in use}. Docker's daemon puts {@code driver failed
 * programming external connectivity on endpoint NAME (ID): } before it.
 */
public final class PortMapException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PortMapException(String message) {
    super(message);
  }

  public PortMapException(String message, Throwable cause) {
    super(message, cause);
  }
}

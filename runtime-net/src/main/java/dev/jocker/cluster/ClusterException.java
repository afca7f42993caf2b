package dev.jocker.cluster;

/**
 * A cluster operation that failed: the store unreachable, a conflict with another host (a hostname,
 * a VNI, a name, an address block), or a rule of the overlay broken. The message says what failed,
 * on what, and why.
 */
public class ClusterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ClusterException(String message) {
    super(message);
  }

  public ClusterException(String message, Throwable cause) {
    super(message, cause);
  }
}

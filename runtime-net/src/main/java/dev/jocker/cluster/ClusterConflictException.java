package dev.jocker.cluster;

/**
 * A cluster operation refused because of what another record holds: a name, a VNI or a subnet
 * taken, endpoints left on a network, a hostname in use by another machine. Nothing was changed.
 */
public final class ClusterConflictException extends ClusterException {
  private static final long serialVersionUID = 1L;

  public ClusterConflictException(String message) {
    super(message);
  }
}

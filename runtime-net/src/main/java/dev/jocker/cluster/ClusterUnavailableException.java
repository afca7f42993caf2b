package dev.jocker.cluster;

/**
 * The cluster store did not answer in time. Nothing was changed by the failed call (every write is
 * one etcd transaction); the same call may be tried again once the store is back.
 */
public final class ClusterUnavailableException extends ClusterException {
  private static final long serialVersionUID = 1L;

  public ClusterUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}

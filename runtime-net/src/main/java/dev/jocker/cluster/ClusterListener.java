package dev.jocker.cluster;

/**
 * What a {@link ClusterWatch} reports, in store order, one call at a time. Endpoints of every host
 * are reported, this host's too: a listener that programs the kernel skips its own.
 */
public interface ClusterListener {
  /** An endpoint appeared (or changed: then it is first removed, with its old record). */
  void endpointAdded(EndpointRecord endpoint);

  /** An endpoint is gone: removed by its host, or with its host's lease. */
  void endpointRemoved(EndpointRecord endpoint);

  /** A host joined, or its record changed (it joined again, before its lease expired). */
  default void memberJoined(Member member) {}

  /** A host is gone: it left, or its lease expired. */
  default void memberLeft(Member member) {}

  /** A network was created or changed. */
  default void networkChanged(OverlayNetwork network) {}

  /** A network was removed. */
  default void networkRemoved(OverlayNetwork network) {}
}

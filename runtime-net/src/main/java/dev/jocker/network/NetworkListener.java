package dev.jocker.network;

import dev.jocker.store.NetworkRecord;

/**
 * What the controller reports to whoever owns it (the engine logs each with the container's name,
 * which the controller does not know).
 */
public interface NetworkListener {
  /** A network was created, its bridge and rules in place. */
  void networkCreated(NetworkRecord network);

  /** A network was removed with its bridge and rules. */
  void networkRemoved(NetworkRecord network);

  /** A container's sandbox was made and its endpoints joined. */
  void sandboxJoined(Sandbox sandbox);

  /** A container's sandbox was released: endpoints, namespace, leased addresses. */
  void sandboxReleased(Sandbox sandbox);

  /** The periodic check or a reconcile put something back; {@code network} is null for the host. */
  void healed(String network, String change);
}

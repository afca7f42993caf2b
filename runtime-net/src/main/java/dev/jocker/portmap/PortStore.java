package dev.jocker.portmap;

import java.util.List;

/**
 * Where published ports are kept durably: the network controller's open store transaction, or
 * memory in tests. A port recorded here commits or rolls back together with whatever else the
 * transaction does (the journal entry of the start or stop that takes or frees it).
 */
public interface PortStore {
  /** Records that {@code port.owner()} holds {@code port}. */
  void insertPort(PublishedPort port);

  /** Forgets {@code port}. */
  void deletePort(PublishedPort port);

  /** Every recorded port, oldest first (the order their rules were appended in). */
  List<PublishedPort> ports();

  /** Runs {@code undo} if the surrounding transaction rolls back. */
  void onRollback(Runnable undo);
}

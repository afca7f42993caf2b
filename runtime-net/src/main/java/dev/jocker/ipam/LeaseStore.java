package dev.jocker.ipam;

import java.util.Map;

/**
 * Where leases are kept durably: the engine's open store transaction, or memory in tests. A lease
 * written here commits or rolls back together with whatever else the transaction does.
 */
public interface LeaseStore {
  /** Records that {@code owner} holds {@code address} on the network. */
  void insertLease(String networkId, int address, String owner);

  /** Forgets the lease of {@code address} on the network. */
  void deleteLease(String networkId, int address);

  /** Every lease of the network: address to owner. */
  Map<Integer, String> leases(String networkId);

  /** Runs {@code undo} if the surrounding transaction rolls back. */
  void onRollback(Runnable undo);
}

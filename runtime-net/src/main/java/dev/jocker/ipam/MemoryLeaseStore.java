package dev.jocker.ipam;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Leases in memory, for unit tests of the allocation logic; nothing ever rolls back. */
public final class MemoryLeaseStore implements LeaseStore {
  private final Map<String, Map<Integer, String>> leases = new ConcurrentHashMap<>();

  @Override
  public void insertLease(String networkId, int address, String owner) {
    Map<Integer, String> net = leases.computeIfAbsent(networkId, k -> new ConcurrentHashMap<>());
    if (net.putIfAbsent(address, owner) != null) {
      throw new IllegalStateException("address " + Ipv4.format(address) + " is leased twice");
    }
  }

  @Override
  public void deleteLease(String networkId, int address) {
    leases.getOrDefault(networkId, new HashMap<>()).remove(address);
  }

  @Override
  public Map<Integer, String> leases(String networkId) {
    return Map.copyOf(leases.getOrDefault(networkId, Map.of()));
  }

  @Override
  public void onRollback(Runnable undo) {}
}

package dev.jocker.network;

import dev.jocker.ipam.LeaseStore;

/**
 * Where a network's endpoint addresses come from when several hosts hand them out (an overlay's
 * blocks) rather than this host's IPAM alone. Leases are written to the caller's {@link LeaseStore}
 * (the controller's store transaction), keyed by the network's ID as for any network.
 */
public interface AddressSpace {
  /**
   * Leases {@code requested} (or, when null, a free address) to {@code owner}; fails with an {@link
   * dev.jocker.ipam.IpamException} when none is free or the address is taken.
   */
  int allocate(LeaseStore leases, String requested, String owner);

  /** Releases an address {@link #allocate} leased. */
  void release(LeaseStore leases, int address);
}

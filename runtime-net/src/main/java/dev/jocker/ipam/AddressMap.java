package dev.jocker.ipam;

import java.util.BitSet;

/**
 * Which addresses of a pool are taken, as a bit per address of the range: lowest-free lookup walks
 * 64 addresses per step instead of probing each one, so it stays flat as the pool fills.
 */
final class AddressMap {
  private final Pool pool;
  private final BitSet used = new BitSet();

  AddressMap(Pool pool) {
    this.pool = pool;
    for (int a : new int[] {pool.subnet().network(), pool.subnet().broadcast(), pool.gateway()}) {
      if (pool.range().contains(a)) {
        used.set(offset(a));
      }
    }
  }

  /** The lowest free address, or empty when the pool is exhausted. */
  java.util.OptionalInt lowestFree() {
    int offset = used.nextClearBit(0);
    return offset >= pool.range().size()
        ? java.util.OptionalInt.empty()
        : java.util.OptionalInt.of(pool.range().network() + offset);
  }

  /** Marks every address of the range before {@code first} or after {@code last} as used. */
  void setOutside(int first, int last) {
    used.set(0, offset(first));
    long end = pool.range().size();
    if (offset(last) + 1L < end) {
      used.set(offset(last) + 1, (int) end);
    }
  }

  boolean isUsed(int address) {
    return used.get(offset(address));
  }

  void set(int address) {
    used.set(offset(address));
  }

  void clear(int address) {
    if (!pool.reserved(address)) {
      used.clear(offset(address));
    }
  }

  private int offset(int address) {
    return address - pool.range().network();
  }
}

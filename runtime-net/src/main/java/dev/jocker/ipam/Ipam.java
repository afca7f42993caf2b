package dev.jocker.ipam;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Hands out addresses of registered pools: the lowest free one first, a released one free again at
 * once, as Docker does for local bridge networks. The in-memory map is rebuilt from the durable
 * leases, so a restart never hands out an address that is still leased.
 */
public final class Ipam {
  /**
   * A registered pool; {@code first} and {@code last} bound what is handed out inside its range
   * (the range's own ends unless a caller narrowed them, as CNI's rangeStart and rangeEnd do).
   */
  private record Network(String name, Pool pool, AddressMap map, int first, int last) {
    boolean inBounds(int address) {
      return Integer.compareUnsigned(address, first) >= 0
          && Integer.compareUnsigned(address, last) <= 0;
    }

    long capacity() {
      long n = Integer.toUnsignedLong(last) - Integer.toUnsignedLong(first) + 1;
      for (int a : new int[] {pool.subnet().network(), pool.subnet().broadcast(), pool.gateway()}) {
        if (inBounds(a) && pool.range().contains(a)) {
          n--;
        }
      }
      return n;
    }

    String bounds() {
      return first == pool.range().network() && last == pool.range().broadcast()
          ? pool.range().toString()
          : Ipv4.format(first) + "-" + Ipv4.format(last);
    }
  }

  private final Map<String, Network> networks = new HashMap<>();

  /** Makes a network's pool available, marking the leases already recorded for it as taken. */
  public synchronized void register(LeaseStore leases, String networkId, String name, Pool pool) {
    register(leases, networkId, name, pool, pool.range().network(), pool.range().broadcast());
  }

  /**
   * As {@link #register(LeaseStore, String, String, Pool)}, handing out only the addresses from
   * {@code first} to {@code last} of the pool's range (host-local's {@code rangeStart} and {@code
   * rangeEnd}, which need not bound a CIDR block).
   */
  public synchronized void register(
      LeaseStore leases, String networkId, String name, Pool pool, int first, int last) {
    if (!pool.range().contains(first)
        || !pool.range().contains(last)
        || Integer.compareUnsigned(first, last) > 0) {
      throw new IpamException(
          "range "
              + Ipv4.format(first)
              + "-"
              + Ipv4.format(last)
              + " is not an ascending range inside "
              + pool.range()
              + " of network "
              + name);
    }
    AddressMap map = new AddressMap(pool);
    // The bits outside the bounds are marked used in memory only: no lease is ever written for
    // them, and release refuses them.
    map.setOutside(first, last);
    for (int address : leases.leases(networkId).keySet()) {
      if (pool.range().contains(address)) {
        map.set(address);
      }
    }
    networks.put(networkId, new Network(name, pool, map, first, last));
  }

  /** Forgets a network's pool (when the network is removed). */
  public synchronized void unregister(String networkId) {
    networks.remove(networkId);
  }

  /**
   * Refuses {@code subnet} when it overlaps the subnet of a registered network, naming that
   * network, as Docker refuses a {@code network create --subnet} that overlaps another.
   */
  public synchronized void checkNoOverlap(Subnet subnet) {
    for (Network n : networks.values()) {
      if (n.pool().subnet().overlaps(subnet)) {
        throw new IpamException(
            "subnet "
                + subnet
                + " overlaps network "
                + n.name()
                + " ("
                + n.pool().subnet()
                + "); choose another --subnet");
      }
    }
  }

  /** The subnets of every registered network. */
  public synchronized List<Subnet> subnets() {
    return networks.values().stream().map(n -> n.pool().subnet()).toList();
  }

  /** How many addresses of a registered network can be leased, in use or not. */
  public synchronized long capacity(String networkId) {
    return network(networkId).capacity();
  }

  /** The pool of a registered network. */
  public synchronized Pool pool(String networkId) {
    return network(networkId).pool();
  }

  /**
   * Leases {@code requested} (when not null) or the lowest free address to {@code owner}. Errors
   * say whether a requested address is outside the subnet or range, reserved, or taken.
   */
  public synchronized int allocate(
      LeaseStore leases, String networkId, String requested, String owner) {
    Network net = network(networkId);
    int address;
    if (requested != null && !requested.isEmpty()) {
      address = Ipv4.parse(requested);
      Pool pool = net.pool();
      if (!pool.subnet().contains(address)) {
        throw new IpamException(
            "address "
                + requested
                + " is outside subnet "
                + pool.subnet()
                + " of network "
                + net.name());
      }
      if (!pool.range().contains(address)) {
        throw new IpamException(
            "address "
                + requested
                + " is outside ip-range "
                + pool.range()
                + " of network "
                + net.name());
      }
      if (!net.inBounds(address)) {
        throw new IpamException(
            "address "
                + requested
                + " is outside range "
                + net.bounds()
                + " of network "
                + net.name());
      }
      if (pool.reserved(address)) {
        throw new IpamException(
            "address "
                + requested
                + " is reserved (network, broadcast or gateway) on network "
                + net.name());
      }
      if (net.map().isUsed(address)) {
        throw new IpamException(
            "address " + requested + " is already in use on network " + net.name());
      }
    } else {
      OptionalInt free = net.map().lowestFree();
      if (free.isEmpty()) {
        throw new IpamException(
            "no available IPv4 addresses on network "
                + net.name()
                + ": all "
                + net.capacity()
                + " addresses of "
                + net.bounds()
                + " are in use");
      }
      address = free.getAsInt();
    }
    leases.insertLease(networkId, address, owner);
    net.map().set(address);
    int taken = address;
    leases.onRollback(() -> unmark(networkId, taken));
    return address;
  }

  /** Releases {@code address}; releasing a free address is a no-op. */
  public synchronized void release(LeaseStore leases, String networkId, int address) {
    Network net = network(networkId);
    if (!net.pool().range().contains(address) || !net.inBounds(address)) {
      throw new IpamException(
          "address "
              + Ipv4.format(address)
              + " is not in the pool "
              + net.bounds()
              + " of network "
              + net.name());
    }
    leases.deleteLease(networkId, address);
    net.map().clear(address);
    leases.onRollback(() -> remark(networkId, address));
  }

  private synchronized void unmark(String networkId, int address) {
    network(networkId).map().clear(address);
  }

  private synchronized void remark(String networkId, int address) {
    network(networkId).map().set(address);
  }

  private Network network(String networkId) {
    Network net = networks.get(networkId);
    if (net == null) {
      throw new IpamException("no address pool for network " + networkId);
    }
    return net;
  }
}

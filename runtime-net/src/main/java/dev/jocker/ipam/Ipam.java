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
  private record Network(String name, Pool pool, AddressMap map) {}

  private final Map<String, Network> networks = new HashMap<>();

  /** Makes a network's pool available, marking the leases already recorded for it as taken. */
  public synchronized void register(LeaseStore leases, String networkId, String name, Pool pool) {
    AddressMap map = new AddressMap(pool);
    for (int address : leases.leases(networkId).keySet()) {
      if (pool.range().contains(address)) {
        map.set(address);
      }
    }
    networks.put(networkId, new Network(name, pool, map));
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
                + net.pool().capacity()
                + " addresses of "
                + net.pool().range()
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
    if (!net.pool().range().contains(address)) {
      throw new IpamException(
          "address "
              + Ipv4.format(address)
              + " is not in the pool "
              + net.pool().range()
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

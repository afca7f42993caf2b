package dev.jocker.cluster;

import dev.jocker.ipam.Ipam;
import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.LeaseStore;
import dev.jocker.ipam.Pool;
import dev.jocker.ipam.Subnet;
import io.etcd.jetcd.kv.TxnResponse;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Addresses of overlay networks without a global lock, as Calico hands them out: a host claims a
 * block of the network's subnet (a /26 of a large subnet, a /28 of a /24) with one compare-and-swap
 * transaction (the block's key must not exist), then allocates inside its own blocks with the local
 * {@link Ipam} (lowest free first), and claims another block when they are full. No two hosts ever
 * own one block, so no two hosts ever hand out one address. A block's key lives under its host's
 * lease: when a host dies, its blocks are free again.
 *
 * <p>The leases of single addresses stay with the caller, in its {@link LeaseStore} (the daemon's
 * own store, journaled with the rest of a container's creation), keyed by the network ID as for any
 * other network.
 */
public final class BlockAllocator {
  private final Cluster cluster;
  private final Ipam ipam = new Ipam();

  /** Per network, the blocks this host owns, in address order. */
  private final Map<String, TreeMap<Integer, Subnet>> owned = new HashMap<>();

  BlockAllocator(Cluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Leases {@code requested} (when not null) or the lowest free address of this host's blocks to
   * {@code owner}, claiming a block first when none has room. A requested address must lie in a
   * block this host owns or one that is free.
   */
  public synchronized Inet4Address allocate(
      OverlayNetwork net, String requested, String owner, LeaseStore leases) {
    cluster.requireJoined();
    if (requested != null && !requested.isEmpty()) {
      int address;
      try {
        address = Ipv4.parse(requested);
      } catch (IpamException e) {
        throw new ClusterException("network " + net.name() + ": " + e.getMessage(), e);
      }
      Subnet block = blockOf(net, address);
      if (!owns(net.id(), block)) {
        claim(net, block);
      }
      return Ipv4.toInet(allocateIn(net, block, requested, owner, leases));
    }
    for (Subnet block : List.copyOf(blocks(net.id()))) {
      try {
        return Ipv4.toInet(allocateIn(net, block, null, owner, leases));
      } catch (IpamException full) {
        // This block is full: try the next one, then claim a new one.
      }
    }
    while (true) {
      Subnet block = claimFree(net);
      try {
        return Ipv4.toInet(allocateIn(net, block, null, owner, leases));
      } catch (IpamException full) {
        // A block whose only addresses are reserved (a /30 network's): claim the next one.
      }
    }
  }

  /**
   * Releases an address leased by {@link #allocate}; its block stays this host's. An address in a
   * block this host does not own (yet) after a restart, before {@link #resume}, or since the block
   * was lost while away from the store, only loses its lease: releasing never needs the store.
   */
  public synchronized void release(OverlayNetwork net, Inet4Address address, LeaseStore leases) {
    int a = Ipv4.of(address);
    Subnet block = blockOf(net, a);
    if (!owns(net.id(), block)) {
      leases.deleteLease(net.id(), a);
      return;
    }
    ipam.release(adapter(net, block, leases), key(net.id(), block), a);
  }

  /**
   * After a restart: claims again the blocks that hold the addresses {@code leases} records for the
   * network (still this host's when the old lease had not expired; free otherwise), so the
   * containers that kept their addresses keep them alone. A block another host took meanwhile is a
   * conflict, named in the error.
   */
  public synchronized void resume(OverlayNetwork net, LeaseStore leases) {
    cluster.requireJoined();
    Set<Subnet> needed = new TreeSet<>((x, y) -> Integer.compareUnsigned(x.network(), y.network()));
    for (int address : leases.leases(net.id()).keySet()) {
      needed.add(blockOf(net, address));
    }
    Map<Subnet, String> holders = holders(net);
    for (Subnet block : needed) {
      String holder = holders.get(block);
      if (holder != null && !holder.equals(cluster.hostname())) {
        throw new ClusterException(
            "network "
                + net.name()
                + ": block "
                + block
                + " with this host's addresses was claimed by host "
                + holder
                + " while this host was away");
      }
      if (!owns(net.id(), block)) {
        claim(net, block);
      }
    }
  }

  /** The blocks this host owns in the network. */
  public synchronized List<Subnet> blocks(String networkId) {
    return new ArrayList<>(owned.getOrDefault(networkId, new TreeMap<>()).values());
  }

  /** Every claimed block of the network and the host that holds it, from the store. */
  public Map<Subnet, String> holders(OverlayNetwork net) {
    cluster.requireJoined();
    Map<Subnet, String> out = new LinkedHashMap<>();
    for (Etcd.Kv kv : cluster.etcd().list(Keys.blocks(net.id())).kvs()) {
      out.put(Keys.parseCidr(Keys.last(kv.key())), kv.value());
    }
    return out;
  }

  /** Forgets the network's blocks here (after the network was removed from the store). */
  public synchronized void forget(String networkId) {
    TreeMap<Integer, Subnet> blocks = owned.remove(networkId);
    if (blocks != null) {
      for (Subnet block : blocks.values()) {
        ipam.unregister(key(networkId, block));
        cluster.disown(Keys.block(networkId, block));
      }
    }
  }

  private int allocateIn(
      OverlayNetwork net, Subnet block, String requested, String owner, LeaseStore leases) {
    try {
      return ipam.allocate(adapter(net, block, leases), key(net.id(), block), requested, owner);
    } catch (IpamException e) {
      if (requested == null) {
        throw e;
      }
      throw new ClusterException("network " + net.name() + ": " + e.getMessage(), e);
    }
  }

  /** Claims the lowest block nobody holds; fails when every block is held. */
  private Subnet claimFree(OverlayNetwork net) {
    Subnet subnet = net.parsedSubnet();
    long count = subnet.size() >> (32 - net.blockPrefix());
    long blockSize = 1L << (32 - net.blockPrefix());
    while (true) {
      Map<Subnet, String> holders = holders(net);
      Subnet free = null;
      for (long i = 0; i < count && free == null; i++) {
        Subnet candidate = new Subnet((int) (subnet.network() + i * blockSize), net.blockPrefix());
        if (!holders.containsKey(candidate)) {
          free = candidate;
        }
      }
      if (free == null) {
        Map<String, Long> perHost =
            holders.values().stream()
                .collect(Collectors.groupingBy(h -> h, TreeMap::new, Collectors.counting()));
        throw new ClusterException(
            "no available IPv4 addresses on network "
                + net.name()
                + ": all "
                + count
                + " blocks of "
                + subnet
                + " are claimed (blocks per host: "
                + perHost
                + ")");
      }
      if (tryClaim(net, free)) {
        return free;
      }
      // Another host claimed it first: read the blocks again and take the next.
    }
  }

  private void claim(OverlayNetwork net, Subnet block) {
    if (!tryClaim(net, block)) {
      String holder = holders(net).get(block);
      if (holder == null || !holder.equals(cluster.hostname())) {
        throw new ClusterException(
            "network "
                + net.name()
                + ": block "
                + block
                + " is claimed by host "
                + holder
                + "; an address in it can only be given out there");
      }
      register(net, block);
    }
  }

  /**
   * One compare-and-swap: the block's key must not exist and the network must be unchanged (not
   * being removed).
   */
  private boolean tryClaim(OverlayNetwork net, Subnet block) {
    long lease = cluster.requireJoined();
    Etcd.Kv network = cluster.networks().current(net.id());
    String key = Keys.block(net.id(), block);
    TxnResponse r =
        cluster
            .etcd()
            .txn(
                "claim block " + block + " of network " + net.name(),
                List.of(
                    Etcd.absent(key),
                    Etcd.unchanged(Keys.network(net.id()), network.modRevision())),
                List.of(Etcd.put(key, cluster.hostname(), lease)),
                List.of());
    if (r.isSucceeded()) {
      cluster.own(key, cluster.hostname());
      register(net, block);
    }
    return r.isSucceeded();
  }

  private void register(OverlayNetwork net, Subnet block) {
    owned
        .computeIfAbsent(net.id(), k -> new TreeMap<>(Integer::compareUnsigned))
        .put(block.network(), block);
  }

  private boolean owns(String networkId, Subnet block) {
    return owned.getOrDefault(networkId, new TreeMap<>()).containsKey(block.network());
  }

  private Subnet blockOf(OverlayNetwork net, int address) {
    Subnet subnet = net.parsedSubnet();
    if (!subnet.contains(address)) {
      throw new ClusterException(
          "address "
              + Ipv4.format(address)
              + " is outside subnet "
              + subnet
              + " of network "
              + net.name());
    }
    int mask = net.blockPrefix() == 0 ? 0 : -1 << (32 - net.blockPrefix());
    return new Subnet(address & mask, net.blockPrefix());
  }

  private static String key(String networkId, Subnet block) {
    return networkId + "/" + Keys.cidr(block);
  }

  /**
   * The caller's lease store as the {@link Ipam} of one block sees it: the block's own key maps to
   * the network's ID, and only the block's addresses are listed. The block's pool is registered on
   * first use, from the leases the caller already holds in it.
   */
  private LeaseStore adapter(OverlayNetwork net, Subnet block, LeaseStore leases) {
    String networkId = net.id();
    LeaseStore view =
        new LeaseStore() {
          @Override
          public void insertLease(String ignored, int address, String owner) {
            leases.insertLease(networkId, address, owner);
          }

          @Override
          public void deleteLease(String ignored, int address) {
            leases.deleteLease(networkId, address);
          }

          @Override
          public Map<Integer, String> leases(String ignored) {
            Map<Integer, String> out = new HashMap<>();
            leases
                .leases(networkId)
                .forEach(
                    (a, o) -> {
                      if (block.contains(a)) {
                        out.put(a, o);
                      }
                    });
            return out;
          }

          @Override
          public void onRollback(Runnable undo) {
            leases.onRollback(undo);
          }
        };
    String key = key(networkId, block);
    try {
      ipam.pool(key);
    } catch (IpamException notRegistered) {
      ipam.register(
          view, key, net.name(), new Pool(net.parsedSubnet(), block, net.pool().gateway()));
    }
    return view;
  }
}

package dev.jocker.cluster;

import dev.jocker.kernel.FdbEntry;
import dev.jocker.kernel.KernelException;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Neighbour;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NotFoundException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Turns the other hosts' endpoints into kernel state on this host, the overlay's control plane: for
 * each remote endpoint of a network this host has joined, a static FDB entry on the network's VXLAN
 * device (its MAC is behind that host's VTEP: {@code bridge fdb replace MAC dev VX dst VTEP self
 * permanent}) and a permanent neighbour entry (its address is at that MAC: {@code ip neigh replace
 * IP lladdr MAC dev VX nud permanent}, which the device's ARP proxy answers with). Nothing is
 * flooded or learned. An endpoint that goes (removed, or with its host's lease) takes its two
 * entries with it.
 *
 * <p>It is a {@link ClusterListener}: it keeps every remote endpoint it hears of, and programs
 * those of the networks {@link #attach attached} here, reconciling the device with that set when a
 * network is attached (after a restart too: entries left in the kernel that the store no longer has
 * are removed).
 */
public final class VtepProgrammer implements ClusterListener {
  private static final Logger LOG = LogManager.getLogger(VtepProgrammer.class);

  private final Netns host;
  private final String self;

  /** Remote endpoints per network ID, by endpoint ID. */
  private final Map<String, Map<String, EndpointRecord>> remotes = new HashMap<>();

  /** The VXLAN device's ifindex of each network attached here. */
  private final Map<String, Integer> attached = new HashMap<>();

  /**
   * @param host the namespace of this host, where the VXLAN devices live
   * @param selfHostname this host's name: its own endpoints are not programmed
   */
  public VtepProgrammer(Netns host, String selfHostname) {
    this.host = host;
    this.self = selfHostname;
  }

  /**
   * Programs the network's VXLAN device (ifindex {@code vxlanIndex}) from now on, and makes its FDB
   * and neighbour table hold exactly the remote endpoints known now.
   */
  public synchronized void attach(OverlayNetwork net, int vxlanIndex) {
    attached.put(net.id(), vxlanIndex);
    reconcile(net.id(), vxlanIndex);
  }

  /** Stops programming the network here (its devices are about to go). */
  public synchronized void detach(String networkId) {
    attached.remove(networkId);
  }

  /** The remote endpoints of a network known here, for inspect and topology. */
  public synchronized List<EndpointRecord> remotes(String networkId) {
    return new ArrayList<>(remotes.getOrDefault(networkId, Map.of()).values());
  }

  @Override
  public synchronized void endpointAdded(EndpointRecord ep) {
    if (ep.host().equals(self)) {
      return;
    }
    remotes.computeIfAbsent(ep.networkId(), k -> new LinkedHashMap<>()).put(ep.id(), ep);
    Integer vx = attached.get(ep.networkId());
    if (vx != null) {
      program(vx, ep);
    }
  }

  @Override
  public synchronized void endpointRemoved(EndpointRecord ep) {
    Map<String, EndpointRecord> known = remotes.get(ep.networkId());
    if (known == null || known.remove(ep.id()) == null) {
      return;
    }
    Integer vx = attached.get(ep.networkId());
    if (vx == null) {
      return;
    }
    unprogram(vx, ep);
    // Another endpoint with the same MAC or address (an address handed out again elsewhere)
    // keeps its entries.
    for (EndpointRecord other : known.values()) {
      if (other.mac().equals(ep.mac()) || other.address().equals(ep.address())) {
        program(vx, other);
      }
    }
  }

  @Override
  public synchronized void memberLeft(Member member) {
    // The host's endpoints leave with its lease in the same revision; this only guards against a
    // store that removed the host's record alone.
    for (Map<String, EndpointRecord> known : remotes.values()) {
      for (EndpointRecord ep : List.copyOf(known.values())) {
        if (ep.host().equals(member.hostname())) {
          endpointRemoved(ep);
        }
      }
    }
  }

  @Override
  public synchronized void networkRemoved(OverlayNetwork network) {
    remotes.remove(network.id());
    attached.remove(network.id());
  }

  private void program(int vx, EndpointRecord ep) {
    try {
      host.fdb().replace(vx, ep.macAddress(), ep.vtepAddress());
      host.neighbours().replace(vx, ep.inetAddress(), ep.macAddress());
    } catch (KernelException e) {
      LOG.error(
          "cannot program remote endpoint {} ({}): {}", ep.name(), ep.address(), e.getMessage());
    }
  }

  private void unprogram(int vx, EndpointRecord ep) {
    try {
      host.fdb().delete(vx, ep.macAddress(), ep.vtepAddress());
    } catch (NotFoundException gone) {
      // Already gone from the kernel.
    } catch (KernelException e) {
      LOG.error("cannot remove the FDB entry of {}: {}", ep.name(), e.getMessage());
    }
    try {
      host.neighbours().delete(vx, ep.inetAddress());
    } catch (NotFoundException gone) {
      // Already gone from the kernel.
    } catch (KernelException e) {
      LOG.error("cannot remove the neighbour entry of {}: {}", ep.name(), e.getMessage());
    }
  }

  private void reconcile(String networkId, int vx) {
    Map<MacAddress, Inet4Address> wantFdb = new HashMap<>();
    Map<InetAddress, MacAddress> wantNeigh = new HashMap<>();
    for (EndpointRecord ep : remotes.getOrDefault(networkId, Map.of()).values()) {
      wantFdb.put(ep.macAddress(), ep.vtepAddress());
      wantNeigh.put(ep.inetAddress(), ep.macAddress());
    }
    for (FdbEntry e : host.fdb().list(vx)) {
      if (e.self()
          && e.destination() instanceof Inet4Address dst
          && !dst.equals(wantFdb.get(e.mac()))) {
        host.fdb().delete(vx, e.mac(), dst);
      }
    }
    for (Neighbour n : host.neighbours().list(vx)) {
      if (n.permanent()
          && n.address() instanceof Inet4Address a
          && (n.mac() == null || !n.mac().equals(wantNeigh.get(a)))) {
        host.neighbours().delete(vx, a);
      }
    }
    remotes.getOrDefault(networkId, Map.of()).values().forEach(ep -> program(vx, ep));
  }
}

package dev.jocker.overlay;

import static dev.jocker.network.NetworkException.Kind.INTERNAL;

import dev.jocker.bridge.BridgeDriver;
import dev.jocker.cluster.ClusterException;
import dev.jocker.cluster.OverlayLinks;
import dev.jocker.cluster.OverlayNetwork;
import dev.jocker.firewall.Firewall;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.LeaseStore;
import dev.jocker.kernel.Link;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NotFoundException;
import dev.jocker.network.AddressSpace;
import dev.jocker.network.NetworkDriver;
import dev.jocker.network.NetworkException;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.NetworkRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One overlay network on this host: a bridge {@code br-<id>} made and guarded as a bridge network's
 * (gateway address, Docker's rules and MASQUERADE, MTU 1450), with the network's VXLAN device
 * enslaved to it, both made when the first endpoint here needs them; each endpoint a veth on that
 * bridge (MTU 1450) published to the cluster store, so that every other host programs a way to it.
 */
final class OverlayDriver implements NetworkDriver {
  private final Overlay overlay;
  private final NetworkRecord record;
  private final BridgeDriver bridge;
  private final Object devices = new Object();
  private volatile boolean inUse;

  /** Endpoints that left: a catch-up publish racing with their leave must not write them again. */
  private final Set<String> departed = ConcurrentHashMap.newKeySet();

  OverlayDriver(Overlay overlay, NetworkRecord record, BridgeDriver bridge) {
    this.overlay = overlay;
    this.record = record;
    this.bridge = bridge;
  }

  /** The cluster's record; known here from the store or the copy kept since. */
  private OverlayNetwork net() {
    return overlay
        .network(record.id())
        .orElseThrow(
            () ->
                new NetworkException(
                    INTERNAL,
                    "overlay network "
                        + record.name()
                        + " is not known from the cluster store yet; jockerd reads it once it"
                        + " joins"));
  }

  /** Whether this host has made (or needs) the network's devices. */
  boolean inUse() {
    return inUse;
  }

  /**
   * Makes the bridge and VXLAN device when this host uses the network: devices found from an
   * earlier run, or containers of this host on it. Otherwise nothing: devices come with the first
   * endpoint.
   */
  @Override
  public List<String> setup() {
    synchronized (devices) {
      if (!inUse
          && (overlay.hasLocalEndpoints(record.id())
              || overlay.host().links().find(bridge.device()).isPresent())) {
        inUse = true;
      }
      return inUse ? makeDevices() : List.of();
    }
  }

  /** The bridge (and its rules), then the VXLAN device on it; programmed once the watch runs. */
  private List<String> makeDevices() {
    List<String> changes = new ArrayList<>(bridge.setup());
    OverlayNetwork net = net();
    boolean existed = overlay.host().links().find(OverlayLinks.vxlanName(net)).isPresent();
    OverlayLinks.Devices made = OverlayLinks.ensure(overlay.host(), net, overlay.vtep());
    if (!existed) {
      changes.add("created VXLAN device " + made.vxlan().name() + " (VNI " + net.vni() + ")");
    }
    if (overlay.watching()) {
      overlay.programmer().attach(net, made.vxlan().index());
    }
    return changes;
  }

  /** After a join: programs the devices from the store if this host uses the network. */
  void attachIfInUse() {
    synchronized (devices) {
      if (inUse || overlay.hasLocalEndpoints(record.id())) {
        inUse = true;
        makeDevices();
      }
    }
  }

  private void ensureDevices() {
    if (inUse) {
      return;
    }
    synchronized (devices) {
      if (!inUse) {
        makeDevices();
        inUse = true;
      }
    }
  }

  /**
   * Removes the VXLAN device, the bridge and its rules, and this host's copy of the cluster's
   * record. The device is found as the bridge's VXLAN port, so no record is needed to find it.
   */
  @Override
  public void teardown() {
    overlay.programmer().detach(record.id());
    Netns host = overlay.host();
    Optional<Link> br = host.links().find(bridge.device());
    if (br.isPresent()) {
      for (Link l : host.links().list()) {
        if (l.masterIndex() == br.get().index() && "vxlan".equals(l.kind())) {
          try {
            host.links().delete(l.name());
          } catch (NotFoundException gone) {
            // Deleted meanwhile.
          }
        }
      }
    }
    bridge.teardown();
    inUse = false;
    overlay.forgetRecord(record.id());
  }

  @Override
  public List<String> problems(Firewall.Snapshot rules) {
    if (!inUse) {
      return List.of();
    }
    List<String> problems = new ArrayList<>(bridge.problems(rules));
    Optional<OverlayNetwork> net = overlay.network(record.id());
    if (net.isPresent()) {
      String name = OverlayLinks.vxlanName(net.get());
      Optional<Link> vx = overlay.host().links().find(name);
      Optional<Link> br = overlay.host().links().find(bridge.device());
      if (vx.isEmpty()) {
        problems.add(name + " is missing");
      } else if (br.isPresent() && vx.get().masterIndex() != br.get().index()) {
        problems.add(name + " is not on " + bridge.device());
      } else if (!vx.get().up()) {
        problems.add(name + " is down");
      }
    }
    return problems;
  }

  @Override
  public void join(Netns sandbox, EndpointRecord endpoint, boolean gateway) {
    OverlayNetwork net = net();
    ensureDevices();
    bridge.join(sandbox, endpoint, gateway);
    overlay.publish(net, endpoint, overlay.containerName(sandbox));
  }

  @Override
  public void leave(EndpointRecord endpoint) {
    departed.add(endpoint.id());
    overlay.withdraw(record.id(), endpoint.id());
    bridge.leave(endpoint);
  }

  /**
   * Publishes the endpoints of this host's sandboxes on the network (by endpoint ID, with their
   * container's name) that have not left meanwhile; forgets the departures of endpoints no sandbox
   * has any more.
   */
  void publishAll(OverlayNetwork net, Map<String, Overlay.LocalEndpoint> local) {
    departed.retainAll(local.keySet());
    for (Overlay.LocalEndpoint e : local.values()) {
      if (!departed.contains(e.endpoint().id())) {
        overlay.publish(net, e.endpoint(), e.name());
      }
    }
  }

  @Override
  public List<String> reattach(List<EndpointRecord> endpoints) {
    // The periodic check lists every endpoint still recorded: a departure is only needed while its
    // sandbox is.
    departed.retainAll(endpoints.stream().map(EndpointRecord::id).toList());
    if (endpoints.isEmpty() && !inUse) {
      return List.of();
    }
    ensureDevices();
    return bridge.reattach(endpoints);
  }

  @Override
  public String device() {
    return bridge.device();
  }

  @Override
  public Optional<AddressSpace> addresses() {
    return Optional.of(new Blocks());
  }

  /** Addresses from the blocks this host claims in the cluster store. */
  private final class Blocks implements AddressSpace {
    @Override
    public int allocate(LeaseStore leases, String requested, String owner) {
      OverlayNetwork net = net();
      try {
        // No join attempt inside the caller's store transaction: the background loop joins.
        overlay.cluster().checkJoined();
        return Ipv4.of(overlay.cluster().addresses().allocate(net, requested, owner, leases));
      } catch (ClusterException e) {
        throw Overlay.translate(e);
      }
    }

    @Override
    public void release(LeaseStore leases, int address) {
      overlay
          .network(record.id())
          .ifPresentOrElse(
              net -> overlay.cluster().addresses().release(net, Ipv4.toInet(address), leases),
              () -> leases.deleteLease(record.id(), address));
    }
  }
}

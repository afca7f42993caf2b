package dev.jocker.engine;

import static dev.jocker.engine.EngineException.Kind.INVALID;

import dev.jocker.cluster.EndpointRecord;
import dev.jocker.cluster.Member;
import dev.jocker.cluster.OverlayLinks;
import dev.jocker.cluster.OverlayNetwork;
import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.FdbEntry;
import dev.jocker.kernel.Link;
import dev.jocker.kernel.Neighbour;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.Vxlan;
import dev.jocker.network.NetworkController;
import dev.jocker.network.NetworkException;
import dev.jocker.overlay.Overlay;
import dev.jocker.store.NetworkRecord;
import dev.jocker.topology.OverlayTopology;
import dev.jocker.topology.OverlayTraceExplainer;
import dev.jocker.topology.OverlayView;
import dev.jocker.topology.Topology;
import dev.jocker.topology.TopologyFormat;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code network topology} and {@code network trace} read for an overlay network beyond its
 * bridge: the VXLAN device and its FDB and neighbour entries from this host's kernel, the hosts and
 * their endpoints from the cluster watch, the address blocks from the cluster store. It changes
 * nothing.
 */
final class OverlayFacts {
  private final Overlay overlay;
  private final Netns host;
  private final NetworkController network;
  private final ContainerService containers;
  private final LiveFacts facts;

  OverlayFacts(
      Overlay overlay,
      Netns host,
      NetworkController network,
      ContainerService containers,
      LiveFacts facts) {
    this.overlay = overlay;
    this.host = host;
    this.network = network;
    this.containers = containers;
    this.facts = facts;
  }

  /** Whether {@code networkRef} names an overlay network. */
  boolean covers(String networkRef) {
    return networkRef != null
        && network.find(networkRef).map(n -> Overlay.DRIVER.equals(n.driver())).orElse(false);
  }

  /** Whether the running container's first endpoint is on an overlay network. */
  boolean coversContainer(String containerRef) {
    var c = containers.resolve(containerRef);
    return network
        .sandbox(c.id())
        .flatMap(s -> s.endpoints().stream().findFirst())
        .flatMap(e -> network.find(e.networkId()))
        .map(n -> Overlay.DRIVER.equals(n.driver()))
        .orElse(false);
  }

  String topology(String networkRef, String format) {
    NetworkRecord n = network.network(networkRef);
    try {
      return TopologyFormat.parse(format == null || format.isEmpty() ? "text" : format)
          .render(topology(n));
    } catch (IllegalArgumentException e) {
      throw new EngineException(INVALID, e.getMessage(), e);
    }
  }

  /**
   * {@code network trace CONTAINER DEST} where DEST is an address, or the name of a container on
   * the same network, here or on another host.
   */
  String trace(String containerRef, String destination) {
    var c = containers.resolve(containerRef);
    NetworkRecord n =
        network.network(network.sandbox(c.id()).orElseThrow().endpoints().get(0).networkId());
    String address = addressOf(n, destination);
    try {
      return OverlayTraceExplainer.explain(topology(n), c.name(), address).render();
    } catch (IllegalArgumentException e) {
      throw new EngineException(INVALID, e.getMessage(), e);
    }
  }

  private String addressOf(NetworkRecord n, String destination) {
    try {
      Ipv4.parse(destination);
      return destination;
    } catch (IpamException notAnAddress) {
      for (EndpointRecord e : overlay.remoteEndpoints(n.id())) {
        if (e.name().equals(destination)) {
          return e.address();
        }
      }
      for (Map.Entry<String, dev.jocker.store.EndpointRecord> e :
          network.endpointsOn(n.id()).entrySet()) {
        if (containers.nameOf(e.getKey()).equals(destination)) {
          return e.getValue().address();
        }
      }
      throw new EngineException(
          INVALID,
          destination
              + " is neither an IPv4 address nor a container on network "
              + n.name()
              + " (here or on another host)");
    }
  }

  /**
   * The bridge part as for a bridge network (without the VXLAN device, which is a port of the
   * bridge but no container's), and the overlay's part.
   */
  OverlayTopology topology(NetworkRecord n) {
    OverlayView view = view(n);
    Topology bridge = facts.topology(n);
    String vxlan = view.vxlan() == null ? null : view.vxlan().name();
    Topology local =
        new Topology(
            bridge.network(),
            bridge.uplink(),
            bridge.bridge(),
            bridge.containers().stream()
                .filter(c -> c.name() != null || !c.hostVeth().equals(vxlan))
                .toList(),
            bridge.rules(),
            bridge.ipForward(),
            bridge.forwardPolicy(),
            bridge.bridgeNfCallIptables());
    return new OverlayTopology(local, view);
  }

  private OverlayView view(NetworkRecord n) {
    OverlayNetwork net =
        overlay
            .network(n.id())
            .orElseThrow(
                () ->
                    new EngineException(
                        INVALID,
                        "overlay network "
                            + n.name()
                            + " is not known from the cluster store yet: jockerd reads it once it"
                            + " joins the cluster at "
                            + overlay.storeText()));
    Map<InetAddress, Set<String>> fdb = new LinkedHashMap<>();
    Set<String> neighbours = new HashSet<>();
    OverlayView.Vxlan vxlan = null;
    Optional<Link> device = host.links().find(OverlayLinks.vxlanName(net));
    List<String> explained = new ArrayList<>();
    if (device.isPresent()) {
      Vxlan v = host.links().getVxlan(device.get().name());
      String underlay =
          host.links().list().stream()
              .filter(l -> l.index() == v.underlayIndex())
              .map(Link::name)
              .findFirst()
              .orElse("-");
      vxlan =
          new OverlayView.Vxlan(
              device.get().index(),
              device.get().name(),
              v.local() == null ? "-" : v.local().getHostAddress(),
              underlay,
              v.port(),
              device.get().mtu(),
              v.learning(),
              v.proxy());
      for (FdbEntry e : host.fdb().list(device.get().index())) {
        if (e.self() && e.destination() != null) {
          fdb.computeIfAbsent(e.destination(), k -> new HashSet<>()).add(e.mac().toString());
        }
      }
      for (Neighbour nb : host.neighbours().list(device.get().index())) {
        if (nb.permanent() && nb.mac() != null) {
          neighbours.add(nb.address().getHostAddress() + " " + nb.mac());
        }
      }
    }
    Map<String, List<String>> blocks = new LinkedHashMap<>();
    String storeProblem = null;
    try {
      for (Map.Entry<Subnet, String> b : overlay.blocks(n.id()).entrySet()) {
        blocks.computeIfAbsent(b.getValue(), k -> new ArrayList<>()).add(b.getKey().toString());
      }
    } catch (NetworkException e) {
      storeProblem = e.getMessage();
    }
    Map<String, List<EndpointRecord>> remote = new LinkedHashMap<>();
    for (EndpointRecord e : overlay.remoteEndpoints(n.id())) {
      remote.computeIfAbsent(e.host(), k -> new ArrayList<>()).add(e);
    }
    List<OverlayView.Host> hosts = new ArrayList<>();
    hosts.add(
        new OverlayView.Host(
            overlay.hostname(),
            overlay.vtep().address().getHostAddress(),
            overlay.vtep().interfaceName(),
            true,
            blocks.getOrDefault(overlay.hostname(), List.of()),
            List.of()));
    Map<String, Member> members = overlay.members();
    Set<String> names = new java.util.TreeSet<>(members.keySet());
    names.addAll(remote.keySet());
    names.remove(overlay.hostname());
    for (String hostname : names) {
      Member m = members.get(hostname);
      List<OverlayView.Endpoint> endpoints = new ArrayList<>();
      for (EndpointRecord e : remote.getOrDefault(hostname, List.of())) {
        boolean hasFdb = fdb.getOrDefault(e.vtepAddress(), Set.of()).contains(e.mac());
        if (hasFdb) {
          explained.add(e.mac() + " dst " + e.vtep());
        }
        endpoints.add(
            new OverlayView.Endpoint(
                e.name(),
                e.address(),
                e.mac(),
                hasFdb,
                neighbours.contains(e.address() + " " + e.mac())));
      }
      endpoints.sort(java.util.Comparator.comparing(OverlayView.Endpoint::name));
      String vtep = m != null ? m.address() : remote.get(hostname).get(0).vtep();
      hosts.add(
          new OverlayView.Host(
              hostname,
              vtep,
              m == null ? "-" : m.interfaceName(),
              false,
              blocks.getOrDefault(hostname, List.of()),
              endpoints));
    }
    List<String> stray = new ArrayList<>();
    fdb.forEach(
        (vtep, macs) ->
            macs.forEach(
                mac -> {
                  String entry = mac + " dst " + vtep.getHostAddress();
                  if (!explained.contains(entry)) {
                    stray.add(entry);
                  }
                }));
    return new OverlayView(net.vni(), vxlan, overlay.storeText(), hosts, storeProblem, stray);
  }
}

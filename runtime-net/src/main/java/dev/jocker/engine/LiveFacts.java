package dev.jocker.engine;

import static dev.jocker.engine.EngineException.Kind.INVALID;

import dev.jocker.bridge.BridgeDriver;
import dev.jocker.doctor.Doctor;
import dev.jocker.doctor.Facts;
import dev.jocker.doctor.Finding;
import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.Iptables;
import dev.jocker.firewall.Rule;
import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.Addr;
import dev.jocker.kernel.Link;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.kernel.Route;
import dev.jocker.network.ExternalSandboxes;
import dev.jocker.network.NetworkController;
import dev.jocker.network.Orphans;
import dev.jocker.network.Sandbox;
import dev.jocker.portmap.PublishedPort;
import dev.jocker.store.ContainerRecord;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.NetworkRecord;
import dev.jocker.topology.BridgeView;
import dev.jocker.topology.ContainerView;
import dev.jocker.topology.PortView;
import dev.jocker.topology.Presence;
import dev.jocker.topology.Topology;
import dev.jocker.topology.TopologyFormat;
import dev.jocker.topology.TraceExplainer;
import dev.jocker.topology.UplinkView;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What doctor, {@code network topology} and {@code network trace} read: the kernel as it is now
 * (netlink, iptables, sysctls, {@code /proc}) beside the records. It changes nothing.
 */
final class LiveFacts {
  private final EngineConfig config;
  private final Netns host;
  private final NetnsStore namespaces;
  private final NetworkController network;
  private final ContainerService containers;
  private final Reconciler reconciler;
  private final Function<String, List<PublishedPort>> ports;

  LiveFacts(
      EngineConfig config,
      Netns host,
      NetnsStore namespaces,
      NetworkController network,
      ContainerService containers,
      Reconciler reconciler,
      Function<String, List<PublishedPort>> ports) {
    this.config = config;
    this.host = host;
    this.namespaces = namespaces;
    this.network = network;
    this.containers = containers;
    this.reconciler = reconciler;
    this.ports = ports;
  }

  /** Doctor's findings for the default bridge and every leftover. */
  List<Finding> doctor() {
    NetworkRecord net = network.network(NetworkController.BRIDGE);
    BridgeDriver bridge = (BridgeDriver) network.driver(net.id()).orElseThrow();
    Topology topology = topology(net);
    Subnet subnet = Subnet.parse(net.subnet());
    List<Link> links = host.links().list();
    int bridgeIndex = topology.bridge().ifindex();
    List<String> overlapping = new ArrayList<>();
    for (Route r : host.routes().list()) {
      if (r.destination() != null
          && r.outputIndex() != bridgeIndex
          && subnet.overlaps(
              Subnet.parse(r.destination().getHostAddress() + "/" + r.prefixLength()))) {
        String dev =
            links.stream()
                .filter(l -> l.index() == r.outputIndex())
                .map(l -> " dev " + l.name())
                .findFirst()
                .orElse("");
        overlapping.add(r.destinationText() + dev);
      }
    }
    Firewall firewall = new Firewall(new Iptables(config.hostNetns()));
    Orphans orphans = network.orphans();
    return Doctor.diagnose(
        new Facts(
            topology,
            net.subnet(),
            net.gateway() + "/" + subnet.prefixLength(),
            net.mtu(),
            config.iptables(),
            bridge.rules().rules().size(),
            bridge.missingRules().stream()
                .map(r -> "-t " + r.table() + " " + r.saveText())
                .toList(),
            bridgeNfCallIptables(),
            firewall.backend(),
            firewall.otherBackendRules(),
            overlapping,
            DockerDaemons.inNetns(
                config.hostNetns() == null ? Path.of("/proc/self/ns/net") : config.hostNetns()),
            orphans.veths(),
            orphans.namespaces(),
            orphans.detached().stream()
                .map(
                    d ->
                        d.hostVeth()
                            + " of container "
                            + nameOf(d.containerId())
                            + " (network "
                            + d.network()
                            + ") "
                            + d.problem())
                .toList(),
            reconciler.orphanProcesses().stream().map(Reconciler.OrphanProcess::toString).toList(),
            network.sandboxes().stream().mapToInt(s -> s.endpoints().size()).sum(),
            neighbourLimit()));
  }

  /** A container's name: jockerd's, or the one an orchestrator gave its external sandbox. */
  private String nameOf(String containerId) {
    return network
        .sandbox(containerId)
        .filter(Sandbox::external)
        .map(ExternalSandboxes::nameOf)
        .orElseGet(() -> containers.nameOf(containerId));
  }

  /** {@code gc_thresh3}, global and so only visible from the initial namespace; else 0. */
  private int neighbourLimit() {
    try {
      return Integer.parseInt(host.sysctls().get("net.ipv4.neigh.default.gc_thresh3"));
    } catch (UncheckedIOException | NumberFormatException e) {
      return 0;
    }
  }

  /** {@code net.bridge.bridge-nf-call-iptables}, or null when br_netfilter is not loaded. */
  private String bridgeNfCallIptables() {
    try {
      return host.sysctls().get("net.bridge.bridge-nf-call-iptables");
    } catch (UncheckedIOException e) {
      return null;
    }
  }

  /** {@code network topology}: the network as the kernel holds it, rendered. */
  String topology(String networkRef, String format) {
    NetworkRecord n =
        network.network(networkRef == null || networkRef.isEmpty() ? "bridge" : networkRef);
    if (!network.hasEndpoints(n)) {
      throw new EngineException(
          INVALID,
          "network " + n.name() + " has no bridge to draw; try: jocker network topology bridge");
    }
    try {
      return TopologyFormat.parse(format == null || format.isEmpty() ? "text" : format)
          .render(topology(n));
    } catch (IllegalArgumentException e) {
      throw new EngineException(INVALID, e.getMessage(), e);
    }
  }

  /** {@code network trace}: the path of a packet from a running container, hop by hop. */
  String trace(String container, String destination) {
    if (destination.contains(":") && isIpv4(container)) {
      return inbound(container, destination);
    }
    try {
      Ipv4.parse(destination);
    } catch (IpamException e) {
      throw new EngineException(INVALID, e.getMessage(), e);
    }
    ContainerRecord c;
    try {
      c = containers.resolve(container);
    } catch (EngineException notOurs) {
      // An orchestrator's container (through the CNI plugin), traced from its first endpoint.
      Sandbox s = network.external().sandbox(container).orElseThrow(() -> notOurs);
      NetworkRecord n = network.network(s.endpoints().get(0).networkId());
      return TraceExplainer.explain(topology(n), ExternalSandboxes.nameOf(s), destination).render();
    }
    Optional<EndpointRecord> endpoint =
        network.sandbox(c.id()).flatMap(s -> s.endpoints().stream().findFirst());
    if (endpoint.isEmpty()) {
      throw new EngineException(
          INVALID,
          "container "
              + c.name()
              + (c.running()
                  ? " is on network " + c.config().networkMode() + ", which has no bridge"
                  : " is not running, so it has no network to trace"));
    }
    NetworkRecord n = network.network(endpoint.get().networkId());
    return TraceExplainer.explain(topology(n), c.name(), destination).render();
  }

  private static boolean isIpv4(String text) {
    try {
      Ipv4.parse(text);
      return true;
    } catch (IpamException e) {
      return false;
    }
  }

  /**
   * {@code network trace SOURCE HOST:PORT[/PROTO]}: a packet from outside to a published port, on
   * the network of the container that publishes it (the default bridge when none does).
   */
  private String inbound(String source, String destination) {
    String[] protoSplit = destination.split("/", 2);
    String proto = protoSplit.length == 2 ? protoSplit[1] : "tcp";
    int colon = protoSplit[0].lastIndexOf(':');
    String address = protoSplit[0].substring(0, colon);
    int port;
    try {
      Ipv4.parse(address);
      port = Integer.parseInt(protoSplit[0].substring(colon + 1));
    } catch (IpamException | NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535 || !List.of("tcp", "udp", "sctp").contains(proto)) {
      throw new EngineException(
          INVALID,
          "invalid destination "
              + destination
              + ": use HOST-ADDRESS:PORT, or HOST-ADDRESS:PORT/udp, e.g. 198.51.100.2:8080");
    }
    Topology chosen = null;
    for (NetworkRecord n : network.networks()) {
      if (!network.hasEndpoints(n)) {
        continue;
      }
      Topology t = topology(n);
      int wanted = port;
      boolean publishes =
          t.containers().stream()
              .flatMap(c -> c.ports().stream())
              .anyMatch(p -> p.hostPort() == wanted && p.proto().equals(proto));
      if (publishes || (chosen == null && n.name().equals(NetworkController.BRIDGE))) {
        chosen = t;
      }
      if (publishes) {
        break;
      }
    }
    return TraceExplainer.inbound(
            chosen, source, arrival(source), address, port, proto, config.userlandProxy())
        .render();
  }

  /**
   * The host interface a packet from {@code source} arrives on: the one whose subnet holds it, or
   * null for the uplink (the default route's).
   */
  private String arrival(String source) {
    int address = Ipv4.parse(source);
    Map<Integer, String> names = new LinkedHashMap<>();
    host.links().list().forEach(l -> names.put(l.index(), l.name()));
    for (Addr a : host.addrs().list()) {
      if (a.address() instanceof java.net.Inet4Address
          && Subnet.containing(a.cidr()).contains(address)) {
        return names.get(a.linkIndex());
      }
    }
    return null;
  }

  /** What the kernel holds now for network {@code net}, flagged against the records. */
  Topology topology(NetworkRecord net) {
    List<Link> links = host.links().list();
    Map<Integer, Link> byIndex = new LinkedHashMap<>();
    links.forEach(l -> byIndex.put(l.index(), l));
    List<Addr> addrs = host.addrs().list();
    BridgeView bridgeView = null;
    int bridgeIndex = 0;
    for (Link l : links) {
      if (l.name().equals(net.bridge())) {
        bridgeIndex = l.index();
        bridgeView =
            new BridgeView(
                l.index(),
                l.name(),
                ipv4Of(addrs, l.index()),
                String.valueOf(l.mac()),
                l.mtu(),
                Presence.BOTH);
      }
    }
    if (bridgeView == null) {
      bridgeView =
          new BridgeView(
              0,
              net.bridge(),
              net.gateway() + "/" + net.subnet().split("/")[1],
              net.mac(),
              net.mtu(),
              Presence.RECORD_ONLY);
    }
    UplinkView uplink = null;
    for (Route r : host.routes().list()) {
      if (r.destination() == null && r.gateway() != null && byIndex.containsKey(r.outputIndex())) {
        Link l = byIndex.get(r.outputIndex());
        uplink =
            new UplinkView(
                l.index(),
                l.name(),
                ipv4Of(addrs, l.index()),
                String.valueOf(l.mac()),
                l.mtu(),
                r.gateway().getHostAddress());
        break;
      }
    }
    List<ContainerView> views = new ArrayList<>();
    List<String> seenVeths = new ArrayList<>();
    for (Map.Entry<String, EndpointRecord> entry : network.endpointsOn(net.id()).entrySet()) {
      EndpointRecord e = entry.getValue();
      Optional<Sandbox> sandbox = network.sandbox(entry.getKey());
      String netns = sandbox.map(s -> s.netns()).orElse(null);
      String name = nameOf(entry.getKey());
      Link veth =
          links.stream().filter(l -> l.name().equals(e.hostVeth())).findFirst().orElse(null);
      int peerIndex = 0;
      int peerOfPeer = 0;
      String peerMac = e.mac();
      Path nsPath = sandbox.map(network::netnsPath).orElse(null);
      if (nsPath != null && Files.exists(nsPath)) {
        try (Netns ns = Netns.open(nsPath)) {
          Optional<Link> peer = ns.links().find(e.ifname());
          if (peer.isPresent()) {
            peerIndex = peer.get().index();
            peerOfPeer = peer.get().linkIndex();
            peerMac = String.valueOf(peer.get().mac());
          }
        }
      }
      if (veth != null) {
        seenVeths.add(veth.name());
      }
      views.add(
          new ContainerView(
              name,
              netns,
              peerIndex,
              peerMac,
              e.address() + "/" + net.subnet().split("/")[1],
              peerOfPeer,
              e.hostVeth(),
              veth == null ? 0 : veth.index(),
              veth == null ? 0 : veth.linkIndex(),
              veth == null || peerIndex == 0 ? Presence.RECORD_ONLY : Presence.BOTH,
              ports.apply(entry.getKey()).stream()
                  .filter(p -> p.bridge().equals(net.bridge()))
                  .map(p -> new PortView(p.hostIp(), p.hostPort(), p.containerPort(), p.proto()))
                  .toList()));
    }
    for (Link l : links) {
      if (bridgeIndex != 0 && l.masterIndex() == bridgeIndex && !seenVeths.contains(l.name())) {
        views.add(
            new ContainerView(
                null,
                null,
                0,
                null,
                null,
                0,
                l.name(),
                l.index(),
                l.linkIndex(),
                Presence.KERNEL_ONLY));
      }
    }
    List<Rule> rules = new ArrayList<>();
    String forwardPolicy = "ACCEPT";
    String table = "";
    for (String line : new Iptables(config.hostNetns()).save().split("\n")) {
      if (line.startsWith("*")) {
        table = line.substring(1);
      } else if (line.startsWith(":FORWARD ") && table.equals("filter")) {
        forwardPolicy = line.split(" ")[1];
      } else if (line.startsWith("-A ")) {
        String[] words = line.substring(3).split(" ");
        rules.add(new Rule(table, words[0], List.of(words).subList(1, words.length)));
      }
    }
    boolean forward = "1".equals(host.sysctls().get("net.ipv4.ip_forward"));
    boolean nfCall = "1".equals(bridgeNfCallIptables());
    return new Topology(
        net.name(), uplink, bridgeView, views, rules, forward, forwardPolicy, nfCall);
  }

  private static String ipv4Of(List<Addr> addrs, int index) {
    return addrs.stream()
        .filter(a -> a.linkIndex() == index && a.address() instanceof java.net.Inet4Address)
        .map(Addr::cidr)
        .findFirst()
        .orElse(null);
  }
}

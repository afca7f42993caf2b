package dev.jocker.network;

import dev.jocker.bridge.Crashpoints;
import dev.jocker.firewall.CniRules;
import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.RuleSet;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.AlreadyExistsException;
import dev.jocker.kernel.Link;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NotFoundException;
import dev.jocker.kernel.Route;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.NetworkRecord;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The driver of an external network (one an orchestrator configures, through the CNI plugin): a
 * bridge with the gateway address on it or not, the FORWARD accepts and MASQUERADE of {@link
 * CniRules}, and a veth pair per endpoint whose peer is born in the orchestrator's namespace with
 * the interface name, routes and hairpin mode the endpoint's record gives.
 */
final class ExternalBridge implements NetworkDriver {
  private static final Logger LOG = LogManager.getLogger(ExternalBridge.class);

  /** Endpoint options: the routes to install, {@code DST[ via GW]} separated by commas. */
  static final String ROUTES = "routes";

  /** Endpoint option: {@code on} when the bridge port is in hairpin mode. */
  static final String HAIRPIN = "hairpin";

  /** Endpoint option: {@code jocker} for a lease of jocker's IPAM, else who chose the address. */
  static final String ADDRESS_FROM = "address-from";

  static final String JOCKER_LEASE = "jocker";

  /**
   * What an external network's row does not hold, recorded beside it before its bridge exists.
   *
   * @param gatewayOnBridge whether the bridge holds the gateway address
   * @param masquerade whether the subnet is MASQUERADEd when it leaves the bridge
   * @param bridgeCreated whether jocker made the bridge (and so deletes it with the last endpoint)
   * @param range the addresses jocker's IPAM hands out, or null when another IPAM chooses them
   */
  record Options(
      boolean gatewayOnBridge,
      boolean masquerade,
      boolean bridgeCreated,
      ExternalNetwork.Range range) {
    Map<String, String> toMap() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("gateway-on-bridge", Boolean.toString(gatewayOnBridge));
      m.put("masquerade", Boolean.toString(masquerade));
      m.put("bridge-created", Boolean.toString(bridgeCreated));
      if (range != null) {
        m.put("range", Ipv4.format(range.first()) + "-" + Ipv4.format(range.last()));
      }
      return m;
    }

    static Options of(Map<String, String> m) {
      String range = m.get("range");
      ExternalNetwork.Range r = null;
      if (range != null) {
        String[] ends = range.split("-");
        r = new ExternalNetwork.Range(Ipv4.parse(ends[0]), Ipv4.parse(ends[1]));
      }
      return new Options(
          Boolean.parseBoolean(m.get("gateway-on-bridge")),
          Boolean.parseBoolean(m.get("masquerade")),
          Boolean.parseBoolean(m.get("bridge-created")),
          r);
    }
  }

  private final NetworkRecord network;
  private final Options options;
  private final Netns host;
  private final Firewall firewall;
  private final boolean iptables;
  private final Subnet subnet;

  ExternalBridge(
      NetworkRecord network, Options options, Netns host, Firewall firewall, boolean iptables) {
    this.network = network;
    this.options = options;
    this.host = host;
    this.firewall = firewall;
    this.iptables = iptables;
    this.subnet = Subnet.parse(network.subnet());
  }

  NetworkRecord network() {
    return network;
  }

  Options options() {
    return options;
  }

  RuleSet rules() {
    return CniRules.of(network.bridge(), subnet, options.masquerade());
  }

  private Inet4Address gateway() {
    return Ipv4.toInet(Ipv4.parse(network.gateway()));
  }

  @Override
  public List<String> setup() {
    List<String> changes = new ArrayList<>();
    String name = network.bridge();
    Link bridge = host.links().find(name).orElse(null);
    if (bridge == null) {
      bridge = host.links().addBridge(name, network.mtu(), MacAddress.parse(network.mac()));
      changes.add("created bridge " + name);
    }
    if (!"bridge".equals(bridge.kind())) {
      throw new AttachmentException(
          AttachmentException.Reason.INVALID_NETWORK,
          name + " exists and is a " + bridge.kind() + " device, not a bridge");
    }
    if (options.gatewayOnBridge() && !hasGateway(bridge)) {
      host.addrs()
          .add(bridge.index(), gateway(), subnet.prefixLength(), Ipv4.toInet(subnet.broadcast()));
      changes.add("added " + network.gateway() + "/" + subnet.prefixLength() + " to " + name);
    }
    if (!bridge.up()) {
      host.links().setUp(name);
      changes.add("set " + name + " up");
    }
    if (options.gatewayOnBridge() && !"1".equals(host.sysctls().get("net.ipv4.ip_forward"))) {
      // As jockerd (and Docker) do when they turn forwarding on: the host must not become an open
      // router; each network's own FORWARD rules let its containers through.
      host.sysctls().set("net.ipv4.ip_forward", "1");
      if (iptables) {
        firewall.setForwardPolicy("DROP");
        changes.add(FORWARD_POLICY_SET);
      } else {
        changes.add("enabled net.ipv4.ip_forward");
      }
    }
    if (iptables) {
      List<?> added = firewall.ensure(rules());
      if (!added.isEmpty()) {
        changes.add("restored " + added.size() + " iptables rules of " + name);
      }
    }
    return changes;
  }

  private boolean hasGateway(Link bridge) {
    Inet4Address gw = gateway();
    return host.addrs().list().stream()
        .anyMatch(a -> a.linkIndex() == bridge.index() && gw.equals(a.address()));
  }

  /** Removes the network's rules and, if jocker made it, the bridge. */
  @Override
  public void teardown() {
    if (iptables) {
      firewall.delete(rules().rules());
    }
    if (options.bridgeCreated()) {
      try {
        host.links().delete(network.bridge());
      } catch (NotFoundException gone) {
        LOG.debug("bridge {} already gone", network.bridge());
      }
    }
  }

  @Override
  public List<String> problems(Firewall.Snapshot rules) {
    List<String> problems = new ArrayList<>();
    Optional<Link> bridge = host.links().find(network.bridge());
    if (bridge.isEmpty()) {
      problems.add(network.bridge() + " is missing");
    } else {
      if (!bridge.get().up()) {
        problems.add(network.bridge() + " is down");
      }
      if (options.gatewayOnBridge() && !hasGateway(bridge.get())) {
        problems.add(
            network.bridge() + " lacks " + network.gateway() + "/" + subnet.prefixLength());
      }
    }
    if (options.gatewayOnBridge() && !"1".equals(host.sysctls().get("net.ipv4.ip_forward"))) {
      problems.add("net.ipv4.ip_forward is 0");
    }
    if (iptables) {
      int missing = rules.missing(rules()).size();
      if (missing > 0) {
        problems.add(missing + " iptables rules of " + network.bridge() + " are missing");
      }
    }
    return problems;
  }

  @Override
  public void join(Netns sandbox, EndpointRecord endpoint, boolean gateway) {
    join(sandbox, endpoint, host.links().get(network.bridge()));
  }

  /**
   * Wires {@code ns} onto {@code bridge} as {@code endpoint} says: one veth pair whose peer is born
   * inside with its interface name and MAC, the host end enslaved, up and (with the option) in
   * hairpin mode, the address, the peer up, the routes. Returns the host end.
   */
  Link join(Netns ns, EndpointRecord endpoint, Link bridge) {
    String ifname = endpoint.ifname();
    Inet4Address ip = Ipv4.toInet(Ipv4.parse(endpoint.address()));
    Link hostEnd;
    try {
      hostEnd =
          host.links()
              .addVethPair(
                  endpoint.hostVeth(), ifname, ns, MacAddress.parse(endpoint.mac()), network.mtu());
    } catch (AlreadyExistsException e) {
      throw new AttachmentException(
          AttachmentException.Reason.INTERFACE_EXISTS,
          "creating "
              + endpoint.hostVeth()
              + " with its peer "
              + ifname
              + " in "
              + ns.path()
              + ": "
              + e.getMessage(),
          e);
    }
    Crashpoints.reach("cni-attach:veth");
    host.links().setMaster(endpoint.hostVeth(), bridge.index());
    host.links().setUp(endpoint.hostVeth());
    if ("on".equals(endpoint.options().get(HAIRPIN))) {
      host.links().setHairpin(hostEnd.index(), endpoint.hostVeth(), true);
    }
    ns.addrs().add(hostEnd.linkIndex(), ip, subnet.prefixLength(), Ipv4.toInet(subnet.broadcast()));
    Crashpoints.reach("cni-attach:address");
    ns.links().setUp(ifname);
    for (RouteText r : routes(endpoint)) {
      ns.routes().add(r.route(hostEnd.linkIndex()));
    }
    return hostEnd;
  }

  @Override
  public void leave(EndpointRecord endpoint) {
    try {
      host.links().delete(endpoint.hostVeth());
    } catch (NotFoundException gone) {
      LOG.debug("veth {} already gone", endpoint.hostVeth());
    }
  }

  @Override
  public List<String> reattach(List<EndpointRecord> endpoints) {
    Map<String, Link> links = new HashMap<>();
    host.links().list().forEach(l -> links.put(l.name(), l));
    Link bridge = links.get(network.bridge());
    List<String> moved = new ArrayList<>();
    for (EndpointRecord e : endpoints) {
      Link link = links.get(e.hostVeth());
      if (bridge != null && link != null && link.masterIndex() != bridge.index()) {
        host.links().setMaster(e.hostVeth(), bridge.index());
        host.links().setUp(e.hostVeth());
        moved.add(e.hostVeth());
      }
    }
    return moved;
  }

  @Override
  public String device() {
    return network.bridge();
  }

  /** A bridge jocker found keeps whatever else its owner put on it. */
  @Override
  public boolean ownsEveryPort() {
    return options.bridgeCreated();
  }

  /**
   * A route as an endpoint's record keeps it: {@code 0.0.0.0/0 via 10.88.0.1}, or {@code
   * 10.1.0.0/16} for one on the link.
   *
   * @param destination where to
   * @param via the next hop, or null
   */
  record RouteText(Subnet destination, Integer via) {
    static RouteText parse(String text) {
      int at = text.indexOf(" via ");
      return at < 0
          ? new RouteText(Subnet.parse(text), null)
          : new RouteText(Subnet.parse(text.substring(0, at)), Ipv4.parse(text.substring(at + 5)));
    }

    @Override
    public String toString() {
      return destination + (via == null ? "" : " via " + Ipv4.format(via));
    }

    Route route(int ifindex) {
      Inet4Address dst =
          destination.prefixLength() == 0 ? null : Ipv4.toInet(destination.network());
      if (via == null) {
        return new Route(dst, destination.prefixLength(), null, ifindex, null, 253, 3, 0);
      }
      return new Route(dst, destination.prefixLength(), Ipv4.toInet(via), 0, null, 0, 3, 0);
    }

    /** How {@code ip route} shows a route of the main table, in this record's text. */
    static String of(Route r) {
      String dst =
          (r.destination() == null ? "0.0.0.0" : r.destination().getHostAddress())
              + "/"
              + r.prefixLength();
      return dst + (r.gateway() == null ? "" : " via " + r.gateway().getHostAddress());
    }
  }

  static List<RouteText> routes(EndpointRecord e) {
    String text = e.options().getOrDefault(ROUTES, "");
    if (text.isEmpty()) {
      return List.of();
    }
    return java.util.Arrays.stream(text.split(",")).map(RouteText::parse).toList();
  }
}

package dev.jocker.topology;

import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Explains {@code jocker network trace CONTAINER DEST} from a {@link Topology}: the routing
 * decision in the container, the veth pair, the bridge, and for a destination beyond the bridge the
 * host's forwarding, the iptables rules that match and the NAT on the way out and back; for a
 * destination on the same bridge the layer-2 path. Each hop names the command that watches it.
 */
public final class TraceExplainer {
  private TraceExplainer() {}

  /**
   * The path from {@code containerName} to {@code destination} (dotted IPv4).
   *
   * @throws IllegalArgumentException when the container is not on the network, has no kernel
   *     objects, or the destination is not an IPv4 address
   */
  public static Trace explain(Topology t, String containerName, String destination) {
    ContainerView from =
        t.containers().stream()
            .filter(c -> containerName.equals(c.name()))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "no container "
                            + containerName
                            + " on network "
                            + t.network()
                            + " (containers: "
                            + t.containers().stream()
                                .map(ContainerView::label)
                                .collect(Collectors.joining(", "))
                            + ")"));
    if (from.presence() == Presence.RECORD_ONLY || from.address() == null) {
      throw new IllegalArgumentException(
          containerName
              + " has a record but no namespace or veth in the kernel: nothing to trace"
              + " (start it, or let jocker reconcile)");
    }
    int target;
    try {
      target = Ipv4.parse(destination);
    } catch (IpamException e) {
      throw new IllegalArgumentException("invalid destination: " + e.getMessage(), e);
    }
    Subnet subnet = Subnet.containing(from.address());
    String gateway = ip(t.bridge().address());
    if (destination.equals(from.ip())) {
      return new Trace(
          containerName,
          destination,
          destination + " is " + containerName + "'s own address: the packet never leaves it.",
          List.of(
              new Trace.Hop(
                  "loopback in " + containerName,
                  List.of(
                      "The local routing table sends packets for the namespace's own address"
                          + " through lo; no veth, bridge or iptables of the host is involved."),
                  inside(from, "tcpdump -ni lo host " + destination))));
    }
    if (subnet.contains(target)) {
      return destination.equals(gateway)
          ? toGateway(t, from, subnet, destination)
          : sameBridge(t, from, subnet, destination);
    }
    return routed(t, from, subnet, destination);
  }

  /**
   * The path of a packet from {@code source}, outside the host, arriving on interface {@code
   * arrival} (null: the uplink) for {@code hostAddress}:{@code port} ({@code proto}) on the host:
   * which nat PREROUTING rule sends it to a container (DNAT) or, without one, which listener on the
   * host takes it ({@code userlandProxy}: jocker's proxy, which forwards it from the bridge's own
   * address), filter FORWARD's verdict on the way to the bridge, the veth, and how the reply finds
   * its way back.
   */
  public static Trace inbound(
      Topology t,
      String source,
      String arrival,
      String hostAddress,
      int port,
      String proto,
      boolean userlandProxy) {
    UplinkView uplink = t.uplink();
    String in = arrival != null ? arrival : uplink == null ? "eth0" : uplink.name();
    String bridge = t.bridge().name();
    String to = hostAddress + ":" + port + "/" + proto;
    RuleWalker walker = new RuleWalker(t.rules());
    List<Trace.Hop> hops = new ArrayList<>();
    hops.add(
        new Trace.Hop(
            "arrival on " + in,
            List.of(
                source + " sends to " + hostAddress + ":" + port + " (" + proto + "); the packet",
                "arrives on " + in + ", addressed to the host itself."),
            "tcpdump -ni " + in + " " + proto + " port " + port));
    RuleWalker.Result nat =
        walker.walk(
            "nat",
            "PREROUTING",
            new RuleWalker.Packet(in, null, source, hostAddress, false, true, proto, port));
    String target = nat.rule() == null ? null : RuleWalker.dnatDestination(nat.rule());
    ContainerView owner = null;
    PortView published = null;
    for (ContainerView c : t.containers()) {
      for (PortView p : c.ports()) {
        boolean bound = p.hostIp().equals("0.0.0.0") || p.hostIp().equals(hostAddress);
        if (!p.ipv6() && bound && p.hostPort() == port && p.proto().equals(proto)) {
          owner = c;
          published = p;
        }
      }
    }
    if (!"DNAT".equals(nat.target()) || target == null) {
      List<String> lines = new ArrayList<>();
      lines.add(
          "nat PREROUTING sends packets for the host's addresses into the " + "DOCKER chain,");
      if (!nat.passed().isEmpty()) {
        lines.add("  passes " + String.join(", ", nat.passed()) + " (they return)");
      }
      lines.add("but no rule there DNATs " + to + ": the destination stays the host's.");
      if (owner == null) {
        lines.add("No container on " + bridge + " publishes " + port + "/" + proto + ".");
        hops.add(new Trace.Hop("nat PREROUTING", lines, "iptables -t nat -nvL DOCKER"));
        return new Trace(
            source,
            to,
            "Nothing is published on "
                + port
                + "/"
                + proto
                + ": the host itself answers (a refused connection unless a program listens).",
            hops);
      }
      lines.add(
          "⚠ "
              + owner.label()
              + " publishes "
              + published
              + ", but its DNAT rule is missing (jocker puts it back");
      lines.add("within its check interval; jocker reconcile does it at once).");
      hops.add(new Trace.Hop("nat PREROUTING", lines, "iptables -t nat -nvL DOCKER"));
      if (!userlandProxy) {
        return blockedFrom(
            source, to, "no DNAT rule, and no userland proxy listens without one.", hops);
      }
      String gateway = ip(t.bridge().address());
      hops.add(
          new Trace.Hop(
              "userland proxy on the host",
              List.of(
                  "Delivered locally (filter INPUT), it reaches jocker's userland proxy, which",
                  "listens on " + published.hostIp() + ":" + port + " for " + owner.label() + ".",
                  "The proxy opens its own connection to "
                      + owner.ip()
                      + ":"
                      + published.containerPort()
                      + " from "
                      + gateway
                      + ",",
                  "so "
                      + owner.label()
                      + " sees "
                      + gateway
                      + " as the client, not "
                      + source
                      + ".",
                  "see: ss -ltnup | grep :" + port),
              "tcpdump -ni " + bridge + " host " + owner.ip()));
      hops.add(vethPair(owner, gateway, false));
      return new Trace(
          source,
          to,
          to
              + " reaches "
              + owner.label()
              + " through the userland proxy: the DNAT rule is missing, so the client's"
              + " address is lost.",
          hops);
    }
    String containerIp = target.substring(0, target.lastIndexOf(':'));
    int containerPort = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
    ContainerView dest =
        t.containers().stream().filter(c -> containerIp.equals(c.ip())).findFirst().orElse(null);
    List<String> dnat = new ArrayList<>();
    dnat.add("nat PREROUTING sends packets for the host's addresses into the DOCKER chain:");
    if (!nat.passed().isEmpty()) {
      dnat.add("  passes " + String.join(", ", nat.passed()) + " (they return)");
    }
    dnat.add("  matches nat " + nat.chain() + ": " + nat.rule().saveText());
    dnat.add(
        "so the destination becomes "
            + target
            + (dest == null ? "" : " (" + dest.label() + ")")
            + "; the source stays "
            + source
            + ".");
    dnat.add("see: conntrack -L -p " + proto + " --orig-port-dst " + port);
    hops.add(new Trace.Hop("nat PREROUTING: DNAT", dnat, "iptables -t nat -nvL DOCKER"));
    if (!t.ipForward()) {
      hops.add(
          new Trace.Hop(
              "forwarding on the host",
              List.of(
                  "net.ipv4.ip_forward=0: the host does not route the packet on to "
                      + bridge
                      + "."),
              null));
      return blockedFrom(source, to, "the host does not forward (ip_forward=0).", hops);
    }
    RuleWalker.Result forward =
        walker.walk(
            "filter",
            "FORWARD",
            new RuleWalker.Packet(
                in, bridge, source, containerIp, false, false, proto, containerPort));
    List<String> forwarding = new ArrayList<>();
    forwarding.add(
        containerIp
            + " is on "
            + bridge
            + "'s subnet: the host routes it from "
            + in
            + " to "
            + bridge
            + ",");
    forwarding.add("crossing filter FORWARD:");
    forwarding.addAll(verdictLines("filter", forward, t.forwardPolicy()));
    forwarding.add("see: iptables -nvL DOCKER (the ACCEPT rule's counters rise)");
    hops.add(new Trace.Hop("forwarding on the host", forwarding, null));
    if (!accepted(forward, t.forwardPolicy())) {
      return blockedFrom(source, to, "filter FORWARD drops it.", hops);
    }
    if (dest == null) {
      hops.add(
          new Trace.Hop(
              "bridge " + bridge,
              List.of(
                  "No container on " + bridge + " holds " + containerIp + ": ARP goes unanswered."),
              "tcpdump -eni " + bridge + " arp"));
      return blockedFrom(source, to, "the DNAT rule names an address nobody holds.", hops);
    }
    hops.add(
        new Trace.Hop(
            "bridge " + bridge,
            List.of(
                bridge
                    + " switches it to "
                    + dest.hostVeth()
                    + ", where "
                    + dest.eth0Mac()
                    + " is learned."),
            "tcpdump -eni " + bridge + " host " + containerIp));
    hops.add(vethPair(dest, source, false));
    hops.add(
        new Trace.Hop(
            "eth0 of " + dest.label(),
            List.of(
                "It arrives at " + target + " from " + source + ": the container sees the client's",
                "own address. Its reply goes to " + source + " via the default route;",
                "conntrack turns its source back into "
                    + hostAddress
                    + ":"
                    + port
                    + " on the way"
                    + " out of "
                    + in
                    + "."),
            inside(dest, "tcpdump -ni eth0 " + proto + " port " + containerPort)));
    return new Trace(
        source,
        to,
        to
            + " is published by "
            + dest.label()
            + ": DNAT to "
            + target
            + ", forwarded through "
            + bridge
            + ".",
        hops);
  }

  private static Trace blockedFrom(
      String source, String destination, String why, List<Trace.Hop> hops) {
    return new Trace(source, destination, "The packet does not get through: " + why, hops);
  }

  private static Trace sameBridge(
      Topology t, ContainerView from, Subnet subnet, String destination) {
    ContainerView to =
        t.containers().stream()
            .filter(c -> c.presence() != Presence.RECORD_ONLY && destination.equals(c.ip()))
            .findFirst()
            .orElse(null);
    String bridge = t.bridge().name();
    List<Trace.Hop> hops = new ArrayList<>();
    hops.add(onLinkRoute(from, subnet, destination));
    if (to == null) {
      hops.add(
          new Trace.Hop(
              "ARP for " + destination,
              List.of(
                  from.label() + " broadcasts \"who has " + destination + "?\";",
                  bridge + " floods it to every port, but no container on it holds " + destination,
                  "(no veth in the kernel answers), so nobody replies: ping reports",
                  "\"Destination Host Unreachable\" and the packet itself is never sent."),
              inside(from, "tcpdump -eni eth0 arp")));
      return new Trace(
          from.label(),
          destination,
          destination + " is in " + subnet + " but nothing on " + bridge + " answers for it.",
          hops);
    }
    hops.add(
        new Trace.Hop(
            "ARP for " + destination,
            List.of(
                from.label()
                    + " broadcasts \"who has "
                    + destination
                    + "?\"; "
                    + bridge
                    + " floods it to every port",
                "and " + to.label() + " answers with " + to.eth0Mac() + ".",
                "Frames now go to "
                    + to.eth0Mac()
                    + "; the IP header stays "
                    + from.ip()
                    + " → "
                    + destination
                    + "."),
            inside(from, "tcpdump -eni eth0 arp or host " + destination)));
    hops.add(vethPair(from, destination, true));
    List<String> bridging = new ArrayList<>();
    bridging.add(from.hostVeth() + " and " + to.hostVeth() + " are both ports of " + bridge + ".");
    bridging.add(
        "It learned "
            + to.eth0Mac()
            + " on "
            + to.hostVeth()
            + " and switches the frame there: no routing, no NAT.");
    bridging.add("see: bridge fdb show br " + bridge + " | grep " + to.eth0Mac());
    if (t.bridgeNfCallIptables()) {
      RuleWalker.Result forward =
          new RuleWalker(t.rules())
              .walk(
                  "filter",
                  "FORWARD",
                  new RuleWalker.Packet(bridge, bridge, from.ip(), destination, false, false));
      bridging.add("bridge-nf-call-iptables=1: bridged IPv4 frames also cross filter FORWARD:");
      bridging.addAll(verdictLines("filter", forward, t.forwardPolicy()));
      if (!accepted(forward, t.forwardPolicy())) {
        hops.add(
            new Trace.Hop(
                "bridge " + bridge, bridging, "tcpdump -eni " + bridge + " host " + destination));
        return new Trace(
            from.label(),
            destination,
            destination + " is on the same bridge, but iptables drops the bridged frame.",
            hops);
      }
    } else {
      bridging.add("bridge-nf-call-iptables is off: iptables does not see bridged frames.");
    }
    hops.add(
        new Trace.Hop(
            "bridge " + bridge, bridging, "tcpdump -eni " + bridge + " host " + destination));
    hops.add(vethPair(to, from.ip(), false));
    hops.add(
        new Trace.Hop(
            "eth0 of " + to.label(),
            List.of(
                "The frame arrives on " + to.label() + "'s eth0; the reply takes the same path",
                "back with source and destination swapped."),
            inside(to, "tcpdump -ni eth0 host " + from.ip())));
    return new Trace(
        from.label(),
        destination,
        destination
            + " is "
            + to.label()
            + " on the same bridge "
            + bridge
            + ": switched at layer 2, never routed or NATed.",
        hops);
  }

  private static Trace toGateway(
      Topology t, ContainerView from, Subnet subnet, String destination) {
    String bridge = t.bridge().name();
    List<Trace.Hop> hops = new ArrayList<>();
    hops.add(onLinkRoute(from, subnet, destination));
    hops.add(
        new Trace.Hop(
            "ARP for " + destination,
            List.of(
                from.label()
                    + " asks \"who has "
                    + destination
                    + "?\"; "
                    + bridge
                    + " itself answers with "
                    + t.bridge().mac()
                    + "."),
            inside(from, "tcpdump -eni eth0 arp or host " + destination)));
    hops.add(vethPair(from, destination, true));
    hops.add(
        new Trace.Hop(
            "bridge " + bridge,
            List.of(
                "The frame is addressed to " + bridge + "'s own MAC, so the bridge hands it to",
                "the host's IP stack: delivered locally (filter INPUT), not forwarded."),
            "tcpdump -eni " + bridge + " host " + destination));
    return new Trace(
        from.label(),
        destination,
        destination + " is the gateway, " + bridge + "'s own address on the host.",
        hops);
  }

  private static Trace routed(Topology t, ContainerView from, Subnet subnet, String destination) {
    String bridge = t.bridge().name();
    String gateway = ip(t.bridge().address());
    RuleWalker walker = new RuleWalker(t.rules());
    List<Trace.Hop> hops = new ArrayList<>();
    hops.add(
        new Trace.Hop(
            "route in " + from.label(),
            List.of(
                destination + " is outside " + subnet + " (eth0's on-link route), so the default",
                "route applies: default via " + gateway + " dev eth0, source " + from.ip() + ".",
                "see: " + inside(from, "ip route get " + destination)),
            inside(from, "tcpdump -ni eth0 host " + destination)));
    hops.add(
        new Trace.Hop(
            "gateway " + gateway,
            List.of(
                "The packet is sent to the gateway's MAC: ARP for "
                    + gateway
                    + " is answered by "
                    + bridge,
                "("
                    + t.bridge().mac()
                    + "). The IP header still says "
                    + from.ip()
                    + " → "
                    + destination
                    + "."),
            inside(from, "tcpdump -eni eth0 arp or host " + destination)));
    hops.add(vethPair(from, destination, true));
    hops.add(
        new Trace.Hop(
            "bridge " + bridge,
            List.of(
                from.hostVeth()
                    + " is a port of "
                    + bridge
                    + ". The frame is addressed to "
                    + bridge
                    + "'s own MAC,",
                "so the bridge hands it up to the host's IP stack instead of another port.",
                "see: ip link show master " + bridge),
            "tcpdump -eni " + bridge + " host " + destination));
    UplinkView uplink = t.uplink();
    if (!t.ipForward()) {
      hops.add(
          new Trace.Hop(
              "forwarding on the host",
              List.of(
                  "net.ipv4.ip_forward=0: the host does not route between interfaces and drops",
                  "the packet here. Fix: sysctl -w net.ipv4.ip_forward=1 (jocker sets it on start)."),
              null));
      return blocked(from, destination, "the host does not forward (ip_forward=0).", hops);
    }
    String route = hostRoute(uplink, destination);
    if (route == null) {
      hops.add(
          new Trace.Hop(
              "forwarding on the host",
              List.of("ip_forward=1, but the host has no route to " + destination + "."),
              null));
      return blocked(from, destination, "the host has no route to it.", hops);
    }
    RuleWalker.Result forward =
        walker.walk(
            "filter",
            "FORWARD",
            new RuleWalker.Packet(bridge, uplink.name(), from.ip(), destination, false, false));
    List<String> forwarding = new ArrayList<>();
    forwarding.add("ip_forward=1: the host routes it: " + route + ".");
    forwarding.add(
        "On the way from " + bridge + " to " + uplink.name() + " it crosses filter FORWARD:");
    forwarding.addAll(verdictLines("filter", forward, t.forwardPolicy()));
    forwarding.add("see: iptables -t filter -nvL FORWARD (the matching rule's counters rise)");
    hops.add(new Trace.Hop("forwarding on the host", forwarding, null));
    if (!accepted(forward, t.forwardPolicy())) {
      return blocked(from, destination, "filter FORWARD drops it.", hops);
    }
    RuleWalker.Result nat =
        walker.walk(
            "nat",
            "POSTROUTING",
            new RuleWalker.Packet(null, uplink.name(), from.ip(), destination, false, false));
    boolean masqueraded = nat.rule() != null && RuleWalker.rewritesSource(nat.target());
    String uplinkIp = uplink.address() == null ? "the uplink's address" : ip(uplink.address());
    List<String> egress = new ArrayList<>();
    if (masqueraded) {
      egress.add("nat POSTROUTING matches: " + Labels.rule(nat.rule()));
      egress.add(
          "so the source "
              + from.ip()
              + " becomes "
              + uplinkIp
              + ", "
              + uplink.name()
              + "'s address:");
      egress.add("it leaves as " + uplinkIp + " → " + destination + ".");
    } else {
      egress.add(
          "⚠ no nat POSTROUTING rule rewrites the source: it leaves as "
              + from.ip()
              + " → "
              + destination
              + ",");
      egress.add("and " + destination + " has no route back to " + subnet + ".");
      egress.add("Fix: jocker restores its MASQUERADE rule on reconcile; jocker doctor shows it.");
    }
    hops.add(
        new Trace.Hop(
            "egress " + uplink.name() + (masqueraded ? " with MASQUERADE" : " without NAT"),
            egress,
            "tcpdump -ni " + uplink.name() + " host " + destination));
    if (!masqueraded) {
      return new Trace(
          from.label(),
          destination,
          destination + " is beyond the bridge: the packet leaves, but no reply can come back.",
          hops);
    }
    RuleWalker.Result back =
        walker.walk(
            "filter",
            "FORWARD",
            new RuleWalker.Packet(uplink.name(), bridge, destination, from.ip(), true, false));
    List<String> reply = new ArrayList<>();
    reply.add(
        destination + " answers " + uplinkIp + "; conntrack knows the connection and rewrites the");
    reply.add("destination back to " + from.ip() + " (see: conntrack -L -d " + destination + ").");
    reply.add("From " + uplink.name() + " to " + bridge + " the reply crosses filter FORWARD:");
    reply.addAll(verdictLines("filter", back, t.forwardPolicy()));
    reply.add(
        bridge
            + " switches it to "
            + from.hostVeth()
            + " ("
            + from.eth0Mac()
            + " is learned there), and it arrives on eth0.");
    hops.add(
        new Trace.Hop(
            "back through conntrack",
            reply,
            "tcpdump -ni " + from.hostVeth() + " host " + destination));
    if (!accepted(back, t.forwardPolicy())) {
      return blocked(from, destination, "filter FORWARD drops the reply.", hops);
    }
    return new Trace(
        from.label(),
        destination,
        destination
            + " is beyond the bridge: routed via the gateway, forwarded, masqueraded out of "
            + uplink.name()
            + ".",
        hops);
  }

  private static Trace.Hop onLinkRoute(ContainerView from, Subnet subnet, String destination) {
    return new Trace.Hop(
        "route in " + from.label(),
        List.of(
            destination + " is inside " + subnet + ", eth0's on-link route: no gateway, the",
            "packet is delivered at layer 2 on eth0.",
            "see: " + inside(from, "ip route get " + destination)),
        inside(from, "tcpdump -ni eth0 host " + destination));
  }

  private static Trace.Hop vethPair(ContainerView c, String peerAddress, boolean outbound) {
    String eth0 = "eth0@if" + c.eth0PeerIndex();
    String veth = c.hostVeth() + "@if" + c.hostVethPeerIndex();
    List<String> lines =
        List.of(
            (outbound
                    ? eth0 + " in " + c.netns() + " ⇄ " + veth + " on the host"
                    : veth + " on the host ⇄ " + eth0 + " in " + c.netns())
                + ": one cable, two ends.",
            "eth0@if"
                + c.eth0PeerIndex()
                + " names its peer's ifindex "
                + c.eth0PeerIndex()
                + " ("
                + c.hostVeth()
                + "); "
                + c.hostVeth()
                + "@if"
                + c.hostVethPeerIndex()
                + " names "
                + c.hostVethPeerIndex()
                + " (eth0).");
    return new Trace.Hop(
        "veth pair of " + c.label(),
        lines,
        "tcpdump -eni " + c.hostVeth() + " host " + peerAddress);
  }

  private static List<String> verdictLines(String table, RuleWalker.Result result, String policy) {
    List<String> lines = new ArrayList<>();
    if (!result.passed().isEmpty()) {
      lines.add("  passes " + String.join(", ", result.passed()) + " (they return)");
    }
    if (result.rule() == null) {
      lines.add("  no rule decides: the " + result.chain() + " policy " + policy + " applies");
    } else {
      lines.add("  matches " + table + " " + result.chain() + ": " + result.rule().saveText());
    }
    return lines;
  }

  private static boolean accepted(RuleWalker.Result result, String policy) {
    return result.rule() == null ? !"DROP".equals(policy) : result.target().equals("ACCEPT");
  }

  private static Trace blocked(
      ContainerView from, String destination, String why, List<Trace.Hop> hops) {
    return new Trace(from.label(), destination, "The packet does not get through: " + why, hops);
  }

  private static String hostRoute(UplinkView uplink, String destination) {
    if (uplink == null) {
      return null;
    }
    if (uplink.address() != null
        && Subnet.containing(uplink.address()).contains(Ipv4.parse(destination))) {
      return destination
          + " is on "
          + uplink.name()
          + "'s link ("
          + Subnet.containing(uplink.address())
          + ")";
    }
    return uplink.gateway() == null
        ? null
        : "default via " + uplink.gateway() + " dev " + uplink.name();
  }

  private static String inside(ContainerView c, String command) {
    return "ip netns exec " + c.netns() + " " + command;
  }

  private static String ip(String addressWithPrefix) {
    return addressWithPrefix.substring(0, addressWithPrefix.indexOf('/'));
  }
}

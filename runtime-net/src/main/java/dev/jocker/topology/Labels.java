package dev.jocker.topology;

import dev.jocker.firewall.Rule;
import java.util.List;

/** The words and numbers every format shows for the same object, so the formats agree. */
final class Labels {
  private Labels() {}

  /** {@code 5: veth1c2d3e4@if4}, as {@code ip link} prints it. */
  static String hostVeth(ContainerView c) {
    if (c.hostVeth() == null) {
      return "(no veth)";
    }
    return index(c.hostVethIndex()) + c.hostVeth() + peer(c.hostVethPeerIndex());
  }

  /** {@code 4: eth0@if5}. */
  static String eth0(ContainerView c) {
    if (c.eth0Index() == 0) {
      return "(no eth0)";
    }
    return index(c.eth0Index()) + "eth0" + peer(c.eth0PeerIndex());
  }

  static String container(ContainerView c) {
    return c.netns() == null ? c.label() : c.label() + " · netns " + c.netns();
  }

  static String uplink(UplinkView u) {
    return index(u.ifindex()) + u.name();
  }

  static String bridge(BridgeView b) {
    return index(b.ifindex()) + b.name();
  }

  static String rule(Rule rule) {
    return "-t " + rule.table() + " " + rule.saveText();
  }

  static String orDash(String text) {
    return text == null ? "-" : text;
  }

  private static String index(int ifindex) {
    return ifindex == 0 ? "" : ifindex + ": ";
  }

  private static String peer(int ifindex) {
    return ifindex == 0 ? "" : "@if" + ifindex;
  }

  /** The uplink's box: name, address, MAC, MTU, one per line. */
  static String uplinkBox(UplinkView u) {
    return lines(uplink(u), u.address(), u.mac(), "mtu " + u.mtu());
  }

  /** The bridge's box, with a warning line when record and kernel disagree. */
  static String bridgeBox(BridgeView b) {
    return lines(
        bridge(b) + " (bridge)",
        b.address(),
        b.mac(),
        b.mtu() == 0 ? null : "mtu " + b.mtu(),
        flag(b.presence()));
  }

  /** A container's eth0 box, with a warning line when record and kernel disagree. */
  static String eth0Box(ContainerView c) {
    return lines(eth0(c), c.address(), c.eth0Mac(), flag(c.presence()));
  }

  /** A container's eth0 box and a line per published port. */
  static String eth0Box(Topology t, ContainerView c) {
    List<String> lines = new java.util.ArrayList<>(List.of(eth0Box(c)));
    for (PortView p : c.ports()) {
      lines.add(published(t, c, p));
    }
    return String.join("\n", lines);
  }

  /**
   * {@code published 0.0.0.0:8080->80/tcp}, with what reaches it when the DNAT rule is not there
   * (only a listener on the host, as the userland proxy) and for the {@code ::} binding (the proxy
   * alone, as Docker programs no ip6tables for a network without IPv6).
   */
  static String published(Topology t, ContainerView c, PortView p) {
    String line = "published " + p;
    if (p.ipv6()) {
      return line + " (userland proxy)";
    }
    return t.dnatRuleFor(c, p) == null ? line + "  ⚠ no DNAT rule" : line;
  }

  static String flag(Presence presence) {
    return presence.warning() == null ? null : "⚠ " + presence.warning();
  }

  /** The non-null values, one per line. */
  static String lines(String... values) {
    List<String> present = new java.util.ArrayList<>();
    for (String value : values) {
      if (value != null) {
        present.add(value);
      }
    }
    return String.join("\n", present);
  }
}

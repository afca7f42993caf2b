package dev.jocker.topology;

import dev.jocker.firewall.Rule;

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
}

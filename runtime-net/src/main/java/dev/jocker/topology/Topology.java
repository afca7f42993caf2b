package dev.jocker.topology;

import dev.jocker.firewall.Rule;
import java.util.List;

/**
 * A bridge network as it is right now: read from the kernel and matched against jocker's records.
 *
 * @param network the network's name, e.g. {@code bridge}
 * @param uplink the interface of the host's default route, or null when there is none
 * @param bridge the network's bridge
 * @param containers the containers on it, in the order to show them
 * @param rules the host's {@code filter} and {@code nat} rules in {@code iptables-save} order
 * @param ipForward {@code net.ipv4.ip_forward} of the host namespace
 * @param forwardPolicy the policy of the filter FORWARD chain, e.g. {@code DROP}
 * @param bridgeNfCallIptables true when br_netfilter is loaded and {@code
 *     net.bridge.bridge-nf-call-iptables=1}, so bridged frames cross iptables too
 */
public record Topology(
    String network,
    UplinkView uplink,
    BridgeView bridge,
    List<ContainerView> containers,
    List<Rule> rules,
    boolean ipForward,
    String forwardPolicy,
    boolean bridgeNfCallIptables) {
  public Topology {
    containers = List.copyOf(containers);
    rules = List.copyOf(rules);
  }

  /**
   * The nat rule that sends a packet for {@code port} of {@code container} arriving from outside
   * (on the uplink, for the host's own address) to the container, or null when none does: then only
   * a listener on the host (the userland proxy) can answer.
   */
  public Rule dnatRuleFor(ContainerView container, PortView port) {
    if (port.ipv6() || container.ip() == null) {
      return null;
    }
    String hostAddress =
        port.hostIp().equals("0.0.0.0")
            ? uplink != null && uplink.address() != null
                ? uplink.address().substring(0, uplink.address().indexOf('/'))
                : "192.0.2.1"
            : port.hostIp();
    RuleWalker.Result result =
        new RuleWalker(rules)
            .walk(
                "nat",
                "PREROUTING",
                new RuleWalker.Packet(
                    uplink == null ? "eth0" : uplink.name(),
                    null,
                    "192.0.2.254",
                    hostAddress,
                    false,
                    true,
                    port.proto(),
                    port.hostPort()));
    String to = container.ip() + ":" + port.containerPort();
    return result.rule() != null
            && "DNAT".equals(result.target())
            && to.equals(RuleWalker.dnatDestination(result.rule()))
        ? result.rule()
        : null;
  }

  /**
   * The nat rule that rewrites the source of {@code container}'s traffic leaving through the
   * uplink, or null when none does (then replies cannot find their way back).
   */
  public Rule natRuleFor(ContainerView container) {
    if (uplink == null || container.ip() == null) {
      return null;
    }
    String destination = uplink.gateway() != null ? uplink.gateway() : "192.0.2.1";
    RuleWalker.Result result =
        new RuleWalker(rules)
            .walk(
                "nat",
                "POSTROUTING",
                new RuleWalker.Packet(
                    null, uplink.name(), container.ip(), destination, false, false));
    return result.rule() != null && RuleWalker.rewritesSource(result.target())
        ? result.rule()
        : null;
  }
}

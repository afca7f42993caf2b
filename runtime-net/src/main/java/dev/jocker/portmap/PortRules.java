package dev.jocker.portmap;

import dev.jocker.firewall.BridgeNetworkOptions;
import dev.jocker.firewall.BridgeNetworkRules;
import dev.jocker.firewall.Rule;
import dev.jocker.firewall.RuleSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Docker 20.10's iptables rules for published ports, as data, in the order Docker adds them (and
 * deletes them): libnetwork's {@code ChainInfo.Forward}, and what its bridge driver changes in a
 * bridge's own rules when the userland proxy is off.
 */
public final class PortRules {
  private PortRules() {}

  /**
   * The rules of one published port, {@code chain} being the DOCKER chain's name. With the userland
   * proxy: {@code -A DOCKER ! -i BRIDGE -p tcp -m tcp --dport 8080 -j DNAT --to-destination
   * 172.17.0.2:80} in nat, {@code -A DOCKER -d 172.17.0.2/32 ! -i BRIDGE -o BRIDGE -p tcp -m tcp
   * --dport 80 -j ACCEPT} in filter, and the hairpin {@code -A POSTROUTING -s 172.17.0.2/32 -d
   * 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE} (plus the CHECKSUM fill of SCTP replies
   * in mangle). Without it the DNAT rule has no {@code ! -i BRIDGE}: containers on the bridge reach
   * the port by NAT and hairpin, not through the proxy. A specific host address adds {@code -d
   * ADDRESS/32} to the DNAT rule. IPv6 host addresses get no rule: Docker programs ip6tables only
   * for networks with IPv6, which jocker's do not have.
   */
  public static List<Rule> of(PublishedPort p, String chain) {
    if (p.ipv6()) {
      return List.of();
    }
    String proto = "-p " + p.proto() + " -m " + p.proto();
    List<Rule> rules = new ArrayList<>();
    String dnat = p.hostIp().equals("0.0.0.0") ? "" : "-d " + p.hostIp() + "/32 ";
    if (p.userlandProxy()) {
      dnat += "! -i " + p.bridge() + " ";
    }
    rules.add(
        Rule.of(
            "nat",
            chain,
            dnat
                + proto
                + " --dport "
                + p.hostPort()
                + " -j DNAT --to-destination "
                + p.containerIp()
                + ":"
                + p.containerPort()));
    rules.add(
        Rule.of(
            "filter",
            chain,
            "-d "
                + p.containerIp()
                + "/32 ! -i "
                + p.bridge()
                + " -o "
                + p.bridge()
                + " "
                + proto
                + " --dport "
                + p.containerPort()
                + " -j ACCEPT"));
    rules.add(
        Rule.of(
            "nat",
            "POSTROUTING",
            "-s "
                + p.containerIp()
                + "/32 -d "
                + p.containerIp()
                + "/32 "
                + proto
                + " --dport "
                + p.containerPort()
                + " -j MASQUERADE"));
    if (p.proto().equals("sctp")) {
      // Old kernels let veths skip the SCTP checksum; libnetwork fills it in, as Docker does.
      rules.add(
          Rule.of(
              "mangle",
              "POSTROUTING",
              proto + " --sport " + p.containerPort() + " -j CHECKSUM --checksum-fill"));
    }
    return List.copyOf(rules);
  }

  /** The rules of several published ports, port after port, in Docker's order. */
  public static List<Rule> of(List<PublishedPort> ports, String chain) {
    return ports.stream().flatMap(p -> of(p, chain).stream()).toList();
  }

  /** {@link #bridgeRules(BridgeNetworkOptions, boolean)} for a network with Docker's defaults. */
  public static RuleSet bridgeRules(
      String bridge, String subnet, String chain, boolean userlandProxy) {
    return bridgeRules(BridgeNetworkOptions.defaults(bridge, subnet, chain), userlandProxy);
  }

  /**
   * A bridge network's own rules ({@link BridgeNetworkRules}) for the proxy mode. With the userland
   * proxy they are unchanged. Without it, as Docker's {@code --userland-proxy=false}: the OUTPUT
   * jump into the DOCKER chain has no {@code ! -d 127.0.0.0/8} (connections to 127.0.0.1:8080 are
   * DNATed, which {@code route_localnet=1} on the bridge lets out of the host), the bridge's {@code
   * -i BRIDGE -j RETURN} in the nat DOCKER chain goes (containers reach published ports by DNAT),
   * and, unless the network is internal, {@code -o BRIDGE -m addrtype --src-type LOCAL -j
   * MASQUERADE} comes before the bridge's MASQUERADE (with or without it), so that the host's own
   * connections, from 127.0.0.1 or any local address, leave with the bridge's address.
   */
  public static RuleSet bridgeRules(BridgeNetworkOptions network, boolean userlandProxy) {
    RuleSet base = BridgeNetworkRules.of(network);
    if (userlandProxy) {
      return base;
    }
    String bridge = network.bridge();
    String chain = network.chainPrefix();
    Rule proxyOutput =
        Rule.of("nat", "OUTPUT", "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j " + chain);
    Rule skipDnat = Rule.of("nat", chain, "-i " + bridge + " -j RETURN");
    Rule hostMasquerade =
        Rule.of(
            "nat", "POSTROUTING", "-o " + bridge + " -m addrtype --src-type LOCAL -j MASQUERADE");
    List<Rule> rules = new ArrayList<>();
    boolean hairpinAdded = network.internal();
    for (Rule r : base.rules()) {
      if (r.equals(skipDnat)) {
        continue;
      }
      if (!hairpinAdded && r.chain().equals("POSTROUTING")) {
        // Docker inserts it at the head of POSTROUTING after the bridge's MASQUERADE.
        rules.add(hostMasquerade);
        hairpinAdded = true;
      }
      rules.add(
          r.equals(proxyOutput)
              ? Rule.of("nat", "OUTPUT", "-m addrtype --dst-type LOCAL -j " + chain)
              : r);
    }
    if (!hairpinAdded) {
      rules.add(hostMasquerade);
    }
    return new RuleSet(base.chains(), rules);
  }
}

package dev.jocker.firewall;

import java.util.ArrayList;
import java.util.List;

/**
 * A bridge network's rules as Docker 20.10's bridge driver lays them out, selected by its options
 * ({@link BridgeNetworkOptions}): with the defaults they are Docker's default bridge's; {@code
 * enable_ip_masquerade=false} leaves out the MASQUERADE and the DOCKER chain's RETURN for the
 * bridge; {@code enable_icc=false} turns the bridge-to-bridge ACCEPT into a DROP that Docker
 * appends to FORWARD; {@code --internal} keeps only the isolation DROPs for traffic leaving or
 * entering the subnet and the icc rule, with no NAT, no DOCKER chain jump and no isolation between
 * networks.
 */
public final class BridgeNetworkRules {
  private BridgeNetworkRules() {}

  /** The rule set for a network with options {@code o}. */
  public static RuleSet of(BridgeNetworkOptions o) {
    String br = o.bridge();
    String docker = o.chainPrefix();
    String user = docker + "-USER";
    String stage1 = docker + "-ISOLATION-STAGE-1";
    String stage2 = docker + "-ISOLATION-STAGE-2";
    List<Rule> rules = new ArrayList<>();
    rules.add(Rule.of("nat", "PREROUTING", "-m addrtype --dst-type LOCAL -j " + docker));
    rules.add(
        Rule.of("nat", "OUTPUT", "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j " + docker));
    if (!o.internal() && o.ipMasquerade()) {
      rules.add(
          Rule.of("nat", "POSTROUTING", "-s " + o.subnet() + " ! -o " + br + " -j MASQUERADE"));
      rules.add(Rule.of("nat", docker, "-i " + br + " -j RETURN"));
    }
    rules.add(Rule.of("filter", "FORWARD", "-j " + user));
    rules.add(Rule.of("filter", "FORWARD", "-j " + stage1));
    if (!o.internal()) {
      rules.add(
          Rule.of(
              "filter",
              "FORWARD",
              "-o " + br + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"));
      rules.add(Rule.of("filter", "FORWARD", "-o " + br + " -j " + docker));
      rules.add(Rule.of("filter", "FORWARD", "-i " + br + " ! -o " + br + " -j ACCEPT"));
    }
    // Docker inserts the ACCEPT (at the head of FORWARD) but appends the DROP (at its tail).
    rules.add(
        Rule.of(
            "filter",
            "FORWARD",
            "-i " + br + " -o " + br + " -j " + (o.icc() ? "ACCEPT" : "DROP")));
    if (o.internal()) {
      // iptables-save prints addresses before interfaces; Docker inserts the incoming rule first,
      // so the outgoing one comes out on top.
      rules.add(Rule.of("filter", stage1, "! -s " + o.subnet() + " -o " + br + " -j DROP"));
      rules.add(Rule.of("filter", stage1, "! -d " + o.subnet() + " -i " + br + " -j DROP"));
      rules.add(Rule.of("filter", stage1, "-j RETURN"));
    } else {
      rules.add(Rule.of("filter", stage1, "-i " + br + " ! -o " + br + " -j " + stage2));
      rules.add(Rule.of("filter", stage1, "-j RETURN"));
      rules.add(Rule.of("filter", stage2, "-o " + br + " -j DROP"));
    }
    rules.add(Rule.of("filter", stage2, "-j RETURN"));
    rules.add(Rule.of("filter", user, "-j RETURN"));
    List<String> chains =
        List.of(
            "nat:" + docker,
            "filter:" + docker,
            "filter:" + stage1,
            "filter:" + stage2,
            "filter:" + user);
    return new RuleSet(chains, rules);
  }
}

package dev.jocker.firewall;

import dev.jocker.ipam.Subnet;
import java.util.ArrayList;
import java.util.List;

/**
 * The iptables rules of one CNI bridge network, as Docker's for docker0: jockerd sets the FORWARD
 * policy to DROP, so a bridge of the plugin needs FORWARD accept rules of its own (replies coming
 * in, traffic going out, traffic between its containers), and with {@code ipMasq} the subnet is
 * MASQUERADEd when it leaves the bridge. One set per network, not per container, so an ADD after
 * the network's first touches no rule.
 */
public final class CniRules {
  private CniRules() {}

  /** The rules of {@code bridge} carrying {@code subnet}. */
  public static RuleSet of(String bridge, Subnet subnet, boolean ipMasq) {
    List<Rule> rules = new ArrayList<>();
    if (ipMasq) {
      rules.add(
          Rule.of("nat", "POSTROUTING", "-s " + subnet + " ! -o " + bridge + " -j MASQUERADE"));
    }
    rules.add(
        Rule.of(
            "filter",
            "FORWARD",
            "-o " + bridge + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"));
    rules.add(Rule.of("filter", "FORWARD", "-i " + bridge + " ! -o " + bridge + " -j ACCEPT"));
    rules.add(Rule.of("filter", "FORWARD", "-i " + bridge + " -o " + bridge + " -j ACCEPT"));
    return new RuleSet(List.of(), rules);
  }
}

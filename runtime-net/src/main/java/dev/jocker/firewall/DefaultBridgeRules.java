package dev.jocker.firewall;

import java.util.ArrayList;
import java.util.List;

/**
 * Docker 20.10's rules for its default bridge, in its order: NAT for traffic leaving the bridge,
 * the DOCKER chains ready for published ports, and the FORWARD rules that let containers talk to
 * each other and out.
 */
public final class DefaultBridgeRules {
  private DefaultBridgeRules() {}

  /** The rule set for {@code bridge} with {@code subnet}, chains named with {@code prefix}. */
  public static RuleSet of(String bridge, String subnet, String prefix) {
    String docker = prefix;
    String user = prefix + "-USER";
    String stage1 = prefix + "-ISOLATION-STAGE-1";
    String stage2 = prefix + "-ISOLATION-STAGE-2";
    List<Rule> rules = new ArrayList<>();
    rules.add(Rule.of("nat", "PREROUTING", "-m addrtype --dst-type LOCAL -j " + docker));
    rules.add(
        Rule.of("nat", "OUTPUT", "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j " + docker));
    rules.add(Rule.of("nat", "POSTROUTING", "-s " + subnet + " ! -o " + bridge + " -j MASQUERADE"));
    rules.add(Rule.of("nat", docker, "-i " + bridge + " -j RETURN"));
    rules.add(Rule.of("filter", "FORWARD", "-j " + user));
    rules.add(Rule.of("filter", "FORWARD", "-j " + stage1));
    rules.add(
        Rule.of(
            "filter",
            "FORWARD",
            "-o " + bridge + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"));
    rules.add(Rule.of("filter", "FORWARD", "-o " + bridge + " -j " + docker));
    rules.add(Rule.of("filter", "FORWARD", "-i " + bridge + " ! -o " + bridge + " -j ACCEPT"));
    rules.add(Rule.of("filter", "FORWARD", "-i " + bridge + " -o " + bridge + " -j ACCEPT"));
    rules.add(Rule.of("filter", stage1, "-i " + bridge + " ! -o " + bridge + " -j " + stage2));
    rules.add(Rule.of("filter", stage1, "-j RETURN"));
    rules.add(Rule.of("filter", stage2, "-o " + bridge + " -j DROP"));
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

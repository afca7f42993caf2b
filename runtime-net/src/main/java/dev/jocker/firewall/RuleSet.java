package dev.jocker.firewall;

import java.util.List;

/**
 * Chains jocker owns and rules in the order they must appear.
 *
 * @param chains user chains to create, as {@code table:chain}
 * @param rules every rule, in iptables-save order per chain
 */
public record RuleSet(List<String> chains, List<Rule> rules) {
  public RuleSet {
    chains = List.copyOf(chains);
    rules = List.copyOf(rules);
  }
}

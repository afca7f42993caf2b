package dev.jocker.firewall;

/**
 * Docker 20.10's rules for its default bridge, in its order: NAT for traffic leaving the bridge,
 * the DOCKER chains ready for published ports, and the FORWARD rules that let containers talk to
 * each other and out. They are {@link BridgeNetworkRules} of a network with Docker's default
 * options.
 */
public final class DefaultBridgeRules {
  private DefaultBridgeRules() {}

  /** The rule set for {@code bridge} with {@code subnet}, chains named with {@code prefix}. */
  public static RuleSet of(String bridge, String subnet, String prefix) {
    return BridgeNetworkRules.of(BridgeNetworkOptions.defaults(bridge, subnet, prefix));
  }
}

package dev.jocker.bridge;

import dev.jocker.firewall.BridgeNetworkRules;
import dev.jocker.firewall.Rule;
import java.util.List;

/**
 * Installs the bridge's rules as its options select them ({@code --internal}, icc, MASQUERADE;
 * Docker's default-bridge rules otherwise), adding only what is missing.
 */
final class SetupIptables implements SetupStep {
  @Override
  public String name() {
    return "iptables";
  }

  @Override
  public String apply(BridgeContext ctx) {
    if (!ctx.config().iptables()) {
      return null;
    }
    List<Rule> added = ctx.firewall().ensure(BridgeNetworkRules.of(ctx.config().networkOptions()));
    return added.isEmpty() ? null : "restored " + added.size() + " iptables rules";
  }
}

package dev.jocker.bridge;

import dev.jocker.firewall.DefaultBridgeRules;
import dev.jocker.firewall.Rule;
import java.util.List;

/** Installs the default-bridge rules, adding only what is missing. */
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
    BridgeConfig c = ctx.config();
    List<Rule> added =
        ctx.firewall()
            .ensure(DefaultBridgeRules.of(c.name(), c.subnet().toString(), c.chainPrefix()));
    return added.isEmpty() ? null : "restored " + added.size() + " iptables rules";
  }
}

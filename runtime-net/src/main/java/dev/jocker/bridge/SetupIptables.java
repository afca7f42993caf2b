package dev.jocker.bridge;

import dev.jocker.firewall.Rule;
import java.util.List;

/** Installs the bridge's rules for the daemon's proxy mode, adding only what is missing. */
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
    List<Rule> added = ctx.firewall().ensure(ctx.rules());
    return added.isEmpty() ? null : "restored " + added.size() + " iptables rules";
  }
}

package dev.jocker.bridge;

import dev.jocker.firewall.Rule;
import java.util.List;

/**
 * Installs the bridge's rules as its options select them ({@code --internal}, icc, MASQUERADE) for
 * the daemon's proxy mode, adding only what is missing.
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
    // A bridge left by a daemon run with the other icc setting keeps that run's rule between its
    // ports, which comes first: Docker's setIcc deletes it, and so does this step.
    String br = ctx.config().name();
    ctx.firewall()
        .delete(
            List.of(
                Rule.of(
                    "filter",
                    "FORWARD",
                    "-i " + br + " -o " + br + " -j " + (ctx.config().icc() ? "DROP" : "ACCEPT"))));
    List<Rule> added = ctx.firewall().ensure(ctx.rules());
    return added.isEmpty() ? null : "restored " + added.size() + " iptables rules";
  }
}

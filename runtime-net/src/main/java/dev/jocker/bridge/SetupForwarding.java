package dev.jocker.bridge;

import dev.jocker.network.NetworkDriver;

/**
 * Turns on IPv4 forwarding. When jocker is the one switching it on, it also sets the FORWARD policy
 * to DROP as Docker does, so that enabling containers does not turn the host into an open router.
 */
final class SetupForwarding implements SetupStep {
  @Override
  public String name() {
    return "forwarding";
  }

  @Override
  public String apply(BridgeContext ctx) {
    if (!ctx.config().ipForward() || "1".equals(ctx.host().sysctls().get("net.ipv4.ip_forward"))) {
      return null;
    }
    ctx.host().sysctls().set("net.ipv4.ip_forward", "1");
    if (ctx.config().iptables()) {
      ctx.firewall().setForwardPolicy("DROP");
      return NetworkDriver.FORWARD_POLICY_SET;
    }
    return "enabled net.ipv4.ip_forward";
  }
}

package dev.jocker.bridge;

import java.io.UncheckedIOException;

/**
 * With inter-container traffic off, the DROP between the bridge's own ports only works if bridged
 * frames cross iptables: Docker then sets {@code net.bridge.bridge-nf-call-iptables=1}, and so does
 * this step. Without br_netfilter there is nothing to set ({@code jocker doctor} says so).
 */
final class SetupBridgeNetfilter implements SetupStep {
  static final String KEY = "net.bridge.bridge-nf-call-iptables";

  @Override
  public String name() {
    return "bridge-netfilter";
  }

  @Override
  public String apply(BridgeContext ctx) {
    if (ctx.config().icc() || !ctx.config().iptables()) {
      return null;
    }
    String value;
    try {
      value = ctx.host().sysctls().get(KEY);
    } catch (UncheckedIOException notLoaded) {
      return null;
    }
    if ("1".equals(value)) {
      return null;
    }
    ctx.host().sysctls().set(KEY, "1");
    return KEY + "=1";
  }
}

package dev.jocker.bridge;

import dev.jocker.portmap.HairpinNat;

/**
 * Without the userland proxy, a connection to 127.0.0.1:PORT is DNATed to a container and must be
 * let out through the bridge: {@code route_localnet=1} on it, as Docker's {@code
 * setupLoopbackAddressesRouting}.
 */
final class SetupLocalRouting implements SetupStep {
  @Override
  public String name() {
    return "local routing";
  }

  @Override
  public String apply(BridgeContext ctx) {
    if (ctx.userlandProxy() || !HairpinNat.enableLocalRouting(ctx.host(), ctx.config().name())) {
      return null;
    }
    return "net.ipv4.conf." + ctx.config().name() + ".route_localnet=1";
  }
}

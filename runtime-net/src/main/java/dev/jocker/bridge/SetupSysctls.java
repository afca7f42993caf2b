package dev.jocker.bridge;

/** The bridge must not configure itself from router advertisements, as Docker ensures. */
final class SetupSysctls implements SetupStep {
  @Override
  public String name() {
    return "sysctls";
  }

  @Override
  public String apply(BridgeContext ctx) {
    String key = "net.ipv6.conf." + ctx.config().name() + ".accept_ra";
    if ("0".equals(ctx.host().sysctls().get(key))) {
      return null;
    }
    ctx.host().sysctls().set(key, "0");
    return key + "=0";
  }
}

package dev.jocker.bridge;

/** Brings the bridge up, last, once it is fully configured. */
final class SetupUp implements SetupStep {
  @Override
  public String name() {
    return "up";
  }

  @Override
  public String apply(BridgeContext ctx) {
    if (ctx.host().links().get(ctx.config().name()).up()) {
      return null;
    }
    ctx.host().links().setUp(ctx.config().name());
    return ctx.config().name() + " up";
  }
}

package dev.jocker.bridge;

import dev.jocker.ipam.Ipv4;
import dev.jocker.kernel.Link;

/** Reads back what the steps built and fails loudly if the kernel disagrees. */
final class SetupVerify implements SetupStep {
  @Override
  public String name() {
    return "verify";
  }

  @Override
  public String apply(BridgeContext ctx) {
    BridgeConfig c = ctx.config();
    Link link = ctx.host().links().get(c.name());
    if (!link.up()) {
      throw new BridgeException(c.name() + " is not up after setup");
    }
    boolean hasAddress =
        ctx.host().addrs().list(c.name()).stream()
            .anyMatch(a -> a.address().equals(Ipv4.toInet(c.address())));
    if (!hasAddress) {
      throw new BridgeException(c.name() + " lacks " + Ipv4.format(c.address()) + " after setup");
    }
    return null;
  }
}

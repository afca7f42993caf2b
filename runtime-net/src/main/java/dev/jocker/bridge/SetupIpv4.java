package dev.jocker.bridge;

import dev.jocker.ipam.Ipv4;
import dev.jocker.kernel.Addr;
import java.net.Inet4Address;

/** Gives the bridge its gateway address with the subnet's broadcast, unless it has it already. */
final class SetupIpv4 implements SetupStep {
  @Override
  public String name() {
    return "ipv4";
  }

  @Override
  public String apply(BridgeContext ctx) {
    BridgeConfig c = ctx.config();
    Inet4Address address = Ipv4.toInet(c.address());
    for (Addr a : ctx.host().addrs().list(c.name())) {
      if (a.address().equals(address) && a.prefixLength() == c.subnet().prefixLength()) {
        return null;
      }
    }
    ctx.host()
        .addrs()
        .add(c.name(), address, c.subnet().prefixLength(), Ipv4.toInet(c.subnet().broadcast()));
    return "added "
        + address.getHostAddress()
        + "/"
        + c.subnet().prefixLength()
        + " to "
        + c.name();
  }
}

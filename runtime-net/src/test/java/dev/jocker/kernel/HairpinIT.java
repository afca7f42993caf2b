package dev.jocker.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import org.junit.jupiter.api.Test;

/** Hairpin mode set over rtnetlink, as iproute2 reads it back. */
@Privileged
class HairpinIT {
  @Test
  void hairpinModeGoesOnAndOffOnABridgePort(Sandbox sandbox) {
    try (Netns host = Netns.open(sandbox.host().path())) {
      host.links().addBridge("br-hp", 1500, null);
      Link veth = host.links().addVethPair("veth-hp", "veth-hp-peer", null, null, 1500);
      host.links().setMaster("veth-hp", "br-hp");
      assertFalse(host.links().hairpin("veth-hp"));

      host.links().setHairpin(veth.index(), "veth-hp", true);
      assertTrue(host.links().hairpin("veth-hp"));
      String shown = sandbox.host().run("ip", "-d", "link", "show", "veth-hp");
      assertTrue(shown.contains("hairpin on"), shown);

      host.links().setHairpin("veth-hp", false);
      assertFalse(host.links().hairpin("veth-hp"));
      assertTrue(sandbox.host().run("ip", "-d", "link", "show", "veth-hp").contains("hairpin off"));
    }
  }
}

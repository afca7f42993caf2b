package dev.jocker.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.ipam.Ipv4;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Privileged
class BridgeDriverIT {
  @TempDir Path dir;

  @Test
  void aFullBridgeIsNamedWithItsLimitNotExchangeFull(Sandbox sandbox) throws Exception {
    Sandbox.Namespace host = sandbox.host();
    try (Netns hostNs = Netns.open(host.path())) {
      BridgeDriver driver =
          new BridgeDriver(
              BridgeConfig.of("jk0", "10.99.0.1/16", 1500, false, false, "JK"),
              hostNs,
              host.path(),
              MacAddress.randomDocker());
      driver.setup();
      StringBuilder batch = new StringBuilder();
      for (int i = 0; i < BridgeDriver.MAX_PORTS; i++) {
        batch
            .append("link add d")
            .append(i)
            .append(" type veth peer name e")
            .append(i)
            .append("\n");
        batch.append("link set d").append(i).append(" master jk0\n");
      }
      Path file = dir.resolve("ports.batch");
      Files.writeString(file, batch);
      host.run("ip", "-batch", file.toString());
      assertEquals(
          BridgeDriver.MAX_PORTS,
          host.run("ip", "-o", "link", "show", "master", "jk0").lines().count());

      NetnsStore namespaces = new NetnsStore(Path.of("/run/netns"));
      try (Netns ns = namespaces.create("jk-full-" + ProcessHandle.current().pid())) {
        BridgeException e =
            assertThrows(
                BridgeException.class,
                () -> driver.join(ns, "vethf011", "eth0", Ipv4.parse("10.99.0.2"), true));
        assertEquals(
            "jk0 has 1023 ports, the kernel's maximum: remove a container from it, or put new ones"
                + " on a network of their own (jocker network create)",
            e.getMessage());
        assertTrue(String.valueOf(e.getCause()).contains("EXFULL"), String.valueOf(e.getCause()));
      } finally {
        Sandbox.Command.exec(
            List.of("ip", "netns", "delete", "jk-full-" + ProcessHandle.current().pid()));
      }
    }
  }
}

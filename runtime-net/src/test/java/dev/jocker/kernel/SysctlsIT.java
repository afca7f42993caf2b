package dev.jocker.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import org.junit.jupiter.api.Test;

/** Sysctls read as sysctl(8) reads them, values of more than one character included. */
@Privileged
class SysctlsIT {
  @Test
  void aValueOfSeveralFieldsIsReadWhole(Sandbox sandbox) {
    try (Netns host = Netns.open(sandbox.host().path())) {
      host.sysctls().set("net.ipv4.ip_local_port_range", "40000 50000");
      assertEquals(
          sandbox.host().run("sysctl", "-n", "net.ipv4.ip_local_port_range").strip(),
          host.sysctls().get("net.ipv4.ip_local_port_range"));
      assertEquals("40000\t50000", host.sysctls().get("net.ipv4.ip_local_port_range"));
    }
  }
}

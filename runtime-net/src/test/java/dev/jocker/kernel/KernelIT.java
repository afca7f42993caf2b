package dev.jocker.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

@Privileged
class KernelIT {
  private static Inet4Address ip(String text) throws Exception {
    return (Inet4Address) InetAddress.getByName(text);
  }

  @Test
  void plumbsAContainerLikeDockerDoes(Sandbox sandbox) throws Exception {
    NetnsStore store = new NetnsStore(Path.of("/run/netns"));
    try (Netns host = Netns.open(sandbox.host().path());
        Netns container =
            store.create("jk-c1", p -> Sysctls.write("net.ipv6.conf.default.disable_ipv6", "1"))) {
      MacAddress bridgeMac = MacAddress.parse("02:42:0f:6f:aa:44");
      Link bridge = host.links().addBridge("docker0", 1500, bridgeMac);
      assertEquals("bridge", bridge.kind());
      host.addrs().add("docker0", ip("172.17.0.1"), 16, ip("172.17.255.255"));
      host.links().setUp("docker0");

      MacAddress mac = MacAddress.forIpv4(ip("172.17.0.2"));
      Link veth = host.links().addVethPair("vethabc1234", "eth0", container, mac, 1500);
      host.links().setMaster("vethabc1234", "docker0");
      host.links().setUp("vethabc1234");
      container.links().setUp("lo");
      container.links().setUp("eth0");
      container.addrs().add("eth0", ip("172.17.0.2"), 16, ip("172.17.255.255"));
      container.routes().addDefault(ip("172.17.0.1"));

      Link eth0 = container.links().get("eth0");
      assertEquals(mac, eth0.mac());
      assertEquals(veth.index(), eth0.linkIndex());
      assertEquals(eth0.index(), host.links().get("vethabc1234").linkIndex());
      assertEquals(bridge.index(), host.links().get("vethabc1234").masterIndex());
      assertEquals("1", container.sysctls().get("net.ipv6.conf.eth0.disable_ipv6"));
      // The write above went through a procfs instance of its own, not the /proc fallback.
      Syscalls.close(Syscalls.procInstance());

      String ipAddr = sandbox.host().run("ip", "-d", "link", "show", "vethabc1234");
      assertTrue(ipAddr.contains("master docker0"), ipAddr);
      String inside =
          Sandbox.Command.run(java.util.List.of("ip", "netns", "exec", "jk-c1", "ip", "addr"));
      assertTrue(
          inside.contains("inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0"), inside);
      assertTrue(inside.contains("link/ether 02:42:ac:11:00:02"), inside);
      String route =
          Sandbox.Command.run(java.util.List.of("ip", "netns", "exec", "jk-c1", "ip", "route"));
      assertTrue(route.contains("default via 172.17.0.1 dev eth0"), route);
      String ping =
          Sandbox.Command.run(
              java.util.List.of(
                  "ip", "netns", "exec", "jk-c1", "ping", "-c", "1", "-W", "2", "172.17.0.1"));
      assertTrue(ping.contains(" 0% packet loss"), ping);
      assertTrue(store.list().contains("jk-c1"));
      assertEquals(2, container.routes().list().size());

      AlreadyExistsException dup =
          assertThrows(
              AlreadyExistsException.class, () -> host.links().addBridge("docker0", 1500, null));
      assertEquals("link add docker0: File exists (EEXIST)", dup.getMessage());
      assertThrows(NotFoundException.class, () -> host.links().get("nope0"));

      host.links().delete("vethabc1234");
      assertTrue(container.links().find("eth0").isEmpty());
    }
    store.delete("jk-c1");
    assertFalse(Files.exists(Path.of("/run/netns/jk-c1")));
    assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains("jk-c1"));
  }
}

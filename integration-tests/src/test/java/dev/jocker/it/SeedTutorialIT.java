package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.kernel.Netns;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed tutorial, verbatim, through the real CLI and a real jockerd on the real kernel. */
@Privileged
class SeedTutorialIT {
  private static final String LOOP = "while true; do sleep 3600;done";
  private static final Path REFERENCE = Path.of("../../shared/reference/docker-20.10");

  @TempDir Path dir;

  @Test
  void containersPingEachOtherAndTheInternet(Sandbox sandbox) throws Exception {
    sandbox.internet();
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      // 1. run and ps
      String id1 = d.ok("run", "-d", "--name", "test1", "busybox", "/bin/sh", "-c", LOOP).strip();
      assertEquals(64, id1.length());
      d.ok("run", "-d", "--name", "test2", "busybox", "/bin/sh", "-c", LOOP);
      String ps = d.ok("ps");
      assertTrue(ps.startsWith("CONTAINER ID   IMAGE     COMMAND                  CREATED"), ps);
      assertTrue(ps.contains("\"/bin/sh -c 'while t…\""), ps);
      assertTrue(ps.contains(id1.substring(0, 12)) && ps.contains(" Up "), ps);

      // 2. addresses and MACs inside
      String addr1 = d.ok("exec", "test1", "ip", "addr");
      assertTrue(addr1.contains("inet 127.0.0.1/8 scope host lo"), addr1);
      assertTrue(addr1.contains("link/ether 02:42:ac:11:00:02"), addr1);
      assertTrue(addr1.contains("inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0"), addr1);
      String addr2 = d.ok("exec", "test2", "ip", "addr");
      assertTrue(addr2.contains("link/ether 02:42:ac:11:00:03"), addr2);
      assertTrue(addr2.contains("inet 172.17.0.3/16 brd 172.17.255.255 scope global eth0"), addr2);

      // 3. container to container
      assertTrue(
          d.ok("exec", "test1", "ping", "-c", "3", "172.17.0.3").contains(" 0% packet loss"));
      assertTrue(
          d.ok("exec", "test2", "ping", "-c", "3", "172.17.0.2").contains(" 0% packet loss"));

      // 4. container to the internet, seen NATed
      assertTrue(
          d.ok("exec", "test1", "ping", "-c", "3", "198.51.100.1").contains(" 0% packet loss"));
      assertEquals("198.51.100.2", sourceSeenByTheInternet(sandbox, d));

      // 5. host side: docker0, veths, brctl, and where the other end is
      String hostAddr = sandbox.host().run("ip", "addr");
      assertTrue(
          hostAddr.contains("inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0"),
          hostAddr);
      Matcher veths =
          Pattern.compile("\\d+: (veth[0-9a-f]{7})@if(\\d+): .* master docker0").matcher(hostAddr);
      int count = 0;
      while (veths.find()) {
        count++;
        String veth = veths.group(1);
        int peerIndex = Integer.parseInt(veths.group(2));
        String vethIndex = sandbox.host().run("cat", "/sys/class/net/" + veth + "/ifindex").strip();
        boolean matched = false;
        for (String c : List.of("test1", "test2")) {
          String inside = d.ok("exec", c, "cat", "/sys/class/net/eth0/ifindex").strip();
          String iflink = d.ok("exec", c, "cat", "/sys/class/net/eth0/iflink").strip();
          // Container namespaces number their links independently, so both eth0s may be @if2:
          // the pair is identified by both directions agreeing.
          if (Integer.parseInt(inside) == peerIndex && iflink.equals(vethIndex)) {
            matched = true;
          }
        }
        assertTrue(matched, veth + "@if" + peerIndex + " pairs with no container's eth0");
      }
      assertEquals(2, count, hostAddr);
      String brctl = sandbox.host().run("brctl", "show");
      assertTrue(
          brctl.matches(
              "(?s).*docker0\\s+8000\\.0242[0-9a-f]{8}\\s+no\\s+veth[0-9a-f]{7}\\s+veth[0-9a-f]{7}.*"),
          brctl);

      // 6. networks
      String ls = d.ok("network", "ls");
      assertTrue(ls.startsWith("NETWORK ID     NAME      DRIVER    SCOPE\n"), ls);
      assertTrue(ls.matches("(?s).*[0-9a-f]{12}   bridge    bridge    local\n.*"), ls);
      assertTrue(ls.matches("(?s).*[0-9a-f]{12}   host      host      local\n.*"), ls);
      assertTrue(ls.matches("(?s).*[0-9a-f]{12}   none      null      local\n.*"), ls);
      JsonNode bridge = new ObjectMapper().readTree(d.ok("network", "inspect", "bridge")).get(0);
      assertEquals("172.17.0.0/16", bridge.at("/IPAM/Config/0/Subnet").asText());
      assertEquals("172.17.0.1", bridge.at("/IPAM/Config/0/Gateway").asText());
      assertEquals("172.17.0.2/16", bridge.at("/Containers/" + id1 + "/IPv4Address").asText());
      assertEquals("02:42:ac:11:00:02", bridge.at("/Containers/" + id1 + "/MacAddress").asText());
      assertEquals(2, bridge.get("Containers").size());
      String inspectText = d.ok("network", "inspect", "bridge");
      assertTrue(inspectText.startsWith("[\n    {\n        \"Name\": \"bridge\",\n"), inspectText);

      // 7. iptables and sysctls as in the reference
      assertEquals(
          normalise(Files.readString(REFERENCE.resolve("iptables-save.txt"))),
          normalise(sandbox.host().run("iptables-save")));
      assertEquals("1", sandbox.host().run("sysctl", "-n", "net.ipv4.ip_forward").strip());
      assertTrue(sandbox.host().run("ip", "netns", "list").contains("jocker-test1"));
      // Inside test1, iproute2 sees eth0 as the reference c1-eth0-d.txt shows it, random parts
      // aside (our sandbox host has a name, which iproute2 prints instead of Docker's netnsid 0).
      String eth0 =
          sandbox
              .host()
              .run("ip", "netns", "exec", "jocker-test1", "ip", "-d", "link", "show", "eth0");
      String reference = Files.readString(REFERENCE.resolve("c1-eth0-d.txt"));
      assertEquals(
          reference.replaceAll("\\d+: eth0@if\\d+", "N: eth0@ifM").replaceAll("\\s+", " ").strip(),
          eth0.replaceAll("\\d+: eth0@if\\d+", "N: eth0@ifM")
              .replaceAll("link-netns \\S+", "link-netnsid 0")
              .replaceAll("\\s+", " ")
              .strip());

      // Where is the other end of the veth? The topology answers from the live kernel.
      String topology = d.ok("network", "topology");
      assertTrue(topology.contains("test1 · netns jocker-test1"), topology);
      assertTrue(topology.contains("eth0@if") && topology.contains("◄─veth─►"), topology);
      assertTrue(
          d.ok("network", "topology", "--format", "dot")
              .startsWith("graph \"jocker network bridge\" {"));
      assertTrue(d.ok("network", "trace", "test1", "198.51.100.1").contains("MASQUERADE"));
      assertTrue(d.ok("network", "trace", "test1", "172.17.0.3").contains("test2"));

      // 9. the MASQUERADE rule is what makes it work, and reconcile restores it
      sandbox
          .host()
          .run(
              "iptables",
              "-t",
              "nat",
              "-D",
              "POSTROUTING",
              "-s",
              "172.17.0.0/16",
              "!",
              "-o",
              "docker0",
              "-j",
              "MASQUERADE");
      sandbox.host().run("conntrack", "-F");
      Jockerd.Result doctor = d.jocker("doctor");
      assertEquals(1, doctor.exitCode(), doctor.stdout());
      assertTrue(
          doctor
              .stdout()
              .contains("-t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"),
          doctor.stdout());
      assertNotEquals(
          0, d.jocker("exec", "test1", "ping", "-c", "2", "-W", "1", "198.51.100.1").exitCode());
      assertTrue(d.ok("reconcile").contains("restored 1 iptables rules"));
      assertTrue(
          d.ok("exec", "test1", "ping", "-c", "2", "198.51.100.1").contains(" 0% packet loss"));
      assertTrue(d.ok("doctor").contains(" 0 problems"));

      // 8. rm -f: nothing left, and addresses are handed out again from the lowest
      d.ok("rm", "-f", "test1", "test2");
      String links = sandbox.host().run("ip", "-o", "link");
      assertFalse(links.contains("veth"), links);
      assertFalse(sandbox.host().run("ip", "netns", "list").contains("jocker-"));
      assertEquals(
          normalise(Files.readString(REFERENCE.resolve("iptables-save.txt"))),
          normalise(sandbox.host().run("iptables-save")));
      d.ok("run", "-d", "--name", "test3", "busybox", "/bin/sh", "-c", LOOP);
      assertTrue(d.ok("exec", "test3", "ip", "addr").contains("inet 172.17.0.2/16"));
    }
  }

  /** A TCP listener opened inside the internet namespace reports the source address it sees. */
  private static String sourceSeenByTheInternet(Sandbox sandbox, Jockerd d) throws Exception {
    try (Netns internet = Netns.open(sandbox.internet().path());
        ServerSocketChannel listener =
            internet.call(
                () ->
                    ServerSocketChannel.open().bind(new InetSocketAddress("198.51.100.1", 9999)))) {
      Thread client =
          new Thread(
              () ->
                  d.jocker("exec", "test1", "sh", "-c", "echo hello | nc -w 2 198.51.100.1 9999"));
      client.start();
      listener.socket().setSoTimeout(10_000);
      String source;
      try (Socket peer = listener.socket().accept()) {
        // Read one line, then hang up: nc only exits once the far end closes.
        String line =
            new java.io.BufferedReader(
                    new java.io.InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        assertEquals("hello", line);
        source = ((InetSocketAddress) peer.getRemoteSocketAddress()).getAddress().getHostAddress();
      }
      client.join();
      return source;
    }
  }

  private static String normalise(String save) {
    StringBuilder sb = new StringBuilder();
    for (String line : save.split("\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      sb.append(line.replaceAll("\\[\\d+:\\d+\\]", "[0:0]")).append('\n');
    }
    return sb.toString();
  }
}

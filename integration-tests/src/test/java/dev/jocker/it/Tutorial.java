package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.firewall.IptablesSave;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The seed tutorial's points 1 to 8 ("why can containers ping each other, and the internet?"),
 * written once and run wherever jocker runs: in the harness sandbox (tier 1) and inside a
 * privileged container (tier 2).
 */
final class Tutorial {
  static final String LOOP = "while true; do sleep 3600;done";
  static final Path REFERENCE = Path.of("../reference/docker-20.10");

  /** Where the tutorial runs: the jocker CLI, and commands on the machine jockerd runs on. */
  interface Machine {
    /** Runs {@code jocker ARGS}; returns its stdout, failing the test on a non-zero exit. */
    String jocker(String... args);

    /** Runs a command (ip, brctl, iptables-save, sysctl, cat) on the machine; returns stdout. */
    String run(String... command);

    /** The source address "the internet" (198.51.100.1) sees for traffic from test1. */
    String sourceSeenByTheInternet();
  }

  private Tutorial() {}

  /** Points 1 to 7, leaving test1 and test2 running; returns test1's ID. */
  static String runPingAndLook(Machine m) {
    // 1. run and ps
    String id1 = m.jocker("run", "-d", "--name", "test1", "busybox", "/bin/sh", "-c", LOOP).strip();
    assertEquals(64, id1.length());
    m.jocker("run", "-d", "--name", "test2", "busybox", "/bin/sh", "-c", LOOP);
    String ps = m.jocker("ps");
    assertTrue(ps.startsWith("CONTAINER ID   IMAGE     COMMAND                  CREATED"), ps);
    assertTrue(ps.contains("\"/bin/sh -c 'while t…\""), ps);
    assertTrue(ps.contains(id1.substring(0, 12)) && ps.contains(" Up "), ps);

    // 2. addresses and MACs inside
    String addr1 = m.jocker("exec", "test1", "ip", "addr");
    assertTrue(addr1.contains("inet 127.0.0.1/8 scope host lo"), addr1);
    assertTrue(addr1.contains("link/ether 02:42:ac:11:00:02"), addr1);
    assertTrue(addr1.contains("inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0"), addr1);
    String addr2 = m.jocker("exec", "test2", "ip", "addr");
    assertTrue(addr2.contains("link/ether 02:42:ac:11:00:03"), addr2);
    assertTrue(addr2.contains("inet 172.17.0.3/16 brd 172.17.255.255 scope global eth0"), addr2);

    // 3. container to container
    assertTrue(
        m.jocker("exec", "test1", "ping", "-c", "3", "172.17.0.3").contains(" 0% packet loss"));
    assertTrue(
        m.jocker("exec", "test2", "ping", "-c", "3", "172.17.0.2").contains(" 0% packet loss"));

    // 4. container to the internet, seen NATed
    assertTrue(
        m.jocker("exec", "test1", "ping", "-c", "3", "198.51.100.1").contains(" 0% packet loss"));
    assertEquals("198.51.100.2", m.sourceSeenByTheInternet());

    // 5. host side: docker0, veths, brctl, and where the other end is
    String hostAddr = m.run("ip", "addr");
    assertTrue(
        hostAddr.contains("inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0"), hostAddr);
    Matcher veths =
        Pattern.compile("\\d+: (veth[0-9a-f]{7})@if(\\d+): .* master docker0").matcher(hostAddr);
    int count = 0;
    while (veths.find()) {
      count++;
      String veth = veths.group(1);
      int peerIndex = Integer.parseInt(veths.group(2));
      String vethIndex = m.run("cat", "/sys/class/net/" + veth + "/ifindex").strip();
      boolean matched = false;
      for (String c : List.of("test1", "test2")) {
        String inside = m.jocker("exec", c, "cat", "/sys/class/net/eth0/ifindex").strip();
        String iflink = m.jocker("exec", c, "cat", "/sys/class/net/eth0/iflink").strip();
        // Container namespaces number their links independently, so both eth0s may be @if2: the
        // pair is identified by both directions agreeing.
        if (Integer.parseInt(inside) == peerIndex && iflink.equals(vethIndex)) {
          matched = true;
        }
      }
      assertTrue(matched, veth + "@if" + peerIndex + " pairs with no container's eth0");
    }
    assertEquals(2, count, hostAddr);
    String brctl = m.run("brctl", "show");
    assertTrue(
        brctl.matches(
            "(?s).*docker0\\s+8000\\.0242[0-9a-f]{8}\\s+no\\s+veth[0-9a-f]{7}\\s+veth[0-9a-f]{7}.*"),
        brctl);

    // 6. networks
    String ls = m.jocker("network", "ls");
    assertTrue(ls.startsWith("NETWORK ID     NAME      DRIVER    SCOPE\n"), ls);
    assertTrue(ls.matches("(?s).*[0-9a-f]{12}   bridge    bridge    local\n.*"), ls);
    assertTrue(ls.matches("(?s).*[0-9a-f]{12}   host      host      local\n.*"), ls);
    assertTrue(ls.matches("(?s).*[0-9a-f]{12}   none      null      local\n.*"), ls);
    String inspectText = m.jocker("network", "inspect", "bridge");
    assertTrue(inspectText.startsWith("[\n    {\n        \"Name\": \"bridge\",\n"), inspectText);
    JsonNode bridge = json(inspectText).get(0);
    assertEquals("172.17.0.0/16", bridge.at("/IPAM/Config/0/Subnet").asText());
    assertEquals("172.17.0.1", bridge.at("/IPAM/Config/0/Gateway").asText());
    assertEquals("172.17.0.2/16", bridge.at("/Containers/" + id1 + "/IPv4Address").asText());
    assertEquals("02:42:ac:11:00:02", bridge.at("/Containers/" + id1 + "/MacAddress").asText());
    assertEquals(2, bridge.get("Containers").size());

    // 7. iptables and sysctls as in the reference
    assertEquals(referenceRules(), IptablesSave.normalise(m.run("iptables-save")));
    assertEquals("1", m.run("sysctl", "-n", "net.ipv4.ip_forward").strip());
    assertTrue(m.run("ip", "netns", "list").contains("jocker-test1"));
    return id1;
  }

  /** Point 8: rm -f leaves nothing behind, and the lowest address is handed out again. */
  static void removeAndReuse(Machine m) {
    m.jocker("rm", "-f", "test1", "test2");
    String links = m.run("ip", "-o", "link");
    assertFalse(links.contains("veth"), links);
    assertFalse(m.run("ip", "netns", "list").contains("jocker-"));
    assertEquals(referenceRules(), IptablesSave.normalise(m.run("iptables-save")));
    m.jocker("run", "-d", "--name", "test3", "busybox", "/bin/sh", "-c", LOOP);
    assertTrue(m.jocker("exec", "test3", "ip", "addr").contains("inet 172.17.0.2/16"));
    m.jocker("rm", "-f", "test3");
  }

  private static String referenceRules() {
    try {
      return IptablesSave.normalise(Files.readString(REFERENCE.resolve("iptables-save.txt")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode json(String text) {
    try {
      return new ObjectMapper().readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

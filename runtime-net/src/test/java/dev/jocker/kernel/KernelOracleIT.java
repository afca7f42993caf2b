package dev.jocker.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every operation of the netlink API, checked against iproute2's JSON output ({@code ip -j -d
 * link}, {@code ip -j addr}, {@code ip -j route}) read back from the same namespace.
 */
@Privileged
class KernelOracleIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final NetnsStore NAMESPACES = new NetnsStore(Path.of("/run/netns"));

  private static Inet4Address ip(String text) {
    try {
      return (Inet4Address) InetAddress.getByName(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode ipJson(Sandbox.Namespace ns, String... args) {
    List<String> command = new ArrayList<>(List.of("ip", "-j"));
    command.addAll(List.of(args));
    try {
      return JSON.readTree(ns.run(command.toArray(String[]::new)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode link(Sandbox.Namespace ns, String name) {
    return ipJson(ns, "-d", "link", "show", "dev", name).get(0);
  }

  private static Set<String> flags(JsonNode link) {
    Set<String> out = new TreeSet<>();
    link.get("flags").forEach(f -> out.add(f.asText()));
    return out;
  }

  @Test
  void linksAsIpSeesThem(Sandbox sandbox) {
    Sandbox.Namespace oracle = sandbox.host();
    try (Netns host = Netns.open(oracle.path())) {
      MacAddress bridgeMac = MacAddress.parse("02:42:0f:6f:aa:44");
      Link bridge = host.links().addBridge("br-test", 1400, bridgeMac);
      JsonNode br = link(oracle, "br-test");
      assertEquals(bridge.index(), br.get("ifindex").asInt());
      assertEquals(1400, br.get("mtu").asInt());
      assertEquals("02:42:0f:6f:aa:44", br.get("address").asText());
      assertEquals("bridge", br.get("linkinfo").get("info_kind").asText());
      assertEquals(bridge, host.links().get(bridge.index()));

      Link port = host.links().addVethPair("vethaaa0001", "vethaaa0002", host, null, 1500);
      host.links().setMaster("vethaaa0001", "br-test");
      assertEquals("br-test", link(oracle, "vethaaa0001").get("master").asText());
      assertEquals(bridge.index(), host.links().get("vethaaa0001").masterIndex());
      host.links().setNoMaster("vethaaa0001");
      assertFalse(link(oracle, "vethaaa0001").has("master"));

      host.links().setUp("br-test");
      assertTrue(flags(link(oracle, "br-test")).contains("UP"));
      assertTrue(host.links().get("br-test").up());
      host.links().setDown("br-test");
      assertFalse(flags(link(oracle, "br-test")).contains("UP"));

      host.links().setMtu("vethaaa0001", 1280);
      assertEquals(1280, link(oracle, "vethaaa0001").get("mtu").asInt());
      host.links().setMac("vethaaa0001", MacAddress.parse("02:00:00:00:00:01"));
      assertEquals("02:00:00:00:00:01", link(oracle, "vethaaa0001").get("address").asText());
      host.links().rename("vethaaa0001", "vethbbb0001");
      JsonNode renamed = link(oracle, "vethbbb0001");
      assertEquals(port.index(), renamed.get("ifindex").asInt());
      assertEquals(1280, renamed.get("mtu").asInt());

      Set<String> ours = new TreeSet<>();
      host.links().list().forEach(l -> ours.add(l.index() + ":" + l.name() + ":" + l.mtu()));
      Set<String> theirs = new TreeSet<>();
      ipJson(oracle, "link", "show")
          .forEach(
              l ->
                  theirs.add(
                      l.get("ifindex").asInt()
                          + ":"
                          + l.get("ifname").asText()
                          + ":"
                          + l.get("mtu").asInt()));
      assertEquals(theirs, ours);

      host.links().delete("vethbbb0001");
      assertEquals(
          List.of(), ipJson(oracle, "link", "show", "type", "veth").findValuesAsText("ifname"));
      host.links().delete("br-test");
      assertTrue(host.links().find("br-test").isEmpty());
    }
  }

  @Test
  void aVethPeerIsBornInsideAnotherNamespaceAndCanMoveBack(Sandbox sandbox) {
    Sandbox.Namespace oracle = sandbox.host();
    try (Netns host = Netns.open(oracle.path());
        Netns container = NAMESPACES.create("jk-oracle")) {
      Sandbox.Namespace inside = new Sandbox.Namespace("jk-oracle");
      MacAddress mac = MacAddress.parse("02:42:ac:11:00:02");
      Link hostEnd = host.links().addVethPair("vethccc0001", "eth0", container, mac, 1500);
      JsonNode eth0 = link(inside, "eth0");
      assertEquals("02:42:ac:11:00:02", eth0.get("address").asText());
      assertEquals("veth", eth0.get("linkinfo").get("info_kind").asText());
      JsonNode outside = link(oracle, "vethccc0001");
      assertEquals(eth0.get("ifindex").asInt(), outside.get("link_index").asInt());
      assertEquals(eth0.get("ifindex").asInt(), hostEnd.linkIndex());
      assertEquals(outside.get("link_netnsid").asInt(), hostEnd.linkNetnsId());
      assertEquals(hostEnd.index(), container.links().get("eth0").linkIndex());

      container.links().setUp("eth0");
      assertTrue(flags(link(inside, "eth0")).contains("UP"));
      container.links().moveTo("eth0", host);
      assertTrue(container.links().find("eth0").isEmpty());
      assertEquals("02:42:ac:11:00:02", link(oracle, "eth0").get("address").asText());
      host.links().delete("eth0");
      assertTrue(host.links().find("vethccc0001").isEmpty(), "deleting one end deletes both");
    } finally {
      NAMESPACES.delete("jk-oracle");
    }
  }

  @Test
  void addressesAsIpSeesThem(Sandbox sandbox) {
    Sandbox.Namespace oracle = sandbox.host();
    try (Netns host = Netns.open(oracle.path())) {
      host.links().addBridge("br-addr", 1500, null);
      host.addrs().add("br-addr", ip("172.17.0.1"), 16, ip("172.17.255.255"));
      JsonNode info = ipJson(oracle, "addr", "show", "dev", "br-addr").get(0).get("addr_info");
      JsonNode v4 = info.get(0);
      assertEquals("inet", v4.get("family").asText());
      assertEquals("172.17.0.1", v4.get("local").asText());
      assertEquals(16, v4.get("prefixlen").asInt());
      assertEquals("172.17.255.255", v4.get("broadcast").asText());
      assertEquals("global", v4.get("scope").asText());
      assertEquals("br-addr", v4.get("label").asText());
      Addr ours = host.addrs().list("br-addr").get(0);
      assertEquals("172.17.0.1/16", ours.cidr());
      assertEquals(ip("172.17.255.255"), ours.broadcast());

      AlreadyExistsException dup =
          assertThrows(
              AlreadyExistsException.class,
              () -> host.addrs().add("br-addr", ip("172.17.0.1"), 16, null));
      assertTrue(dup.getMessage().contains("File exists (EEXIST)"), dup.getMessage());

      oracle.run("ip", "-6", "addr", "add", "2001:db8::1/64", "dev", "br-addr", "nodad");
      assertTrue(
          host.addrs().list("br-addr").stream()
              .anyMatch(
                  a ->
                      a.address() instanceof Inet6Address
                          && a.cidr().equals("2001:db8:0:0:0:0:0:1/64")),
          "an IPv6 address in the dump decodes");

      host.addrs().delete("br-addr", ip("172.17.0.1"), 16);
      JsonNode left = ipJson(oracle, "addr", "show", "dev", "br-addr").get(0).get("addr_info");
      assertEquals(List.of("inet6"), left.findValuesAsText("family"));
      host.links().delete("br-addr");
    }
  }

  @Test
  void routesAsIpSeesThem(Sandbox sandbox) {
    Sandbox.Namespace oracle = sandbox.host();
    try (Netns host = Netns.open(oracle.path())) {
      Link br = host.links().addBridge("br-route", 1500, null);
      host.addrs().add("br-route", ip("10.9.0.1"), 24, ip("10.9.0.255"));
      host.links().setUp("br-route");
      host.routes().add(Route.onLink(ip("10.8.0.0"), 16, br.index()));
      host.routes().addDefault(ip("10.9.0.254"));

      Set<String> theirs = new TreeSet<>();
      for (JsonNode r : ipJson(oracle, "route", "show", "table", "main")) {
        theirs.add(
            r.get("dst").asText()
                + " via "
                + r.path("gateway").asText("-")
                + " dev "
                + r.get("dev").asText());
      }
      Set<String> ours = new TreeSet<>();
      for (Route r : host.routes().list()) {
        ours.add(
            r.destinationText()
                + " via "
                + (r.gateway() == null ? "-" : r.gateway().getHostAddress())
                + " dev "
                + host.links().get(r.outputIndex()).name());
      }
      assertEquals(theirs, ours);
      assertTrue(theirs.contains("default via 10.9.0.254 dev br-route"), theirs.toString());
      assertTrue(theirs.contains("10.8.0.0/16 via - dev br-route"), theirs.toString());

      host.routes().delete(Route.defaultVia(ip("10.9.0.254")));
      host.routes().delete(Route.onLink(ip("10.8.0.0"), 16, br.index()));
      List<String> left = ipJson(oracle, "route", "show").findValuesAsText("dst");
      assertEquals(List.of("10.9.0.0/24"), left);
      assertThrows(
          NotFoundException.class, () -> host.routes().delete(Route.defaultVia(ip("10.9.0.254"))));
      host.links().delete("br-route");
    }
  }

  @Test
  void namespacesAsIpNetnsSeesThem(Sandbox sandbox) throws IOException {
    try (Netns ns = NAMESPACES.create("jk-named")) {
      assertTrue(
          Sandbox.Command.run(List.of("ip", "netns", "list")).contains("jk-named"),
          "ip netns list shows it");
      JsonNode lo =
          JSON.readTree(
                  Sandbox.Command.run(
                      List.of("ip", "netns", "exec", "jk-named", "ip", "-j", "link")))
              .get(0);
      assertEquals("lo", lo.get("ifname").asText());
      assertEquals(lo.get("ifindex").asInt(), ns.links().get("lo").index());

      AlreadyExistsException dup =
          assertThrows(AlreadyExistsException.class, () -> NAMESPACES.create("jk-named"));
      assertTrue(dup.getMessage().startsWith("netns add jk-named: "), dup.getMessage());
    }
    NAMESPACES.delete("jk-named");
    assertFalse(Files.exists(Path.of("/run/netns/jk-named")));
    assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains("jk-named"));
    NotFoundException gone =
        assertThrows(NotFoundException.class, () -> NAMESPACES.open("jk-named"));
    assertTrue(gone.getMessage().startsWith("netns open jk-named: "), gone.getMessage());
    assertThrows(NotFoundException.class, () -> NAMESPACES.delete("jk-named"));
    assertThrows(IllegalArgumentException.class, () -> NAMESPACES.create("../escape"));
  }

  @Test
  void missingLinksAreNamedInTheError(Sandbox sandbox) {
    try (Netns host = Netns.open(sandbox.host().path())) {
      NotFoundException e =
          assertThrows(NotFoundException.class, () -> host.links().setUp("nope0"));
      assertTrue(e.getMessage().contains("nope0"), e.getMessage());
      NotFoundException del =
          assertThrows(NotFoundException.class, () -> host.links().delete("nope0"));
      assertTrue(del.getMessage().contains("nope0"), del.getMessage());
      assertThrows(NotFoundException.class, () -> host.links().get(4242));
      assertThrows(
          NotFoundException.class, () -> host.addrs().add("nope0", ip("10.0.0.1"), 24, null));
    }
  }
}

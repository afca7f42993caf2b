package dev.jocker.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The VXLAN device, its FDB and its neighbour table as jocker writes them, read back with {@code ip
 * -j -d link}, {@code bridge -j fdb} and {@code ip -j neigh}, and what those tools write read back
 * with jocker's API.
 */
@Privileged
class OverlayKernelIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MacAddress MAC = MacAddress.parse("02:42:0a:14:00:03");

  private static Inet4Address ip(String text) {
    try {
      return (Inet4Address) InetAddress.getByName(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode json(Sandbox.Namespace ns, String... command) {
    try {
      String out = ns.run(command);
      return JSON.readTree(out.isBlank() ? "[]" : out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> fdbAsBridgeShowsIt(Sandbox.Namespace ns, String dev) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : json(ns, "bridge", "-j", "fdb", "show", "dev", dev)) {
      if (e.has("dst")) {
        out.add(e.get("mac").asText() + " dst " + e.get("dst").asText() + " " + e.get("state"));
      }
    }
    return out;
  }

  private static List<String> neighboursAsIpShowsThem(Sandbox.Namespace ns, String dev) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : json(ns, "ip", "-j", "neigh", "show", "dev", dev)) {
      out.add(n.get("dst").asText() + " lladdr " + n.get("lladdr").asText() + " " + n.get("state"));
    }
    return out;
  }

  @Test
  void aVxlanDeviceAsIpSeesIt(Sandbox sandbox) {
    Sandbox.Namespace oracle = sandbox.host();
    oracle.run("ip", "link", "add", "under0", "type", "veth", "peer", "name", "under1");
    oracle.run("ip", "addr", "add", "192.0.2.1/24", "dev", "under0");
    try (Netns host = Netns.open(oracle.path())) {
      int underlay = host.links().get("under0").index();
      Link link =
          host.links().addVxlan(Vxlan.overlay("vx-000100-abcde", 256, ip("192.0.2.1"), underlay));
      assertEquals("vxlan", link.kind());
      assertEquals(1450, link.mtu());

      JsonNode theirs = json(oracle, "ip", "-j", "-d", "link", "show", "dev", "vx-000100-abcde");
      JsonNode data = theirs.get(0).get("linkinfo").get("info_data");
      assertEquals(link.index(), theirs.get(0).get("ifindex").asInt());
      assertEquals(1450, theirs.get(0).get("mtu").asInt());
      assertEquals(256, data.get("id").asInt());
      assertEquals("192.0.2.1", data.get("local").asText());
      assertEquals("under0", data.get("link").asText());
      assertEquals(4789, data.get("port").asInt());
      assertEquals(false, data.get("learning").asBoolean());
      assertEquals(true, data.get("proxy").asBoolean());
      assertEquals(
          Vxlan.overlay("vx-000100-abcde", 256, ip("192.0.2.1"), underlay),
          host.links().getVxlan("vx-000100-abcde"));

      AlreadyExistsException sameVni =
          assertThrows(
              AlreadyExistsException.class,
              () ->
                  host.links().addVxlan(Vxlan.overlay("vx-other", 256, ip("192.0.2.1"), underlay)));
      assertTrue(sameVni.getMessage().startsWith("link add vx-other: "), sameVni.getMessage());

      oracle.run(
          "ip",
          "link",
          "add",
          "vx-byip",
          "type",
          "vxlan",
          "id",
          "300",
          "dstport",
          "4789",
          "learning");
      Vxlan byIp = host.links().getVxlan("vx-byip");
      assertEquals(300, byIp.vni());
      assertTrue(byIp.learning());
      assertEquals(null, byIp.local());
      IllegalArgumentException notVxlan =
          assertThrows(IllegalArgumentException.class, () -> host.links().getVxlan("under0"));
      assertEquals("link under0 is a veth device, not a vxlan", notVxlan.getMessage());
    }
  }

  @Test
  void staticFdbEntriesAsBridgeSeesThem(Sandbox sandbox) {
    Sandbox.Namespace oracle = sandbox.host();
    try (Netns host = Netns.open(oracle.path())) {
      Link vx = host.links().addVxlan(Vxlan.overlay("vx-fdb", 257, null, 0));
      host.fdb().add("vx-fdb", MAC, ip("192.0.2.2"));
      assertEquals(
          List.of("02:42:0a:14:00:03 dst 192.0.2.2 \"permanent\""),
          fdbAsBridgeShowsIt(oracle, "vx-fdb"));
      assertEquals(
          List.of(new FdbEntry(vx.index(), MAC, ip("192.0.2.2"), 0, 0xc0, 0x02)),
          host.fdb().list("vx-fdb"));

      AlreadyExistsException dup =
          assertThrows(
              AlreadyExistsException.class, () -> host.fdb().add("vx-fdb", MAC, ip("192.0.2.2")));
      assertTrue(
          dup.getMessage()
              .startsWith("fdb add 02:42:0a:14:00:03 dev vx-fdb dst 192.0.2.2: File exists"),
          dup.getMessage());

      host.fdb().replace(vx.index(), MAC, ip("192.0.2.3"));
      assertEquals(
          List.of("02:42:0a:14:00:03 dst 192.0.2.3 \"permanent\""),
          fdbAsBridgeShowsIt(oracle, "vx-fdb"));

      oracle.run(
          "bridge",
          "fdb",
          "add",
          "02:42:0a:14:00:04",
          "dev",
          "vx-fdb",
          "dst",
          "192.0.2.4",
          "self",
          "permanent");
      assertTrue(
          host.fdb().list(vx.index()).stream()
              .anyMatch(
                  e ->
                      e.mac().equals(MacAddress.parse("02:42:0a:14:00:04"))
                          && e.destination().equals(ip("192.0.2.4"))
                          && e.self()
                          && e.permanent()));

      host.fdb().delete(vx.index(), MAC, ip("192.0.2.3"));
      host.fdb().delete("vx-fdb", MacAddress.parse("02:42:0a:14:00:04"), ip("192.0.2.4"));
      assertEquals(List.of(), fdbAsBridgeShowsIt(oracle, "vx-fdb"));
      assertThrows(
          NotFoundException.class, () -> host.fdb().delete(vx.index(), MAC, ip("192.0.2.3")));
    }
  }

  @Test
  void permanentNeighboursAsIpSeesThem(Sandbox sandbox) {
    Sandbox.Namespace oracle = sandbox.host();
    try (Netns host = Netns.open(oracle.path())) {
      Link vx = host.links().addVxlan(Vxlan.overlay("vx-neigh", 258, null, 0));
      host.neighbours().add("vx-neigh", ip("10.20.0.3"), MAC);
      assertEquals(
          List.of("10.20.0.3 lladdr 02:42:0a:14:00:03 [\"PERMANENT\"]"),
          neighboursAsIpShowsThem(oracle, "vx-neigh"));
      assertEquals(
          List.of(new Neighbour(vx.index(), ip("10.20.0.3"), MAC, 0x80)),
          host.neighbours().list("vx-neigh"));

      AlreadyExistsException dup =
          assertThrows(
              AlreadyExistsException.class,
              () -> host.neighbours().add("vx-neigh", ip("10.20.0.3"), MAC));
      assertTrue(
          dup.getMessage().startsWith("neigh add 10.20.0.3 dev vx-neigh: File exists"),
          dup.getMessage());

      MacAddress moved = MacAddress.parse("02:42:0a:14:00:09");
      host.neighbours().replace(vx.index(), ip("10.20.0.3"), moved);
      assertEquals(
          List.of("10.20.0.3 lladdr 02:42:0a:14:00:09 [\"PERMANENT\"]"),
          neighboursAsIpShowsThem(oracle, "vx-neigh"));

      oracle.run(
          "ip",
          "neigh",
          "add",
          "10.20.0.4",
          "lladdr",
          "02:42:0a:14:00:04",
          "dev",
          "vx-neigh",
          "nud",
          "permanent");
      assertEquals(2, host.neighbours().list(vx.index()).size());

      host.neighbours().delete("vx-neigh", ip("10.20.0.3"));
      host.neighbours().delete(vx.index(), ip("10.20.0.4"));
      assertEquals(List.of(), neighboursAsIpShowsThem(oracle, "vx-neigh"));
      NotFoundException gone =
          assertThrows(
              NotFoundException.class, () -> host.neighbours().delete("vx-neigh", ip("10.20.0.4")));
      assertTrue(gone.getMessage().startsWith("neigh del 10.20.0.4 dev vx-neigh: "));
    }
  }
}

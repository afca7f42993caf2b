package dev.jocker.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.cni.CniBackend.AttachmentKey;
import dev.jocker.cni.CniBackend.BridgeNetwork;
import dev.jocker.ipam.Ipv4;
import dev.jocker.kernel.MacAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol around the backend: results per version, the error result for every kind of bad
 * input (always JSON with exit code 1), delegation, and what each command hands the backend.
 */
class CniPluginTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NETNS = "/proc/self/ns/net";

  @TempDir Path dir;

  /** Records what it is asked and answers like DirectBackend would for one container. */
  static final class FakeBackend implements CniBackend {
    final List<String> calls = new ArrayList<>();
    RuntimeException failWith;

    @Override
    public Attached attach(Attachment a) {
      calls.add(
          "attach " + a.key() + " " + a.netns() + " given=" + a.given() + " routes=" + a.routes());
      if (failWith != null) {
        throw failWith;
      }
      int address = a.given() != null ? a.given().address() : Ipv4.parse("10.88.0.2");
      int prefix = a.given() != null ? a.given().prefixLength() : 16;
      Integer gw = a.given() != null ? a.given().gateway() : a.network().pool().gateway();
      return new Attached(
          MacAddress.parse("02:42:aa:bb:cc:dd"),
          "veth1234567",
          MacAddress.parse("ee:ee:ee:ee:ee:01"),
          MacAddress.forIpv4(Ipv4.toInet(address)),
          Ipv4.toInet(address),
          prefix,
          gw,
          a.routes());
    }

    @Override
    public void detach(AttachmentKey key, BridgeNetwork network) {
      calls.add("detach " + key);
    }

    @Override
    public void check(AttachmentKey key, BridgeNetwork network, String expectedAddress) {
      calls.add("check " + key + " " + expectedAddress);
    }

    @Override
    public List<String> gc(BridgeNetwork network, Set<AttachmentKey> valid) {
      calls.add("gc " + network.name() + " " + valid);
      return List.of();
    }

    @Override
    public void status(BridgeNetwork network) {
      calls.add("status " + network.name());
      if (failWith != null) {
        throw failWith;
      }
    }
  }

  private final FakeBackend backend = new FakeBackend();
  private final List<String> delegated = new ArrayList<>();
  private String ipamAnswer =
      "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.90.0.7/24\",\"gateway\":\"10.90.0.1\"}],"
          + "\"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dns\":{\"nameservers\":[\"10.90.0.1\"]}}";
  private final CniPlugin plugin =
      new CniPlugin(
          d -> backend,
          (type, command, env, config) -> {
            delegated.add(type + " " + command + " " + env.containerId());
            return ipamAnswer.getBytes(StandardCharsets.UTF_8);
          });

  private static Map<String, String> env(String command) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", "c1");
    env.put("CNI_NETNS", NETNS);
    env.put("CNI_IFNAME", "eth0");
    env.put("CNI_PATH", "/usr/lib/cni");
    return env;
  }

  private static String conf(String version, String extra) {
    return "{\"cniVersion\":\""
        + version
        + "\",\"name\":\"jnet\",\"type\":\"jocker\",\"bridge\":\"jk0\""
        + extra
        + "}";
  }

  private JsonNode call(Map<String, String> env, String stdin, int expectedExit) throws Exception {
    CniPlugin.Reply r = plugin.run(env, stdin.getBytes(StandardCharsets.UTF_8));
    String out = new String(r.stdout(), StandardCharsets.UTF_8);
    assertEquals(expectedExit, r.exitCode(), out);
    return out.isEmpty() ? null : JSON.readTree(out);
  }

  private JsonNode error(Map<String, String> env, String stdin, int code) throws Exception {
    JsonNode e = call(env, stdin, 1);
    assertEquals(code, e.get("code").asInt(), e.toString());
    assertFalse(e.get("msg").asText().isEmpty());
    assertFalse(e.get("details").asText().contains("Exception"), e.toString());
    return e;
  }

  @Test
  void theContainersNameComesFromCniArgsAsRuntimesPassIt() {
    assertEquals("p1", CniPlugin.containerName("IgnoreUnknown=1;K8S_POD_NAME=p1"));
    assertEquals(
        "shop/api",
        CniPlugin.containerName(
            "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=api;K8S_POD_INFRA_CONTAINER_ID=x"));
    assertEquals("p2", CniPlugin.containerName("K8S_POD_NAMESPACE=p2;K8S_POD_NAME=p2"));
    assertEquals(null, CniPlugin.containerName(""));
    assertEquals(null, CniPlugin.containerName("K8S_POD_NAMESPACE=shop;broken"));
  }

  @Test
  void versionListsEverySupportedVersion() throws Exception {
    JsonNode v = call(env("VERSION"), "{\"cniVersion\":\"0.4.0\"}", 0);
    assertEquals(
        "{\"cniVersion\":\"0.4.0\",\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}",
        v.toString());
    assertEquals("1.1.0", call(env("VERSION"), "", 0).get("cniVersion").asText());
  }

  @Test
  void addAnswersInTheRequestedVersionsShape() throws Exception {
    String subnet = ",\"subnet\":\"10.88.0.0/16\"";
    JsonNode r031 = call(env("ADD"), conf("0.3.1", subnet), 0);
    assertEquals(
        "{\"cniVersion\":\"0.3.1\","
            + "\"interfaces\":[{\"name\":\"jk0\",\"mac\":\"02:42:aa:bb:cc:dd\"},"
            + "{\"name\":\"veth1234567\",\"mac\":\"ee:ee:ee:ee:ee:01\"},"
            + "{\"name\":\"eth0\",\"mac\":\"02:42:0a:58:00:02\",\"sandbox\":\"/proc/self/ns/net\"}],"
            + "\"ips\":[{\"version\":\"4\",\"address\":\"10.88.0.2/16\",\"gateway\":\"10.88.0.1\",\"interface\":2}],"
            + "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.88.0.1\"}],\"dns\":{}}",
        r031.toString());
    JsonNode r100 = call(env("ADD"), conf("1.0.0", subnet), 0);
    assertFalse(r100.get("ips").get(0).has("version"));
    assertFalse(r100.get("interfaces").get(0).has("mtu"));
    JsonNode r110 = call(env("ADD"), conf("1.1.0", subnet), 0);
    assertEquals(1500, r110.get("interfaces").get(2).get("mtu").asInt());
    assertEquals(
        "attach AttachmentKey[network=jnet, containerId=c1, ifname=eth0] /proc/self/ns/net"
            + " given=null routes=[RouteSpec[dst=0.0.0.0/0, gw="
            + Ipv4.parse("10.88.0.1")
            + "]]",
        backend.calls.get(0));
  }

  @Test
  void addAfterAnotherPluginAppendsToItsResult() throws Exception {
    String prev =
        ",\"subnet\":\"10.88.0.0/16\",\"prevResult\":{\"cniVersion\":\"1.0.0\","
            + "\"interfaces\":[{\"name\":\"dummy0\"}],"
            + "\"ips\":[{\"address\":\"192.0.2.5/24\",\"interface\":0}],\"dns\":{\"domain\":\"x\"}}";
    JsonNode r = call(env("ADD"), conf("0.4.0", prev), 0);
    assertEquals(4, r.get("interfaces").size());
    assertEquals("4", r.get("ips").get(0).get("version").asText());
    assertEquals(3, r.get("ips").get(1).get("interface").asInt());
    assertEquals("x", r.get("dns").get("domain").asText());
  }

  @Test
  void badInputIsAnErrorResultNeverAStackTrace() throws Exception {
    error(env("ADD"), "{\"cniVersion\": ", CniException.DECODING_FAILURE);
    error(env("ADD"), "", CniException.DECODING_FAILURE);
    JsonNode e = error(env("ADD"), conf("0.2.0", ",\"subnet\":\"10.88.0.0/16\""), 1);
    assertEquals("1.1.0", e.get("cniVersion").asText());
    e = error(env("ADD"), conf("1.0.0", ",\"subnet\":\"10.88.0.0/16\",\"vlan\":5"), 2);
    assertEquals("1.0.0", e.get("cniVersion").asText());
    assertTrue(e.get("details").asText().startsWith("unsupported field \"vlan\": 5"));
    error(env("ADD"), conf("1.0.0", ",\"subnet\":\"10.88.0.0/33\""), 7);
    Map<String, String> noId = env("ADD");
    noId.remove("CNI_CONTAINERID");
    assertEquals(
        "CNI_CONTAINERID is not set; ADD needs it",
        error(noId, conf("1.0.0", ""), 4).get("details").asText());
    assertTrue(backend.calls.isEmpty());
  }

  @Test
  void aNamespaceThatIsNotOneIsRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("netns"), "");
    Map<String, String> env = env("ADD");
    env.put("CNI_NETNS", file.toString());
    assertEquals(
        "CNI_NETNS=" + file + " is not a network namespace (not a file of nsfs)",
        error(env, conf("1.0.0", ",\"subnet\":\"10.88.0.0/16\""), 4).get("details").asText());
    env.put("CNI_NETNS", dir.resolve("gone").toString());
    assertTrue(
        error(env, conf("1.0.0", ",\"subnet\":\"10.88.0.0/16\""), 4)
            .get("details")
            .asText()
            .endsWith("does not exist"));
    assertTrue(backend.calls.isEmpty());
  }

  @Test
  void aFailureOfTheBackendKeepsItsCodeAndAnUnexpectedOneBecomes106() throws Exception {
    backend.failWith =
        new CniException(CniException.NO_FREE_ADDRESS, "no free address", "all 2 are in use");
    error(env("ADD"), conf("1.0.0", ",\"subnet\":\"10.88.0.0/30\""), 103);
    backend.failWith = new IllegalStateException("surprise");
    assertEquals(
        "surprise",
        error(env("ADD"), conf("1.0.0", ",\"subnet\":\"10.88.0.0/16\""), 106)
            .get("details")
            .asText());
  }

  @Test
  void aDelegatedIpamPluginHandsOutTheAddressAndIsUndoneWhenAddFails() throws Exception {
    String ipam = ",\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.90.0.0/24\"}";
    JsonNode r = call(env("ADD"), conf("1.0.0", ipam), 0);
    assertEquals("10.90.0.7/24", r.get("ips").get(0).get("address").asText());
    assertEquals("10.90.0.1", r.get("dns").get("nameservers").get(0).asText());
    assertEquals(List.of("host-local ADD c1"), delegated);
    backend.failWith =
        new CniException(CniException.INTERFACE_EXISTS, "interface exists", "eth0 is there");
    error(env("ADD"), conf("1.0.0", ipam), 102);
    assertEquals(List.of("host-local ADD c1", "host-local ADD c1", "host-local DEL c1"), delegated);
    backend.failWith = null;
    call(env("DEL"), conf("1.0.0", ipam), 0);
    assertEquals("host-local DEL c1", delegated.get(3));
    ipamAnswer = "{\"cniVersion\":\"1.0.0\",\"ips\":[]}";
    assertTrue(
        error(env("ADD"), conf("1.0.0", ipam), CniException.DELEGATE_FAILED)
            .get("details")
            .asText()
            .contains("no IPv4 address"));
  }

  @Test
  void checkNeedsItsVersionAndThePrevResult() throws Exception {
    String subnet = ",\"subnet\":\"10.88.0.0/16\"";
    error(env("CHECK"), conf("0.3.1", subnet), 1);
    error(env("CHECK"), conf("1.0.0", subnet), 7);
    String prev =
        subnet
            + ",\"prevResult\":{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"jk0\"},"
            + "{\"name\":\"eth0\",\"sandbox\":\""
            + NETNS
            + "\"}],\"ips\":[{\"address\":\"10.88.0.9/16\",\"interface\":1}]}";
    assertEquals(null, call(env("CHECK"), conf("1.0.0", prev), 0));
    assertEquals(
        "check AttachmentKey[network=jnet, containerId=c1, ifname=eth0] 10.88.0.9/16",
        backend.calls.get(0));
    Map<String, String> other = env("CHECK");
    other.put("CNI_IFNAME", "eth1");
    error(other, conf("1.0.0", prev), CniException.ATTACHMENT_DAMAGED);
  }

  @Test
  void gcHandsOnTheValidAttachmentsAndStatusTheBackendsVerdict() throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("CNI_COMMAND", "GC", "CNI_PATH", "/x"));
    error(env, conf("1.1.0", ",\"subnet\":\"10.88.0.0/16\""), 7);
    call(
        env,
        conf(
            "1.1.0",
            ",\"subnet\":\"10.88.0.0/16\",\"cni.dev/valid-attachments\":"
                + "[{\"containerID\":\"c1\",\"ifname\":\"eth0\"}]"),
        0);
    assertEquals(
        "gc jnet [AttachmentKey[network=jnet, containerId=c1, ifname=eth0]]", backend.calls.get(0));
    backend.failWith =
        new CniException(CniException.NOT_AVAILABLE, "no free address", "all 2 are leased");
    error(Map.of("CNI_COMMAND", "STATUS"), conf("1.1.0", ",\"subnet\":\"10.88.0.0/30\""), 50);
  }
}

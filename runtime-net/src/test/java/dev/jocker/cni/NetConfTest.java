package dev.jocker.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.ipam.Ipv4;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The configuration of {@code "type": "jocker"}: defaults, both address shapes, and refusals. */
class NetConfTest {
  private static NetConf parse(String json) {
    byte[] raw = json.getBytes(StandardCharsets.UTF_8);
    return NetConf.parse(NetConf.decode(raw), raw);
  }

  private static CniException refused(String json) {
    return assertThrows(CniException.class, () -> parse(json));
  }

  @Test
  void aMinimalConfigurationGetsDockersDefaults() {
    NetConf c =
        parse(
            "{\"cniVersion\":\"1.0.0\",\"name\":\"jnet\",\"type\":\"jocker\","
                + "\"subnet\":\"10.88.0.0/16\"}");
    assertEquals("cni-jocker0", c.bridge());
    assertEquals(1500, c.mtu());
    assertTrue(c.isGateway());
    assertTrue(c.ipMasq());
    assertFalse(c.hairpinMode());
    assertNull(c.dataDir());
    NetConf.JockerIpam ipam = (NetConf.JockerIpam) c.ipam();
    assertEquals("10.88.0.0/16", ipam.subnet().toString());
    assertEquals("10.88.0.1", Ipv4.format(ipam.gateway()));
    assertEquals("10.88.0.1", Ipv4.format(ipam.first()));
    assertEquals("10.88.255.254", Ipv4.format(ipam.last()));
    assertNull(ipam.routes());
  }

  @Test
  void hostLocalsRangesAndRoutesShapeInIpam() {
    NetConf c =
        parse(
            """
            {"cniVersion": "0.4.0", "name": "jnet", "type": "jocker", "bridge": "jk0",
             "isGateway": true, "ipMasq": false, "mtu": 1400, "hairpinMode": true,
             "ipam": {"type": "jocker", "dataDir": "/tmp/jk",
                      "ranges": [[{"subnet": "10.89.0.0/24", "rangeStart": "10.89.0.10",
                                   "rangeEnd": "10.89.0.20", "gateway": "10.89.0.254"}]],
                      "routes": [{"dst": "0.0.0.0/0"}, {"dst": "192.0.2.0/24", "gw": "10.89.0.5"}]},
             "dns": {"nameservers": ["10.89.0.254"], "search": ["example.org"]}}
            """);
    assertEquals("jk0", c.bridge());
    assertEquals(1400, c.mtu());
    assertFalse(c.ipMasq());
    assertTrue(c.hairpinMode());
    assertEquals(Path.of("/tmp/jk"), c.dataDir());
    NetConf.JockerIpam ipam = (NetConf.JockerIpam) c.ipam();
    assertEquals("10.89.0.10", Ipv4.format(ipam.first()));
    assertEquals("10.89.0.20", Ipv4.format(ipam.last()));
    assertEquals("10.89.0.254", Ipv4.format(ipam.gateway()));
    assertEquals(2, ipam.routes().size());
    assertNull(ipam.routes().get(0).gw());
    assertEquals("10.89.0.5", Ipv4.format(ipam.routes().get(1).gw()));
    assertEquals("[\"10.89.0.254\"]", c.dns().get("nameservers").toString());
  }

  @Test
  void anyOtherIpamTypeIsDelegated() {
    NetConf c =
        parse(
            "{\"cniVersion\":\"1.0.0\",\"name\":\"jnet\",\"type\":\"jocker\","
                + "\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.90.0.0/24\",\"resolvConf\":\"x\"}}");
    assertEquals(new NetConf.DelegatedIpam("host-local"), c.ipam());
  }

  @Test
  void theRuntimesKeysAreAccepted() {
    NetConf c =
        parse(
            """
            {"cniVersion": "1.1.0", "name": "jnet", "type": "jocker", "subnet": "10.88.0.0/16",
             "runtimeConfig": {"portMappings": []}, "args": {"cni": {}}, "capabilities": {},
             "prevResult": {"cniVersion": "1.1.0", "interfaces": []},
             "cni.dev/valid-attachments": [{"containerID": "c1", "ifname": "eth0"}]}
            """);
    assertEquals(List.of(new NetConf.AttachmentId("c1", "eth0")), c.validAttachments());
    assertTrue(c.prevResult().isObject());
  }

  @Test
  void badInputGetsTheSpecsCodes() {
    CniException e = assertThrows(CniException.class, () -> NetConf.decode("{\"cniVer".getBytes()));
    assertEquals(CniException.DECODING_FAILURE, e.code());
    assertTrue(e.details().startsWith("the network configuration is not valid JSON"));
    assertEquals(
        CniException.DECODING_FAILURE,
        assertThrows(CniException.class, () -> NetConf.decode(new byte[0])).code());
    assertEquals(CniException.DECODING_FAILURE, refused("[1, 2]").code());

    e = refused("{\"cniVersion\":\"0.2.0\",\"name\":\"jnet\",\"subnet\":\"10.88.0.0/16\"}");
    assertEquals(CniException.INCOMPATIBLE_VERSION, e.code());
    assertEquals(
        "cniVersion 0.2.0 is not supported; this plugin supports 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0",
        e.details());
    assertEquals(CniException.INCOMPATIBLE_VERSION, refused("{\"name\":\"jnet\"}").code());

    e =
        refused(
            "{\"cniVersion\":\"1.0.0\",\"name\":\"jnet\",\"subnet\":\"10.88.0.0/16\","
                + "\"promiscMode\":true}");
    assertEquals(CniException.UNSUPPORTED_FIELD, e.code());
    assertEquals(
        "unsupported field \"promiscMode\": true (the jocker plugin does not know this field)",
        e.details());
    e =
        refused(
            "{\"cniVersion\":\"1.0.0\",\"name\":\"jnet\","
                + "\"ipam\":{\"type\":\"jocker\",\"subnet\":\"10.88.0.0/16\",\"resolvConf\":\"/x\"}}");
    assertEquals(CniException.UNSUPPORTED_FIELD, e.code());
    assertTrue(e.details().startsWith("unsupported field \"ipam.resolvConf\": \"/x\""));
    e =
        refused(
            "{\"cniVersion\":\"1.0.0\",\"name\":\"jnet\",\"ranges\":"
                + "[[{\"subnet\":\"10.88.0.0/24\"}],[{\"subnet\":\"10.89.0.0/24\"}]]}");
    assertEquals(CniException.UNSUPPORTED_FIELD, e.code());
    assertTrue(e.details().contains("one IPv4 range per network"), e.details());
    assertEquals(
        CniException.UNSUPPORTED_FIELD,
        refused("{\"cniVersion\":\"1.0.0\",\"name\":\"jnet\",\"subnet\":\"fd00::/64\"}").code());
  }

  @Test
  void invalidValuesSayWhatIsWrong() {
    String head = "{\"cniVersion\":\"1.0.0\",\"name\":\"jnet\",";
    CniException e = refused(head + "\"subnet\":\"10.88.0.5/16\"}");
    assertEquals(CniException.INVALID_CONFIG, e.code());
    assertTrue(e.details().contains("did you mean 10.88.0.0/16?"), e.details());
    assertTrue(
        refused("{\"cniVersion\":\"1.0.0\",\"name\":\"jnet\"}").details().startsWith("no subnet"));
    assertTrue(refused(head + "\"subnet\":\"10.88.0.0/31\"}").details().contains("no room"));
    assertEquals(
        "mtu 20 must be between 68 and 65535",
        refused(head + "\"subnet\":\"10.88.0.0/16\",\"mtu\":20}").details());
    assertEquals(
        "isGateway must be true or false, not \"yes\"",
        refused(head + "\"subnet\":\"10.88.0.0/16\",\"isGateway\":\"yes\"}").details());
    assertTrue(
        refused(head + "\"subnet\":\"10.88.0.0/16\",\"bridge\":\"a-very-long-bridge-name\"}")
            .details()
            .contains("1 to 15 characters"));
    assertTrue(
        refused(head + "\"subnet\":\"10.88.0.0/16\",\"gateway\":\"10.99.0.1\"}")
            .details()
            .contains("not a host address of subnet 10.88.0.0/16"));
    assertTrue(
        refused(
                head
                    + "\"subnet\":\"10.88.0.0/16\",\"rangeStart\":\"10.88.0.50\",\"rangeEnd\":\"10.88.0.10\"}")
            .details()
            .contains("is after rangeEnd"));
    assertTrue(
        refused(head + "\"subnet\":\"10.88.0.0/16\",\"ipam\":{\"type\":\"host-local\"}}")
            .details()
            .contains("belongs in the ipam section"));
    assertTrue(
        refused(
                head
                    + "\"subnet\":\"10.88.0.0/16\",\"ipam\":{\"type\":\"jocker\",\"subnet\":\"10.89.0.0/16\"}}")
            .details()
            .contains("given twice"));
    assertTrue(
        refused("{\"cniVersion\":\"1.0.0\",\"name\":\"-bad\",\"subnet\":\"10.88.0.0/16\"}")
            .details()
            .contains("must start with a letter or digit"));
    assertTrue(
        refused(head + "\"subnet\":\"10.88.0.0/16\",\"dataDir\":\"relative\"}")
            .details()
            .contains("absolute path"));
  }
}

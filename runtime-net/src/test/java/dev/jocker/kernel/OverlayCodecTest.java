package dev.jocker.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.netlink.IfInfoMsg;
import dev.jocker.netlink.MessageWriter;
import dev.jocker.netlink.NlMsg;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The VXLAN, FDB and neighbour requests byte for byte against what iproute2 sent the kernel, and
 * the kernel's replies decoded. Captured with strace in a throwaway namespace (see {@code
 * tools/capture-netlink}): {@code ip link add vx-000100-abcde mtu 1450 type vxlan id 256 local
 * 192.0.2.1 dev under0 dstport 4789 nolearning proxy} (under0 is ifindex 3, the vxlan 4), {@code
 * bridge fdb add|del 02:42:0a:14:00:03 dev vx-000100-abcde dst 192.0.2.2 self permanent}, {@code ip
 * neigh add|del 10.20.0.3 lladdr 02:42:0a:14:00:03 dev vx-000100-abcde nud permanent}, {@code
 * bridge fdb show dev …}, {@code ip neigh show dev …} and {@code ip -d link show dev …}.
 */
class OverlayCodecTest {
  private static final MacAddress MAC = MacAddress.parse("02:42:0a:14:00:03");
  private static final int VXLAN_INDEX = 4;

  private static byte[] golden(String name) throws IOException {
    try (InputStream in = OverlayCodecTest.class.getResourceAsStream("/netlink/" + name)) {
      return in.readAllBytes();
    }
  }

  private static int seqOf(byte[] message) {
    return ByteBuffer.wrap(message).order(ByteOrder.nativeOrder()).getInt(8);
  }

  private static void assertSameRequest(byte[] expected, MessageWriter ours) {
    assertEquals(
        HexFormat.of().formatHex(expected), HexFormat.of().formatHex(ours.seq(seqOf(expected))));
  }

  private static Inet4Address ip(String text) throws IOException {
    return (Inet4Address) InetAddress.getByName(text);
  }

  private static List<NlMsg> replies(String name) throws IOException {
    return NlMsg.parseAll(ByteBuffer.wrap(golden(name)).order(ByteOrder.nativeOrder()));
  }

  @Test
  void vxlanAddIsTheRequestIproute2Sends() throws IOException {
    byte[] theirs = golden("vxlan-add-request.bin");
    Vxlan vxlan = Vxlan.overlay("vx-000100-abcde", 256, ip("192.0.2.1"), 3);
    // iproute2 asks for no echo; jocker does, to read the new link without a lookup.
    int flags = NlMsg.NLM_F_REQUEST | NlMsg.NLM_F_ACK | NlMsg.NLM_F_CREATE | NlMsg.NLM_F_EXCL;
    assertSameRequest(
        theirs, Links.vxlanRequest(new MessageWriter(NlMsg.RTM_NEWLINK, flags), vxlan));
  }

  @Test
  void decodesTheKernelsVxlanLink() throws IOException {
    NlMsg reply = replies("vxlan-link-reply.bin").get(0);
    IfInfoMsg info = IfInfoMsg.decode(reply.body());
    Vxlan vxlan =
        Links.decodeVxlan(
            info.attributes().string(IfInfoMsg.IFLA_IFNAME),
            info.attributes(),
            info.attributes().nested(IfInfoMsg.IFLA_LINKINFO));
    assertEquals(Vxlan.overlay("vx-000100-abcde", 256, ip("192.0.2.1"), 3), vxlan);
    Link link = Links.decode(reply);
    assertEquals("vxlan", link.kind());
    assertEquals(VXLAN_INDEX, link.index());
    assertEquals(5, link.masterIndex(), "enslaved to br-abcde");
  }

  @Test
  void fdbAddAndDelAreTheRequestsBridgeSends() throws IOException {
    assertSameRequest(
        golden("fdb-add-request.bin"),
        Fdb.request(
            NlMsg.RTM_NEWNEIGH,
            NlMsg.NLM_F_REQUEST | NlMsg.NLM_F_ACK | NlMsg.NLM_F_CREATE | NlMsg.NLM_F_EXCL,
            VXLAN_INDEX,
            MAC,
            ip("192.0.2.2")));
    assertSameRequest(
        golden("fdb-del-request.bin"),
        Fdb.request(
            NlMsg.RTM_DELNEIGH,
            NlMsg.NLM_F_REQUEST | NlMsg.NLM_F_ACK,
            VXLAN_INDEX,
            MAC,
            ip("192.0.2.2")));
    assertSameRequest(golden("fdb-dump-request.bin"), Fdb.dumpRequest(VXLAN_INDEX));
  }

  @Test
  void decodesTheKernelsFdbDump() throws IOException {
    List<FdbEntry> entries =
        replies("fdb-dump-reply.bin").stream()
            .filter(m -> m.type() == NlMsg.RTM_NEWNEIGH)
            .map(Fdb::decode)
            .toList();
    assertEquals(2, entries.size(), entries.toString());
    // The bridge's entry for the VXLAN port's own MAC: "… master br-abcde permanent".
    FdbEntry bridgeOwn = entries.get(0);
    assertEquals(5, bridgeOwn.masterIndex());
    assertFalse(bridgeOwn.self());
    assertTrue(bridgeOwn.permanent());
    // The remote: "02:42:0a:14:00:03 dst 192.0.2.2 self permanent".
    FdbEntry remote = entries.get(1);
    assertEquals(new FdbEntry(VXLAN_INDEX, MAC, ip("192.0.2.2"), 0, 0xc0, 0x02), remote);
    assertTrue(remote.self() && remote.permanent());
  }

  @Test
  void neighbourAddAndDelAreTheRequestsIpSends() throws IOException {
    assertSameRequest(
        golden("neigh-add-request.bin"),
        Neighbours.request(
            NlMsg.NLM_F_CREATE | NlMsg.NLM_F_EXCL, VXLAN_INDEX, ip("10.20.0.3"), MAC));
    assertSameRequest(
        golden("neigh-del-request.bin"), Neighbours.deleteRequest(VXLAN_INDEX, ip("10.20.0.3")));
    assertSameRequest(golden("neigh-dump-request.bin"), Neighbours.dumpRequest(VXLAN_INDEX));
  }

  @Test
  void decodesTheKernelsNeighbourDump() throws IOException {
    List<NlMsg> msgs = replies("neigh-dump-reply.bin");
    assertEquals(NlMsg.NLMSG_DONE, msgs.get(msgs.size() - 1).type());
    Neighbour n = Neighbours.decode(msgs.get(0));
    assertEquals(new Neighbour(VXLAN_INDEX, ip("10.20.0.3"), MAC, 0x80), n);
    assertTrue(n.permanent(), "10.20.0.3 lladdr 02:42:0a:14:00:03 PERMANENT");
  }
}

package dev.jocker.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The codec against bytes the kernel sent (captured in a fresh namespace: the reply to RTM_GETLINK
 * for lo and its acknowledgement) and against requests laid out by hand, field by field.
 */
class CodecTest {
  private static ByteBuffer resource(String name) throws IOException {
    try (InputStream in = CodecTest.class.getResourceAsStream("/netlink/" + name)) {
      return ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.nativeOrder());
    }
  }

  @Test
  void decodesTheKernelsLinkReplyForLo() throws IOException {
    List<NlMsg> msgs = NlMsg.parseAll(resource("getlink-lo-reply.bin"));
    NlMsg reply = msgs.get(0);
    assertEquals(NlMsg.RTM_NEWLINK, reply.type());
    assertEquals(7, reply.seq());
    IfInfoMsg link = IfInfoMsg.decode(reply.body());
    assertEquals(772, link.deviceType()); // ARPHRD_LOOPBACK
    assertEquals(1, link.index());
    assertEquals("lo", link.attributes().string(IfInfoMsg.IFLA_IFNAME));
    assertEquals(65536, link.attributes().integer(IfInfoMsg.IFLA_MTU, 0));
    assertEquals(1000, link.attributes().integer(IfInfoMsg.IFLA_TXQLEN, 0));
    assertEquals(2, link.attributes().get(IfInfoMsg.IFLA_OPERSTATE).orElseThrow().asByte()); // DOWN
    assertTrue(link.attributes().all().size() > 20, "unknown attributes are kept, not dropped");
  }

  @Test
  void decodesTheKernelsAcknowledgement() throws IOException {
    NlMsg ack = NlMsg.parseAll(resource("getlink-lo-ack.bin")).get(0);
    assertEquals(NlMsg.NLMSG_ERROR, ack.type());
    NlMsgErr err = NlMsgErr.decode(ack.body(), ack.flags());
    assertEquals(0, err.error());
    assertEquals(7, err.requestSeq());
  }

  @Test
  void decodesAnExtendedAckError() {
    // nlmsghdr(len 52, NLMSG_ERROR, flags CAPPED|ACK_TLVS, seq 9, pid 0)
    // nlmsgerr.error = -17 (EEXIST), then the request's 16-byte header (capped)
    // NLMSGERR_ATTR_MSG "File exists\0" (len 16)
    ByteBuffer b = ByteBuffer.allocate(52).order(ByteOrder.nativeOrder());
    b.putInt(52).putShort((short) 2).putShort((short) 0x300).putInt(9).putInt(0);
    b.putInt(-17);
    b.putInt(40).putShort((short) 16).putShort((short) 0x605).putInt(9).putInt(0);
    b.putShort((short) 16).putShort((short) 1).put("File exists\0".getBytes());
    b.flip();
    NlMsg msg = NlMsg.parseAll(b).get(0);
    NlMsgErr err = NlMsgErr.decode(msg.body(), msg.flags());
    assertEquals(-17, err.error());
    assertEquals("File exists", err.message());
  }

  @Test
  void encodesAVethPairWithItsPeerInAnotherNamespace() throws Exception {
    MessageWriter w = new MessageWriter(NlMsg.RTM_NEWLINK, 0x605).ifinfomsg(0, 0, 0, 0);
    w.attr(IfInfoMsg.IFLA_IFNAME, "veth1");
    int info = w.beginNested(IfInfoMsg.IFLA_LINKINFO);
    w.attr(IfInfoMsg.IFLA_INFO_KIND, "veth");
    int data = w.beginNested(IfInfoMsg.IFLA_INFO_DATA);
    int peer = w.beginNested(IfInfoMsg.VETH_INFO_PEER);
    w.ifinfomsg(0, 0, 0, 0)
        .attr(IfInfoMsg.IFLA_IFNAME, "eth0")
        .attrInt(IfInfoMsg.IFLA_NET_NS_FD, 5);
    w.endNested(peer).endNested(data).endNested(info);
    byte[] bytes = w.seq(1);
    String expected =
        // nlmsghdr: len 104, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1, pid 0
        "68000000"
            + "1000"
            + "0506"
            + "01000000"
            + "00000000"
            // ifinfomsg: AF_UNSPEC, pad, type 0, index 0, flags 0, change 0
            + "00000000"
            + "00000000"
            + "00000000"
            + "00000000"
            // IFLA_IFNAME "veth1\0" (len 10, padded to 12)
            + "0a000300"
            + "7665746831000000"
            // IFLA_LINKINFO (len 60)
            + "3c001200"
            // IFLA_INFO_KIND "veth\0" (len 9, padded to 12)
            + "09000100"
            + "7665746800000000"
            // IFLA_INFO_DATA (len 44)
            + "2c000200"
            // VETH_INFO_PEER (len 40): the peer's ifinfomsg, then its attributes
            + "28000100"
            + "00000000"
            + "00000000"
            + "00000000"
            + "00000000"
            // IFLA_IFNAME "eth0\0" (len 9, padded to 12)
            + "09000300"
            + "6574683000000000"
            // IFLA_NET_NS_FD 5
            + "08001c00"
            + "05000000";
    assertEquals(expected, HexFormat.of().formatHex(bytes));
    assertEquals(0, bytes.length % 4);
    assertArrayEquals(
        InetAddress.getByName("172.17.0.2").getAddress(), new byte[] {(byte) 172, 17, 0, 2});
  }

  @Test
  void rejectsTruncatedAndMalformedInput() throws IOException {
    ByteBuffer full = resource("getlink-lo-reply.bin");
    ByteBuffer cut = full.duplicate().limit(100);
    NetlinkFormatException e =
        assertThrows(NetlinkFormatException.class, () -> NlMsg.parseAll(cut));
    assertTrue(e.getMessage().contains("exceeds"), e.getMessage());

    ByteBuffer zeroLength = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
    assertThrows(NetlinkFormatException.class, () -> NlMsg.parseAll(zeroLength));

    ByteBuffer badAttr = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
    badAttr.putShort((short) 200).putShort((short) 3).putInt(0).flip();
    assertThrows(NetlinkFormatException.class, () -> Attributes.parse(badAttr));

    ByteBuffer tinyAttr = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
    tinyAttr.putShort((short) 2).putShort((short) 3).flip();
    assertThrows(NetlinkFormatException.class, () -> Attributes.parse(tinyAttr));
  }
}

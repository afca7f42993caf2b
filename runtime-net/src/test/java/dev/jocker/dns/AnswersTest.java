package dev.jocker.dns;

import static dev.jocker.dns.NameTableTest.DB;
import static dev.jocker.dns.NameTableTest.WEB;
import static dev.jocker.dns.NameTableTest.ip;
import static dev.jocker.dns.NameTableTest.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** What the embedded DNS answers itself, what it forwards, and how big answers are cut. */
class AnswersTest {
  static Message query(String name, int type) throws Exception {
    return Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN));
  }

  static NameTable table() {
    NameTable t = new NameTable();
    t.add(user(WEB, "web", "mynet", "172.18.0.2"));
    t.add(user(DB, "db", "mynet", "172.18.0.3", "store"));
    return t;
  }

  static Message reply(Answers.Outcome o) {
    return assertInstanceOf(Answers.Reply.class, o).message();
  }

  @Test
  void anARecordForAContainerHasDockersHeaderAndTtl() throws Exception {
    Message q = query("db", Type.A);
    Message r = reply(Answers.decide(table(), WEB, q, false));
    assertEquals(q.getHeader().getID(), r.getHeader().getID());
    assertTrue(r.getHeader().getFlag(Flags.QR));
    assertTrue(r.getHeader().getFlag(Flags.RD));
    assertTrue(r.getHeader().getFlag(Flags.RA));
    assertFalse(r.getHeader().getFlag(Flags.AA));
    assertEquals(Rcode.NOERROR, r.getRcode());
    List<Record> answers = r.getSection(Section.ANSWER);
    assertEquals(1, answers.size());
    ARecord a = (ARecord) answers.get(0);
    assertEquals(Name.fromString("db."), a.getName());
    assertEquals(ip("172.18.0.3"), a.getAddress());
    assertEquals(600, a.getTTL());
  }

  @Test
  void aaaaAndMxForAContainerAreEmptyAndNeverForwarded() throws Exception {
    for (int type : new int[] {Type.AAAA, Type.MX}) {
      Message r = reply(Answers.decide(table(), WEB, query("store", type), false));
      assertEquals(Rcode.NOERROR, r.getRcode());
      assertTrue(r.getSection(Section.ANSWER).isEmpty());
    }
  }

  @Test
  void everythingElseIsForwardedSingleLabelsIncluded() throws Exception {
    NameTable t = table();
    assertInstanceOf(
        Answers.Forward.class, Answers.decide(t, WEB, query("example.test", Type.A), false));
    assertInstanceOf(Answers.Forward.class, Answers.decide(t, WEB, query("nosuch", Type.A), false));
    assertInstanceOf(Answers.Forward.class, Answers.decide(t, WEB, query("db", Type.TXT), false));
    assertInstanceOf(
        Answers.Forward.class, Answers.decide(t, WEB, query("_x._tcp.db", Type.SRV), false));
    assertInstanceOf(
        Answers.Forward.class,
        Answers.decide(t, WEB, query("1.0.0.10.in-addr.arpa", Type.PTR), false));
  }

  @Test
  void withTheUsersOwnNdotsASingleLabelIsAnsweredEmpty() throws Exception {
    Message r = reply(Answers.decide(table(), WEB, query("nosuch", Type.A), true));
    assertEquals(Rcode.NOERROR, r.getRcode());
    assertTrue(r.getSection(Section.ANSWER).isEmpty());
    assertInstanceOf(
        Answers.Forward.class, Answers.decide(table(), WEB, query("nosuch.test", Type.A), true));
  }

  @Test
  void ptrOfAContainerAddressIsNameDotNetwork() throws Exception {
    Message r =
        reply(Answers.decide(table(), WEB, query("3.0.18.172.in-addr.arpa", Type.PTR), false));
    PTRRecord ptr = (PTRRecord) r.getSection(Section.ANSWER).get(0);
    assertEquals(Name.fromString("db.mynet."), ptr.getTarget());
    assertInstanceOf(
        Answers.Silence.class, Answers.decide(table(), WEB, query("db.mynet", Type.PTR), false));
  }

  @Test
  void aSharedAliasComesBackInEveryOrder() throws Exception {
    NameTable t = new NameTable();
    for (int i = 2; i < 6; i++) {
      t.add(
          user(
              String.format("%012d", i) + "0".repeat(52),
              "c" + i,
              "mynet",
              "172.18.0." + i,
              "app"));
    }
    String asker = String.format("%012d", 2) + "0".repeat(52);
    Set<String> orders = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      Message r = reply(Answers.decide(t, asker, query("app", Type.A), false));
      assertEquals(4, r.getSection(Section.ANSWER).size());
      orders.add(r.getSection(Section.ANSWER).toString());
    }
    assertTrue(orders.size() > 1, "round robin shuffles the answers");
  }

  @Test
  void anAnswerTooBigForUdpIsCutWithTcOverTcpItIsWhole() throws Exception {
    NameTable t = new NameTable();
    t.add(user(WEB, "web", "mynet", "172.18.0.2"));
    for (int i = 0; i < 100; i++) {
      t.add(
          user(
              String.format("%012d", i) + "0".repeat(52),
              "c" + i,
              "mynet",
              "172.18.1." + i,
              "big"));
    }
    Message q = query("big", Type.A);
    Message udp =
        new Message(
            Answers.fit(reply(Answers.decide(t, WEB, q, false)), Answers.udpLimit(q), true));
    assertTrue(udp.getHeader().getFlag(Flags.TC));
    assertTrue(udp.numBytes() <= 512, "within 512 bytes: " + udp.numBytes());
    assertFalse(udp.getSection(Section.ANSWER).isEmpty(), "keeps as many answers as fit");
    Message tcp = new Message(Answers.fit(reply(Answers.decide(t, WEB, q, false)), 65535, false));
    assertFalse(tcp.getHeader().getFlag(Flags.TC));
    assertEquals(100, tcp.getSection(Section.ANSWER).size());

    Message edns = query("big", Type.A);
    edns.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    assertEquals(4096, Answers.udpLimit(edns));
    Message big = new Message(Answers.fit(reply(Answers.decide(t, WEB, edns, false)), 4096, true));
    assertFalse(big.getHeader().getFlag(Flags.TC));
  }

  @Test
  void whatMiekgsServerRefusesIsRefusedSo() throws Exception {
    Message update = query("db", Type.A);
    update.getHeader().setOpcode(Opcode.UPDATE);
    assertEquals(Rcode.NOTIMP, reply(Answers.decide(table(), WEB, update, false)).getRcode());
    Message response = query("db", Type.A);
    response.getHeader().setFlag(Flags.QR);
    assertInstanceOf(Answers.Silence.class, Answers.decide(table(), WEB, response, false));
  }
}

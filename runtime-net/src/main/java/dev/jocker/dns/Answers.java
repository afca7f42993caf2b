package dev.jocker.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * What the embedded DNS does with one query, as libnetwork's resolver decides it: answer from the
 * name table, forward, or stay silent. Pure: no sockets, so every rule is testable on its own.
 */
final class Answers {
  /** The TTL of every answer the embedded DNS makes itself, as Docker's. */
  static final long TTL = 600;

  /** The UDP payload a client gets without EDNS (RFC 1035). */
  static final int DEFAULT_UDP_SIZE = 512;

  private static final String IPV4_PTR_SUFFIX = ".in-addr.arpa";
  private static final String IPV6_PTR_SUFFIX = ".ip6.arpa";

  private Answers() {}

  /** What to do with a query. */
  sealed interface Outcome {}

  /** Answer with {@code message}. */
  record Reply(Message message) implements Outcome {}

  /** Not ours: forward to the sandbox's upstream servers. */
  record Forward() implements Outcome {}

  /** No answer at all (Docker's resolver drops what it cannot read or make sense of). */
  record Silence() implements Outcome {}

  /**
   * Decides for {@code query} from container {@code containerId}. {@code ndotsSet} is whether the
   * container's resolv.conf sets {@code ndots} itself: then a single-label name the table does not
   * hold gets an empty answer instead of being forwarded (the client goes on with its search list).
   */
  static Outcome decide(NameTable table, String containerId, Message query, boolean ndotsSet) {
    Header h = query.getHeader();
    if (h.getFlag(Flags.QR)) {
      return new Silence();
    }
    if (h.getOpcode() != Opcode.QUERY && h.getOpcode() != Opcode.NOTIFY) {
      return new Reply(error(query, Rcode.NOTIMP));
    }
    if (h.getCount(Section.QUESTION) != 1
        || h.getCount(Section.ANSWER) > 1
        || h.getCount(Section.AUTHORITY) > 1
        || h.getCount(Section.ADDITIONAL) > 2) {
      return new Reply(error(query, Rcode.FORMERR));
    }
    Record question = query.getQuestion();
    String name = question.getName().toString(true);
    if (question.getType() == Type.PTR) {
      return pointerReply(table, containerId, query, name);
    }
    Message reply;
    if (question.getType() == Type.A) {
      reply = addressReply(table, containerId, query, name);
    } else if (question.getType() == Type.AAAA || question.getType() == Type.MX) {
      // The name is ours but has no IPv6 address (no jocker network has IPv6), or it is ours and
      // takes mail implicitly (RFC 5321 5.1): an empty answer, never forwarded.
      reply = table.resolve(containerId, name).isPresent() ? reply(query) : null;
    } else {
      reply = null;
    }
    if (reply != null) {
      return new Reply(reply);
    }
    if (ndotsSet
        && (question.getType() == Type.A || question.getType() == Type.AAAA)
        && !name.contains(".")) {
      return new Reply(reply(query));
    }
    return new Forward();
  }

  private static Message addressReply(
      NameTable table, String containerId, Message query, String name) {
    Optional<NameTable.Resolution> found = table.resolve(containerId, name);
    if (found.isEmpty()) {
      return null;
    }
    List<Inet4Address> addresses = new ArrayList<>(found.get().addresses());
    // Round robin as Docker's: a shared alias answers every member, in a new order each time.
    Collections.shuffle(addresses, ThreadLocalRandom.current());
    Message reply = reply(query);
    Name owner = query.getQuestion().getName();
    for (Inet4Address address : addresses) {
      reply.addRecord(new ARecord(owner, DClass.IN, TTL, address), Section.ANSWER);
    }
    return reply;
  }

  /**
   * A reverse lookup: answered for an address of the container's networks, forwarded for any other
   * address, and silence for a name that is no reverse name at all (Docker logs it and answers
   * nothing).
   */
  private static Outcome pointerReply(
      NameTable table, String containerId, Message query, String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.endsWith(IPV6_PTR_SUFFIX)) {
      return new Forward();
    }
    if (!lower.endsWith(IPV4_PTR_SUFFIX)) {
      return new Silence();
    }
    Inet4Address address = reversed(lower.substring(0, lower.length() - IPV4_PTR_SUFFIX.length()));
    Optional<String> owner =
        address == null ? Optional.empty() : table.reverse(containerId, address);
    if (owner.isEmpty()) {
      return new Forward();
    }
    Message reply = reply(query);
    try {
      reply.addRecord(
          new PTRRecord(
              query.getQuestion().getName(), DClass.IN, TTL, Name.fromString(owner.get() + ".")),
          Section.ANSWER);
    } catch (TextParseException e) {
      // A container or network name that is no valid DNS name has no reverse answer here.
      return new Forward();
    }
    return new Reply(reply);
  }

  /** {@code 2.0.18.172} to 172.18.0.2; null unless it is four decimal octets. */
  private static Inet4Address reversed(String labels) {
    String[] parts = labels.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[3 - i];
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      int octet = Integer.parseInt(p);
      if (octet > 255) {
        return null;
      }
      bytes[i] = (byte) octet;
    }
    try {
      return (Inet4Address) InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An empty answer to {@code query}: its ID, opcode, RD and CD, its question, RA set. */
  static Message reply(Message query) {
    Header q = query.getHeader();
    Message reply = new Message(q.getID());
    Header h = reply.getHeader();
    h.setFlag(Flags.QR);
    h.setOpcode(q.getOpcode());
    if (q.getOpcode() == Opcode.QUERY) {
      if (q.getFlag(Flags.RD)) {
        h.setFlag(Flags.RD);
      }
      if (q.getFlag(Flags.CD)) {
        h.setFlag(Flags.CD);
      }
    }
    h.setFlag(Flags.RA);
    reply.addRecord(query.getQuestion(), Section.QUESTION);
    return reply;
  }

  /** A header-only error answer with {@code rcode}. */
  static Message error(Message query, int rcode) {
    Message reply = new Message(query.getHeader().getID());
    reply.getHeader().setFlag(Flags.QR);
    reply.getHeader().setRcode(rcode);
    return reply;
  }

  /**
   * {@code message} (wire format) with its ID set to {@code id}, through dnsjava's header: how a
   * query is forwarded as the client sent it and an upstream's answer, or an answer made before,
   * goes back as it came.
   */
  static byte[] withId(byte[] message, int id) {
    try {
      Header h = new Header(message);
      h.setID(id);
      byte[] out = message.clone();
      System.arraycopy(h.toWire(), 0, out, 0, Header.LENGTH);
      return out;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not a DNS message: " + message.length + " bytes", e);
    }
  }

  /** The ID of {@code message} (wire format), read by dnsjava's header alone. */
  static int id(byte[] message) throws java.io.IOException {
    return new Header(message).getID();
  }

  /**
   * Whether the same query (all but its ID) may get {@code reply} again while the name table is
   * unchanged: any answer of at most one record (a shared alias is shuffled for each query).
   */
  static boolean reusable(Message reply) {
    return reply.getSection(Section.ANSWER).size() <= 1;
  }

  /** The largest answer a client takes over UDP: its EDNS payload size, at least 512. */
  static int udpLimit(Message query) {
    OPTRecord opt = query.getOPT();
    return opt == null ? DEFAULT_UDP_SIZE : Math.max(DEFAULT_UDP_SIZE, opt.getPayloadSize());
  }

  /**
   * {@code reply} on the wire within {@code limit} bytes: answers are dropped from the end until it
   * fits, and over UDP the TC bit tells the client to ask again over TCP (Docker's truncateResp).
   */
  static byte[] fit(Message reply, int limit, boolean udp) {
    byte[] wire = reply.toWire();
    if (wire.length <= limit) {
      return wire;
    }
    if (udp) {
      reply.getHeader().setFlag(Flags.TC);
    }
    List<Record> answers = new ArrayList<>(reply.getSection(Section.ANSWER));
    while (wire.length > limit && !answers.isEmpty()) {
      reply.removeRecord(answers.remove(answers.size() - 1), Section.ANSWER);
      wire = reply.toWire();
    }
    return wire;
  }
}

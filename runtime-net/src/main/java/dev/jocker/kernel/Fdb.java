package dev.jocker.kernel;

import static dev.jocker.netlink.NdMsg.AF_BRIDGE;
import static dev.jocker.netlink.NdMsg.NDA_DST;
import static dev.jocker.netlink.NdMsg.NDA_LLADDR;
import static dev.jocker.netlink.NdMsg.NDA_MASTER;
import static dev.jocker.netlink.NdMsg.NTF_SELF;
import static dev.jocker.netlink.NdMsg.NUD_NOARP;
import static dev.jocker.netlink.NdMsg.NUD_PERMANENT;
import static dev.jocker.netlink.NlMsg.NLM_F_ACK;
import static dev.jocker.netlink.NlMsg.NLM_F_CREATE;
import static dev.jocker.netlink.NlMsg.NLM_F_DUMP;
import static dev.jocker.netlink.NlMsg.NLM_F_EXCL;
import static dev.jocker.netlink.NlMsg.NLM_F_REPLACE;
import static dev.jocker.netlink.NlMsg.NLM_F_REQUEST;

import dev.jocker.netlink.Attribute;
import dev.jocker.netlink.MessageWriter;
import dev.jocker.netlink.NdMsg;
import dev.jocker.netlink.NlMsg;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/**
 * The forwarding databases of one namespace's bridges and VXLAN devices, over rtnetlink (what
 * {@code bridge fdb} manages). On a VXLAN device each static entry says behind which remote VTEP a
 * MAC lives, so unicast frames go straight there and nothing is flooded or learned.
 */
public final class Fdb {
  /** {@code bridge fdb … permanent} sets both: a static entry that needs no resolution. */
  private static final int STATIC = NUD_NOARP | NUD_PERMANENT;

  private final Netns ns;

  Fdb(Netns ns) {
    this.ns = ns;
  }

  /**
   * Equivalent to: {@code bridge fdb add MAC dev LINK dst DESTINATION self permanent}; an entry for
   * {@code mac} that exists already fails with {@link AlreadyExistsException}.
   */
  public void add(String link, MacAddress mac, Inet4Address destination) {
    add(ns.links().get(link).index(), mac, destination, link);
  }

  /** As {@link #add(String, MacAddress, Inet4Address)}, the link given by its index. */
  public void add(int linkIndex, MacAddress mac, Inet4Address destination) {
    add(linkIndex, mac, destination, "index " + linkIndex);
  }

  private void add(int linkIndex, MacAddress mac, Inet4Address destination, String link) {
    ns.socket()
        .execute(
            request(
                NlMsg.RTM_NEWNEIGH,
                NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
                linkIndex,
                mac,
                destination),
            "fdb add",
            describe(mac, link, destination));
  }

  /**
   * Equivalent to: {@code bridge fdb replace MAC dev LINK dst DESTINATION self permanent}: adds the
   * entry or points the existing one at {@code destination} (a container that moved host).
   */
  public void replace(int linkIndex, MacAddress mac, Inet4Address destination) {
    ns.socket()
        .execute(
            request(
                NlMsg.RTM_NEWNEIGH,
                NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
                linkIndex,
                mac,
                destination),
            "fdb replace",
            describe(mac, "index " + linkIndex, destination));
  }

  /** Equivalent to: {@code bridge fdb del MAC dev LINK dst DESTINATION self}. */
  public void delete(String link, MacAddress mac, Inet4Address destination) {
    delete(ns.links().get(link).index(), mac, destination, link);
  }

  /** As {@link #delete(String, MacAddress, Inet4Address)}, the link given by its index. */
  public void delete(int linkIndex, MacAddress mac, Inet4Address destination) {
    delete(linkIndex, mac, destination, "index " + linkIndex);
  }

  private void delete(int linkIndex, MacAddress mac, Inet4Address destination, String link) {
    ns.socket()
        .execute(
            request(NlMsg.RTM_DELNEIGH, NLM_F_REQUEST | NLM_F_ACK, linkIndex, mac, destination),
            "fdb del",
            describe(mac, link, destination));
  }

  /** Equivalent to: {@code bridge fdb show dev LINK}. */
  public List<FdbEntry> list(String link) {
    return list(ns.links().get(link).index());
  }

  /**
   * As {@link #list(String)}, the link given by its index. Without strict checking the kernel
   * ignores the ndmsg's ifindex and dumps every entry, so the entries are filtered here as well.
   */
  public List<FdbEntry> list(int linkIndex) {
    return ns.socket().dump(dumpRequest(linkIndex), "fdb show", "dev index " + linkIndex).stream()
        .filter(m -> m.type() == NlMsg.RTM_NEWNEIGH)
        .map(Fdb::decode)
        .filter(e -> e != null && e.linkIndex() == linkIndex)
        .toList();
  }

  /** The request {@code bridge fdb add|replace|del} sends: ndmsg, NDA_LLADDR, then NDA_DST. */
  static MessageWriter request(
      int type, int flags, int linkIndex, MacAddress mac, Inet4Address destination) {
    MessageWriter w =
        new MessageWriter(type, flags)
            .ndmsg(AF_BRIDGE, linkIndex, STATIC, NTF_SELF, 0)
            .attr(NDA_LLADDR, mac.bytes());
    if (destination != null) {
      w.attr(NDA_DST, destination);
    }
    return w;
  }

  /** The dump {@code bridge fdb show dev LINK} asks for: an ndmsg naming the device. */
  static MessageWriter dumpRequest(int linkIndex) {
    return new MessageWriter(NlMsg.RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP)
        .ndmsg(AF_BRIDGE, linkIndex, 0, 0, 0);
  }

  /** The entry of an RTM_NEWNEIGH message, or null when it is not an FDB entry. */
  static FdbEntry decode(NlMsg msg) {
    NdMsg nd = NdMsg.decode(msg.body());
    if (nd.family() != AF_BRIDGE) {
      return null;
    }
    byte[] mac = nd.attributes().get(NDA_LLADDR).map(Attribute::value).orElse(null);
    if (mac == null || mac.length != 6) {
      return null;
    }
    InetAddress destination =
        nd.attributes().get(NDA_DST).map(Attribute::asInetAddress).orElse(null);
    return new FdbEntry(
        nd.index(),
        new MacAddress(mac),
        destination,
        nd.attributes().integer(NDA_MASTER, 0),
        nd.state(),
        nd.flags());
  }

  private static String describe(MacAddress mac, String link, Inet4Address destination) {
    return mac
        + " dev "
        + link
        + (destination == null ? "" : " dst " + destination.getHostAddress());
  }
}

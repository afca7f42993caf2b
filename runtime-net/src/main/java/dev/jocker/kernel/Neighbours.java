package dev.jocker.kernel;

import static dev.jocker.netlink.NdMsg.NDA_DST;
import static dev.jocker.netlink.NdMsg.NDA_IFINDEX;
import static dev.jocker.netlink.NdMsg.NDA_LLADDR;
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
 * The neighbour (ARP) tables of one namespace, over rtnetlink. jocker writes permanent entries on
 * an overlay's VXLAN device, one per remote container, so that the device answers ARP itself.
 */
public final class Neighbours {
  private static final int AF_UNSPEC = 0;
  private static final int AF_INET = 2;
  private static final int AF_INET6 = 10;

  private final Netns ns;

  Neighbours(Netns ns) {
    this.ns = ns;
  }

  /**
   * Equivalent to: {@code ip neigh add ADDRESS lladdr MAC dev LINK nud permanent}; an entry for
   * {@code address} that exists already fails with {@link AlreadyExistsException}.
   */
  public void add(String link, Inet4Address address, MacAddress mac) {
    add(ns.links().get(link).index(), address, mac, link);
  }

  /** As {@link #add(String, Inet4Address, MacAddress)}, the link given by its index. */
  public void add(int linkIndex, Inet4Address address, MacAddress mac) {
    add(linkIndex, address, mac, "index " + linkIndex);
  }

  private void add(int linkIndex, Inet4Address address, MacAddress mac, String link) {
    ns.socket()
        .execute(
            request(NLM_F_CREATE | NLM_F_EXCL, linkIndex, address, mac),
            "neigh add",
            describe(address, link));
  }

  /**
   * Equivalent to: {@code ip neigh replace ADDRESS lladdr MAC dev LINK nud permanent}: adds the
   * entry or overwrites the one there, so a reconciler can apply it again without checking.
   */
  public void replace(int linkIndex, Inet4Address address, MacAddress mac) {
    ns.socket()
        .execute(
            request(NLM_F_CREATE | NLM_F_REPLACE, linkIndex, address, mac),
            "neigh replace",
            describe(address, "index " + linkIndex));
  }

  /** Equivalent to: {@code ip neigh del ADDRESS dev LINK}. */
  public void delete(String link, Inet4Address address) {
    delete(ns.links().get(link).index(), address, link);
  }

  /** As {@link #delete(String, Inet4Address)}, the link given by its index. */
  public void delete(int linkIndex, Inet4Address address) {
    delete(linkIndex, address, "index " + linkIndex);
  }

  private void delete(int linkIndex, Inet4Address address, String link) {
    ns.socket().execute(deleteRequest(linkIndex, address), "neigh del", describe(address, link));
  }

  /** Equivalent to: {@code ip neigh show dev LINK} (IPv4 and IPv6). */
  public List<Neighbour> list(String link) {
    return list(ns.links().get(link).index());
  }

  /** As {@link #list(String)}, the link given by its index. */
  public List<Neighbour> list(int linkIndex) {
    return ns.socket().dump(dumpRequest(linkIndex), "neigh show", "dev index " + linkIndex).stream()
        .filter(m -> m.type() == NlMsg.RTM_NEWNEIGH)
        .map(Neighbours::decode)
        .filter(n -> n != null && n.linkIndex() == linkIndex)
        .toList();
  }

  /** The request {@code ip neigh add|replace} sends: ndmsg, then NDA_DST and NDA_LLADDR. */
  static MessageWriter request(int flags, int linkIndex, Inet4Address address, MacAddress mac) {
    return new MessageWriter(NlMsg.RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_ACK | flags)
        .ndmsg(AF_INET, linkIndex, NUD_PERMANENT, 0, 0)
        .attr(NDA_DST, address)
        .attr(NDA_LLADDR, mac.bytes());
  }

  /** The request {@code ip neigh del} sends (iproute2's default state, permanent, included). */
  static MessageWriter deleteRequest(int linkIndex, Inet4Address address) {
    return new MessageWriter(NlMsg.RTM_DELNEIGH, NLM_F_REQUEST | NLM_F_ACK)
        .ndmsg(AF_INET, linkIndex, NUD_PERMANENT, 0, 0)
        .attr(NDA_DST, address);
  }

  /** The dump {@code ip neigh show dev LINK} asks for: every family, filtered by NDA_IFINDEX. */
  static MessageWriter dumpRequest(int linkIndex) {
    return new MessageWriter(NlMsg.RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP)
        .ndmsg(AF_UNSPEC, 0, 0, 0, 0)
        .attrInt(NDA_IFINDEX, linkIndex);
  }

  /** The entry of an RTM_NEWNEIGH message, or null for a family other than IPv4 and IPv6. */
  static Neighbour decode(NlMsg msg) {
    NdMsg nd = NdMsg.decode(msg.body());
    if (nd.family() != AF_INET && nd.family() != AF_INET6) {
      return null;
    }
    InetAddress address = nd.attributes().get(NDA_DST).map(Attribute::asInetAddress).orElse(null);
    byte[] mac = nd.attributes().get(NDA_LLADDR).map(Attribute::value).orElse(null);
    return new Neighbour(
        nd.index(),
        address,
        mac != null && mac.length == 6 ? new MacAddress(mac) : null,
        nd.state());
  }

  private static String describe(InetAddress address, String link) {
    return address.getHostAddress() + " dev " + link;
  }
}

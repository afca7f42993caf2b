package dev.jocker.kernel;

import static dev.jocker.netlink.IfAddrMsg.IFA_ADDRESS;
import static dev.jocker.netlink.IfAddrMsg.IFA_BROADCAST;
import static dev.jocker.netlink.IfAddrMsg.IFA_LABEL;
import static dev.jocker.netlink.IfAddrMsg.IFA_LOCAL;
import static dev.jocker.netlink.NlMsg.NLM_F_ACK;
import static dev.jocker.netlink.NlMsg.NLM_F_CREATE;
import static dev.jocker.netlink.NlMsg.NLM_F_DUMP;
import static dev.jocker.netlink.NlMsg.NLM_F_EXCL;
import static dev.jocker.netlink.NlMsg.NLM_F_REQUEST;

import dev.jocker.netlink.Attribute;
import dev.jocker.netlink.IfAddrMsg;
import dev.jocker.netlink.MessageWriter;
import dev.jocker.netlink.NlMsg;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/** IP addresses of one namespace, over rtnetlink. */
public final class Addrs {
  private static final int AF_INET = 2;
  private static final int AF_UNSPEC = 0;

  private final Netns ns;

  Addrs(Netns ns) {
    this.ns = ns;
  }

  /** Equivalent to: {@code ip addr add ADDRESS/PREFIX brd BROADCAST dev LINK}. */
  public void add(String link, Inet4Address address, int prefixLength, Inet4Address broadcast) {
    add(ns.links().get(link).index(), address, prefixLength, broadcast);
  }

  /** Equivalent to: {@code ip addr add ADDRESS/PREFIX brd BROADCAST dev LINK}, by link index. */
  public void add(int index, Inet4Address address, int prefixLength, Inet4Address broadcast) {
    String link = "index " + index;
    MessageWriter w =
        new MessageWriter(NlMsg.RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
            .ifaddrmsg(AF_INET, prefixLength, 0, 0, index)
            .attr(IFA_LOCAL, address)
            .attr(IFA_ADDRESS, address);
    if (broadcast != null) {
      w.attr(IFA_BROADCAST, broadcast);
    }
    ns.socket()
        .execute(w, "addr add", address.getHostAddress() + "/" + prefixLength + " dev " + link);
  }

  /** Equivalent to: {@code ip addr del ADDRESS/PREFIX dev LINK}. */
  public void delete(String link, Inet4Address address, int prefixLength) {
    int index = ns.links().get(link).index();
    MessageWriter w =
        new MessageWriter(NlMsg.RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK)
            .ifaddrmsg(AF_INET, prefixLength, 0, 0, index)
            .attr(IFA_LOCAL, address)
            .attr(IFA_ADDRESS, address);
    ns.socket()
        .execute(w, "addr del", address.getHostAddress() + "/" + prefixLength + " dev " + link);
  }

  /** Equivalent to: {@code ip addr show dev LINK}. */
  public List<Addr> list(String link) {
    int index = ns.links().get(link).index();
    return list().stream().filter(a -> a.linkIndex() == index).toList();
  }

  /** Equivalent to: {@code ip addr show} (IPv4 and IPv6). */
  public List<Addr> list() {
    MessageWriter w =
        new MessageWriter(NlMsg.RTM_GETADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP)
            .ifaddrmsg(AF_UNSPEC, 0, 0, 0, 0);
    return ns.socket().dump(w, "addr list", "all").stream()
        .filter(m -> m.type() == NlMsg.RTM_NEWADDR)
        .map(Addrs::decode)
        .toList();
  }

  static Addr decode(NlMsg msg) {
    IfAddrMsg m = IfAddrMsg.decode(msg.body());
    InetAddress local =
        m.attributes()
            .get(IFA_LOCAL)
            .or(() -> m.attributes().get(IFA_ADDRESS))
            .map(Attribute::asInetAddress)
            .orElse(null);
    InetAddress broadcast =
        m.attributes().get(IFA_BROADCAST).map(Attribute::asInetAddress).orElse(null);
    return new Addr(
        m.index(), local, m.prefixLength(), broadcast, m.scope(), m.attributes().string(IFA_LABEL));
  }
}

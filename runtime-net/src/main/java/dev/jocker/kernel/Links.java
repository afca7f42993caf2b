package dev.jocker.kernel;

import static dev.jocker.netlink.IfInfoMsg.IFF_LOWER_UP;
import static dev.jocker.netlink.IfInfoMsg.IFF_UP;
import static dev.jocker.netlink.IfInfoMsg.IFLA_ADDRESS;
import static dev.jocker.netlink.IfInfoMsg.IFLA_IFNAME;
import static dev.jocker.netlink.IfInfoMsg.IFLA_INFO_DATA;
import static dev.jocker.netlink.IfInfoMsg.IFLA_INFO_KIND;
import static dev.jocker.netlink.IfInfoMsg.IFLA_LINK;
import static dev.jocker.netlink.IfInfoMsg.IFLA_LINKINFO;
import static dev.jocker.netlink.IfInfoMsg.IFLA_LINK_NETNSID;
import static dev.jocker.netlink.IfInfoMsg.IFLA_MASTER;
import static dev.jocker.netlink.IfInfoMsg.IFLA_MTU;
import static dev.jocker.netlink.IfInfoMsg.IFLA_NET_NS_FD;
import static dev.jocker.netlink.IfInfoMsg.IFLA_OPERSTATE;
import static dev.jocker.netlink.IfInfoMsg.IFLA_TXQLEN;
import static dev.jocker.netlink.IfInfoMsg.IFLA_VXLAN_ID;
import static dev.jocker.netlink.IfInfoMsg.IFLA_VXLAN_LEARNING;
import static dev.jocker.netlink.IfInfoMsg.IFLA_VXLAN_LINK;
import static dev.jocker.netlink.IfInfoMsg.IFLA_VXLAN_LOCAL;
import static dev.jocker.netlink.IfInfoMsg.IFLA_VXLAN_PORT;
import static dev.jocker.netlink.IfInfoMsg.IFLA_VXLAN_PROXY;
import static dev.jocker.netlink.IfInfoMsg.VETH_INFO_PEER;
import static dev.jocker.netlink.NlMsg.NLM_F_ACK;
import static dev.jocker.netlink.NlMsg.NLM_F_CREATE;
import static dev.jocker.netlink.NlMsg.NLM_F_DUMP;
import static dev.jocker.netlink.NlMsg.NLM_F_ECHO;
import static dev.jocker.netlink.NlMsg.NLM_F_EXCL;
import static dev.jocker.netlink.NlMsg.NLM_F_REQUEST;

import dev.jocker.netlink.Attribute;
import dev.jocker.netlink.Attributes;
import dev.jocker.netlink.BridgePort;
import dev.jocker.netlink.IfInfoMsg;
import dev.jocker.netlink.MessageWriter;
import dev.jocker.netlink.NlMsg;
import java.net.Inet4Address;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Network interfaces of one namespace, over rtnetlink. */
public final class Links {
  private static final int AF_UNSPEC = 0;
  private static final String[] OPER_STATES = {
    "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"
  };

  private final Netns ns;

  Links(Netns ns) {
    this.ns = ns;
  }

  /**
   * Equivalent to: {@code ip link add NAME mtu MTU address MAC txqueuelen 0 type bridge} (queue
   * length 0 as Docker's links have: these devices queue nothing themselves).
   */
  public Link addBridge(String name, int mtu, MacAddress mac) {
    MessageWriter w = create().ifinfomsg(AF_UNSPEC, 0, 0, 0);
    w.attr(IFLA_IFNAME, name).attrInt(IFLA_MTU, mtu).attrInt(IFLA_TXQLEN, 0);
    if (mac != null) {
      w.attr(IFLA_ADDRESS, mac.bytes());
    }
    int info = w.beginNested(IFLA_LINKINFO);
    w.attr(IFLA_INFO_KIND, "bridge");
    w.endNested(info);
    return created(w, name);
  }

  /**
   * Equivalent to: {@code ip link add NAME mtu MTU txqueuelen 0 type veth peer name PEER address
   * MAC netns NS}: one request, so the peer is born inside {@code peerNs} and never appears here.
   */
  public Link addVethPair(String name, String peerName, Netns peerNs, MacAddress peerMac, int mtu) {
    MessageWriter w = create().ifinfomsg(AF_UNSPEC, 0, 0, 0);
    w.attr(IFLA_IFNAME, name).attrInt(IFLA_MTU, mtu).attrInt(IFLA_TXQLEN, 0);
    int info = w.beginNested(IFLA_LINKINFO);
    w.attr(IFLA_INFO_KIND, "veth");
    int data = w.beginNested(IFLA_INFO_DATA);
    int peer = w.beginNested(VETH_INFO_PEER);
    w.ifinfomsg(AF_UNSPEC, 0, 0, 0);
    w.attr(IFLA_IFNAME, peerName).attrInt(IFLA_MTU, mtu).attrInt(IFLA_TXQLEN, 0);
    if (peerMac != null) {
      w.attr(IFLA_ADDRESS, peerMac.bytes());
    }
    if (peerNs != null) {
      w.attrInt(IFLA_NET_NS_FD, peerNs.fd());
    }
    w.endNested(peer);
    w.endNested(data);
    w.endNested(info);
    return created(w, name);
  }

  /**
   * Equivalent to: {@code ip link add NAME mtu MTU type vxlan id VNI local LOCAL dev UNDERLAY
   * dstport PORT nolearning proxy} (the attributes in iproute2's order, so the request is the one
   * iproute2 sends, byte for byte, but for the echo flag).
   */
  public Link addVxlan(Vxlan vxlan) {
    return created(vxlanRequest(create(), vxlan), vxlan.name());
  }

  /**
   * Equivalent to: {@code ip -d link show NAME} for a VXLAN device: its VNI, local address,
   * underlay, port, MTU, learning and proxy settings as the kernel holds them.
   */
  public Vxlan getVxlan(String name) {
    NlMsg reply = ns.socket().query(getRequest(name), "link show", name).get(0);
    IfInfoMsg info = IfInfoMsg.decode(reply.body());
    Attributes linkInfo = info.attributes().nested(IFLA_LINKINFO);
    if (!"vxlan".equals(linkInfo.string(IFLA_INFO_KIND))) {
      throw new IllegalArgumentException(
          "link " + name + " is a " + linkInfo.string(IFLA_INFO_KIND) + " device, not a vxlan");
    }
    return decodeVxlan(info.attributes().string(IFLA_IFNAME), info.attributes(), linkInfo);
  }

  static MessageWriter vxlanRequest(MessageWriter w, Vxlan vxlan) {
    w.ifinfomsg(AF_UNSPEC, 0, 0, 0);
    w.attrInt(IFLA_MTU, vxlan.mtu()).attr(IFLA_IFNAME, vxlan.name());
    int info = w.beginNested(IFLA_LINKINFO);
    w.attrUnterminated(IFLA_INFO_KIND, "vxlan");
    int data = w.beginNested(IFLA_INFO_DATA);
    if (vxlan.underlayIndex() != 0) {
      w.attrInt(IFLA_VXLAN_LINK, vxlan.underlayIndex());
    }
    w.attrByte(IFLA_VXLAN_PROXY, vxlan.proxy() ? 1 : 0);
    w.attrInt(IFLA_VXLAN_ID, vxlan.vni());
    if (vxlan.local() != null) {
      w.attr(IFLA_VXLAN_LOCAL, vxlan.local());
    }
    w.attrByte(IFLA_VXLAN_LEARNING, vxlan.learning() ? 1 : 0);
    w.attrBigEndianShort(IFLA_VXLAN_PORT, vxlan.port());
    w.endNested(data);
    w.endNested(info);
    return w;
  }

  static Vxlan decodeVxlan(String name, Attributes link, Attributes linkInfo) {
    Attributes data = linkInfo.nested(IFLA_INFO_DATA);
    return new Vxlan(
        name,
        data.integer(IFLA_VXLAN_ID, 0),
        (Inet4Address) data.get(IFLA_VXLAN_LOCAL).map(Attribute::asInetAddress).orElse(null),
        data.integer(IFLA_VXLAN_LINK, 0),
        data.get(IFLA_VXLAN_PORT).map(Attribute::asBigEndianShort).orElse(0),
        link.integer(IFLA_MTU, 0),
        data.get(IFLA_VXLAN_LEARNING).map(Attribute::asByte).orElse(0) != 0,
        data.get(IFLA_VXLAN_PROXY).map(Attribute::asByte).orElse(0) != 0);
  }

  /**
   * Sends a {@link #create()} request and returns the new link as the kernel's echo shows it
   * (IFLA_LINK included), without a lookup after it; kernels before 6.1 echo nothing, and then it
   * is looked up.
   */
  private Link created(MessageWriter request, String name) {
    for (NlMsg reply : ns.socket().query(request, "link add", name)) {
      if (reply.type() == NlMsg.RTM_NEWLINK) {
        Link link = decode(reply);
        if (link.name().equals(name)) {
          return link;
        }
      }
    }
    return get(name);
  }

  /** Equivalent to: {@code ip link set NAME master MASTER}. */
  public void setMaster(String name, String master) {
    setMaster(name, get(master).index());
  }

  /** Equivalent to: {@code ip link set NAME master MASTER}, the master given by its index. */
  public void setMaster(String name, int masterIndex) {
    ns.socket().execute(set(name).attrInt(IFLA_MASTER, masterIndex), "link set master", name);
  }

  /** Equivalent to: {@code ip link set NAME nomaster}. */
  public void setNoMaster(String name) {
    ns.socket().execute(set(name).attrInt(IFLA_MASTER, 0), "link set nomaster", name);
  }

  /** Equivalent to: {@code ip link set NAME up}. */
  public void setUp(String name) {
    ns.socket().execute(flags(name, IFF_UP), "link set up", name);
  }

  /** Equivalent to: {@code ip link set NAME down}. */
  public void setDown(String name) {
    ns.socket().execute(flags(name, 0), "link set down", name);
  }

  /** Equivalent to: {@code ip link set NAME mtu MTU}. */
  public void setMtu(String name, int mtu) {
    ns.socket().execute(set(name).attrInt(IFLA_MTU, mtu), "link set mtu", name);
  }

  /** Equivalent to: {@code ip link set NAME address MAC}. */
  public void setMac(String name, MacAddress mac) {
    ns.socket().execute(set(name).attr(IFLA_ADDRESS, mac.bytes()), "link set address", name);
  }

  /** Equivalent to: {@code ip link set NAME name NEWNAME}. */
  public void rename(String name, String newName) {
    int index = get(name).index();
    MessageWriter w = request(NlMsg.RTM_NEWLINK, 0).ifinfomsg(AF_UNSPEC, index, 0, 0);
    ns.socket().execute(w.attr(IFLA_IFNAME, newName), "link rename", name);
  }

  /** Equivalent to: {@code ip link set NAME netns NS}. */
  public void moveTo(String name, Netns target) {
    ns.socket().execute(set(name).attrInt(IFLA_NET_NS_FD, target.fd()), "link set netns", name);
  }

  /** Equivalent to: {@code ip link delete NAME}. */
  public void delete(String name) {
    MessageWriter w = request(NlMsg.RTM_DELLINK, 0).ifinfomsg(AF_UNSPEC, 0, 0, 0);
    ns.socket().execute(w.attr(IFLA_IFNAME, name), "link delete", name);
  }

  /**
   * Equivalent to: {@code bridge link set dev NAME hairpin on|off}, for a port of a bridge: frames
   * may then leave by the port they came in, which Docker needs without its userland proxy for a
   * container to reach itself through a published port.
   */
  public void setHairpin(String name, boolean on) {
    setHairpin(get(name).index(), name, on);
  }

  /** As {@link #setHairpin(String, boolean)}, the port given by its index. */
  public void setHairpin(int index, String name, boolean on) {
    ns.socket().execute(hairpinRequest(index, on), "link set hairpin " + (on ? "on" : "off"), name);
  }

  /** The request of {@link #setHairpin}: the same bytes as iproute2's, seq and index aside. */
  static MessageWriter hairpinRequest(int index, boolean on) {
    MessageWriter w = request(NlMsg.RTM_SETLINK, 0).ifinfomsg(BridgePort.AF_BRIDGE, index, 0, 0);
    int protinfo = w.beginNested(BridgePort.IFLA_PROTINFO | BridgePort.NLA_F_NESTED);
    w.attr(BridgePort.IFLA_BRPORT_MODE, new byte[] {(byte) (on ? 1 : 0)});
    return w.endNested(protinfo);
  }

  /** Whether bridge port {@code name} is in hairpin mode, as {@code ip -d link show} reports. */
  public boolean hairpin(String name) {
    MessageWriter w = request(NlMsg.RTM_GETLINK, 0).ifinfomsg(AF_UNSPEC, 0, 0, 0);
    w.attr(IFLA_IFNAME, name);
    IfInfoMsg info = IfInfoMsg.decode(ns.socket().query(w, "link show", name).get(0).body());
    return info.attributes()
        .nested(IFLA_LINKINFO)
        .nested(BridgePort.IFLA_INFO_SLAVE_DATA)
        .get(BridgePort.IFLA_BRPORT_MODE)
        .map(a -> a.asByte() == 1)
        .orElse(false);
  }

  /** Equivalent to: {@code ip link show NAME}. */
  public Link get(String name) {
    return decode(ns.socket().query(getRequest(name), "link show", name).get(0));
  }

  private static MessageWriter getRequest(String name) {
    return request(NlMsg.RTM_GETLINK, 0).ifinfomsg(AF_UNSPEC, 0, 0, 0).attr(IFLA_IFNAME, name);
  }

  /** Equivalent to: {@code ip link show} for the interface with index {@code index}. */
  public Link get(int index) {
    MessageWriter w = request(NlMsg.RTM_GETLINK, 0).ifinfomsg(AF_UNSPEC, index, 0, 0);
    return decode(ns.socket().query(w, "link show", "index " + index).get(0));
  }

  /** Like {@link #get(String)}, empty when there is no such link. */
  public Optional<Link> find(String name) {
    try {
      return Optional.of(get(name));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /** Equivalent to: {@code ip link show}. */
  public List<Link> list() {
    MessageWriter w = request(NlMsg.RTM_GETLINK, NLM_F_DUMP).ifinfomsg(AF_UNSPEC, 0, 0, 0);
    return ns.socket().dump(w, "link list", "all").stream()
        .filter(m -> m.type() == NlMsg.RTM_NEWLINK)
        .map(Links::decode)
        .toList();
  }

  /** Equivalent to: {@code ip -s link show}: every interface's counters, by name. */
  public Map<String, LinkStats> stats() {
    MessageWriter w = request(NlMsg.RTM_GETLINK, NLM_F_DUMP).ifinfomsg(AF_UNSPEC, 0, 0, 0);
    Map<String, LinkStats> out = new LinkedHashMap<>();
    for (NlMsg m : ns.socket().dump(w, "link statistics", "all")) {
      if (m.type() != NlMsg.RTM_NEWLINK) {
        continue;
      }
      Attributes a = IfInfoMsg.decode(m.body()).attributes();
      a.get(LinkStats.IFLA_STATS64)
          .filter(s -> s.value().length >= 64)
          .ifPresent(s -> out.put(a.string(IFLA_IFNAME), LinkStats.decode(s.value())));
    }
    return out;
  }

  static Link decode(NlMsg msg) {
    IfInfoMsg info = IfInfoMsg.decode(msg.body());
    Attributes a = info.attributes();
    Attributes linkInfo = a.nested(IFLA_LINKINFO);
    int oper = a.get(IFLA_OPERSTATE).map(x -> x.asByte()).orElse(0);
    byte[] mac = a.get(IFLA_ADDRESS).map(x -> x.value()).orElse(null);
    return new Link(
        info.index(),
        a.string(IFLA_IFNAME),
        linkInfo.string(IFLA_INFO_KIND),
        a.integer(IFLA_MTU, 0),
        mac != null && mac.length == 6 ? new MacAddress(mac) : null,
        a.integer(IFLA_MASTER, 0),
        a.integer(IFLA_LINK, 0),
        a.integer(IFLA_LINK_NETNSID, -1),
        (info.flags() & IFF_UP) != 0,
        (info.flags() & IFF_LOWER_UP) != 0,
        oper < OPER_STATES.length ? OPER_STATES[oper] : "UNKNOWN");
  }

  private static MessageWriter create() {
    return request(NlMsg.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO);
  }

  private MessageWriter set(String name) {
    return request(NlMsg.RTM_NEWLINK, 0).ifinfomsg(AF_UNSPEC, 0, 0, 0).attr(IFLA_IFNAME, name);
  }

  private MessageWriter flags(String name, int flags) {
    return request(NlMsg.RTM_NEWLINK, 0)
        .ifinfomsg(AF_UNSPEC, 0, flags, IFF_UP)
        .attr(IFLA_IFNAME, name);
  }

  private static MessageWriter request(int type, int flags) {
    return new MessageWriter(type, NLM_F_REQUEST | NLM_F_ACK | flags);
  }
}

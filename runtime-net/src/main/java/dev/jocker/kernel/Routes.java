package dev.jocker.kernel;

import static dev.jocker.netlink.NlMsg.NLM_F_ACK;
import static dev.jocker.netlink.NlMsg.NLM_F_CREATE;
import static dev.jocker.netlink.NlMsg.NLM_F_DUMP;
import static dev.jocker.netlink.NlMsg.NLM_F_EXCL;
import static dev.jocker.netlink.NlMsg.NLM_F_REQUEST;
import static dev.jocker.netlink.RtMsg.RTA_DST;
import static dev.jocker.netlink.RtMsg.RTA_GATEWAY;
import static dev.jocker.netlink.RtMsg.RTA_OIF;
import static dev.jocker.netlink.RtMsg.RTA_PREFSRC;
import static dev.jocker.netlink.RtMsg.RTA_PRIORITY;
import static dev.jocker.netlink.RtMsg.RTN_UNICAST;
import static dev.jocker.netlink.RtMsg.RT_TABLE_MAIN;

import dev.jocker.netlink.Attribute;
import dev.jocker.netlink.MessageWriter;
import dev.jocker.netlink.NlMsg;
import dev.jocker.netlink.RtMsg;
import java.net.Inet4Address;
import java.util.List;

/** IPv4 routes in the main table of one namespace, over rtnetlink. */
public final class Routes {
  private static final int AF_INET = 2;

  private final Netns ns;

  Routes(Netns ns) {
    this.ns = ns;
  }

  /** Equivalent to: {@code ip route add default via GATEWAY}. */
  public void addDefault(Inet4Address gateway) {
    add(Route.defaultVia(gateway));
  }

  /** Equivalent to: {@code ip route add DEST [via GATEWAY] [dev LINK] [src SRC] [metric N]}. */
  public void add(Route route) {
    MessageWriter w =
        encode(
            new MessageWriter(
                NlMsg.RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL),
            route);
    ns.socket().execute(w, "route add", describe(route));
  }

  /** Equivalent to: {@code ip route del DEST [via GATEWAY] [dev LINK]}. */
  public void delete(Route route) {
    MessageWriter w =
        encode(new MessageWriter(NlMsg.RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK), route);
    ns.socket().execute(w, "route del", describe(route));
  }

  /** Equivalent to: {@code ip route show} (IPv4, main table). */
  public List<Route> list() {
    MessageWriter w =
        new MessageWriter(NlMsg.RTM_GETROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP)
            .rtmsg(AF_INET, 0, 0, 0, 0, 0);
    return ns.socket().dump(w, "route list", "main").stream()
        .filter(m -> m.type() == NlMsg.RTM_NEWROUTE)
        .map(m -> RtMsg.decode(m.body()))
        .filter(r -> r.family() == AF_INET && r.table() == RT_TABLE_MAIN)
        .map(Routes::toRoute)
        .toList();
  }

  private static Route toRoute(RtMsg m) {
    return new Route(
        (Inet4Address) m.attributes().get(RTA_DST).map(Attribute::asInetAddress).orElse(null),
        m.dstLength(),
        (Inet4Address) m.attributes().get(RTA_GATEWAY).map(Attribute::asInetAddress).orElse(null),
        m.attributes().integer(RTA_OIF, 0),
        (Inet4Address) m.attributes().get(RTA_PREFSRC).map(Attribute::asInetAddress).orElse(null),
        m.scope(),
        m.protocol(),
        m.attributes().integer(RTA_PRIORITY, 0));
  }

  private static MessageWriter encode(MessageWriter w, Route r) {
    w.rtmsg(AF_INET, r.prefixLength(), RT_TABLE_MAIN, r.protocol(), r.scope(), RTN_UNICAST);
    if (r.destination() != null) {
      w.attr(RTA_DST, r.destination());
    }
    if (r.gateway() != null) {
      w.attr(RTA_GATEWAY, r.gateway());
    }
    if (r.outputIndex() != 0) {
      w.attrInt(RTA_OIF, r.outputIndex());
    }
    if (r.preferredSource() != null) {
      w.attr(RTA_PREFSRC, r.preferredSource());
    }
    if (r.priority() != 0) {
      w.attrInt(RTA_PRIORITY, r.priority());
    }
    return w;
  }

  private static String describe(Route r) {
    return r.destinationText()
        + (r.gateway() == null ? "" : " via " + r.gateway().getHostAddress());
  }
}

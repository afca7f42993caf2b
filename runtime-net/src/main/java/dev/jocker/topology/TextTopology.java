package dev.jocker.topology;

import dev.jocker.firewall.Rule;
import dev.jocker.ipam.Subnet;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The topology for a terminal: the host box with the uplink, the NAT rule and the bridge, then one
 * box per container hanging off the bridge by its veth pair. Every line fits {@value #WIDTH}
 * columns whatever the number of containers; a value too long for its column is cut with {@code …}.
 */
final class TextTopology {
  static final int WIDTH = 100;
  private static final String TRUNK = "   │";
  private static final int VETH_COLUMN = 24;
  private static final String PAIR = " ◄─veth─► ";
  private static final String BROKEN_PAIR = " ◄─ ✗ ──► ";
  private static final int CONTAINER_INDENT = 6 + VETH_COLUMN + PAIR.length();

  private TextTopology() {}

  static String render(Topology t) {
    List<String> out = new ArrayList<>();
    out.add(fit("network " + t.network() + " · " + subnetOf(t.bridge()), WIDTH));
    out.addAll(hostBox(t));
    List<ContainerView> containers = t.containers();
    if (containers.isEmpty()) {
      out.add("   (no containers on " + t.bridge().name() + ")");
    }
    for (int i = 0; i < containers.size(); i++) {
      out.add(TRUNK);
      out.addAll(containerRows(t, containers.get(i), i == containers.size() - 1));
    }
    return String.join("\n", out) + "\n";
  }

  private static List<String> hostBox(Topology t) {
    int inner = WIDTH - 4;
    List<String> lines = new ArrayList<>();
    UplinkView u = t.uplink();
    if (u == null) {
      lines.add("no uplink: the host has no default route");
    } else {
      lines.add(
          columns(
              Labels.uplink(u),
              Labels.orDash(u.address()),
              Labels.orDash(u.mac()),
              "mtu " + u.mtu(),
              u.gateway() == null ? "" : "default via " + u.gateway()));
      Set<String> nat = new LinkedHashSet<>();
      for (ContainerView c : t.containers()) {
        Rule rule = t.natRuleFor(c);
        if (rule != null) {
          nat.add(Labels.rule(rule));
        }
      }
      if (nat.isEmpty()) {
        lines.add("   ▲ NAT out: ⚠ no MASQUERADE rule: containers' packets leave unrewritten");
      }
      for (String rule : nat) {
        lines.add("   ▲ NAT out: " + rule);
      }
      lines.add(
          "   │ forwarding: ip_forward="
              + (t.ipForward() ? 1 : 0)
              + ", FORWARD policy "
              + t.forwardPolicy()
              + (t.ipForward() ? "" : "  ⚠ the host does not route container traffic"));
    }
    BridgeView b = t.bridge();
    lines.add(
        columns(
            Labels.bridge(b),
            b.address(),
            Labels.orDash(b.mac()),
            b.mtu() == 0 ? "" : "mtu " + b.mtu(),
            "bridge" + warning(b.presence())));
    List<String> box = new ArrayList<>();
    box.add("┌─ host " + "─".repeat(WIDTH - 9) + "┐");
    for (String line : lines) {
      box.add("│ " + pad(fit(line, inner), inner) + " │");
    }
    String bottom = t.containers().isEmpty() ? "──" : "──┬";
    box.add("└" + bottom + "─".repeat(WIDTH - 2 - bottom.length()) + "┘");
    return box;
  }

  private static List<String> containerRows(Topology t, ContainerView c, boolean last) {
    int boxWidth = WIDTH - CONTAINER_INDENT;
    int inner = boxWidth - 4;
    List<String> content = new ArrayList<>();
    // Two spaces between columns here so that the widest values (4-digit indexes, a /16
    // broadcast-range address, a MAC) still fit the box.
    content.add(
        String.join("  ", Labels.eth0(c), Labels.orDash(c.address()), Labels.orDash(c.eth0Mac())));
    if (c.presence().warning() != null) {
      content.add("⚠ " + c.presence().warning());
    }
    for (PortView p : c.ports()) {
      content.add(Labels.published(t, c, p));
    }
    if (c.presence() != Presence.RECORD_ONLY && t.uplink() != null && t.natRuleFor(c) == null) {
      content.add("⚠ no NAT rule on the way out");
    }
    String title = "─ " + fit(Labels.container(c), boxWidth - 6) + " ";
    String branch = last ? "   └─ " : "   ├─ ";
    String rest = last ? "      " : TRUNK + "  ";
    String host = c.hostVeth() == null ? "✗ veth gone" : Labels.hostVeth(c);
    List<String> rows = new ArrayList<>();
    rows.add(
        branch
            + pad(fit(host, VETH_COLUMN), VETH_COLUMN)
            + (c.hostVeth() == null || c.eth0Index() == 0 ? BROKEN_PAIR : PAIR)
            + "┌"
            + title
            + "─".repeat(boxWidth - 2 - title.length())
            + "┐");
    String indent = rest + " ".repeat(CONTAINER_INDENT - rest.length());
    for (String line : content) {
      rows.add(indent + "│ " + pad(fit(line, inner), inner) + " │");
    }
    rows.add(indent + "└" + "─".repeat(boxWidth - 2) + "┘");
    return rows;
  }

  private static String subnetOf(BridgeView b) {
    String gateway = b.address().substring(0, b.address().indexOf('/'));
    return "subnet " + Subnet.containing(b.address()) + " · gateway " + gateway + " on " + b.name();
  }

  private static String warning(Presence presence) {
    return presence.warning() == null ? "" : "  ⚠ " + presence.warning();
  }

  private static String columns(String... values) {
    StringBuilder line = new StringBuilder();
    for (String value : values) {
      if (value.isEmpty()) {
        continue;
      }
      if (line.length() > 0) {
        line.append("   ");
      }
      line.append(value);
    }
    return line.toString();
  }

  private static String fit(String text, int width) {
    return text.length() <= width ? text : text.substring(0, width - 1) + "…";
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(width - text.length());
  }
}

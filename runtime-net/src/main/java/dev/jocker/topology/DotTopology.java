package dev.jocker.topology;

import dev.jocker.firewall.Rule;
import java.util.ArrayList;
import java.util.List;

/** The topology as a Graphviz graph: the host and each container namespace as clusters. */
final class DotTopology {
  private DotTopology() {}

  static String render(Topology t) {
    List<String> out = new ArrayList<>();
    out.add("graph " + quote("jocker network " + t.network()) + " {");
    out.add("  graph [rankdir=TB, fontname=\"monospace\"];");
    out.add("  node [shape=box, fontname=\"monospace\"];");
    out.add("  edge [fontname=\"monospace\"];");
    out.add("  subgraph \"cluster_host\" {");
    out.add("    label=\"host\";");
    UplinkView u = t.uplink();
    if (u != null) {
      out.add("    \"uplink\" [label=" + quote(Labels.uplinkBox(u)) + "];");
    }
    BridgeView b = t.bridge();
    out.add(
        "    \"bridge\" [label=" + quote(Labels.bridgeBox(b)) + attributes(b.presence()) + "];");
    for (int i = 0; i < t.containers().size(); i++) {
      ContainerView c = t.containers().get(i);
      String label = c.hostVeth() == null ? "veth gone" : Labels.hostVeth(c);
      out.add("    \"veth" + i + "\" [label=" + quote(label) + attributes(c.presence()) + "];");
    }
    out.add("  }");
    for (int i = 0; i < t.containers().size(); i++) {
      ContainerView c = t.containers().get(i);
      out.add("  subgraph \"cluster_c" + i + "\" {");
      out.add("    label=" + quote(Labels.container(c)) + ";");
      out.add(
          "    \"eth0_"
              + i
              + "\" [label="
              + quote(Labels.eth0Box(t, c))
              + attributes(c.presence())
              + "];");
      out.add("  }");
    }
    if (u != null && u.gateway() != null) {
      out.add("  \"next_hop\" [shape=ellipse, label=" + quote("next hop " + u.gateway()) + "];");
      out.add("  \"uplink\" -- \"next_hop\" [label=\"default route\"];");
    }
    if (u != null) {
      out.add("  \"bridge\" -- \"uplink\" [label=" + quote(natLabel(t)) + "];");
    }
    for (int i = 0; i < t.containers().size(); i++) {
      ContainerView c = t.containers().get(i);
      out.add("  \"bridge\" -- \"veth" + i + "\" [label=\"port\"];");
      out.add(
          "  \"veth"
              + i
              + "\" -- \"eth0_"
              + i
              + "\" [label=\"veth pair\", penwidth=2"
              + (c.presence() == Presence.BOTH ? "" : ", style=dashed, color=red")
              + "];");
    }
    out.add("}");
    return String.join("\n", out) + "\n";
  }

  static String natLabel(Topology t) {
    List<String> rules = new ArrayList<>();
    for (ContainerView c : t.containers()) {
      Rule rule = t.natRuleFor(c);
      if (rule != null && !rules.contains(Labels.rule(rule))) {
        rules.add(Labels.rule(rule));
      }
    }
    return rules.isEmpty()
        ? "routed, no NAT rule (replies cannot come back)"
        : "routed + NAT\n" + String.join("\n", rules);
  }

  private static String attributes(Presence presence) {
    return presence == Presence.BOTH ? "" : ", style=dashed, color=red";
  }

  static String quote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}

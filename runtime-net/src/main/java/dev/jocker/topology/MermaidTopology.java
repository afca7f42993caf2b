package dev.jocker.topology;

import java.util.ArrayList;
import java.util.List;

/** The topology as a Mermaid flowchart: the host and each container namespace as subgraphs. */
final class MermaidTopology {
  private MermaidTopology() {}

  static String render(Topology t) {
    List<String> out = new ArrayList<>();
    out.add("flowchart TB");
    out.add("  subgraph host[\"host\"]");
    UplinkView u = t.uplink();
    if (u != null) {
      out.add("    uplink[" + quote(Labels.uplinkBox(u)) + "]");
    }
    BridgeView b = t.bridge();
    out.add("    bridge[" + quote(Labels.bridgeBox(b)) + "]");
    for (int i = 0; i < t.containers().size(); i++) {
      ContainerView c = t.containers().get(i);
      out.add(
          "    veth"
              + i
              + "["
              + quote(c.hostVeth() == null ? "veth gone" : Labels.hostVeth(c))
              + "]");
    }
    out.add("  end");
    for (int i = 0; i < t.containers().size(); i++) {
      ContainerView c = t.containers().get(i);
      out.add("  subgraph c" + i + "[" + quote(Labels.container(c)) + "]");
      out.add("    eth0_" + i + "[" + quote(Labels.eth0Box(t, c)) + "]");
      out.add("  end");
    }
    if (u != null && u.gateway() != null) {
      out.add("  next_hop([" + quote("next hop " + u.gateway()) + "])");
      out.add("  uplink ---|\"default route\"| next_hop");
    }
    if (u != null) {
      out.add("  bridge ---|" + quote(DotTopology.natLabel(t)) + "| uplink");
    }
    List<String> flagged = new ArrayList<>();
    if (b.presence() != Presence.BOTH) {
      flagged.add("bridge");
    }
    for (int i = 0; i < t.containers().size(); i++) {
      out.add("  bridge ---|\"port\"| veth" + i);
      out.add("  veth" + i + " ===|\"veth pair\"| eth0_" + i);
      if (t.containers().get(i).presence() != Presence.BOTH) {
        flagged.add("veth" + i);
        flagged.add("eth0_" + i);
      }
    }
    if (!flagged.isEmpty()) {
      out.add("  classDef flagged stroke:#c00,stroke-width:2px,stroke-dasharray:5 5");
      out.add("  class " + String.join(",", flagged) + " flagged");
    }
    return String.join("\n", out) + "\n";
  }

  /** A Mermaid string: quotes and markup characters as entities, new lines as {@code <br/>}. */
  static String quote(String text) {
    return "\""
        + text.replace("&", "#amp;")
            .replace("\"", "#quot;")
            .replace("<", "#lt;")
            .replace(">", "#gt;")
            .replace("\n", "<br/>")
        + "\"";
  }
}

package dev.jocker.topology;

import java.util.ArrayList;
import java.util.List;

/**
 * What an overlay network's drawing adds to its bridge's: the VXLAN device on the bridge, then the
 * cluster's hosts, each with its VTEP and blocks and, for the others, their endpoints and whether
 * this host's kernel has a way to each. Every text line fits {@value TextTopology#WIDTH} columns.
 */
final class OverlayDrawing {
  private static final int WIDTH = TextTopology.WIDTH;

  private OverlayDrawing() {}

  static String text(OverlayTopology t) {
    OverlayView o = t.overlay();
    List<String> out = new ArrayList<>();
    out.add("");
    OverlayView.Vxlan vx = o.vxlan();
    if (vx == null) {
      out.add(
          fit(
              "VXLAN (VNI "
                  + o.vni()
                  + "): not on this host yet; it comes with the first container here"));
    } else {
      out.add(
          fit(
              vx.ifindex()
                  + ": "
                  + vx.name()
                  + " (vxlan) · VNI "
                  + o.vni()
                  + " · UDP "
                  + vx.port()
                  + " · local "
                  + vx.local()
                  + " dev "
                  + vx.underlay()
                  + " · mtu "
                  + vx.mtu()));
      out.add(
          fit(
              "   ║ a port of "
                  + t.local().bridge().name()
                  + " · learning "
                  + (vx.learning() ? "on" : "off")
                  + " · ARP proxy "
                  + (vx.proxy() ? "on" : "off")));
      out.add(
          "   ║ remote MACs are static FDB entries, remote addresses permanent neighbours, from"
              + " the store");
    }
    out.add(
        fit(
            "   ║ cluster "
                + o.store()
                + " · "
                + o.hosts().size()
                + (o.hosts().size() == 1 ? " host" : " hosts")
                + (o.storeProblem() == null ? "" : " · ⚠ blocks unknown: " + o.storeProblem())));
    for (int i = 0; i < o.hosts().size(); i++) {
      OverlayView.Host h = o.hosts().get(i);
      boolean last = i == o.hosts().size() - 1 && o.stray().isEmpty();
      out.add(
          fit(
              (last ? "   ╙─ " : "   ╟─ ")
                  + h.hostname()
                  + (h.self() ? " (this host)" : "")
                  + " · VTEP "
                  + h.vtep()
                  + " · blocks "
                  + (h.blocks().isEmpty() ? "none" : String.join(", ", h.blocks()))));
      String trunk = last ? "        " : "   ║    ";
      for (int j = 0; j < h.endpoints().size(); j++) {
        OverlayView.Endpoint e = h.endpoints().get(j);
        out.add(
            fit(
                trunk
                    + (j == h.endpoints().size() - 1 ? "└─ " : "├─ ")
                    + e.name()
                    + " · "
                    + e.address()
                    + " · "
                    + e.mac()
                    + " · fdb "
                    + (e.fdb() ? "✓ dst " + h.vtep() : "✗ missing")
                    + " · neigh "
                    + (e.neighbour() ? "✓" : "✗ missing")));
      }
      if (h.self() && vx != null) {
        out.add(fit(trunk + "(its containers: on the bridge above)"));
      }
    }
    for (int i = 0; i < o.stray().size(); i++) {
      out.add(
          fit(
              (i == o.stray().size() - 1 ? "   ╙─ " : "   ╟─ ")
                  + "⚠ FDB entry no endpoint explains: "
                  + o.stray().get(i)));
    }
    return TextTopology.render(t.local()) + String.join("\n", out) + "\n";
  }

  static String dot(OverlayTopology t) {
    String base = DotTopology.render(t.local());
    List<String> out = new ArrayList<>();
    OverlayView o = t.overlay();
    OverlayView.Vxlan vx = o.vxlan();
    if (vx != null) {
      out.add(
          "  \"vxlan\" [label="
              + DotTopology.quote(
                  Labels.lines(
                      vx.ifindex() + ": " + vx.name() + " (vxlan)",
                      "VNI " + o.vni() + " · UDP " + vx.port(),
                      "local " + vx.local() + " dev " + vx.underlay(),
                      "mtu " + vx.mtu()))
              + "];");
      out.add("  \"bridge\" -- \"vxlan\" [label=\"port\"];");
    }
    for (int i = 0; i < o.hosts().size(); i++) {
      OverlayView.Host h = o.hosts().get(i);
      if (h.self()) {
        continue;
      }
      out.add("  subgraph \"cluster_remote" + i + "\" {");
      out.add(
          "    label="
              + DotTopology.quote(h.hostname() + " · blocks " + String.join(", ", h.blocks()))
              + ";");
      out.add(
          "    \"vtep"
              + i
              + "\" [shape=ellipse, label="
              + DotTopology.quote("VTEP " + h.vtep())
              + "];");
      for (int j = 0; j < h.endpoints().size(); j++) {
        OverlayView.Endpoint e = h.endpoints().get(j);
        boolean ok = e.fdb() && e.neighbour();
        out.add(
            "    \"ep"
                + i
                + "_"
                + j
                + "\" [label="
                + DotTopology.quote(Labels.lines(e.name(), e.address(), e.mac()))
                + (ok ? "" : ", style=dashed, color=red")
                + "];");
        out.add("    \"vtep" + i + "\" -- \"ep" + i + "_" + j + "\";");
      }
      out.add("  }");
      if (vx != null) {
        out.add(
            "  \"vxlan\" -- \"vtep"
                + i
                + "\" [label="
                + DotTopology.quote("VXLAN in UDP " + vx.port() + ", VNI " + o.vni())
                + ", penwidth=2];");
      }
    }
    int end = base.lastIndexOf('}');
    return base.substring(0, end) + String.join("\n", out) + "\n}\n";
  }

  static String mermaid(OverlayTopology t) {
    List<String> out = new ArrayList<>();
    OverlayView o = t.overlay();
    OverlayView.Vxlan vx = o.vxlan();
    if (vx != null) {
      out.add(
          "  vxlan["
              + MermaidTopology.quote(
                  Labels.lines(
                      vx.ifindex() + ": " + vx.name() + " (vxlan)",
                      "VNI " + o.vni() + " · UDP " + vx.port(),
                      "local " + vx.local() + " dev " + vx.underlay()))
              + "]");
      out.add("  bridge ---|\"port\"| vxlan");
    }
    for (int i = 0; i < o.hosts().size(); i++) {
      OverlayView.Host h = o.hosts().get(i);
      if (h.self()) {
        continue;
      }
      out.add(
          "  subgraph remote"
              + i
              + "["
              + MermaidTopology.quote(h.hostname() + " · blocks " + String.join(", ", h.blocks()))
              + "]");
      out.add("    vtep" + i + "([" + MermaidTopology.quote("VTEP " + h.vtep()) + "])");
      for (int j = 0; j < h.endpoints().size(); j++) {
        OverlayView.Endpoint e = h.endpoints().get(j);
        out.add(
            "    ep"
                + i
                + "_"
                + j
                + "["
                + MermaidTopology.quote(Labels.lines(e.name(), e.address(), e.mac()))
                + "]");
        out.add("    vtep" + i + " --- ep" + i + "_" + j);
      }
      out.add("  end");
      if (vx != null) {
        out.add(
            "  vxlan ===|"
                + MermaidTopology.quote("VXLAN in UDP " + vx.port() + ", VNI " + o.vni())
                + "| vtep"
                + i);
      }
    }
    return MermaidTopology.render(t.local()) + String.join("\n", out) + "\n";
  }

  private static String fit(String text) {
    return text.length() <= WIDTH ? text : text.substring(0, WIDTH - 1) + "…";
  }
}

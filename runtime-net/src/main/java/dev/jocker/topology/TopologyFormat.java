package dev.jocker.topology;

import java.util.Locale;

/** The ways {@code jocker network topology} can draw a {@link Topology}. */
public enum TopologyFormat {
  /** Box-drawing text for a terminal, at most {@value TextTopology#WIDTH} columns wide. */
  TEXT,
  /** Graphviz DOT: {@code jocker network topology --format dot | dot -Tsvg > net.svg}. */
  DOT,
  /** A Mermaid flowchart, for Markdown that renders Mermaid. */
  MERMAID;

  /** The format named by {@code --format}; the message lists the valid names. */
  public static TopologyFormat parse(String name) {
    for (TopologyFormat format : values()) {
      if (format.name().equalsIgnoreCase(name)) {
        return format;
      }
    }
    throw new IllegalArgumentException("unknown format \"" + name + "\": use text, dot or mermaid");
  }

  /** The drawing of {@code topology}, ending with a newline. */
  public String render(Topology topology) {
    return switch (this) {
      case TEXT -> TextTopology.render(topology);
      case DOT -> DotTopology.render(topology);
      case MERMAID -> MermaidTopology.render(topology);
    };
  }

  /** The drawing of an overlay network: its bridge's, then its VXLAN device and the cluster. */
  public String render(OverlayTopology topology) {
    return switch (this) {
      case TEXT -> OverlayDrawing.text(topology);
      case DOT -> OverlayDrawing.dot(topology);
      case MERMAID -> OverlayDrawing.mermaid(topology);
    };
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}

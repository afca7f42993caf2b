package dev.jocker.topology;

import java.util.ArrayList;
import java.util.List;

/**
 * The path a packet takes from a container to a destination, hop by hop.
 *
 * @param container the container it starts in
 * @param destination the destination address
 * @param summary one sentence: which kind of path and whether it gets through
 * @param hops the hops in the order the packet takes them
 */
public record Trace(String container, String destination, String summary, List<Hop> hops) {
  public Trace {
    hops = List.copyOf(hops);
  }

  /**
   * One hop: where the packet is, what happens to it there and why.
   *
   * @param title where, e.g. {@code veth pair}
   * @param explanation lines of explanation
   * @param watch the command that shows the packet at this hop, or null
   */
  public record Hop(String title, List<String> explanation, String watch) {
    public Hop {
      explanation = List.copyOf(explanation);
    }
  }

  /** The trace for a terminal, ending with a newline. */
  public String render() {
    List<String> out = new ArrayList<>();
    out.add("trace " + container + " → " + destination);
    out.add(summary);
    for (int i = 0; i < hops.size(); i++) {
      Hop hop = hops.get(i);
      out.add("");
      out.add((i + 1) + ". " + hop.title());
      for (String line : hop.explanation()) {
        out.add("   " + line);
      }
      if (hop.watch() != null) {
        out.add("   watch: " + hop.watch());
      }
    }
    return String.join("\n", out) + "\n";
  }
}

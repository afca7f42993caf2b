package dev.jocker.firewall;

import java.util.List;

/**
 * One iptables rule: {@code -t TABLE -A CHAIN ARGS…}.
 *
 * @param table {@code filter} or {@code nat}
 * @param chain the chain it is appended to
 * @param args match and target arguments, one list element per argv word
 */
public record Rule(String table, String chain, List<String> args) {
  public Rule {
    args = List.copyOf(args);
  }

  /** A rule from space-separated words (rule texts here never contain quoted spaces). */
  public static Rule of(String table, String chain, String args) {
    return new Rule(table, chain, List.of(args.split(" ")));
  }

  /** The rule as {@code iptables-save} prints it. */
  public String saveText() {
    return "-A " + chain + " " + String.join(" ", args);
  }
}

package dev.jocker.topology;

import dev.jocker.firewall.Rule;
import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Follows a packet through iptables rules the way the kernel does: first matching rule, jumps into
 * user chains, RETURN back. It understands the matches Docker's rules use (interfaces, addresses,
 * conntrack state, local destination, protocol); a rule with any other match is taken as not
 * matching, so the explanation never claims a rule it cannot evaluate.
 */
final class RuleWalker {
  private static final Set<String> FINAL_TARGETS =
      Set.of("ACCEPT", "DROP", "REJECT", "MASQUERADE", "SNAT", "DNAT", "REDIRECT");
  private static final int MAX_DEPTH = 16;

  /**
   * A packet as iptables sees it.
   *
   * @param in input interface, null when there is none (locally generated, POSTROUTING)
   * @param out output interface, null when not yet routed (PREROUTING)
   * @param source source address
   * @param destination destination address
   * @param established true for a packet of a connection conntrack already knows
   * @param destinationLocal true when the destination is one of the host's addresses
   * @param proto {@code icmp}, {@code tcp}, {@code udp} or {@code sctp}
   * @param destinationPort the destination port, 0 for ICMP
   */
  record Packet(
      String in,
      String out,
      String source,
      String destination,
      boolean established,
      boolean destinationLocal,
      String proto,
      int destinationPort) {
    /** An ICMP packet, a ping's. */
    Packet(
        String in,
        String out,
        String source,
        String destination,
        boolean established,
        boolean destinationLocal) {
      this(in, out, source, destination, established, destinationLocal, "icmp", 0);
    }
  }

  /**
   * Where a walk ended.
   *
   * @param rule the rule whose target decided, or null when the chain's policy did
   * @param chain the chain of that rule
   * @param target the deciding target, or null when no rule decided
   * @param passed the user chains entered and left again on the way, in order
   */
  record Result(Rule rule, String chain, String target, List<String> passed) {}

  private final List<Rule> rules;

  RuleWalker(List<Rule> rules) {
    this.rules = rules;
  }

  /** The {@code --to-destination} of a DNAT rule, {@code 172.17.0.2:80}, or null. */
  static String dnatDestination(Rule rule) {
    List<String> args = rule.args();
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals("--to-destination")) {
        return args.get(i + 1);
      }
    }
    return null;
  }

  static boolean rewritesSource(String target) {
    return "MASQUERADE".equals(target) || "SNAT".equals(target);
  }

  Result walk(String table, String chain, Packet packet) {
    List<String> passed = new ArrayList<>();
    Result result = walk(table, chain, packet, passed, 0);
    return result != null ? result : new Result(null, chain, null, List.copyOf(passed));
  }

  private Result walk(String table, String chain, Packet packet, List<String> passed, int depth) {
    if (depth > MAX_DEPTH) {
      return null;
    }
    for (Rule rule : rules) {
      if (!rule.table().equals(table) || !rule.chain().equals(chain) || !matches(rule, packet)) {
        continue;
      }
      String target = target(rule);
      if (target == null) {
        continue;
      }
      if (target.equals("RETURN")) {
        return null;
      }
      if (FINAL_TARGETS.contains(target)) {
        return new Result(rule, chain, target, List.copyOf(passed));
      }
      if (isChain(table, target)) {
        int entered = passed.size();
        Result inner = walk(table, target, packet, passed, depth + 1);
        if (inner != null) {
          return inner;
        }
        // Listed in the order the packet entered them, outer chains before the ones they jump to.
        passed.add(entered, target);
      }
    }
    return null;
  }

  private boolean isChain(String table, String name) {
    return rules.stream().anyMatch(r -> r.table().equals(table) && r.chain().equals(name));
  }

  private static String target(Rule rule) {
    List<String> args = rule.args();
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals("-j")) {
        return args.get(i + 1);
      }
    }
    return null;
  }

  private static boolean matches(Rule rule, Packet packet) {
    List<String> args = rule.args();
    boolean negate = false;
    for (int i = 0; i < args.size(); i++) {
      String option = args.get(i);
      if (option.equals("!")) {
        negate = true;
        continue;
      }
      if (option.equals("-j")) {
        return true;
      }
      if (option.equals("-m")) {
        i++;
        continue;
      }
      if (i + 1 >= args.size()) {
        return false;
      }
      String value = args.get(++i);
      Boolean hit =
          switch (option) {
            case "-i" -> interfaceMatches(value, packet.in());
            case "-o" -> interfaceMatches(value, packet.out());
            case "-s" -> addressMatches(value, packet.source());
            case "-d" -> addressMatches(value, packet.destination());
            case "-p" -> value.equals("all") || value.equals(packet.proto());
            case "--dport" ->
                packet.destinationPort() != 0
                    && value.equals(Integer.toString(packet.destinationPort()));
            case "--ctstate", "--state" ->
                List.of(value.split(",")).contains(packet.established() ? "ESTABLISHED" : "NEW");
            case "--dst-type" -> value.equals("LOCAL") && packet.destinationLocal();
            default -> null;
          };
      if (hit == null || hit == negate) {
        return false;
      }
      negate = false;
    }
    return true;
  }

  private static boolean interfaceMatches(String pattern, String name) {
    if (name == null) {
      return false;
    }
    return pattern.endsWith("+")
        ? name.startsWith(pattern.substring(0, pattern.length() - 1))
        : name.equals(pattern);
  }

  private static Boolean addressMatches(String cidr, String address) {
    try {
      Subnet subnet = Subnet.containing(cidr.contains("/") ? cidr : cidr + "/32");
      return subnet.contains(Ipv4.parse(address));
    } catch (IpamException e) {
      return null;
    }
  }
}

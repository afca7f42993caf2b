package dev.jocker.portmap;

import dev.jocker.firewall.Rule;
import dev.jocker.firewall.RuleSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The chains of a table as {@code Firewall.ensure} (rules rebuilt at the head of their chain, a
 * closing bare RETURN at its tail) and {@code Firewall.append} leave them, printed in
 * iptables-save's order (built-in chains first, then user chains by name): the rule texts a golden
 * file holds, without a kernel.
 */
final class RulesModel {
  private static final List<String> BUILT_IN =
      List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING");

  private final Map<String, Map<String, List<String>>> tables = new LinkedHashMap<>();

  private List<String> chain(String table, String chain) {
    return tables
        .computeIfAbsent(table, t -> new LinkedHashMap<>())
        .computeIfAbsent(chain, c -> new ArrayList<>());
  }

  void ensure(RuleSet set) {
    Map<String, List<Rule>> byChain = new LinkedHashMap<>();
    for (Rule r : set.rules()) {
      byChain.computeIfAbsent(r.table() + ":" + r.chain(), k -> new ArrayList<>()).add(r);
    }
    for (List<Rule> rules : byChain.values()) {
      List<String> chain = chain(rules.get(0).table(), rules.get(0).chain());
      if (rules.stream().allMatch(r -> chain.contains(r.saveText()))) {
        continue;
      }
      rules.forEach(r -> chain.remove(r.saveText()));
      List<String> head = new ArrayList<>();
      List<String> tail = new ArrayList<>();
      for (Rule r : rules) {
        (r.args().equals(List.of("-j", "RETURN")) ? tail : head).add(r.saveText());
      }
      chain.addAll(0, head);
      chain.addAll(tail);
    }
  }

  void append(List<Rule> rules) {
    rules.forEach(r -> chain(r.table(), r.chain()).add(r.saveText()));
  }

  void delete(List<Rule> rules) {
    rules.forEach(r -> chain(r.table(), r.chain()).remove(r.saveText()));
  }

  /** The {@code -A} lines of {@code table} in iptables-save's order. */
  String save(String table) {
    Map<String, List<String>> chains = tables.getOrDefault(table, Map.of());
    List<String> out = new ArrayList<>();
    for (String b : BUILT_IN) {
      out.addAll(chains.getOrDefault(b, List.of()));
    }
    new TreeMap<>(chains)
        .forEach(
            (name, lines) -> {
              if (!BUILT_IN.contains(name)) {
                out.addAll(lines);
              }
            });
    return String.join("\n", out);
  }

  /** The {@code -A} lines of {@code table} in an iptables-save text. */
  static String saved(String save, String table) {
    String section = save.substring(save.indexOf("*" + table));
    section = section.substring(0, section.indexOf("COMMIT"));
    return section.lines().filter(l -> l.startsWith("-A")).collect(Collectors.joining("\n"));
  }
}

package dev.jocker.firewall;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies a {@link RuleSet} idempotently: each rule is checked with {@code -C} before it is added,
 * so restarts never duplicate rules, and a chain missing any rule is rebuilt in order so that a
 * partial flush comes back exactly as Docker lays it out.
 */
public final class Firewall {
  private final Iptables iptables;

  public Firewall(Iptables iptables) {
    this.iptables = iptables;
  }

  /**
   * Creates missing chains and rules; returns the rules it had to add. One {@code iptables-save}
   * answers whether anything is missing, so a daemon's start, where usually nothing is, runs one
   * process instead of one {@code iptables -C} per rule.
   */
  public List<Rule> ensure(RuleSet set) {
    Snapshot now = snapshot();
    boolean chainsThere =
        set.chains().stream()
            .allMatch(c -> now.chains().contains(c.split(":")[0] + ":" + c.split(":")[1]));
    if (chainsThere && now.missing(set).isEmpty()) {
      return List.of();
    }
    for (String chain : set.chains()) {
      String[] tc = chain.split(":");
      if (iptables.run("-t", tc[0], "-n", "-L", tc[1]).exitCode() != 0) {
        check(iptables.run("-t", tc[0], "-N", tc[1]), "create chain " + chain);
      }
    }
    List<Rule> added = new ArrayList<>();
    for (Map.Entry<String, List<Rule>> chain : byChain(set).entrySet()) {
      List<Rule> rules = chain.getValue();
      List<Rule> missing = rules.stream().filter(r -> !present(r)).toList();
      if (missing.isEmpty()) {
        continue;
      }
      // Rebuild the chain's jocker rules at its head, in order, so their relative order is
      // Docker's and they come before anything else (Docker inserts its FORWARD rules). What Docker
      // appends goes to the tail instead: a chain's closing bare RETURN, so that rules a user
      // inserted into DOCKER-USER keep working, and the DROP of a network without icc.
      for (Rule r : rules) {
        if (present(r)) {
          check(iptables.run(args("-D", r)), "delete", r);
        }
      }
      List<Rule> head = rules.stream().filter(r -> !isAppended(r)).toList();
      for (int i = head.size() - 1; i >= 0; i--) {
        check(iptables.run(insertArgs(head.get(i))), "add", head.get(i));
      }
      for (Rule r : rules) {
        if (isAppended(r)) {
          check(iptables.run(args("-A", r)), "add", r);
        }
      }
      added.addAll(missing);
    }
    return added;
  }

  /** The rules of {@code set} that are absent now. */
  public List<Rule> missing(RuleSet set) {
    return set.rules().stream().filter(r -> !present(r)).toList();
  }

  /**
   * The rules and the FORWARD policy as one {@code iptables-save} shows them now: a periodic check
   * of every network's rules costs one process, not one {@code iptables -C} per rule.
   */
  public Snapshot snapshot() {
    Map<String, Set<String>> rules = new LinkedHashMap<>();
    Set<String> chains = new HashSet<>();
    String policy = "ACCEPT";
    String table = "";
    for (String line : iptables.save().split("\n")) {
      if (line.startsWith("*")) {
        table = line.substring(1);
      } else if (line.startsWith(":")) {
        chains.add(table + ":" + line.substring(1).split(" ")[0]);
        if (line.startsWith(":FORWARD ") && table.equals("filter")) {
          policy = line.split(" ")[1];
        }
      } else if (line.startsWith("-A ")) {
        rules.computeIfAbsent(table, t -> new HashSet<>()).add(line.strip());
      }
    }
    return new Snapshot(rules, chains, policy);
  }

  /**
   * Rules and FORWARD policy read at one moment.
   *
   * @param rules each table's rules as {@code iptables-save} prints them
   * @param chains every chain, as {@code table:chain}
   * @param forwardPolicy the filter table's FORWARD policy
   */
  public record Snapshot(Map<String, Set<String>> rules, Set<String> chains, String forwardPolicy) {
    /** No rules at all, for a daemon that manages none. */
    public static final Snapshot EMPTY = new Snapshot(Map.of(), Set.of(), "ACCEPT");

    /** The rules of {@code set} this snapshot lacks. */
    public List<Rule> missing(RuleSet set) {
      return set.rules().stream()
          .filter(r -> !rules.getOrDefault(r.table(), Set.of()).contains(r.saveText()))
          .toList();
    }
  }

  /** Equivalent to: {@code iptables -t TABLE -D CHAIN ARGS} for each of {@code rules} present. */
  public void delete(List<Rule> rules) {
    for (Rule r : rules) {
      while (present(r)) {
        check(iptables.run(args("-D", r)), "delete", r);
      }
    }
  }

  /** Removes every rule of {@code set}, then its chains. */
  public void remove(RuleSet set) {
    delete(set.rules());
    for (String chain : set.chains()) {
      String[] tc = chain.split(":");
      if (iptables.run("-t", tc[0], "-n", "-L", tc[1]).exitCode() == 0) {
        check(iptables.run("-t", tc[0], "-F", tc[1]), "flush chain " + chain);
        check(iptables.run("-t", tc[0], "-X", tc[1]), "delete chain " + chain);
      }
    }
  }

  /**
   * Appends {@code rules} at the end of their chains, in order, with one {@code iptables-restore
   * --noflush} (one process instead of one per rule: what publishing a port waits for).
   */
  public void append(List<Rule> rules) {
    if (!rules.isEmpty()) {
      check(iptables.restore(restoreInput("-A", rules)), "append " + rules.size() + " rules");
    }
  }

  /**
   * Deletes one copy of each of {@code rules} with one {@code iptables-restore --noflush}; when
   * some are already gone (which fails the whole batch), deletes those still present one by one.
   */
  public void deleteEach(List<Rule> rules) {
    if (rules.isEmpty() || iptables.restore(restoreInput("-D", rules)).exitCode() == 0) {
      return;
    }
    for (Rule r : rules) {
      if (present(r)) {
        check(iptables.run(args("-D", r)), "delete", r);
      }
    }
  }

  /**
   * The rules of {@code rules} absent from the kernel, read from one {@code iptables-save} rather
   * than a {@code -C} per rule; {@code rules} must be written as iptables-save prints them.
   */
  public List<Rule> absent(List<Rule> rules) {
    if (rules.isEmpty()) {
      return List.of();
    }
    Map<String, Set<String>> present = new HashMap<>();
    String table = null;
    for (String line : iptables.save().split("\n")) {
      if (line.startsWith("*")) {
        table = line.substring(1).strip();
      } else if (line.startsWith("-A ") && table != null) {
        present.computeIfAbsent(table, k -> new HashSet<>()).add(line.strip());
      }
    }
    return rules.stream()
        .filter(r -> !present.getOrDefault(r.table(), Set.of()).contains(r.saveText()))
        .toList();
  }

  /** Equivalent to: {@code iptables -P FORWARD POLICY}. */
  public void setForwardPolicy(String policy) {
    check(iptables.run("-P", "FORWARD", policy), "set FORWARD policy " + policy);
  }

  /** {@code nf_tables} or {@code legacy}, from {@code iptables --version}. */
  public String backend() {
    String v = iptables.run("--version").stdout();
    return v.contains("nf_tables") ? "nf_tables" : "legacy";
  }

  /**
   * How many rules the backend {@code iptables} does not drive holds: a host where both hold rules
   * filters packets twice, and each {@code iptables-save} shows only half of it.
   */
  public int otherBackendRules() {
    String tool = backend().equals("nf_tables") ? "iptables-legacy-save" : "iptables-nft-save";
    Iptables.Result r = iptables.saveWith(tool);
    if (r.exitCode() != 0) {
      return 0;
    }
    return (int) r.stdout().lines().filter(l -> l.startsWith("-A ")).count();
  }

  private boolean present(Rule r) {
    return iptables.run(args("-C", r)).exitCode() == 0;
  }

  private static String[] args(String op, Rule r) {
    List<String> a = new ArrayList<>(List.of("-t", r.table(), op, r.chain()));
    a.addAll(r.args());
    return a.toArray(String[]::new);
  }

  /** iptables-restore input applying {@code op} to each rule, grouped by table, order kept. */
  private static String restoreInput(String op, List<Rule> rules) {
    Map<String, StringBuilder> tables = new LinkedHashMap<>();
    for (Rule r : rules) {
      tables
          .computeIfAbsent(r.table(), t -> new StringBuilder("*" + t + "\n"))
          .append(op)
          .append(' ')
          .append(r.chain())
          .append(' ')
          .append(String.join(" ", r.args()))
          .append('\n');
    }
    StringBuilder input = new StringBuilder();
    tables.values().forEach(t -> input.append(t).append("COMMIT\n"));
    return input.toString();
  }

  private static String[] insertArgs(Rule r) {
    List<String> a = new ArrayList<>(List.of("-t", r.table(), "-I", r.chain(), "1"));
    a.addAll(r.args());
    return a.toArray(String[]::new);
  }

  private static Map<String, List<Rule>> byChain(RuleSet set) {
    Map<String, List<Rule>> out = new LinkedHashMap<>();
    for (Rule r : set.rules()) {
      out.computeIfAbsent(r.table() + ":" + r.chain(), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  /** A rule Docker appends rather than inserts: a closing RETURN, or icc=false's DROP. */
  private static boolean isAppended(Rule r) {
    List<String> a = r.args();
    boolean iccDrop =
        r.chain().equals("FORWARD")
            && a.size() == 6
            && a.get(0).equals("-i")
            && a.get(2).equals("-o")
            && a.get(1).equals(a.get(3))
            && a.subList(4, 6).equals(List.of("-j", "DROP"));
    return a.equals(List.of("-j", "RETURN")) || iccDrop;
  }

  private static void check(Iptables.Result r, String op, Rule rule) {
    check(r, op + " rule -t " + rule.table() + " " + rule.saveText());
  }

  private static void check(Iptables.Result r, String what) {
    if (r.exitCode() != 0) {
      throw new IptablesException("iptables " + what + ": " + r.stderr().strip());
    }
  }
}

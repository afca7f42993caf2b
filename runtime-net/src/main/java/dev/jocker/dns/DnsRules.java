package dev.jocker.dns;

import dev.jocker.firewall.Iptables;
import dev.jocker.firewall.IptablesException;
import dev.jocker.firewall.Rule;
import dev.jocker.firewall.RuleSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Docker's nat rules inside a container's namespace that lead {@code 127.0.0.11:53} to the embedded
 * DNS's sockets, which listen on random ports: a DNAT per protocol in {@code DOCKER_OUTPUT} and the
 * SNAT back to port 53 in {@code DOCKER_POSTROUTING}, both chains entered for 127.0.0.11 only.
 */
public final class DnsRules {
  /** The nat chain of the DNATs. */
  public static final String OUTPUT_CHAIN = "DOCKER_OUTPUT";

  /** The nat chain of the SNATs. */
  public static final String POSTROUTING_CHAIN = "DOCKER_POSTROUTING";

  private static final String RESOLVER = ResolvConf.EMBEDDED_NAMESERVER + "/32";

  private DnsRules() {}

  /**
   * The rules for a resolver listening on {@code udpPort} and {@code tcpPort}, per chain in the
   * order iptables-save prints Docker's (tcp before udp: Docker inserts each at the head).
   */
  public static RuleSet of(int udpPort, int tcpPort) {
    String to = ResolvConf.EMBEDDED_NAMESERVER + ":";
    return new RuleSet(
        List.of("nat:" + OUTPUT_CHAIN, "nat:" + POSTROUTING_CHAIN),
        List.of(
            Rule.of("nat", "OUTPUT", "-d " + RESOLVER + " -j " + OUTPUT_CHAIN),
            Rule.of("nat", "POSTROUTING", "-d " + RESOLVER + " -j " + POSTROUTING_CHAIN),
            Rule.of(
                "nat",
                OUTPUT_CHAIN,
                "-d "
                    + RESOLVER
                    + " -p tcp -m tcp --dport 53 -j DNAT --to-destination "
                    + to
                    + tcpPort),
            Rule.of(
                "nat",
                OUTPUT_CHAIN,
                "-d "
                    + RESOLVER
                    + " -p udp -m udp --dport 53 -j DNAT --to-destination "
                    + to
                    + udpPort),
            Rule.of(
                "nat",
                POSTROUTING_CHAIN,
                "-s "
                    + RESOLVER
                    + " -p tcp -m tcp --sport "
                    + tcpPort
                    + " -j SNAT --to-source :53"),
            Rule.of(
                "nat",
                POSTROUTING_CHAIN,
                "-s "
                    + RESOLVER
                    + " -p udp -m udp --sport "
                    + udpPort
                    + " -j SNAT --to-source :53")));
  }

  /**
   * Installs the rules in the namespace {@code iptables} runs in, in one iptables-restore: both
   * chains are declared (so emptied, as Docker flushes them when it sets them up again) and
   * refilled, and each jump into them is added unless {@code natSave} (that namespace's {@code
   * iptables-save} now, or empty text for a namespace just made) already holds it.
   */
  public static void install(Iptables iptables, int udpPort, int tcpPort, String natSave) {
    String script = restoreScript(of(udpPort, tcpPort), natSave);
    Iptables.Result r = iptables.restore(script);
    if (r.exitCode() != 0) {
      throw new IptablesException(
          "iptables-restore of the embedded DNS rules (udp "
              + udpPort
              + ", tcp "
              + tcpPort
              + "): "
              + r.stderr().strip());
    }
  }

  /**
   * Whether {@code save} (iptables-save text) holds exactly these rules, and only them, in the two
   * chains.
   */
  public static boolean installed(String save, int udpPort, int tcpPort) {
    List<String> wanted = of(udpPort, tcpPort).rules().stream().map(Rule::saveText).toList();
    List<String> ours =
        save.lines()
            .filter(
                l ->
                    l.startsWith("-A " + OUTPUT_CHAIN + " ")
                        || l.startsWith("-A " + POSTROUTING_CHAIN + " ")
                        || l.endsWith("-j " + OUTPUT_CHAIN)
                        || l.endsWith("-j " + POSTROUTING_CHAIN))
            .toList();
    return ours.size() == wanted.size() && ours.containsAll(wanted);
  }

  /** The iptables-restore input that makes {@code set} hold, given the present {@code save}. */
  static String restoreScript(RuleSet set, String save) {
    List<String> lines = new ArrayList<>(List.of("*nat"));
    for (String chain : set.chains()) {
      lines.add(":" + chain.substring(chain.indexOf(':') + 1) + " - [0:0]");
    }
    for (Rule r : set.rules()) {
      boolean jump = r.chain().equals("OUTPUT") || r.chain().equals("POSTROUTING");
      if (jump) {
        if (!save.lines().anyMatch(l -> l.equals(r.saveText()))) {
          lines.add("-I " + r.chain() + " 1 " + String.join(" ", r.args()));
        }
      } else {
        lines.add(r.saveText());
      }
    }
    lines.add("COMMIT");
    return String.join("\n", lines) + "\n";
  }
}

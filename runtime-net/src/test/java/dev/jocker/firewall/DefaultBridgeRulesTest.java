package dev.jocker.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The rule data, laid out as iptables-save prints it, equals Docker 20.10's capture. */
class DefaultBridgeRulesTest {
  private static final Path REFERENCE = Path.of("../reference/docker-20.10/iptables-save.txt");

  @Test
  void rulesMatchTheReferenceInOrder() throws IOException {
    RuleSet set = DefaultBridgeRules.of("docker0", "172.17.0.0/16", "DOCKER");
    String reference = Files.readString(REFERENCE);
    for (String table : new String[] {"filter", "nat"}) {
      String ours =
          set.rules().stream()
              .filter(r -> r.table().equals(table))
              .sorted(
                  java.util.Comparator.comparingInt(r -> chainOrder(reference, table, r.chain())))
              .map(Rule::saveText)
              .collect(Collectors.joining("\n"));
      assertEquals(onlyTable(reference, table), ours);
    }
  }

  @Test
  void chainPrefixRenamesEveryChain() {
    RuleSet set = DefaultBridgeRules.of("jk0", "10.99.0.0/16", "JOCKER");
    assertEquals(
        "-A POSTROUTING -s 10.99.0.0/16 ! -o jk0 -j MASQUERADE",
        set.rules().stream()
            .filter(r -> r.chain().equals("POSTROUTING"))
            .findFirst()
            .orElseThrow()
            .saveText());
    assertEquals(
        java.util.List.of(
            "nat:JOCKER",
            "filter:JOCKER",
            "filter:JOCKER-ISOLATION-STAGE-1",
            "filter:JOCKER-ISOLATION-STAGE-2",
            "filter:JOCKER-USER"),
        set.chains());
  }

  private static String onlyTable(String reference, String table) {
    String section = reference.substring(reference.indexOf("*" + table));
    section = section.substring(0, section.indexOf("COMMIT"));
    return section.lines().filter(l -> l.startsWith("-A")).collect(Collectors.joining("\n"));
  }

  /** iptables-save prints built-in chains first, then user chains in name order. */
  private static int chainOrder(String reference, String table, String chain) {
    String section = reference.substring(reference.indexOf("*" + table));
    int i = 0;
    for (String line : section.lines().toList()) {
      if (line.startsWith("-A " + chain + " ")) {
        return i;
      }
      i++;
    }
    return Integer.MAX_VALUE;
  }
}

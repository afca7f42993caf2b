package dev.jocker.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * How the embedded DNS's rules go into a namespace: one iptables-restore that adds the jumps only
 * where they are missing (DockerGoldensTest compares the rules with Docker's recording).
 */
class DnsRulesTest {
  static final String DOCKER_NAT =
      String.join(
          "\n",
          "-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT",
          "-A POSTROUTING -d 127.0.0.11/32 -j DOCKER_POSTROUTING",
          "-A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination"
              + " 127.0.0.11:41733",
          "-A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination"
              + " 127.0.0.11:58135",
          "-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p tcp -m tcp --sport 41733 -j SNAT --to-source"
              + " :53",
          "-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p udp -m udp --sport 58135 -j SNAT --to-source"
              + " :53");

  @Test
  void aNewNamespaceGetsChainsJumpsAndRulesInOneRestore() {
    assertEquals(
        String.join(
            "\n",
            "*nat",
            ":DOCKER_OUTPUT - [0:0]",
            ":DOCKER_POSTROUTING - [0:0]",
            "-I OUTPUT 1 -d 127.0.0.11/32 -j DOCKER_OUTPUT",
            "-I POSTROUTING 1 -d 127.0.0.11/32 -j DOCKER_POSTROUTING",
            DOCKER_NAT.lines().skip(2).collect(Collectors.joining("\n")),
            "COMMIT",
            ""),
        DnsRules.restoreScript(DnsRules.of(58135, 41733), ""));
  }

  @Test
  void aNamespaceWithTheJumpsGetsOnlyItsChainsRefilled() {
    String script = DnsRules.restoreScript(DnsRules.of(1000, 2000), "*nat\n" + DOCKER_NAT);
    assertFalse(script.contains("-I OUTPUT"), script);
    assertFalse(script.contains("-I POSTROUTING"), script);
    assertTrue(script.contains("--to-destination 127.0.0.11:2000"), script);
  }

  @Test
  void installedMeansExactlyTheseRules() {
    assertTrue(DnsRules.installed("*nat\n" + DOCKER_NAT + "\nCOMMIT\n", 58135, 41733));
    assertFalse(DnsRules.installed("*nat\n" + DOCKER_NAT + "\nCOMMIT\n", 58135, 41734));
    assertFalse(DnsRules.installed("", 58135, 41733));
  }
}

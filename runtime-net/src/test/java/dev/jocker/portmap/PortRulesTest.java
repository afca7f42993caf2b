package dev.jocker.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jocker.firewall.BridgeNetworkOptions;
import dev.jocker.firewall.DefaultBridgeRules;
import dev.jocker.firewall.Rule;
import dev.jocker.firewall.RuleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A port published on a user network and one on docker0, laid out as jocker's firewall lays out
 * rules, equal to Docker 20.10's iptables-save, and back to Docker's text after removal (the
 * recording of many ports, with and without the proxy, is {@code DockerPortsScenarioTest}'s).
 */
class PortRulesTest {
  private static final Path REFERENCE = Path.of("../reference/docker-20.10");

  private static PublishedPort port(
      String bridge, boolean proxy, String containerIp, int hostPort) {
    return new PublishedPort("c", bridge, proxy, "tcp", "0.0.0.0", hostPort, containerIp, 80);
  }

  private static void assertTables(String reference, RulesModel model) {
    for (String table : new String[] {"filter", "nat"}) {
      assertEquals(RulesModel.saved(reference, table), model.save(table), table);
    }
  }

  @Test
  void withTheUserlandProxyRulesAreDockers() throws IOException {
    String bridge = "br-adbcf51fa87f";
    List<PublishedPort> web = List.of(port(bridge, true, "172.28.0.2", 8080));
    List<PublishedPort> web0 = List.of(port("docker0", true, "172.17.0.4", 8081));
    RulesModel model = new RulesModel();
    model.ensure(PortRules.bridgeRules("docker0", "172.17.0.0/16", "DOCKER", true));
    model.ensure(PortRules.bridgeRules(bridge, "172.28.0.0/16", "DOCKER", true));
    model.append(PortRules.of(web, "DOCKER"));
    model.append(PortRules.of(web0, "DOCKER"));
    assertTables(
        Files.readString(REFERENCE.resolve("user-network-and-ports/iptables-save.txt")), model);

    model.delete(PortRules.of(web, "DOCKER"));
    model.delete(PortRules.of(web0, "DOCKER"));
    model.delete(
        PortRules.bridgeRules(bridge, "172.28.0.0/16", "DOCKER", true).rules().stream()
            .filter(r -> r.args().contains(bridge))
            .toList());
    assertTables(
        Files.readString(REFERENCE.resolve("user-network-and-ports/after-rm-iptables.txt")), model);
  }

  @Test
  void ipv6BindingsHaveNoRulesAndSctpHasItsChecksumFill() {
    assertEquals(
        List.of(),
        PortRules.of(
            new PublishedPort("c", "docker0", true, "tcp", "::", 8080, "172.17.0.2", 80),
            "DOCKER"));
    assertEquals(
        "-A POSTROUTING -p sctp -m sctp --sport 80 -j CHECKSUM --checksum-fill",
        PortRules.of(
                new PublishedPort("c", "docker0", true, "sctp", "0.0.0.0", 8080, "172.17.0.2", 80),
                "DOCKER")
            .get(3)
            .saveText());
  }

  @Test
  void withoutTheProxyNetworkOptionsStillSelectTheirRules() {
    String hairpin = "-A POSTROUTING -o br-x -m addrtype --src-type LOCAL -j MASQUERADE";
    RuleSet noMasquerade =
        PortRules.bridgeRules(
            new BridgeNetworkOptions("br-x", "172.19.0.0/16", "DOCKER", false, true, false), false);
    assertEquals(
        List.of(hairpin),
        noMasquerade.rules().stream()
            .filter(r -> r.chain().equals("POSTROUTING"))
            .map(Rule::saveText)
            .toList());
    RuleSet internal =
        PortRules.bridgeRules(
            new BridgeNetworkOptions("br-x", "172.19.0.0/16", "DOCKER", true, true, true), false);
    assertEquals(
        List.of("-A OUTPUT -m addrtype --dst-type LOCAL -j DOCKER"),
        internal.rules().stream()
            .filter(r -> r.table().equals("nat") && !r.chain().equals("PREROUTING"))
            .map(Rule::saveText)
            .toList());
  }

  @Test
  void theDefaultBridgeRulesAlreadyHoldDockersPreroutingAndOutputJumps() {
    assertEquals(
        PortRules.bridgeRules("docker0", "172.17.0.0/16", "DOCKER", true),
        DefaultBridgeRules.of("docker0", "172.17.0.0/16", "DOCKER"));
    assertEquals(
        List.of(
            "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
            "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER"),
        DefaultBridgeRules.of("docker0", "172.17.0.0/16", "DOCKER").rules().stream()
            .filter(r -> r.chain().equals("PREROUTING") || r.chain().equals("OUTPUT"))
            .map(r -> r.saveText())
            .toList());
  }
}

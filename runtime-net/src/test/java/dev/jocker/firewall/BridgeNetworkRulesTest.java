package dev.jocker.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A network's options select its rules as Docker 20.10's bridge driver selects them. */
class BridgeNetworkRulesTest {
  private static String text(RuleSet set, String table) {
    return set.rules().stream()
        .filter(r -> r.table().equals(table))
        .map(Rule::saveText)
        .collect(Collectors.joining("\n"));
  }

  private static BridgeNetworkOptions net(boolean internal, Map<String, String> options) {
    return BridgeNetworkOptions.of("br-1d0b09c8d0d0", "172.19.0.0/16", "DOCKER", internal, options);
  }

  @Test
  void defaultsAreTheDefaultBridgesRules() {
    assertEquals(
        DefaultBridgeRules.of("br-1d0b09c8d0d0", "172.19.0.0/16", "DOCKER"),
        BridgeNetworkRules.of(net(false, Map.of())));
  }

  @Test
  void internalKeepsOnlyTheIsolationDropsAndIcc() {
    RuleSet set = BridgeNetworkRules.of(net(true, Map.of()));
    assertEquals(
        String.join(
            "\n",
            "-A FORWARD -j DOCKER-USER",
            "-A FORWARD -j DOCKER-ISOLATION-STAGE-1",
            "-A FORWARD -i br-1d0b09c8d0d0 -o br-1d0b09c8d0d0 -j ACCEPT",
            "-A DOCKER-ISOLATION-STAGE-1 ! -s 172.19.0.0/16 -o br-1d0b09c8d0d0 -j DROP",
            "-A DOCKER-ISOLATION-STAGE-1 ! -d 172.19.0.0/16 -i br-1d0b09c8d0d0 -j DROP",
            "-A DOCKER-ISOLATION-STAGE-1 -j RETURN",
            "-A DOCKER-ISOLATION-STAGE-2 -j RETURN",
            "-A DOCKER-USER -j RETURN"),
        text(set, "filter"));
    assertEquals(
        String.join(
            "\n",
            "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
            "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER"),
        text(set, "nat"),
        "no MASQUERADE, no RETURN for the bridge in DOCKER");
  }

  @Test
  void withoutIccTheBridgeToBridgeRuleIsADrop() {
    String filter =
        text(
            BridgeNetworkRules.of(net(false, Map.of(BridgeNetworkOptions.ENABLE_ICC, "false"))),
            "filter");
    assertEquals(
        String.join(
            "\n",
            "-A FORWARD -j DOCKER-USER",
            "-A FORWARD -j DOCKER-ISOLATION-STAGE-1",
            "-A FORWARD -o br-1d0b09c8d0d0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-A FORWARD -o br-1d0b09c8d0d0 -j DOCKER",
            "-A FORWARD -i br-1d0b09c8d0d0 ! -o br-1d0b09c8d0d0 -j ACCEPT",
            "-A FORWARD -i br-1d0b09c8d0d0 -o br-1d0b09c8d0d0 -j DROP",
            "-A DOCKER-ISOLATION-STAGE-1 -i br-1d0b09c8d0d0 ! -o br-1d0b09c8d0d0 -j"
                + " DOCKER-ISOLATION-STAGE-2",
            "-A DOCKER-ISOLATION-STAGE-1 -j RETURN",
            "-A DOCKER-ISOLATION-STAGE-2 -o br-1d0b09c8d0d0 -j DROP",
            "-A DOCKER-ISOLATION-STAGE-2 -j RETURN",
            "-A DOCKER-USER -j RETURN"),
        filter);
  }

  @Test
  void withoutMasqueradeNothingIsNatted() {
    RuleSet set =
        BridgeNetworkRules.of(net(false, Map.of(BridgeNetworkOptions.ENABLE_IP_MASQUERADE, "0")));
    assertEquals(
        String.join(
            "\n",
            "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
            "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER"),
        text(set, "nat"));
    assertEquals(
        text(DefaultBridgeRules.of("br-1d0b09c8d0d0", "172.19.0.0/16", "DOCKER"), "filter"),
        text(set, "filter"));
  }

  @Test
  void aBadBooleanIsRefusedWithDockersWords() {
    assertEquals(
        "failed to parse com.docker.network.bridge.enable_icc value: strconv.ParseBool: parsing"
            + " \"nope\": invalid syntax",
        assertThrows(
                IllegalArgumentException.class,
                () -> net(false, Map.of(BridgeNetworkOptions.ENABLE_ICC, "nope")))
            .getMessage());
  }
}

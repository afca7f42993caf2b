package dev.jocker.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rule set applied to a sandbox "host" namespace through the system's iptables. */
@Privileged
class FirewallIT {
  private static final Path REFERENCE = Path.of("../reference/docker-20.10/iptables-save.txt");
  private static final RuleSet DEFAULT_BRIDGE =
      DefaultBridgeRules.of("docker0", "172.17.0.0/16", "DOCKER");

  @Test
  void ensuringTwiceLeavesExactlyTheReference(Sandbox sandbox) throws IOException {
    Firewall firewall = new Firewall(new Iptables(sandbox.host().path()));
    assertEquals(DEFAULT_BRIDGE.rules(), firewall.ensure(DEFAULT_BRIDGE));
    firewall.setForwardPolicy("DROP");
    assertEquals(List.of(), firewall.ensure(DEFAULT_BRIDGE));
    assertEquals(List.of(), firewall.missing(DEFAULT_BRIDGE));
    assertEquals(reference(), saved(sandbox));
  }

  @Test
  void aFlushBehindOurBackIsRestoredExactly(Sandbox sandbox) throws IOException {
    Firewall firewall = new Firewall(new Iptables(sandbox.host().path()));
    firewall.ensure(DEFAULT_BRIDGE);
    firewall.setForwardPolicy("DROP");
    sandbox.host().run("iptables", "-F");
    sandbox.host().run("iptables", "-t", "nat", "-F");
    assertEquals(DEFAULT_BRIDGE.rules(), firewall.missing(DEFAULT_BRIDGE));
    firewall.ensure(DEFAULT_BRIDGE);
    assertEquals(reference(), saved(sandbox));
  }

  @Test
  void aPartlyDamagedChainComesBackInDockersOrderAheadOfOtherRules(Sandbox sandbox)
      throws IOException {
    Firewall firewall = new Firewall(new Iptables(sandbox.host().path()));
    firewall.ensure(DEFAULT_BRIDGE);
    firewall.setForwardPolicy("DROP");
    sandbox.host().run("iptables", "-D", "FORWARD", "-o", "docker0", "-j", "DOCKER");
    sandbox.host().run("iptables", "-D", "DOCKER-USER", "-j", "RETURN");
    sandbox.host().run("iptables", "-A", "FORWARD", "-i", "uplink", "-j", "ACCEPT");
    sandbox.host().run("iptables", "-I", "DOCKER-USER", "-s", "192.0.2.9", "-j", "DROP");
    assertEquals(2, firewall.missing(DEFAULT_BRIDGE).size());

    firewall.ensure(DEFAULT_BRIDGE);

    String expected =
        reference()
            .replace(
                "-A FORWARD -i docker0 -o docker0 -j ACCEPT\n",
                "-A FORWARD -i docker0 -o docker0 -j ACCEPT\n-A FORWARD -i uplink -j ACCEPT\n")
            .replace(
                "-A DOCKER-USER -j RETURN\n",
                "-A DOCKER-USER -s 192.0.2.9/32 -j DROP\n-A DOCKER-USER -j RETURN\n");
    assertEquals(expected, saved(sandbox));
  }

  @Test
  void removingLeavesTheTablesAsTheyWereBefore(Sandbox sandbox) {
    Firewall firewall = new Firewall(new Iptables(sandbox.host().path()));
    String filterBefore = sandbox.host().run("iptables", "-S");
    String natBefore = sandbox.host().run("iptables", "-t", "nat", "-S");
    firewall.ensure(DEFAULT_BRIDGE);
    firewall.ensure(DEFAULT_BRIDGE);

    firewall.remove(DEFAULT_BRIDGE);

    assertEquals(filterBefore, sandbox.host().run("iptables", "-S"));
    assertEquals(natBefore, sandbox.host().run("iptables", "-t", "nat", "-S"));
    assertEquals(DEFAULT_BRIDGE.rules(), firewall.missing(DEFAULT_BRIDGE));
  }

  @Test
  void theChainPrefixRenamesEveryChainInTheKernel(Sandbox sandbox) {
    Firewall firewall = new Firewall(new Iptables(sandbox.host().path()));
    RuleSet jocker = DefaultBridgeRules.of("docker0", "172.17.0.0/16", "JOCKER");
    firewall.ensure(jocker);
    String save = sandbox.host().run("iptables-save");
    assertTrue(save.contains(":JOCKER-ISOLATION-STAGE-2 - "), save);
    assertTrue(save.contains("-A FORWARD -j JOCKER-USER\n"), save);
    assertTrue(!save.contains("DOCKER"), save);
    firewall.remove(jocker);
    assertTrue(!sandbox.host().run("iptables-save").contains("JOCKER"));
  }

  @Test
  void aRefusedRuleIsNamedWithIptablesOwnWords(Sandbox sandbox) {
    Firewall firewall = new Firewall(new Iptables(sandbox.host().path()));
    RuleSet broken =
        new RuleSet(List.of(), List.of(Rule.of("filter", "FORWARD", "-j NO-SUCH-CHAIN")));
    IptablesException e = assertThrows(IptablesException.class, () -> firewall.ensure(broken));
    assertTrue(e.getMessage().contains("-t filter -A FORWARD -j NO-SUCH-CHAIN"), e.getMessage());
    assertTrue(e.getMessage().contains("NO-SUCH-CHAIN"), e.getMessage());
    assertTrue(e.getMessage().matches("(?s).*: \\S.*"), e.getMessage());
  }

  @Test
  void theBackendIsTheOneIptablesReports(Sandbox sandbox) {
    String version = sandbox.host().run("iptables", "--version");
    String expected = version.contains("nf_tables") ? "nf_tables" : "legacy";
    assertEquals(expected, new Firewall(new Iptables(sandbox.host().path())).backend());
  }

  private static String reference() throws IOException {
    return IptablesSave.normalise(Files.readString(REFERENCE));
  }

  private static String saved(Sandbox sandbox) {
    return IptablesSave.normalise(sandbox.host().run("iptables-save"));
  }
}

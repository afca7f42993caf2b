package dev.jocker.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.doctor.Finding.Status;
import dev.jocker.firewall.DefaultBridgeRules;
import dev.jocker.firewall.Rule;
import dev.jocker.topology.BridgeView;
import dev.jocker.topology.Golden;
import dev.jocker.topology.Presence;
import dev.jocker.topology.Topology;
import dev.jocker.topology.UplinkView;
import java.util.List;
import org.junit.jupiter.api.Test;

class DoctorTest {
  private static final List<Rule> RULES =
      DefaultBridgeRules.of("docker0", "172.17.0.0/16", "DOCKER").rules();
  private static final BridgeView DOCKER0 =
      new BridgeView(3, "docker0", "172.17.0.1/16", "02:42:0f:6f:aa:44", 1500, Presence.BOTH);

  private static UplinkView uplink(int mtu) {
    return new UplinkView(2, "eth0", "198.51.100.2/24", "1e:46:c7:18:8e:1a", mtu, "198.51.100.1");
  }

  private static Facts healthy() {
    return new Facts(
        new Topology("bridge", uplink(1500), DOCKER0, List.of(), RULES, true, "DROP", true),
        "172.17.0.0/16",
        "172.17.0.1/16",
        1500,
        true,
        RULES.size(),
        List.of(),
        "1",
        "nf_tables",
        0,
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        2,
        1024);
  }

  /** Everything this VM or a learner's could get wrong, at once. */
  private static Facts broken() {
    return new Facts(
        new Topology("bridge", uplink(1400), DOCKER0, List.of(), RULES, false, "ACCEPT", false),
        "172.17.0.0/16",
        "172.17.0.1/16",
        1500,
        true,
        RULES.size(),
        List.of("-t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"),
        null,
        "nf_tables",
        3,
        List.of("172.17.5.0/24 dev eth1"),
        List.of(4242L),
        List.of("veth0ddba11"),
        List.of("jocker-old"),
        List.of("veth1c0ffee of container web (network bridge) is not on docker0"),
        List.of("process 4711 (sleep 1000) in namespace jocker-old, which no container owns"),
        600,
        1024);
  }

  @Test
  void aHealthyHostIsAllOk() {
    List<Finding> findings = Doctor.diagnose(healthy());
    assertTrue(findings.stream().allMatch(f -> f.status() == Status.OK && f.fix() == null));
    assertTrue(Doctor.healthy(findings));
    assertEquals(Golden.read(DoctorTest.class, "healthy.txt"), Doctor.render(findings));
  }

  @Test
  void everyProblemComesWithWhyAndAFix() {
    List<Finding> findings = Doctor.diagnose(broken());
    assertFalse(Doctor.healthy(findings));
    assertTrue(
        findings.stream().filter(f -> f.status() != Status.OK).allMatch(f -> f.fix() != null));
    assertEquals(Golden.read(DoctorTest.class, "broken.txt"), Doctor.render(findings));
  }

  @Test
  void everyLineFitsInAHundredColumns() {
    for (String line : Doctor.render(Doctor.diagnose(broken())).split("\n")) {
      assertTrue(line.length() <= 100, line);
    }
  }

  @Test
  void aMissingBridgeOrAWrongAddressIsAProblem() {
    Facts f = healthy();
    BridgeView gone =
        new BridgeView(0, "docker0", "172.17.0.1/16", null, 1500, Presence.RECORD_ONLY);
    BridgeView wrong =
        new BridgeView(3, "docker0", "10.0.0.1/24", "02:42:0f:6f:aa:44", 1500, Presence.BOTH);
    assertEquals(
        new Finding(
            Status.FAIL,
            "bridge",
            "docker0 does not exist: containers have nothing to plug into",
            "jocker reconcile (creates it with 172.17.0.1/16)"),
        Doctor.diagnose(withBridge(f, gone)).get(0));
    assertEquals(
        "docker0 has 10.0.0.1/24, not 172.17.0.1/16: containers' default route points at an"
            + " address nobody answers",
        Doctor.diagnose(withBridge(f, wrong)).get(0).detail());
  }

  @Test
  void withoutIptablesManagementOneWarningReplacesThePolicyAndRuleChecks() {
    Facts f = healthy();
    Facts unmanaged = with(f, f.topology(), false);
    List<String> checks = Doctor.diagnose(unmanaged).stream().map(Finding::check).toList();
    assertTrue(checks.contains("iptables"), checks.toString());
    assertFalse(checks.contains("rules") || checks.contains("FORWARD policy"), checks.toString());
  }

  @Test
  void aDockerDaemonIsOnlyAProblemOnTheSameBridge() {
    Facts f = broken();
    assertEquals(Status.FAIL, find(Doctor.diagnose(f), "Docker").status());
    BridgeView own =
        new BridgeView(3, "jocker0", "172.17.0.1/16", "02:42:0f:6f:aa:44", 1500, Presence.BOTH);
    assertEquals(Status.OK, find(Doctor.diagnose(withBridge(f, own)), "Docker").status());
  }

  private static Finding find(List<Finding> findings, String check) {
    return findings.stream().filter(x -> x.check().equals(check)).findFirst().orElseThrow();
  }

  private static Facts withBridge(Facts f, BridgeView bridge) {
    Topology t = f.topology();
    return with(
        f,
        new Topology(
            t.network(),
            t.uplink(),
            bridge,
            t.containers(),
            t.rules(),
            t.ipForward(),
            t.forwardPolicy(),
            t.bridgeNfCallIptables()),
        f.iptablesManaged());
  }

  /** {@code f} with another topology and iptables management, everything else kept. */
  private static Facts with(Facts f, Topology topology, boolean iptablesManaged) {
    return new Facts(
        topology,
        f.subnet(),
        f.bridgeAddress(),
        f.containerMtu(),
        iptablesManaged,
        f.ownedRules(),
        f.missingRules(),
        f.bridgeNfCallIptables(),
        f.iptablesBackend(),
        f.otherBackendRules(),
        f.overlappingRoutes(),
        f.dockerdPids(),
        f.orphanVeths(),
        f.orphanNamespaces(),
        f.detachedVeths(),
        f.orphanProcesses(),
        f.endpoints(),
        f.neighbourLimit());
  }
}

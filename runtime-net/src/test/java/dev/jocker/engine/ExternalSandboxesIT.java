package dev.jocker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.cni.CniBackend;
import dev.jocker.cni.CniBackend.AttachmentKey;
import dev.jocker.cni.CniBackend.BridgeNetwork;
import dev.jocker.cni.CniBackend.RouteSpec;
import dev.jocker.cni.NetConf;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network controller's external sandboxes, driven through the engine's CNI backend as jockerd's
 * endpoint drives them: what the controller now supports beyond its own containers (a namespace
 * given by path, an interface other than eth0, routes of the call's own and no default route, no
 * gateway on the bridge, MASQUERADE off, hairpin, a range inside the subnet), and that jockerd's
 * reconcile and restart leave an orchestrator's containers, their processes and veths alone.
 */
@Privileged
class ExternalSandboxesIT {
  @TempDir Path dataRoot;

  private EngineConfig config(Sandbox sandbox) {
    return EngineConfig.defaults(dataRoot).withHostNetns(sandbox.host().path());
  }

  private static BridgeNetwork pods(String bridge, boolean isGateway, boolean ipMasq) {
    Subnet subnet = Subnet.parse("10.77.0.0/24");
    return new BridgeNetwork(
        "pods",
        bridge,
        1500,
        isGateway,
        ipMasq,
        true,
        new NetConf.JockerIpam(
            subnet, Ipv4.parse("10.77.0.10"), Ipv4.parse("10.77.0.20"), subnet.firstHost(), null));
  }

  @Test
  void anOrchestratorsContainerAsTheCallConfiguresItSurvivesReconcileAndRestart(Sandbox sandbox) {
    Sandbox.Namespace pod = new Sandbox.Namespace("pod1");
    Sandbox.Command.run(List.of("ip", "netns", "add", pod.name()));
    Process sleeper = sandbox.start(pod, new ProcessBuilder("sleep", "1000"));
    BridgeNetwork network = pods("pods0", false, false);
    AttachmentKey key = new AttachmentKey("pods", "c0ffee", "net1");
    List<RouteSpec> routes =
        List.of(
            new RouteSpec(Subnet.parse("10.0.0.0/8"), Ipv4.parse("10.77.0.1")),
            new RouteSpec(Subnet.parse("192.0.2.0/24"), null));
    try (Engine engine = DefaultEngine.open(config(sandbox))) {
      CniBackend cni = engine.cniBackend();
      CniBackend.Attached a =
          cni.attach(
              new CniBackend.Attachment(
                  key, pod.path().toString(), network, null, routes, "default/web"));
      assertEquals("10.77.0.10", a.address().getHostAddress());
      assertTrue(pod.run("ip", "-o", "addr", "show", "net1").contains("inet 10.77.0.10/24"));
      String inside = pod.run("ip", "route");
      assertTrue(inside.contains("10.0.0.0/8 via 10.77.0.1 dev net1"), inside);
      assertTrue(inside.contains("192.0.2.0/24 dev net1"), inside);
      assertFalse(inside.contains("default"), inside);
      assertFalse(sandbox.host().run("ip", "-o", "addr", "show", "pods0").contains("inet "));
      String rules = sandbox.host().run("iptables-save");
      assertTrue(rules.contains("-A FORWARD -i pods0 ! -o pods0 -j ACCEPT"), rules);
      assertFalse(rules.contains("10.77.0.0/24"), rules);
      assertEquals(
          "1",
          sandbox
              .host()
              .run("cat", "/sys/class/net/" + a.hostVeth() + "/brport/hairpin_mode")
              .strip());
      assertEquals("default/web", engine.network("pods").containers().get("c0ffee").name());

      List<String> fixed = engine.reconcile();
      assertTrue(sleeper.isAlive(), "reconcile killed the orchestrator's process: " + fixed);
      assertTrue(sandbox.host().run("ip", "-o", "link").contains(a.hostVeth()), fixed.toString());
    }
    try (Engine engine = DefaultEngine.open(config(sandbox))) {
      assertTrue(sleeper.isAlive());
      assertEquals(
          "10.77.0.10", engine.network("pods").containers().get("c0ffee").endpoint().ipv4Address());
      engine.cniBackend().check(key, network, "10.77.0.10/24");
      engine.cniBackend().detach(key, network);
      assertFalse(sandbox.host().run("ip", "-o", "link").contains("pods0"));
      assertFalse(sandbox.host().run("iptables-save").contains("pods0"));
      assertThrows(EngineException.class, () -> engine.network("pods"));
      assertTrue(sleeper.isAlive());
    }
  }

  @Test
  void aBridgeTheConfigurationNamesIsKeptWithWhatElseIsOnIt(Sandbox sandbox) {
    Sandbox.Namespace host = sandbox.host();
    host.run("ip", "link", "add", "own0", "type", "bridge");
    host.run("ip", "link", "add", "veth0000aaa", "type", "veth", "peer", "name", "other");
    host.run("ip", "link", "set", "veth0000aaa", "master", "own0");
    Sandbox.Namespace pod = new Sandbox.Namespace("pod2");
    Sandbox.Command.run(List.of("ip", "netns", "add", pod.name()));
    BridgeNetwork network = pods("own0", true, true);
    AttachmentKey key = new AttachmentKey("pods", "c0ffee", "eth0");
    try (Engine engine = DefaultEngine.open(config(sandbox))) {
      CniBackend cni = engine.cniBackend();
      CniBackend.Attached a =
          cni.attach(
              new CniBackend.Attachment(
                  key,
                  pod.path().toString(),
                  network,
                  null,
                  List.of(new RouteSpec(Subnet.parse("0.0.0.0/0"), Ipv4.parse("10.77.0.1"))),
                  null));
      assertTrue(host.run("ip", "-o", "addr", "show", "own0").contains("inet 10.77.0.1/24"));
      engine.reconcile();
      assertTrue(host.run("ip", "-o", "link").contains("veth0000aaa"));
      assertEquals("c0ffee", engine.network("pods").containers().get("c0ffee").name());
      // The runtime's container went without a DEL: doctor names it as jocker knows it.
      host.run("ip", "link", "delete", a.hostVeth());
      assertTrue(
          engine.doctor().stream()
              .anyMatch(
                  f ->
                      f.detail()
                          .contains(
                              a.hostVeth() + " of container c0ffee (network pods) is missing")),
          engine.doctor().toString());
      cni.detach(key, network);
      String links = host.run("ip", "-o", "link");
      assertTrue(links.contains("own0") && links.contains("veth0000aaa"), links);
    }
  }
}

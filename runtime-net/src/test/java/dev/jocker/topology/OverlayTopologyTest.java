package dev.jocker.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.firewall.DefaultBridgeRules;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An overlay network as host1 sees it: c1 on its bridge, c2 on host2 programmed, c3 on host3 whose
 * FDB entry is missing, and an FDB entry no endpoint explains.
 */
class OverlayTopologyTest {
  private static final BridgeView BRIDGE =
      new BridgeView(
          7, "br-15bd66e295f0", "10.20.0.1/16", "02:42:51:0c:7e:01", 1450, Presence.BOTH);
  private static final ContainerView C1 =
      new ContainerView(
          "c1",
          "jocker-c1",
          2,
          "02:42:0a:14:00:02",
          "10.20.0.2/16",
          10,
          "veth5e1d2a0",
          10,
          2,
          Presence.BOTH);
  private static final UplinkView ETH0 =
      new UplinkView(2, "eth0", "192.0.2.1/24", "96:1f:0e:55:20:01", 1500, "192.0.2.254");

  static OverlayTopology state() {
    Topology local =
        new Topology(
            "ov",
            ETH0,
            BRIDGE,
            List.of(C1),
            DefaultBridgeRules.of("br-15bd66e295f0", "10.20.0.0/16", "DOCKER").rules(),
            true,
            "DROP",
            true);
    OverlayView overlay =
        new OverlayView(
            256,
            new OverlayView.Vxlan(
                8, "vx-000100-15bd6", "192.0.2.1", "eth0", 4789, 1450, false, true),
            "etcd://192.0.2.254:2379",
            List.of(
                new OverlayView.Host(
                    "host1", "192.0.2.1", "eth0", true, List.of("10.20.0.0/26"), List.of()),
                new OverlayView.Host(
                    "host2",
                    "192.0.2.2",
                    "eth0",
                    false,
                    List.of("10.20.0.64/26"),
                    List.of(
                        new OverlayView.Endpoint(
                            "c2", "10.20.0.66", "02:42:0a:14:00:42", true, true))),
                new OverlayView.Host(
                    "host3",
                    "192.0.2.3",
                    "eth0",
                    false,
                    List.of("10.20.0.128/26"),
                    List.of(
                        new OverlayView.Endpoint(
                            "c3", "10.20.0.130", "02:42:0a:14:00:82", false, true)))),
            null,
            List.of("02:42:0a:14:00:99 dst 192.0.2.9"));
    return new OverlayTopology(local, overlay);
  }

  @Test
  void textDrawsTheVxlanDeviceHostsAndRemoteEndpoints() {
    assertEquals(Golden.read("overlay.txt"), TopologyFormat.TEXT.render(state()));
  }

  @Test
  void everyLineFitsAHundredColumns() {
    for (String line : TopologyFormat.TEXT.render(state()).split("\n")) {
      assertTrue(line.length() <= 100, line.length() + ": " + line);
    }
  }

  @Test
  void dotAndMermaidDrawTheTunnelsToTheOtherHosts() {
    String dot = TopologyFormat.DOT.render(state());
    assertTrue(dot.contains("  \"bridge\" -- \"vxlan\" [label=\"port\"];\n"), dot);
    assertTrue(
        dot.contains(
            "  \"vxlan\" -- \"vtep1\" [label=\"VXLAN in UDP 4789, VNI 256\", penwidth=2];"),
        dot);
    assertTrue(
        dot.contains(
            "\"ep2_0\" [label=\"c3\\n10.20.0.130\\n02:42:0a:14:00:82\", style=dashed, color=red];"),
        dot);
    assertTrue(dot.endsWith("}\n"), dot);
    assertEquals(1, dot.split("\n\\}\n", -1).length - 1, "one closing brace: " + dot);
    String mermaid = TopologyFormat.MERMAID.render(state());
    assertTrue(mermaid.contains("  vxlan ===|\"VXLAN in UDP 4789, VNI 256\"| vtep2\n"), mermaid);
    assertTrue(mermaid.contains("  subgraph remote1[\"host2 · blocks 10.20.0.64/26\"]\n"), mermaid);
  }

  @Test
  void traceToAnotherHostsContainerExplainsTheEncapsulatedPath() {
    assertEquals(
        Golden.read("trace-overlay.txt"),
        OverlayTraceExplainer.explain(state(), "c1", "10.20.0.66").render());
  }

  @Test
  void traceToAnEndpointWithoutItsFdbEntrySaysWhereItStops() {
    Trace t = OverlayTraceExplainer.explain(state(), "c1", "10.20.0.130");
    assertEquals(
        "The packet does not get through: this host has no FDB entry for c3 on host3.",
        t.summary());
    assertEquals("vx-000100-15bd6", t.hops().get(t.hops().size() - 1).title());
  }

  @Test
  void traceOutOfTheOverlayTakesTheBridgesPathAndItsMasquerade() {
    Trace t = OverlayTraceExplainer.explain(state(), "c1", "198.51.100.1");
    assertEquals(
        "198.51.100.1 is beyond the bridge: routed via the gateway, forwarded, masqueraded out of"
            + " eth0.",
        t.summary());
  }
}

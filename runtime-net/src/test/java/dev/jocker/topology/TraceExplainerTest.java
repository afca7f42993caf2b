package dev.jocker.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.firewall.Rule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceExplainerTest {
  @Test
  void toTheInternetThroughForwardingAndMasquerade() {
    assertEquals(
        Golden.read("trace-internet.txt"),
        TraceExplainer.explain(SeedState.topology(), "test1", "198.51.100.1").render());
  }

  @Test
  void toAContainerOnTheSameBridgeAtLayerTwo() {
    assertEquals(
        Golden.read("trace-same-bridge.txt"),
        TraceExplainer.explain(SeedState.topology(), "test1", "172.17.0.3").render());
  }

  @Test
  void withoutTheMasqueradeRuleNoReplyComesBack() {
    Trace trace =
        TraceExplainer.explain(
            SeedState.withRules(SeedState.withoutMasquerade()), "test1", "198.51.100.1");
    assertEquals(
        "198.51.100.1 is beyond the bridge: the packet leaves, but no reply can come back.",
        trace.summary());
    Trace.Hop egress = trace.hops().get(trace.hops().size() - 1);
    assertEquals("egress uplink without NAT", egress.title());
    assertTrue(
        egress.explanation().get(0).startsWith("⚠ no nat POSTROUTING rule rewrites the source"));
  }

  @Test
  void aFlushedForwardChainMeetsThePolicy() {
    List<Rule> natOnly = SeedState.RULES.stream().filter(r -> r.table().equals("nat")).toList();
    Trace trace = TraceExplainer.explain(SeedState.withRules(natOnly), "test1", "198.51.100.1");
    assertEquals("The packet does not get through: filter FORWARD drops it.", trace.summary());
    assertTrue(
        trace.render().contains("no rule decides: the FORWARD policy DROP applies"),
        trace.render());
  }

  @Test
  void aUserRuleInDockerUserIsTheOneThatMatches() {
    List<Rule> rules = new ArrayList<>();
    rules.add(Rule.of("filter", "DOCKER-USER", "-d 198.51.100.1/32 -j DROP"));
    rules.addAll(SeedState.RULES);
    String text =
        TraceExplainer.explain(SeedState.withRules(rules), "test1", "198.51.100.1").render();
    assertTrue(
        text.contains("matches filter DOCKER-USER: -A DOCKER-USER -d 198.51.100.1/32 -j DROP"),
        text);
    assertTrue(text.contains("filter FORWARD drops it."), text);
  }

  @Test
  void bridgedFramesCrossForwardWhenBrNetfilterSaysSo() {
    Topology t =
        new Topology(
            "bridge",
            SeedState.UPLINK,
            SeedState.DOCKER0,
            List.of(SeedState.TEST1, SeedState.TEST2),
            SeedState.RULES,
            true,
            "DROP",
            true);
    String text = TraceExplainer.explain(t, "test1", "172.17.0.3").render();
    assertTrue(
        text.contains("matches filter FORWARD: -A FORWARD -i docker0 -o docker0 -j ACCEPT"), text);
  }

  @Test
  void withoutIpForwardTheHostStopsThePacket() {
    Topology t =
        new Topology(
            "bridge",
            SeedState.UPLINK,
            SeedState.DOCKER0,
            List.of(SeedState.TEST1, SeedState.TEST2),
            SeedState.RULES,
            false,
            "ACCEPT",
            false);
    Trace trace = TraceExplainer.explain(t, "test1", "198.51.100.1");
    assertEquals(
        "The packet does not get through: the host does not forward (ip_forward=0).",
        trace.summary());
    assertTrue(trace.render().contains("Fix: sysctl -w net.ipv4.ip_forward=1"));
  }

  @Test
  void theGatewayIsTheHostItself() {
    Trace trace = TraceExplainer.explain(SeedState.topology(), "test2", "172.17.0.1");
    assertEquals("172.17.0.1 is the gateway, docker0's own address on the host.", trace.summary());
    assertEquals(4, trace.hops().size());
  }

  @Test
  void anAddressNobodyHoldsOnTheBridgeGoesUnanswered() {
    Trace trace = TraceExplainer.explain(SeedState.topology(), "test1", "172.17.0.99");
    assertEquals(
        "172.17.0.99 is in 172.17.0.0/16 but nothing on docker0 answers for it.", trace.summary());
  }

  @Test
  void badInputIsRefusedWithTheReason() {
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () -> TraceExplainer.explain(SeedState.topology(), "test9", "198.51.100.1"));
    assertEquals(
        "no container test9 on network bridge (containers: test1, test2)", unknown.getMessage());
    IllegalArgumentException host =
        assertThrows(
            IllegalArgumentException.class,
            () -> TraceExplainer.explain(SeedState.topology(), "test1", "example.com"));
    assertEquals(
        "invalid destination: invalid IPv4 address \"example.com\": expected four numbers a.b.c.d",
        host.getMessage());
  }

  @Test
  void fromTheInternetToAPublishedPortByDnat() {
    assertEquals(
        Golden.read("trace-published.txt"),
        TraceExplainer.inbound(
                SeedState.published(SeedState.PUBLISHED_RULES),
                "198.51.100.1",
                null,
                "198.51.100.2",
                8080,
                "tcp",
                true)
            .render());
  }

  @Test
  void withoutItsDnatRuleAPublishedPortIsReachedThroughTheProxyOnly() {
    List<Rule> broken =
        SeedState.PUBLISHED_RULES.stream().filter(r -> !r.args().contains("DNAT")).toList();
    Trace proxied =
        TraceExplainer.inbound(
            SeedState.published(broken), "198.51.100.1", null, "198.51.100.2", 8080, "tcp", true);
    assertEquals(
        "198.51.100.2:8080/tcp reaches test1 through the userland proxy: the DNAT rule is missing,"
            + " so the client's address is lost.",
        proxied.summary());
    assertTrue(proxied.render().contains("so test1 sees 172.17.0.1 as the client"));
    Trace blocked =
        TraceExplainer.inbound(
            SeedState.published(broken), "198.51.100.1", null, "198.51.100.2", 8080, "tcp", false);
    assertEquals(
        "The packet does not get through: no DNAT rule, and no userland proxy listens without one.",
        blocked.summary());
    assertEquals(
        "Nothing is published on 9090/udp: the host itself answers (a refused connection unless a"
            + " program listens).",
        TraceExplainer.inbound(
                SeedState.published(SeedState.PUBLISHED_RULES),
                "198.51.100.1",
                null,
                "198.51.100.2",
                9090,
                "udp",
                true)
            .summary());
  }
}

package dev.jocker.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopologyFormatTest {
  private static final ContainerView TEST2_GONE =
      new ContainerView(
          "test2", "jocker-test2", 0, null, "172.17.0.3/16", 0, null, 0, 0, Presence.RECORD_ONLY);
  private static final ContainerView STRAY_VETH =
      new ContainerView(
          null,
          "stray",
          9,
          "02:42:ac:11:00:09",
          "172.17.0.9/16",
          10,
          "veth0ddba11",
          10,
          9,
          Presence.KERNEL_ONLY);

  @Test
  void textDrawsTheSeedState() {
    assertEquals(Golden.read("seed.txt"), TopologyFormat.TEXT.render(SeedState.topology()));
  }

  @Test
  void textShowsPublishedPortsAndAMissingDnatRule() {
    assertEquals(
        Golden.read("published.txt"),
        TopologyFormat.TEXT.render(SeedState.published(SeedState.PUBLISHED_RULES)));
    String broken =
        TopologyFormat.TEXT.render(
            SeedState.published(
                SeedState.PUBLISHED_RULES.stream()
                    .filter(r -> !r.args().contains("DNAT"))
                    .toList()));
    assertTrue(broken.contains("published 0.0.0.0:8080->80/tcp  ⚠ no DNAT rule"), broken);
    String dot = TopologyFormat.DOT.render(SeedState.published(SeedState.PUBLISHED_RULES));
    assertTrue(
        dot.contains(
            "published 0.0.0.0:8080->80/tcp\\npublished :::8080->80/tcp (userland proxy)\"];"),
        dot);
  }

  @Test
  void dotDrawsTheSeedState() {
    assertEquals(Golden.read("seed.dot"), TopologyFormat.DOT.render(SeedState.topology()));
  }

  @Test
  void mermaidDrawsTheSeedState() {
    assertEquals(Golden.read("seed.mmd"), TopologyFormat.MERMAID.render(SeedState.topology()));
  }

  @Test
  void textFlagsRecordsWithoutKernelObjectsAndTheReverse() {
    assertEquals(Golden.read("flagged.txt"), TopologyFormat.TEXT.render(flagged()));
  }

  @Test
  void dotAndMermaidFlagTheSameObjects() {
    String dot = TopologyFormat.DOT.render(flagged());
    assertTrue(
        dot.contains(
            "\"eth0_1\" [label=\"(no eth0)\\n172.17.0.3/16\\n⚠ record without kernel object\""
                + ", style=dashed, color=red];"),
        dot);
    assertTrue(dot.contains("⚠ kernel object without record"), dot);
    String mermaid = TopologyFormat.MERMAID.render(flagged());
    assertTrue(mermaid.contains("  class veth1,eth0_1,veth2,eth0_2 flagged\n"), mermaid);
  }

  @Test
  void tenContainersWithLongNamesFitInAHundredColumns() {
    List<ContainerView> containers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      containers.add(
          new ContainerView(
              "a-rather-long-container-name-number-" + i,
              "jocker-a-rather-long-container-name-number-" + i,
              1000 + 2 * i,
              "02:42:ac:11:ff:" + (10 + i),
              "172.17.255." + (240 + i) + "/16",
              1001 + 2 * i,
              "veth" + (1234560 + i),
              1001 + 2 * i,
              1000 + 2 * i,
              Presence.BOTH));
    }
    Topology t =
        new Topology(
            "bridge",
            SeedState.UPLINK,
            SeedState.DOCKER0,
            containers,
            SeedState.RULES,
            true,
            "DROP",
            false);
    String text = TopologyFormat.TEXT.render(t);
    for (String line : text.lines().toList()) {
      assertTrue(line.length() <= 100, line.length() + " columns: " + line);
    }
    for (ContainerView c : containers) {
      assertTrue(
          text.contains(
              "│ "
                  + c.eth0Index()
                  + ": eth0@if"
                  + c.eth0PeerIndex()
                  + "  "
                  + c.address()
                  + "  "
                  + c.eth0Mac()),
          text);
      assertTrue(text.contains(c.hostVethIndex() + ": " + c.hostVeth() + "@if"), text);
    }
    assertTrue(text.contains("─ a-rather-long-container-name-number-9 · netns jocker-… ─┐"), text);
  }

  @Test
  void aMissingMasqueradeRuleIsShownWhereTrafficLeaves() {
    String text = TopologyFormat.TEXT.render(SeedState.withRules(SeedState.withoutMasquerade()));
    assertTrue(
        text.contains("▲ NAT out: ⚠ no MASQUERADE rule: containers' packets leave unrewritten"),
        text);
    assertEquals(2, text.split("⚠ no NAT rule on the way out", -1).length - 1, text);
    assertTrue(
        TopologyFormat.DOT
            .render(SeedState.withRules(SeedState.withoutMasquerade()))
            .contains("routed, no NAT rule (replies cannot come back)"));
  }

  @Test
  void formatsAreNamedAsOnTheCommandLine() {
    assertEquals(TopologyFormat.MERMAID, TopologyFormat.parse("mermaid"));
    assertEquals("dot", TopologyFormat.DOT.toString());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TopologyFormat.parse("svg"));
    assertEquals("unknown format \"svg\": use text, dot or mermaid", e.getMessage());
  }

  private static Topology flagged() {
    return new Topology(
        "bridge",
        SeedState.UPLINK,
        SeedState.DOCKER0,
        List.of(SeedState.TEST1, TEST2_GONE, STRAY_VETH),
        SeedState.RULES,
        true,
        "DROP",
        false);
  }
}

package dev.jocker.topology;

import dev.jocker.firewall.DefaultBridgeRules;
import dev.jocker.firewall.Rule;
import dev.jocker.portmap.PortRules;
import dev.jocker.portmap.PublishedPort;
import java.util.List;

/** The seed tutorial's state as the reference capture shows it: docker0, test1, test2, uplink. */
final class SeedState {
  static final UplinkView UPLINK =
      new UplinkView(2, "uplink", "198.51.100.2/24", "1e:46:c7:18:8e:1a", 1500, "198.51.100.1");
  static final BridgeView DOCKER0 =
      new BridgeView(3, "docker0", "172.17.0.1/16", "02:42:0f:6f:aa:44", 1500, Presence.BOTH);
  static final ContainerView TEST1 =
      new ContainerView(
          "test1",
          "jocker-test1",
          4,
          "02:42:ac:11:00:02",
          "172.17.0.2/16",
          5,
          "veth952e370",
          5,
          4,
          Presence.BOTH);
  static final ContainerView TEST2 =
      new ContainerView(
          "test2",
          "jocker-test2",
          6,
          "02:42:ac:11:00:03",
          "172.17.0.3/16",
          7,
          "vethba73055",
          7,
          6,
          Presence.BOTH);
  static final List<Rule> RULES =
      DefaultBridgeRules.of("docker0", "172.17.0.0/16", "DOCKER").rules();

  /** test1 with {@code -p 8080:80}: its IPv4 and {@code ::} bindings. */
  static final ContainerView WEB =
      new ContainerView(
          "test1",
          "jocker-test1",
          4,
          "02:42:ac:11:00:02",
          "172.17.0.2/16",
          5,
          "veth952e370",
          5,
          4,
          Presence.BOTH,
          List.of(new PortView("0.0.0.0", 8080, 80, "tcp"), new PortView("::", 8080, 80, "tcp")));

  /** The default bridge's rules and those of test1's published port, as Docker lays them out. */
  static final List<Rule> PUBLISHED_RULES =
      java.util.stream.Stream.concat(
              RULES.stream(),
              PortRules.of(
                  new PublishedPort(
                      "c1", "docker0", true, "tcp", "0.0.0.0", 8080, "172.17.0.2", 80),
                  "DOCKER")
                  .stream())
          .toList();

  private SeedState() {}

  /** The seed state with test1 publishing 8080 as {@code -p 8080:80}, with {@code rules}. */
  static Topology published(List<Rule> rules) {
    return new Topology("bridge", UPLINK, DOCKER0, List.of(WEB, TEST2), rules, true, "DROP", false);
  }

  static Topology topology() {
    return new Topology(
        "bridge", UPLINK, DOCKER0, List.of(TEST1, TEST2), RULES, true, "DROP", false);
  }

  static Topology withRules(List<Rule> rules) {
    return new Topology(
        "bridge", UPLINK, DOCKER0, List.of(TEST1, TEST2), rules, true, "DROP", false);
  }

  static List<Rule> withoutMasquerade() {
    return RULES.stream().filter(r -> !r.args().contains("MASQUERADE")).toList();
  }
}

package dev.jocker.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A network's options at work: namespaces on a bridge in the sandbox's host, the network's rules
 * applied, and pings showing what gets through: --internal keeps traffic on the bridge,
 * enable_icc=false keeps it off the bridge, enable_ip_masquerade=false sends containers out with
 * their own address.
 */
@Privileged
class BridgeNetworkRulesIT {
  private static final String BRIDGE = "br-opts";
  private static final String SUBNET = "10.77.0.0/24";

  /**
   * Two namespaces on {@link #BRIDGE} with the network's rules, FORWARD policy DROP as Docker's.
   */
  private static List<Sandbox.Namespace> network(Sandbox sandbox, BridgeNetworkOptions options) {
    sandbox.internet();
    Sandbox.Namespace host = sandbox.host();
    host.run("sysctl", "-w", "net.ipv4.ip_forward=1");
    host.run("ip", "link", "add", BRIDGE, "type", "bridge");
    host.run("ip", "addr", "add", "10.77.0.1/24", "dev", BRIDGE);
    host.run("ip", "link", "set", BRIDGE, "up");
    Firewall firewall = new Firewall(new Iptables(host.path()));
    firewall.ensure(BridgeNetworkRules.of(options));
    firewall.setForwardPolicy("DROP");
    String suffix = Long.toHexString(ProcessHandle.current().pid());
    // The sandbox deletes the namespaces a test made when it closes.
    Sandbox.Namespace c1 = new Sandbox.Namespace("jk-o1-" + suffix);
    Sandbox.Namespace c2 = new Sandbox.Namespace("jk-o2-" + suffix);
    Sandbox.Command.run(List.of("ip", "netns", "add", c1.name()));
    Sandbox.Command.run(List.of("ip", "netns", "add", c2.name()));
    int i = 2;
    for (Sandbox.Namespace c : List.of(c1, c2)) {
      String veth = "vo" + i;
      host.run(
          "ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", c.name());
      host.run("ip", "link", "set", veth, "master", BRIDGE, "up");
      c.run("ip", "addr", "add", "10.77.0." + i + "/24", "dev", "eth0");
      c.run("ip", "link", "set", "lo", "up");
      c.run("ip", "link", "set", "eth0", "up");
      c.run("ip", "route", "add", "default", "via", "10.77.0.1");
      i++;
    }
    return List.of(c1, c2);
  }

  /**
   * Docker's recording of six networks with a container each (reference/docker-20.10/
   * network-options): docker0, then --internal, enable_icc=false, enable_ip_masquerade=false, a
   * bridge named mybr0, an MTU and labels, in that order. Their rule sets ensured in the same order
   * leave exactly Docker's iptables-save, the icc DROP at the tail of FORWARD included.
   */
  @Test
  void sixNetworksLeaveExactlyDockersRules(Sandbox sandbox) throws IOException {
    Firewall firewall = new Firewall(new Iptables(sandbox.host().path()));
    firewall.ensure(DefaultBridgeRules.of("docker0", "172.17.0.0/16", "DOCKER"));
    firewall.setForwardPolicy("DROP");
    List<BridgeNetworkOptions> networks =
        List.of(
            BridgeNetworkOptions.of("br-a0bdedf1e4ec", "172.21.0.0/16", "DOCKER", true, Map.of()),
            BridgeNetworkOptions.of(
                "br-950471b4474c",
                "172.22.0.0/16",
                "DOCKER",
                false,
                Map.of(BridgeNetworkOptions.ENABLE_ICC, "false")),
            BridgeNetworkOptions.of(
                "br-70ab1e93d3a1",
                "172.23.0.0/16",
                "DOCKER",
                false,
                Map.of(BridgeNetworkOptions.ENABLE_IP_MASQUERADE, "false")),
            BridgeNetworkOptions.defaults("mybr0", "172.24.0.0/16", "DOCKER"),
            BridgeNetworkOptions.defaults("br-4162d39db9b3", "172.25.0.0/16", "DOCKER"),
            BridgeNetworkOptions.defaults("br-d63ca9673089", "172.26.0.0/16", "DOCKER"));
    for (BridgeNetworkOptions n : networks) {
      firewall.ensure(BridgeNetworkRules.of(n));
    }
    assertEquals(
        IptablesSave.normalise(
            Files.readString(
                Path.of("../reference/docker-20.10/network-options/iptables-save.txt"))),
        IptablesSave.normalise(sandbox.host().run("iptables-save")));
  }

  private static int ping(Sandbox.Namespace from, String to) {
    return from.exec("ping", "-c", "1", "-W", "1", to).exitCode();
  }

  @Test
  void anInternalNetworkKeepsItsTrafficOnTheBridge(Sandbox sandbox) {
    List<Sandbox.Namespace> c =
        network(sandbox, BridgeNetworkOptions.of(BRIDGE, SUBNET, "DOCKER", true, Map.of()));
    assertEquals(0, ping(c.get(0), "10.77.0.3"));
    assertNotEquals(0, ping(c.get(0), Sandbox.INTERNET_ADDRESS));
  }

  @Test
  void withoutIccContainersReachTheInternetButNotEachOther(Sandbox sandbox) {
    sandbox.host().run("sysctl", "-w", "net.bridge.bridge-nf-call-iptables=1");
    List<Sandbox.Namespace> c =
        network(
            sandbox,
            BridgeNetworkOptions.of(
                BRIDGE, SUBNET, "DOCKER", false, Map.of(BridgeNetworkOptions.ENABLE_ICC, "false")));
    assertNotEquals(0, ping(c.get(0), "10.77.0.3"));
    assertEquals(0, ping(c.get(0), Sandbox.INTERNET_ADDRESS));
    // A network made later inserts its rules at the head; the DROP stays at the tail, as Docker's.
    new Firewall(new Iptables(sandbox.host().path()))
        .ensure(DefaultBridgeRules.of("br-later", "10.78.0.0/24", "DOCKER"));
    List<String> forward =
        sandbox
            .host()
            .run("iptables", "-S", "FORWARD")
            .lines()
            .filter(l -> l.startsWith("-A"))
            .toList();
    assertEquals("-A FORWARD -i br-opts -o br-opts -j DROP", forward.get(forward.size() - 1));
  }

  @Test
  void withoutMasqueradeContainersGoOutWithTheirOwnAddress(Sandbox sandbox) {
    List<Sandbox.Namespace> c =
        network(
            sandbox,
            BridgeNetworkOptions.of(
                BRIDGE,
                SUBNET,
                "DOCKER",
                false,
                Map.of(BridgeNetworkOptions.ENABLE_IP_MASQUERADE, "false")));
    assertNotEquals(0, ping(c.get(0), Sandbox.INTERNET_ADDRESS), "no way back to 10.77.0.2");
    sandbox.internet().run("ip", "route", "add", SUBNET, "via", Sandbox.UPLINK_ADDRESS);
    assertEquals(0, ping(c.get(0), Sandbox.INTERNET_ADDRESS));
  }
}

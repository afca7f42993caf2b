package dev.jocker.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.bridge.BridgeDriver;
import dev.jocker.bridge.Endpoint;
import dev.jocker.firewall.IptablesSave;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Published ports in a sandbox, with and without the userland proxy: the host's iptables-save equal
 * to Docker 20.10's with ports published and after they are removed, a container reached from "the
 * internet" by DNAT, from the host's loopback, from another container and from itself through the
 * host's address (with the same source addresses as under Docker), TCP and UDP, Docker's errors,
 * and what a crash leaves cleaned up from the records alone.
 */
@Privileged
class PortPublishingIT {
  private static final Path REFERENCE = Path.of("../reference/docker-20.10");

  private static String reference(String file) throws IOException {
    return IptablesSave.normalise(Files.readString(REFERENCE.resolve(file)));
  }

  @Test
  void rulesAreDockersWithAPortPublishedOnEachBridgeAndAfterRemoval(Sandbox sandbox)
      throws IOException {
    // The names and addresses of the recording, so that the texts compare as they are.
    String br = "br-adbcf51fa87f";
    try (PortWorld world = new PortWorld(sandbox, true)) {
      BridgeDriver docker0 = world.bridge("docker0", "172.17.0.1/16");
      BridgeDriver user = world.bridge(br, "172.28.0.1/16");
      Endpoint web = world.container(user, "pm-web", "172.28.0.2");
      Endpoint web0 = world.container(docker0, "pm-web0", "172.17.0.4");

      List<PublishedPort> webPorts = world.publish("web", web, br, "8080:80");
      List<PublishedPort> web0Ports = world.publish("web0", web0, "docker0", "8081:80");
      String published = reference("user-network-and-ports/iptables-save.txt");
      assertEquals(published, world.rules());

      // Flushed behind jocker's back, the periodic check puts everything back as it was: the
      // bridges' rules first (so that the chains exist), then the ports' in the order taken.
      sandbox.host().run("iptables", "-F");
      sandbox.host().run("iptables", "-t", "nat", "-F");
      assertEquals(6, world.mapper.missingRules().size());
      world.firewall.ensure(PortRules.bridgeRules("docker0", "172.17.0.0/16", "DOCKER", true));
      world.firewall.ensure(PortRules.bridgeRules(br, "172.28.0.0/16", "DOCKER", true));
      assertEquals(6, world.mapper.restoreRules().size());
      assertEquals(published, world.rules());

      world.mapper.release(world.store, webPorts);
      world.mapper.release(world.store, web0Ports);
      world.firewall.delete(
          PortRules.bridgeRules(br, "172.28.0.0/16", "DOCKER", true).rules().stream()
              .filter(r -> r.args().contains(br))
              .toList());
      user.teardown();
      assertEquals(reference("user-network-and-ports/after-rm-iptables.txt"), world.rules());
      assertEquals(List.of(), world.store.ports());
    }
  }

  @ParameterizedTest(name = "userland proxy {0}")
  @ValueSource(booleans = {true, false})
  void dockersRecordingReplayedWithRealSocketsLeavesDockersRulesAndListeners(
      boolean userlandProxy, Sandbox sandbox) throws IOException {
    DockerPortsScenario scenario = new DockerPortsScenario(userlandProxy);
    try (PortWorld world = new PortWorld(sandbox, userlandProxy)) {
      world.bridge("docker0", "172.17.0.1/16");
      BridgeDriver user = world.bridge(scenario.mynet, "172.18.0.1/16");
      Map<String, Object> results =
          DockerPortsScenario.replay(world.mapper, world.store, true, scenario.mynet);

      // Real binds refuse what Docker's did: SCTP (no SCTP in this kernel), an address that is
      // not local; and an ephemeral port another container's listener overlaps is skipped (p9
      // on 127.0.0.1 took 32771, p12's IPv4 binding 32772 and its IPv6 one 32771).
      for (String failed : List.of("p13", "p15")) {
        assertEquals(
            DockerPortsScenario.dockersWords(scenario.file("run-" + failed + ".err")),
            results.get(failed),
            failed);
      }
      for (Map.Entry<String, Object> e : results.entrySet()) {
        if (e.getValue() instanceof List<?> ports) {
          String inspect = scenario.file("inspect-" + e.getKey() + ".out");
          for (Object p : ports) {
            PublishedPort port = (PublishedPort) p;
            String binding =
                "{\"HostIp\":\"" + port.hostIp() + "\",\"HostPort\":\"" + port.hostPort() + "\"}";
            assertTrue(inspect.contains(binding), e.getKey() + " " + binding + " in " + inspect);
          }
        }
      }
      assertEquals(
          withoutEmptyTables(IptablesSave.normalise(scenario.file("published-iptables-save.txt"))),
          withoutEmptyTables(world.rules()));
      assertEquals(
          sockets(scenario.file("published-listening.txt")),
          sockets(sandbox.host().run("ss", "-Hltnu")));

      world.mapper.release(world.store, world.store.ports());
      world.firewall.delete(
          scenario.bridgeRules().get(1).rules().stream()
              .filter(r -> r.args().contains(scenario.mynet))
              .toList());
      user.teardown();
      assertEquals(
          withoutEmptyTables(IptablesSave.normalise(scenario.file("after-rm-iptables-save.txt"))),
          withoutEmptyTables(world.rules()));
      assertEquals(List.of(), sockets(sandbox.host().run("ss", "-Hltnu")));
    }
  }

  /**
   * The tables that hold rules: Docker's capture keeps an empty mangle table, made by the CHECKSUM
   * rule of the SCTP port it failed to publish (it adds a port's rules before it starts its proxy;
   * jocker opens the socket first, so a refused port never touches the rules).
   */
  private static String withoutEmptyTables(String save) {
    StringBuilder out = new StringBuilder();
    for (String table : save.split("(?m)^COMMIT\n")) {
      if (table.contains("\n-A ")) {
        out.append(table).append("COMMIT\n");
      }
    }
    return out.toString();
  }

  /** Protocol and local address of each socket ss lists, sorted. */
  private static List<String> sockets(String ss) {
    return ss.lines()
        .filter(l -> !l.isBlank())
        .map(l -> l.trim().split("\\s+"))
        .map(f -> f[0] + " " + f[4])
        .sorted()
        .toList();
  }

  @ParameterizedTest(name = "userland proxy {0}")
  @ValueSource(booleans = {true, false})
  void aPublishedPortIsReachedFromEverywhereAsUnderDocker(boolean userlandProxy, Sandbox sandbox)
      throws IOException {
    Sandbox.Namespace internet = sandbox.internet();
    try (PortWorld world = new PortWorld(sandbox, userlandProxy)) {
      BridgeDriver docker0 = world.bridge("docker0", "172.17.0.1/16");
      Endpoint web = world.container(docker0, "pm-web", "172.17.0.2");
      world.container(docker0, "pm-other", "172.17.0.3");
      world.httpd("pm-web");
      world.whoamiTcp("pm-web", 81);
      world.whoamiUdp("pm-web", 53);
      String before = world.rules();

      List<PublishedPort> ports =
          world.publish("web", web, "docker0", "8080:80", "8081:81", "8053:53/udp");

      String page = "hello from pm-web";
      String uplink = Sandbox.UPLINK_ADDRESS;
      assertEquals(page, world.wget(internet.name(), "http://" + uplink + ":8080/"));
      assertEquals(page, world.wget(sandbox.host().name(), "http://127.0.0.1:8080/"));
      assertEquals(page, world.wget("pm-other", "http://" + uplink + ":8080/"));
      assertEquals(page, world.wget("pm-web", "http://" + uplink + ":8080/"));

      // Who the container sees: the client by DNAT, the bridge's address through the proxy or
      // the hairpin MASQUERADE rules.
      Path inet = internet.path();
      Path hostNs = sandbox.host().path();
      Path other = world.namespaces.path("pm-other");
      Path self = world.namespaces.path("pm-web");
      String viaProxy = userlandProxy ? "you are 172.17.0.1" : null;
      for (boolean udp : new boolean[] {false, true}) {
        int port = udp ? 8053 : 8081;
        Asker ask = udp ? PortWorld::udp : PortWorld::tcp;
        assertEquals("you are 198.51.100.1", ask.ask(inet, uplink, port), "from the internet");
        assertEquals("you are 172.17.0.1", ask.ask(hostNs, "127.0.0.1", port), "from the host");
        assertEquals(
            userlandProxy ? viaProxy : "you are 172.17.0.3",
            ask.ask(other, uplink, port),
            "from another container");
        assertEquals(
            "you are 172.17.0.1", ask.ask(self, uplink, port), "from the container itself");
      }
      if (userlandProxy) {
        assertEquals(page, world.wget(sandbox.host().name(), "http://[::1]:8080/"));
        String listening = sandbox.host().run("ss", "-Hltnu");
        for (String a : List.of("0.0.0.0:8080", "[::]:8080", "0.0.0.0:8053", "[::]:8053")) {
          assertTrue(listening.contains(a + " "), listening);
        }
      } else {
        assertEquals("1", world.host.sysctls().get("net.ipv4.conf.docker0.route_localnet"));
        assertTrue(world.host.links().hairpin(web.hostVeth()));
        assertTrue(
            sandbox.host().run("ip", "-d", "link", "show", web.hostVeth()).contains("hairpin on"));
      }

      world.mapper.release(world.store, ports);
      assertEquals(before, world.rules());
      assertEquals("wget exited 1", world.wget(sandbox.host().name(), "http://127.0.0.1:8080/"));
      for (PublishedPort p : ports) {
        assertTrue(!world.allocator.taken(p.hostIp(), p.proto(), p.hostPort()), p.hostKey());
      }
    }
  }

  private interface Asker {
    String ask(Path ns, String address, int port) throws IOException;
  }

  @ParameterizedTest(name = "userland proxy {0}")
  @ValueSource(booleans = {true, false})
  void aPortOtherProgramsHoldOrAnAddressNotLocalFailsAsUnderDocker(
      boolean userlandProxy, Sandbox sandbox) throws IOException {
    DockerPortsScenario scenario = new DockerPortsScenario(userlandProxy);
    // Another program holds 8085 on the host, as the recording's busybox nc -l -p 8085.
    ServerSocket other =
        PortWorld.inside(
            sandbox.host().path(),
            () -> {
              ServerSocket s = new ServerSocket();
              s.bind(new InetSocketAddress(8085));
              return s;
            });
    try (PortWorld world = new PortWorld(sandbox, userlandProxy);
        other) {
      BridgeDriver docker0 = world.bridge("docker0", "172.17.0.1/16");
      Endpoint c = world.container(docker0, "pm-c", "172.17.0.2");
      String before = world.rules();

      assertEquals(
          DockerPortsScenario.dockersWords(scenario.file("held-20.err")),
          assertThrows(PortMapException.class, () -> world.publish("held", c, "docker0", "8085:80"))
              .getMessage());
      assertEquals(
          DockerPortsScenario.dockersWords(scenario.file("not-local-20.err")),
          assertThrows(
                  PortMapException.class,
                  () -> world.publish("not-local", c, "docker0", "10.9.9.9:8087:80"))
              .getMessage());
      world.publish("p1", c, "docker0", "8080:80");
      assertEquals(
          DockerPortsScenario.dockersWords(scenario.file("taken-20.err")),
          assertThrows(
                  PortMapException.class, () -> world.publish("taken", c, "docker0", "8080:80"))
              .getMessage());
      assertEquals(
          List.of("p1"),
          world.store.ports().stream().map(PublishedPort::owner).distinct().toList());
      world.mapper.release(world.store, world.store.ports());
      assertEquals(before, world.rules());
      // Nothing of the failed attempts is left listening, only the other program.
      assertEquals(
          List.of(),
          sockets(sandbox.host().run("ss", "-Hltnu")).stream()
              .filter(s -> !s.endsWith(":8085"))
              .toList());
    }
  }

  @ParameterizedTest(name = "userland proxy {0}")
  @ValueSource(booleans = {true, false})
  void afterARestartTheRecordsReopenWhatLivesAndRemoveWhatDied(
      boolean userlandProxy, Sandbox sandbox) throws IOException {
    MemoryPortStore store = new MemoryPortStore();
    String before;
    try (PortWorld world = new PortWorld(sandbox, userlandProxy, store)) {
      BridgeDriver docker0 = world.bridge("docker0", "172.17.0.1/16");
      Endpoint live = world.container(docker0, "pm-live", "172.17.0.2");
      world.container(docker0, "pm-dead", "172.17.0.3");
      world.httpd("pm-live");
      before = world.rules();
      world.publish("live", live, "docker0", "8080:80");
      PortConfig config = PortSpecs.parse(List.of("8081:80", "8053:53/udp"), List.of());
      List<PublishedPort> dead =
          world.mapper.allocate(
              store,
              "dead",
              "docker0",
              "172.17.0.3",
              PortPlan.requests(config.exposedPorts(), config.portBindings(), false));
      // The daemon dies half-way through the second container's rules: nat's are in, filter's
      // not. Its sockets die with it, as the proxy's close here.
      world.firewall.append(
          PortRules.of(dead, "DOCKER").stream().filter(r -> r.table().equals("nat")).toList());
    }
    try (PortWorld restarted = new PortWorld(sandbox, userlandProxy, store)) {
      List<PublishedPort> live =
          store.ports().stream().filter(p -> p.owner().equals("live")).toList();
      List<PublishedPort> dead =
          store.ports().stream().filter(p -> p.owner().equals("dead")).toList();
      assertEquals(List.of(), restarted.mapper.restore(live));
      restarted.mapper.release(store, dead);

      assertEquals(live, store.ports());
      assertEquals(List.of(), restarted.mapper.missingRules());
      List<dev.jocker.firewall.Rule> deadRules = PortRules.of(dead, "DOCKER");
      assertEquals(deadRules, restarted.firewall.absent(deadRules));
      assertEquals(
          "hello from pm-live",
          restarted.wget(sandbox.host().name(), "http://127.0.0.1:8080/"),
          "the restarted daemon serves the port again");
      restarted.publish("again", "172.17.0.3", "docker0", "8081:80", "8053:53/udp");

      restarted.mapper.release(store, store.ports());
      assertEquals(before, restarted.rules());
    }
  }
}

package dev.jocker.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.firewall.RuleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Docker 20.10's port-publishing recording replayed with and without the userland proxy: for every
 * {@code docker run}, the client's {@code PortBindings} and {@code ExposedPorts}, the host ports
 * taken (ephemeral ones included, and the ones skipped because a listener of another container held
 * them), {@code NetworkSettings.Ports}, the 20.10 client's {@code PORTS} column and {@code port}
 * output, the daemon's error for the runs that failed, and the iptables rules of the whole scenario
 * and after its removal, all equal to what Docker left in the recording. The listeners are the
 * kernel's rules of who may bind what, without sockets ({@code PortPublishingIT} replays it with
 * the real proxy).
 */
class DockerPortsScenarioTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest(name = "userland proxy {0}")
  @ValueSource(booleans = {true, false})
  void everyRunGetsTheHostPortsInspectPsAndErrorsDockerGave(boolean userlandProxy)
      throws IOException {
    DockerPortsScenario scenario = new DockerPortsScenario(userlandProxy);
    MemoryPortStore store = new MemoryPortStore();
    PortMapper mapper =
        new PortMapper(
            null,
            "DOCKER",
            new PortAllocator(32768, 60999),
            new FakeListeners(),
            userlandProxy,
            "0.0.0.0");
    Map<String, Object> results = DockerPortsScenario.replay(mapper, store, false, scenario.mynet);

    List<String> psLines = new ArrayList<>();
    for (DockerPortsScenario.Run run : DockerPortsScenario.RUNS) {
      Object result = results.get(run.name());
      if (run.exits()) {
        continue;
      }
      if (result instanceof String error) {
        assertEquals(
            DockerPortsScenario.dockersWords(scenario.file("run-" + run.name() + ".err")),
            error,
            run.name());
        continue;
      }
      @SuppressWarnings("unchecked")
      List<PublishedPort> ports = (List<PublishedPort>) result;
      PortConfig config = DockerPortsScenario.config(run);
      SortedMap<String, List<HostBinding>> networkSettings =
          PortViews.networkSettingsPorts(config.exposedPorts(), ports);
      JsonNode inspect = JSON.readTree(scenario.file("inspect-" + run.name() + ".out"));
      assertEquals(inspect.get("Ports"), JSON.valueToTree(shape(networkSettings)), run.name());
      assertEquals(
          inspect.get("PortBindings"), JSON.valueToTree(shape(config.portBindings())), run.name());
      assertEquals(inspect.get("ExposedPorts").size(), config.exposedPorts().size(), run.name());
      psLines.add(0, run.name() + "\t" + PortViews.psColumn(PortViews.summaries(networkSettings)));
    }
    // docker ps lists the newest first.
    assertEquals(scenario.file("ps-ports-20.out").strip(), String.join("\n", psLines));
  }

  @ParameterizedTest(name = "userland proxy {0}")
  @ValueSource(booleans = {true, false})
  void theRulesOfTheWholeScenarioAreDockersAndGoWithIt(boolean userlandProxy) throws IOException {
    DockerPortsScenario scenario = new DockerPortsScenario(userlandProxy);
    MemoryPortStore store = new MemoryPortStore();
    PortMapper mapper =
        new PortMapper(
            null,
            "DOCKER",
            new PortAllocator(32768, 60999),
            new FakeListeners(),
            userlandProxy,
            "0.0.0.0");
    Map<String, Object> results = DockerPortsScenario.replay(mapper, store, false, scenario.mynet);
    RulesModel model = new RulesModel();
    for (RuleSet set : scenario.bridgeRules()) {
      model.ensure(set);
    }
    for (Object result : results.values()) {
      if (result instanceof List<?> ports) {
        model.append(
            PortRules.of(ports.stream().map(PublishedPort.class::cast).toList(), "DOCKER"));
      }
    }
    String published = scenario.file("published-iptables-save.txt");
    for (String table : new String[] {"filter", "nat"}) {
      assertEquals(DockerPortsScenario.rules(published, table), model.save(table), table);
    }

    model.delete(PortRules.of(store.ports(), "DOCKER"));
    model.delete(
        scenario.bridgeRules().get(1).rules().stream()
            .filter(r -> r.args().contains(scenario.mynet))
            .toList());
    String afterRm = scenario.file("after-rm-iptables-save.txt");
    for (String table : new String[] {"filter", "nat"}) {
      assertEquals(DockerPortsScenario.rules(afterRm, table), model.save(table), table);
    }
  }

  @ParameterizedTest(name = "userland proxy {0}")
  @ValueSource(booleans = {true, false})
  void portPrintsWhatThe2010ClientPrints(boolean userlandProxy) throws IOException {
    DockerPortsScenario scenario = new DockerPortsScenario(userlandProxy);
    Map<String, Object> results =
        DockerPortsScenario.replay(
            new PortMapper(
                null,
                "DOCKER",
                new PortAllocator(32768, 60999),
                new FakeListeners(),
                userlandProxy,
                "0.0.0.0"),
            new MemoryPortStore(),
            false,
            scenario.mynet);
    for (String[] c :
        new String[][] {
          {"p1", "80"},
          {"p1", "80/tcp"},
          {"p1", "80/udp"},
          {"p1", "81"},
          {"p5", "81"},
          {"p6", "90/udp"},
          {"p8", null},
          {"p8", "7500"},
          {"p1", "abc"}
        }) {
      String name = c[0];
      String file =
          c[1] == null
              ? "port-" + name + "-20"
              : c[1].equals("abc")
                  ? "port-bad-spec-20"
                  : "port-" + name + "-" + c[1].replace('/', '-') + "-20";
      Map<String, List<HostBinding>> ports = networkSettings(name, results.get(name));
      if (scenario.file(file + ".exit").strip().equals("0")) {
        String out = scenario.file(file + ".out");
        assertEquals(
            out.isEmpty() ? List.of() : List.of(out.strip().split("\n")),
            PortViews.portCommand(name, ports, c[1]),
            file);
      } else {
        assertEquals(
            scenario.file(file + ".err").strip(),
            assertThrows(PortSpecException.class, () -> PortViews.portCommand(name, ports, c[1]))
                .getMessage(),
            file);
      }
    }
  }

  @ParameterizedTest(name = "userland proxy {0}")
  @ValueSource(booleans = {true, false})
  void theClientRefusesAndAcceptsWhatThe2010ClientDoes(boolean userlandProxy) throws IOException {
    DockerPortsScenario scenario = new DockerPortsScenario(userlandProxy);
    try (var files = Files.list(scenario.dir)) {
      for (String err :
          files
              .map(p -> p.getFileName().toString())
              .filter(f -> f.matches("bad-spec-.*-20\\.err"))
              .sorted()
              .toList()) {
        String base = err.substring(0, err.length() - ".err".length());
        String spec = specOf(scenario.file("README.md"), base.substring(0, base.length() - 3));
        String said = scenario.file(err).strip();
        if (!said.startsWith("docker: ") || said.contains("Error response from daemon")) {
          // The client sent it: PortSpecs takes it (what the daemon then says is the mapper's).
          PortSpecs.parse(List.of(spec), List.of());
          continue;
        }
        String message =
            said.substring(
                "docker: ".length(), said.indexOf('\n') < 0 ? said.length() : said.indexOf('\n'));
        assertEquals(
            message.replaceFirst("\\.$", ""),
            assertThrows(PortSpecException.class, () -> PortSpecs.parse(List.of(spec), List.of()))
                .getMessage(),
            spec);
      }
    }
  }

  /** The {@code -p} value of a bad-spec row of the recording's README. */
  private static String specOf(String readme, String base) {
    String row =
        readme.lines().filter(l -> l.startsWith("| " + base + "-20.out")).findFirst().orElseThrow();
    String command = row.substring(row.indexOf('`') + 1, row.lastIndexOf('`'));
    return command.split(" ")[command.split(" ").length - 3];
  }

  private static Map<String, List<HostBinding>> networkSettings(String name, Object result) {
    if (!(result instanceof List<?> ports)) {
      return Map.of();
    }
    DockerPortsScenario.Run run =
        DockerPortsScenario.RUNS.stream()
            .filter(r -> r.name().equals(name))
            .findFirst()
            .orElseThrow();
    return PortViews.networkSettingsPorts(
        DockerPortsScenario.config(run).exposedPorts(),
        ports.stream().map(PublishedPort.class::cast).toList());
  }

  /** A port map as Docker's JSON spells it. */
  private static Map<String, Object> shape(Map<String, List<HostBinding>> ports) {
    Map<String, Object> out = new TreeMap<>();
    ports.forEach(
        (k, v) ->
            out.put(
                k,
                v == null
                    ? null
                    : v.stream()
                        .map(b -> Map.of("HostIp", b.hostIp(), "HostPort", b.hostPort()))
                        .toList()));
    return out;
  }
}

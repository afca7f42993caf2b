package dev.jocker.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/**
 * Inspect's port maps against Docker 20.10's own inspect output ({@code
 * reference/docker-20.10/ports/}), and {@code ps}/{@code port} against the 20.10 client's rendering
 * of the same data.
 */
class PortViewsTest {
  private static final Path REFERENCE = Path.of("../reference/docker-20.10/ports");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static PublishedPort v4(String proto, String ip, int host, int container) {
    return new PublishedPort("c", "docker0", true, proto, ip, host, "172.17.0.3", container);
  }

  private static PublishedPort v6(String proto, int host, int container) {
    return new PublishedPort("c", "docker0", true, proto, "::", host, "172.17.0.3", container);
  }

  private static JsonNode inspect(String mode, String name) throws IOException {
    return JSON.readTree(REFERENCE.resolve(mode).resolve("inspect-" + name + ".json").toFile())
        .get(0);
  }

  private static void assertSameAsDocker(
      JsonNode container, SortedMap<String, List<HostBinding>> ours) {
    assertEquals(container.at("/NetworkSettings/Ports"), JSON.valueToTree(jsonShape(ours)));
  }

  /** The map as Docker's JSON spells it: HostIp and HostPort. */
  private static Map<String, Object> jsonShape(SortedMap<String, List<HostBinding>> ports) {
    Map<String, Object> out = new java.util.TreeMap<>();
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

  private static PortConfig configOf(JsonNode container) {
    java.util.TreeSet<String> exposed = new java.util.TreeSet<>();
    container.at("/Config/ExposedPorts").fieldNames().forEachRemaining(exposed::add);
    java.util.TreeMap<String, List<HostBinding>> bindings = new java.util.TreeMap<>();
    container
        .at("/HostConfig/PortBindings")
        .fields()
        .forEachRemaining(
            e -> {
              List<HostBinding> list = new ArrayList<>();
              e.getValue()
                  .forEach(
                      b ->
                          list.add(
                              new HostBinding(
                                  b.get("HostIp").asText(), b.get("HostPort").asText())));
              bindings.put(e.getKey(), list);
            });
    return new PortConfig(exposed, bindings);
  }

  @Test
  void inspectShowsEveryExposedPortAndTheBindingsTakenLikeDocker() throws IOException {
    JsonNode eph = inspect("userland-proxy", "eph");
    PortConfig config = configOf(eph);
    assertEquals(
        PortSpecs.parse(List.of("80", "0:81", "127.0.0.1::82/udp"), List.of("90")), config);
    List<PublishedPort> taken =
        List.of(
            v4("udp", "127.0.0.1", 32768, 82),
            v4("tcp", "0.0.0.0", 32768, 81),
            v6("tcp", 32768, 81),
            v4("tcp", "0.0.0.0", 32769, 80),
            v6("tcp", 32769, 80));
    SortedMap<String, List<HostBinding>> ports =
        PortViews.networkSettingsPorts(config.exposedPorts(), taken);
    assertSameAsDocker(eph, ports);
    assertEquals(
        "90/tcp, 0.0.0.0:32769->80/tcp, :::32769->80/tcp, 0.0.0.0:32768->81/tcp,"
            + " :::32768->81/tcp, 127.0.0.1:32768->82/udp",
        PortViews.psColumn(PortViews.summaries(ports)));
  }

  @Test
  void withoutTheUserlandProxyThereIsNoIpv6Binding() throws IOException {
    JsonNode web = inspect("no-userland-proxy", "web");
    PortConfig config = configOf(web);
    SortedMap<String, List<HostBinding>> ports =
        PortViews.networkSettingsPorts(
            config.exposedPorts(), List.of(v4("tcp", "0.0.0.0", 8080, 80)));
    assertSameAsDocker(web, ports);
    assertEquals("0.0.0.0:8080->80/tcp", PortViews.psColumn(PortViews.summaries(ports)));
  }

  @Test
  void publishAllAndRangesRenderAsDockerDoes() throws IOException {
    JsonNode all = inspect("userland-proxy", "all");
    SortedMap<String, List<HostBinding>> ports =
        PortViews.networkSettingsPorts(
            configOf(all).exposedPorts(),
            List.of(
                v4("tcp", "0.0.0.0", 32770, 443),
                v6("tcp", 32770, 443),
                v4("tcp", "0.0.0.0", 32771, 80),
                v6("tcp", 32771, 80),
                v4("udp", "0.0.0.0", 32769, 53),
                v6("udp", 32768, 53)));
    assertSameAsDocker(all, ports);
    assertEquals(
        "0.0.0.0:32769->53/udp, :::32768->53/udp, 0.0.0.0:32771->80/tcp, :::32771->80/tcp,"
            + " 0.0.0.0:32770->443/tcp, :::32770->443/tcp",
        PortViews.psColumn(PortViews.summaries(ports)));

    SortedMap<String, List<HostBinding>> same =
        PortViews.networkSettingsPorts(
            List.of("8000/tcp", "8001/tcp", "8002/tcp"),
            List.of(
                v4("tcp", "0.0.0.0", 8000, 8000),
                v6("tcp", 8000, 8000),
                v4("tcp", "0.0.0.0", 8001, 8001),
                v6("tcp", 8001, 8001),
                v4("tcp", "0.0.0.0", 8002, 8002),
                v6("tcp", 8002, 8002)));
    assertEquals(
        "0.0.0.0:8000-8002->8000-8002/tcp, :::8000-8002->8000-8002/tcp",
        PortViews.psColumn(PortViews.summaries(same)));
  }

  @Test
  void aStoppedContainerShowsNoPortsAndPortPrintsWhatWasTaken() throws IOException {
    assertEquals(0, inspect("userland-proxy", "web-stopped").at("/NetworkSettings/Ports").size());
    SortedMap<String, List<HostBinding>> ports =
        PortViews.networkSettingsPorts(
            List.of("80/tcp", "90/tcp"),
            List.of(v4("tcp", "0.0.0.0", 8080, 80), v6("tcp", 8080, 80)));
    assertEquals(
        List.of("80/tcp -> 0.0.0.0:8080", "80/tcp -> :::8080"),
        PortViews.portCommand("web", ports, null));
    assertEquals(List.of("0.0.0.0:8080", ":::8080"), PortViews.portCommand("web", ports, "80"));
    assertEquals(
        List.of("0.0.0.0:8080", ":::8080"), PortViews.portCommand("web", ports, "080/tcp"));
    assertEquals(
        "Error: No public port '80/udp' published for web",
        assertThrows(PortSpecException.class, () -> PortViews.portCommand("web", ports, "80/udp"))
            .getMessage());
    assertEquals(
        "Error: No public port '90/tcp' published for web",
        assertThrows(PortSpecException.class, () -> PortViews.portCommand("web", ports, "90"))
            .getMessage());
    assertEquals(
        "strconv.ParseUint: parsing \"abc\": invalid syntax",
        assertThrows(PortSpecException.class, () -> PortViews.portCommand("web", ports, "abc"))
            .getMessage());
  }
}

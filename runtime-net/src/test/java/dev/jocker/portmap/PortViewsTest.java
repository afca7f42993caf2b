package dev.jocker.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/**
 * The renderings on cases Docker's recording ({@code DockerPortsScenarioTest}) does not hold: ports
 * grouped in the {@code PORTS} column, exposed-only ports, and {@code port} without a port.
 */
class PortViewsTest {
  private static PublishedPort v4(int host, int container) {
    return new PublishedPort("c", "docker0", true, "tcp", "0.0.0.0", host, "172.17.0.3", container);
  }

  private static PublishedPort v6(int host, int container) {
    return new PublishedPort("c", "docker0", true, "tcp", "::", host, "172.17.0.3", container);
  }

  @Test
  void consecutivePortsPublishedOnTheirOwnNumbersAreGrouped() {
    SortedMap<String, List<HostBinding>> ports =
        PortViews.networkSettingsPorts(
            List.of("8000/tcp", "8001/tcp", "8002/tcp", "9000/tcp", "9002/tcp", "9003/tcp"),
            List.of(
                v4(8000, 8000),
                v6(8000, 8000),
                v4(8001, 8001),
                v6(8001, 8001),
                v4(8002, 8002),
                v6(8002, 8002)));
    // The 20.10 client's order: a group closed early (9000) first, then the groups still open in
    // the order they were opened.
    assertEquals(
        "9000/tcp, 0.0.0.0:8000-8002->8000-8002/tcp, :::8000-8002->8000-8002/tcp,"
            + " 9002-9003/tcp",
        PortViews.psColumn(PortViews.summaries(ports)));
  }

  @Test
  void portWithoutAPortListsEveryBindingInKeyOrder() {
    SortedMap<String, List<HostBinding>> ports =
        PortViews.networkSettingsPorts(
            List.of("80/tcp", "443/tcp", "90/tcp"),
            List.of(v4(8080, 80), v6(8080, 80), v4(8443, 443), v6(8443, 443)));
    assertEquals(
        List.of(
            "443/tcp -> 0.0.0.0:8443",
            "443/tcp -> :::8443",
            "80/tcp -> 0.0.0.0:8080",
            "80/tcp -> :::8080"),
        PortViews.portCommand("web", ports, null));
    assertEquals(
        List.of("0.0.0.0:8443", ":::8443"), PortViews.portCommand("web", ports, "0443/tcp"));
    assertEquals(
        "Error: No public port '80-81/tcp' published for web",
        assertThrows(PortSpecException.class, () -> PortViews.portCommand("web", ports, "80-81"))
            .getMessage());
  }
}

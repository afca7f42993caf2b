package dev.jocker.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The order Docker allocates in, checked against the order of the rules Docker 20.10 appended in
 * {@code reference/docker-20.10/ports/userland-proxy/iptables-save-many.txt}.
 */
class PortPlanTest {
  private static List<PortRequest> plan(
      boolean publishAll, List<String> publish, List<String> expose) {
    PortConfig c = PortSpecs.parse(publish, expose);
    return PortPlan.requests(c.exposedPorts(), c.portBindings(), publishAll);
  }

  @Test
  void ephemeralPortsGoToHigherContainerPortsFirst() {
    // docker run -p 80 -p 0:81 -p 127.0.0.1::82/udp --expose 90: 82/udp, 81 took 32768, 80 32769.
    assertEquals(
        List.of(
            new PortRequest("udp", 82, "127.0.0.1", 0, 0),
            new PortRequest("tcp", 81, "", 0, 0),
            new PortRequest("tcp", 80, "", 0, 0)),
        plan(false, List.of("80", "0:81", "127.0.0.1::82/udp"), List.of("90")));
  }

  @Test
  void publishAllGivesEveryExposedPortAnEphemeralOne() {
    // docker run -P --expose 443 --expose 80 --expose 53/udp: 443 took 32770, 80 32771.
    assertEquals(
        List.of(
            new PortRequest("tcp", 443, "", 0, 0),
            new PortRequest("tcp", 80, "", 0, 0),
            new PortRequest("udp", 53, "", 0, 0)),
        plan(true, List.of(), List.of("443", "80", "53/udp")));
  }

  @Test
  void requestedHostPortsComeFirstHighestFirst() {
    // docker run -p 8000-8002:80-82 -p 9000-9005:53/udp: 53/udp, then 82, 81, 80.
    assertEquals(
        List.of(
            new PortRequest("udp", 53, "", 9000, 9005),
            new PortRequest("tcp", 82, "", 8002, 8002),
            new PortRequest("tcp", 81, "", 8001, 8001),
            new PortRequest("tcp", 80, "", 8000, 8000)),
        plan(false, List.of("8000-8002:80-82", "9000-9005:53/udp"), List.of()));
  }

  @Test
  void severalBindingsOfOnePortGoHighestHostPortFirstAndUnexposedOnesAreIgnored() {
    assertEquals(
        List.of(
            new PortRequest("tcp", 80, "", 8081, 8081), new PortRequest("tcp", 80, "", 8080, 8080)),
        plan(false, List.of("8080:80", "8081:80"), List.of()));
    PortConfig c = PortSpecs.parse(List.of("8080:80"), List.of());
    assertEquals(List.of(), PortPlan.requests(java.util.Set.of(), c.portBindings(), true));
    assertEquals(
        List.of(new PortRequest("tcp", 80, "::1", 8080, 8080)),
        plan(false, List.of("[0:0::1]:8080:80"), List.of()));
  }
}

package dev.jocker.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The order Docker allocates in, as its rules in {@code
 * reference/docker-20.10/ports-proxy/published-iptables-save.txt} were appended (the whole
 * recording is {@code DockerPortsScenarioTest}'s), and cases it does not hold.
 */
class PortPlanTest {
  private static List<PortRequest> plan(
      boolean publishAll, List<String> publish, List<String> expose) {
    PortConfig c = PortSpecs.parse(publish, expose);
    return PortPlan.requests(c.exposedPorts(), c.portBindings(), publishAll);
  }

  @Test
  void requestedHostPortsGoHighestFirst() {
    // p5, -p 8000-8002:80-82: the rules of 82, then 81, then 80.
    assertEquals(
        List.of(
            new PortRequest("tcp", 82, "", 8002, 8002),
            new PortRequest("tcp", 81, "", 8001, 8001),
            new PortRequest("tcp", 80, "", 8000, 8000)),
        plan(false, List.of("8000-8002:80-82"), List.of()));
  }

  @Test
  void ephemeralPortsGoToHigherContainerPortsFirstAndTcpBeforeUdp() {
    // p7, -P --expose 7000 --expose 7001/udp: 7001/udp took 32768 first.
    assertEquals(
        List.of(new PortRequest("udp", 7001, "", 0, 0), new PortRequest("tcp", 7000, "", 0, 0)),
        plan(true, List.of(), List.of("7000", "7001/udp")));
    // p14, -p 8444:80/tcp -p 8444:80/udp: tcp first.
    assertEquals(
        List.of(
            new PortRequest("tcp", 80, "", 8444, 8444), new PortRequest("udp", 80, "", 8444, 8444)),
        plan(false, List.of("8444:80/tcp", "8444:80/udp"), List.of()));
    // A host port before ephemeral ones, whatever the container ports.
    assertEquals(
        List.of(new PortRequest("tcp", 53, "", 9000, 9000), new PortRequest("tcp", 80, "", 0, 0)),
        plan(false, List.of("80", "9000:53"), List.of()));
  }

  @Test
  void severalBindingsOfOnePortGoHighestHostPortFirstAndUnexposedOnesAreIgnored() {
    assertEquals(
        List.of(
            new PortRequest("tcp", 80, "", 8081, 8081), new PortRequest("tcp", 80, "", 8080, 8080)),
        plan(false, List.of("8080:80", "8081:80"), List.of()));
    PortConfig c = PortSpecs.parse(List.of("8080:80"), List.of());
    assertEquals(List.of(), PortPlan.requests(Set.of(), c.portBindings(), true));
    assertEquals(
        List.of(new PortRequest("tcp", 80, "::1", 8080, 8080)),
        plan(false, List.of("[0:0::1]:8080:80"), List.of()));
  }
}

package dev.jocker.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code -p} and {@code --expose} read as Docker 20.10's client reads them, errors included. */
class PortSpecsTest {
  private static PortConfig publish(String... specs) {
    return PortSpecs.parse(List.of(specs), List.of());
  }

  private static String refused(String... specs) {
    return assertThrows(PortSpecException.class, () -> publish(specs)).getMessage();
  }

  @Test
  void theShortFormsGiveDockersBindings() {
    PortConfig c = publish("8080:80", "127.0.0.1::82/udp", "80", "0:81", "[::1]:9090:90/TCP");
    assertEquals(List.of("80/tcp", "81/tcp", "82/udp", "90/tcp"), List.copyOf(c.exposedPorts()));
    assertEquals(
        Map.of(
            "80/tcp", List.of(new HostBinding("", "8080"), new HostBinding("", "")),
            "81/tcp", List.of(new HostBinding("", "0")),
            "82/udp", List.of(new HostBinding("127.0.0.1", "")),
            "90/tcp", List.of(new HostBinding("::1", "9090"))),
        c.portBindings());
  }

  @Test
  void rangesMapPortByPortOrGiveAHostRangeToOneContainerPort() {
    PortConfig c = publish("8000-8002:80-82", "9000-9005:53/udp", "7000-7001");
    assertEquals(
        Map.of(
            "80/tcp", List.of(new HostBinding("", "8000")),
            "81/tcp", List.of(new HostBinding("", "8001")),
            "82/tcp", List.of(new HostBinding("", "8002")),
            "53/udp", List.of(new HostBinding("", "9000-9005")),
            "7000/tcp", List.of(new HostBinding("", "")),
            "7001/tcp", List.of(new HostBinding("", ""))),
        c.portBindings());
  }

  @Test
  void theLongSyntaxIsTheShortOneSpelledOut() {
    assertEquals(
        publish("8080:80/udp").portBindings(),
        publish("target=80,published=8080,protocol=udp").portBindings());
    assertEquals(publish(":80/tcp").portBindings(), publish("target=80").portBindings());
    assertEquals(
        "invalid publish opts format (should be name=value but got 'published')",
        refused("target=80,published"));
  }

  @Test
  void refusedSpecsGetDockersMessages() {
    assertEquals("Invalid hostPort: 70000", refused("70000:80"));
    assertEquals("Invalid containerPort: abc", refused("abc"));
    assertEquals("Invalid containerPort: 80-70", refused("80-70"));
    assertEquals("Invalid proto: icmp", refused("80/icmp"));
    assertEquals(
        "Invalid ranges specified for container and host Ports: 80-82 and 8000-8001",
        refused("8000-8001:80-82"));
    assertEquals(
        "Invalid ranges specified for container and host Ports: 80-82 and 8080",
        refused("8080:80-82"));
    assertEquals("No port specified: 8080:<empty>", refused("8080:"));
    assertEquals("Invalid ip address: 1.2.3", refused("1.2.3:8080:80"));
    assertEquals("Invalid ip address: 010.0.0.1", refused("010.0.0.1:8080:80"));
    assertEquals(
        "Invalid ip address ::1: address ::1:: too many colons in address", refused("::1:8080:80"));
    assertEquals(
        "Invalid ip address [::1: address [::1:: missing ']' in address", refused("[::1:8080:80"));
  }

  @Test
  void whatDockerAcceptsIsAccepted() {
    assertEquals(
        Map.of("80/tcp", List.of(new HostBinding("", "0"))), publish("0:80").portBindings());
    assertEquals(Map.of("0/tcp", List.of(new HostBinding("", ""))), publish("0").portBindings());
    assertEquals(
        Map.of("80/tcp", List.of(new HostBinding("", "80"))), publish("080:080").portBindings());
  }

  @Test
  void exposeAddsPortsAndRangesWithoutBindings() {
    PortConfig c =
        PortSpecs.parse(List.of("8080:80"), List.of("90", "53/udp", "100-102/tcp", "80"));
    assertEquals(
        List.of("100/tcp", "101/tcp", "102/tcp", "53/udp", "80/tcp", "90/tcp"),
        List.copyOf(c.exposedPorts()));
    assertEquals(List.of("80/tcp"), List.copyOf(c.portBindings().keySet()));
    assertEquals(
        "invalid port format for --expose: 8080:80",
        assertThrows(PortSpecException.class, () -> PortSpecs.parse(List.of(), List.of("8080:80")))
            .getMessage());
    assertEquals(
        "invalid range format for --expose: abc, error: strconv.ParseUint: parsing \"abc\":"
            + " invalid syntax",
        assertThrows(PortSpecException.class, () -> PortSpecs.parse(List.of(), List.of("abc")))
            .getMessage());
  }

  @Test
  void theDaemonChecksBindingsThatCameThroughTheApi() {
    PortSpecs.validate(
        Map.of("80/tcp", List.of(new HostBinding("", ""), new HostBinding("", "8000-8002"))));
    assertEquals(
        "invalid port specification: \"abc\"",
        assertThrows(
                PortSpecException.class,
                () -> PortSpecs.validate(Map.of("80/tcp", List.of(new HostBinding("", "abc")))))
            .getMessage());
    assertEquals(
        "invalid port specification: \"80-82\"",
        assertThrows(
                PortSpecException.class, () -> PortSpecs.validate(Map.of("80-82/tcp", List.of())))
            .getMessage());
  }

  @Test
  void addressesReadAndPrintAsGoDoes() {
    assertEquals("::", IpText.canonical("0:0::0"));
    assertEquals("::1", IpText.canonical("0:0:0:0:0:0:0:1"));
    assertEquals("2001:db8::1:0:0:1", IpText.canonical("2001:DB8:0:0:1:0:0:1"));
    assertEquals("2001:db8:0:1:1:1:1:1", IpText.canonical("2001:db8:0:1:1:1:1:1"));
    assertEquals("127.0.0.1", IpText.canonical("::ffff:127.0.0.1"));
    assertEquals("::102:304", IpText.canonical("::1.2.3.4"));
    assertEquals(null, IpText.canonical("1.2.3.256"));
    assertEquals(null, IpText.canonical("fe80::1%eth0"));
    assertEquals(null, IpText.canonical("1:2:3:4:5:6:7:8:9"));
    assertEquals(null, IpText.canonical("localhost"));
  }
}

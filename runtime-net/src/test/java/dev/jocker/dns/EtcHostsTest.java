package dev.jocker.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** /etc/hosts as Docker 20.10 writes it, and names that could not break it. */
class EtcHostsTest {
  @Test
  void aContainerOnTheDefaultBridgeMatchesTheReference() throws IOException {
    String reference =
        Files.readString(Path.of("../reference/docker-20.10/c1-etc.txt"))
            .lines()
            .skip(1)
            .collect(Collectors.joining("\n", "", "\n"));
    String hosts =
        EtcHosts.append(EtcHosts.build(List.of()), EtcHosts.self("172.17.0.2", "4b47d6bb3da6", ""));
    assertEquals(reference, hosts);
  }

  @Test
  void extraHostsComeBeforeTheContainersOwnLinesOnePerNetwork() {
    String hosts =
        EtcHosts.build(
            List.of(
                EtcHosts.addHost("db.example.test:192.0.2.7", null),
                EtcHosts.addHost("gw:host-gateway", "172.17.0.1"),
                EtcHosts.addHost("v6:2001:db8::1", null),
                EtcHosts.link("webdb", "4b47d6bb3da6", "db", "172.17.0.3")));
    hosts = EtcHosts.append(hosts, EtcHosts.self("172.18.0.2", "web", "example.test"));
    hosts = EtcHosts.append(hosts, EtcHosts.self("172.19.0.2", "web.example.test", null));
    assertEquals(
        String.join(
            "\n",
            "127.0.0.1\tlocalhost",
            "::1\tlocalhost ip6-localhost ip6-loopback",
            "fe00::0\tip6-localnet",
            "ff00::0\tip6-mcastprefix",
            "ff02::1\tip6-allnodes",
            "ff02::2\tip6-allrouters",
            "192.0.2.7\tdb.example.test",
            "172.17.0.1\tgw",
            "2001:db8::1\tv6",
            "172.17.0.3\twebdb 4b47d6bb3da6 db",
            "172.18.0.2\tweb.example.test web",
            "172.19.0.2\tweb.example.test web",
            ""),
        hosts);
  }

  @Test
  void aRestartedLinkedContainersNewAddressReplacesTheOld() {
    String hosts = EtcHosts.build(List.of(EtcHosts.link("db", "dbhost", "db", "172.17.0.3")));
    assertEquals(
        hosts.replace("172.17.0.3\tdb dbhost", "172.17.0.9\tdb dbhost"),
        EtcHosts.relink(hosts, "db", "172.17.0.9"));
  }

  @Test
  void addHostIsCheckedAsDockerChecksIt() {
    assertEquals(
        "bad format for add-host: \"nocolon\"",
        assertThrows(IllegalArgumentException.class, () -> EtcHosts.addHost("nocolon", null))
            .getMessage());
    assertEquals(
        "invalid IP address in add-host: \"999.1.1.1\"",
        assertThrows(IllegalArgumentException.class, () -> EtcHosts.addHost("a:999.1.1.1", null))
            .getMessage());
    assertEquals(
        "invalid IP address in add-host: \"example.com\"",
        assertThrows(IllegalArgumentException.class, () -> EtcHosts.addHost("a:example.com", null))
            .getMessage());
    assertEquals(
        "unable to derive the IP value for host-gateway",
        assertThrows(IllegalArgumentException.class, () -> EtcHosts.addHost("a:host-gateway", null))
            .getMessage());
  }

  @Test
  void noNameCanWriteAnExtraLine() {
    assertEquals(
        "--add-host \"evil\\n10.0.0.1\": a host name cannot hold spaces or control characters",
        assertThrows(
                IllegalArgumentException.class,
                () -> EtcHosts.addHost("evil\n10.0.0.1:192.0.2.1", null))
            .getMessage());
    assertEquals(
        "--hostname \"web\\n10.0.0.1 evil\": not a valid RFC 1123 host name (dot-separated"
            + " labels of letters, digits and inner hyphens)",
        assertThrows(
                IllegalArgumentException.class,
                () -> Hostnames.validate("--hostname", "web\n10.0.0.1 evil"))
            .getMessage());
    assertEquals("web-1.example.test", Hostnames.validate("--hostname", "web-1.example.test"));
    assertThrows(IllegalArgumentException.class, () -> Hostnames.validate("--hostname", "-web"));
    assertThrows(IllegalArgumentException.class, () -> Hostnames.validate("--hostname", "a..b"));
    assertThrows(
        IllegalArgumentException.class, () -> Hostnames.validate("--hostname", "a".repeat(65)));
  }
}

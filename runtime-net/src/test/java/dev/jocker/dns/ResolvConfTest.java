package dev.jocker.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.dns.ResolvConf.DnsSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** resolv.conf as Docker 20.10 writes it, for the default bridge and for the embedded DNS. */
class ResolvConfTest {
  static final String SYSTEMD = "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n";

  @Test
  void defaultBridgeCopiesTheHostsServersAsTheReferenceShows() throws IOException {
    String reference = Files.readString(Path.of("../reference/docker-20.10/c1-etc.txt"));
    String firstLine = reference.lines().findFirst().orElseThrow();
    assertTrue(firstLine.startsWith("nameserver 192.0.2.53"), firstLine);
    assertEquals(
        "nameserver 192.0.2.53\n",
        ResolvConf.forDefaultBridge("nameserver 192.0.2.53\n", DnsSettings.NONE));
  }

  @Test
  void defaultBridgeDropsLoopbackAndIpv6ServersAndFallsBackToGoogles() {
    assertEquals(
        "options edns0 trust-ad\nsearch lan\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n",
        ResolvConf.forDefaultBridge(SYSTEMD, DnsSettings.NONE));
    assertEquals(
        "# comment\nnameserver 192.0.2.1\n",
        ResolvConf.forDefaultBridge(
            "# comment\nnameserver 127.0.0.1\nnameserver 192.0.2.1\nnameserver 2001:db8::1\n",
            DnsSettings.NONE));
    assertEquals(
        "\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n",
        ResolvConf.forDefaultBridge("", DnsSettings.NONE));
  }

  @Test
  void optionsReplaceTheHostsLinesOfTheirKind() {
    assertEquals(
        "search lan\nnameserver 192.0.2.9\noptions edns0 trust-ad\n",
        ResolvConf.forDefaultBridge(
            SYSTEMD, new DnsSettings(List.of("192.0.2.9"), List.of(), List.of())));
    assertEquals(
        "search example.test\nnameserver 127.0.0.53\noptions timeout:1\n",
        ResolvConf.forDefaultBridge(
            SYSTEMD, new DnsSettings(List.of(), List.of("example.test"), List.of("timeout:1"))));
    assertEquals(
        "nameserver 192.0.2.53\n",
        ResolvConf.forDefaultBridge(
            "nameserver 192.0.2.53\n", new DnsSettings(List.of(), List.of("."), List.of())),
        "--dns-search . means no search line");
  }

  @Test
  void userNetworkGetsTheEmbeddedServerAndForwardsToTheHostsLoopbackFromTheHost() {
    ResolvConf.Embedded e = ResolvConf.forEmbeddedDns(SYSTEMD, DnsSettings.NONE);
    assertEquals(
        "search lan\nnameserver 127.0.0.11\noptions edns0 trust-ad ndots:0\n", e.content());
    assertEquals(List.of(Upstream.of("127.0.0.53", true)), e.upstreams());
    assertFalse(e.ndotsSet());

    ResolvConf.Embedded plain =
        ResolvConf.forEmbeddedDns("nameserver 192.0.2.53\n", DnsSettings.NONE);
    assertEquals("nameserver 127.0.0.11\noptions ndots:0\n", plain.content());
    assertEquals(List.of(Upstream.of("192.0.2.53", false)), plain.upstreams());
  }

  @Test
  void dnsOnAUserNetworkChangesWhereItForwardsNotTheFile() {
    ResolvConf.Embedded e =
        ResolvConf.forEmbeddedDns(
            SYSTEMD,
            new DnsSettings(
                List.of("198.51.100.1", "127.0.0.1", "198.51.100.2", "198.51.100.3"),
                List.of("example.test"),
                List.of()));
    assertEquals(
        "search example.test\nnameserver 127.0.0.11\noptions edns0 trust-ad ndots:0\n",
        e.content());
    assertEquals(
        List.of(
            Upstream.of("198.51.100.1", false),
            Upstream.of("127.0.0.1", false),
            Upstream.of("198.51.100.2", false)),
        e.upstreams(),
        "at most three, and --dns 127.x is the container's own loopback");
  }

  @Test
  void aUsersNdotsIsKeptAndRemembered() {
    ResolvConf.Embedded e =
        ResolvConf.forEmbeddedDns(
            "nameserver 192.0.2.53\n", new DnsSettings(List.of(), List.of(), List.of("ndots:2")));
    assertEquals("nameserver 127.0.0.11\noptions ndots:2\n", e.content());
    assertTrue(e.ndotsSet());
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ResolvConf.forEmbeddedDns(
                    "", new DnsSettings(List.of(), List.of(), List.of("ndots:x"))));
    assertEquals("invalid number for ndots option: x", bad.getMessage());
  }

  @Test
  void noIpv4ServerOnTheHostForwardsToTheFallback() {
    ResolvConf.Embedded e = ResolvConf.forEmbeddedDns("", DnsSettings.NONE);
    assertEquals(
        List.of(Upstream.of("8.8.8.8", false), Upstream.of("8.8.4.4", false)), e.upstreams());
  }

  @Test
  void defaultBridgeReadsSystemdResolvedsOwnListBehindItsStub(@TempDir Path dir)
      throws IOException {
    Path etc = dir.resolve("resolv.conf");
    Path systemd = dir.resolve("systemd-resolv.conf");
    Files.writeString(etc, SYSTEMD);
    assertEquals(systemd, ResolvConf.defaultBridgeSource(etc, systemd));
    Files.writeString(etc, "nameserver 127.0.0.53\nnameserver 192.0.2.1\n");
    assertEquals(etc, ResolvConf.defaultBridgeSource(etc, systemd));
  }
}

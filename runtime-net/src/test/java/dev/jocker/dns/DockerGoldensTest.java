package dev.jocker.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jocker.dns.ResolvConf.DnsSettings;
import dev.jocker.firewall.IptablesSave;
import dev.jocker.firewall.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The builders against what Docker 20.10 wrote in the recordings of reference/docker-20.10
 * (dns-user-network, container-dns-options), with the same inputs: the host's resolv.conf the
 * recorder gave dockerd, the run options, the addresses and IDs Docker picked.
 */
class DockerGoldensTest {
  private static final Path REFERENCE = Path.of("../reference/docker-20.10");
  private static final String RECORDER_HOST = "nameserver 198.51.100.1\n";
  private static final String LOOPBACK_HOST =
      "nameserver 127.0.0.53\nsearch example.test\noptions edns0\n";
  private static final DnsSettings RUN_OPTIONS =
      new DnsSettings(
          List.of("198.51.100.1", "9.9.9.9"),
          List.of("example.test", "corp.test"),
          List.of("ndots:2", "timeout:1"));

  private static String golden(String file) throws IOException {
    return Files.readString(REFERENCE.resolve(file));
  }

  @Test
  void theRulesInAContainerOnAUserNetwork() throws IOException {
    String save = IptablesSave.normalise(golden("dns-user-network/web-iptables-save.out"));
    String rules =
        DnsRules.of(58036, 43675).rules().stream()
            .map(Rule::saveText)
            .collect(Collectors.joining("\n"));
    assertEquals(
        rules, save.lines().filter(l -> l.startsWith("-A ")).collect(Collectors.joining("\n")));
    assertEquals(
        List.of(":DOCKER_OUTPUT -", ":DOCKER_POSTROUTING -"),
        save.lines().filter(l -> l.startsWith(":DOCKER")).toList());
  }

  @Test
  void resolvConfOnTheDefaultBridgeAndOnAUserNetwork() throws IOException {
    assertEquals(
        golden("container-dns-options/default-bridge-resolv.out"),
        ResolvConf.forDefaultBridge(RECORDER_HOST, DnsSettings.NONE));
    assertEquals(
        golden("container-dns-options/o-bridge-resolv.out"),
        ResolvConf.forDefaultBridge(RECORDER_HOST, RUN_OPTIONS));
    assertEquals(
        golden("dns-user-network/web-resolv-conf.out"),
        ResolvConf.forEmbeddedDns(RECORDER_HOST, DnsSettings.NONE).content());
    ResolvConf.Embedded withOptions = ResolvConf.forEmbeddedDns(RECORDER_HOST, RUN_OPTIONS);
    assertEquals(golden("container-dns-options/o-mynet-resolv.out"), withOptions.content());
    assertEquals(
        List.of(Upstream.of("198.51.100.1", false), Upstream.of("9.9.9.9", false)),
        withOptions.upstreams());
  }

  @Test
  void aLoopbackResolverOnTheHost() throws IOException {
    assertEquals(
        golden("container-dns-options/loopback-default-bridge-resolv.out"),
        ResolvConf.forDefaultBridge(LOOPBACK_HOST, DnsSettings.NONE));
    ResolvConf.Embedded e = ResolvConf.forEmbeddedDns(LOOPBACK_HOST, DnsSettings.NONE);
    assertEquals(golden("container-dns-options/loopback-mynet-resolv.out"), e.content());
    // The recorder's loopback dnsmasq heard the container's query in dockerd's namespace.
    assertEquals(List.of(Upstream.of("127.0.0.53", true)), e.upstreams());
  }

  @Test
  void hostsWithAddHostHostnameDomainnameAndLinks() throws IOException {
    List<EtcHosts.Entry> addHosts =
        List.of(
            EtcHosts.addHost("a.example:10.1.1.1", null),
            EtcHosts.addHost("b.example:10.1.1.2", null));
    assertEquals(
        golden("container-dns-options/o-bridge-hosts.out"),
        EtcHosts.append(EtcHosts.build(addHosts), EtcHosts.self("172.17.0.2", "h1", "")));
    assertEquals(
        golden("container-dns-options/o-mynet-hosts.out"),
        EtcHosts.append(EtcHosts.build(addHosts), EtcHosts.self("192.168.16.2", "h1", "")));
    assertEquals(
        golden("dns-user-network/web-hosts.out"),
        EtcHosts.append(EtcHosts.build(List.of()), EtcHosts.self("172.18.0.3", "webhost", null)));
    assertEquals(
        golden("container-dns-options/domainname.out"),
        "h2\n"
            + EtcHosts.append(
                EtcHosts.build(List.of()), EtcHosts.self("172.17.0.3", "h2", "example.test"))
            + "h2\n");
    assertEquals(
        golden("container-dns-options/hostname-fqdn.out"),
        "h3.example.test\n"
            + EtcHosts.append(
                EtcHosts.build(List.of()), EtcHosts.self("172.17.0.3", "h3.example.test", "")));
    assertEquals(
        golden("container-dns-options/link-hosts.out"),
        EtcHosts.append(
            EtcHosts.build(List.of(EtcHosts.link("alias", "3b911f024720", "linked", "172.17.0.3"))),
            EtcHosts.self("172.17.0.4", "026353cc5b1c", "")));
    assertEquals(
        golden("container-dns-options/link-no-alias.out"),
        EtcHosts.append(
            EtcHosts.build(
                List.of(EtcHosts.link("linked", "3b911f024720", "linked", "172.17.0.3"))),
            EtcHosts.self("172.17.0.4", "0d774c8736fb", "")));
  }

  @Test
  void theVariablesOfALink() throws IOException {
    List<String> recorded =
        golden("container-dns-options/link-env.out")
            .lines()
            .filter(l -> l.startsWith("ALIAS_"))
            .toList();
    assertEquals(
        recorded,
        LinkEnv.of(
            "vigorous_cori",
            "alias",
            "172.17.0.3",
            List.of(
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "LINKED_VAR=1"),
            List.of("80/tcp", "53/udp")));
  }
}

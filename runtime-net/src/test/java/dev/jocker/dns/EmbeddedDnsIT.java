package dev.jocker.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.dns.DnsWorld.Container;
import dev.jocker.dns.ResolvConf.DnsSettings;
import dev.jocker.firewall.IptablesSave;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded DNS in namespaces playing containers: busybox's nslookup and ping by name, alias and
 * short ID through Docker's rules, scoped per network, forwarded lookups answered by a dnsmasq in
 * the internet namespace, NXDOMAIN, and TCP after a truncated answer.
 */
@Privileged
class EmbeddedDnsIT {
  @TempDir Path dir;

  private static final DnsSettings TO_INTERNET =
      new DnsSettings(List.of(Sandbox.INTERNET_ADDRESS), List.of(), List.of());

  private static EmbeddedDns.Attachment attachment(Container c, ResolvConf.Embedded conf) {
    return new EmbeddedDns.Attachment(c.id(), c.netns(), true, conf.upstreams(), conf.ndotsSet());
  }

  private static DnsEndpoint endpoint(Container c, String network, String... aliases) {
    return DnsEndpoint.onUserNetwork(
        c.id(), c.name(), c.shortId(), network, false, List.of(aliases), c.address(), Map.of());
  }

  private static String ok(Sandbox.Command.Result r) {
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    return r.stdout();
  }

  @Test
  void containersFindEachOtherByNameAliasAndShortIdOnTheirNetworkOnly(Sandbox sandbox) {
    try (DnsWorld world = new DnsWorld(sandbox, dir)) {
      world.network("mynet", "172.30.1");
      world.network("othernet", "172.30.2");
      world.internetDns();
      Container web = world.container("web", "mynet", 2);
      Container db = world.container("db", "mynet", 3);
      Container other = world.container("other", "othernet", 2);
      NameTable names = new NameTable();
      names.add(endpoint(web, "mynet"));
      names.add(endpoint(db, "mynet", "database"));
      names.add(endpoint(other, "othernet"));
      ResolvConf.Embedded conf = ResolvConf.forEmbeddedDns("", TO_INTERNET);
      ResolverStore store = ResolverStore.inMemory();
      try (EmbeddedDns dns =
          EmbeddedDns.start(
              names, EmbeddedDns.Config.defaults().withHostNetns(world.hostNetns()))) {
        dns.attach(attachment(web, conf), store);
        dns.attach(attachment(other, conf), store);
        String rc = conf.content();
        assertEquals("nameserver 127.0.0.11\noptions ndots:0\n", rc);

        for (String name : List.of("db", "database", db.shortId(), "db.mynet")) {
          String out = ok(world.run(web, rc, "busybox", "nslookup", name));
          assertTrue(out.contains("Address: 172.30.1.3"), name + ": " + out);
        }
        assertTrue(
            ok(world.run(web, rc, "busybox", "ping", "-c1", "-W2", "db"))
                .contains("0% packet loss"));
        assertTrue(
            ok(world.run(web, rc, "busybox", "ping", "-c1", "-W2", db.shortId()))
                .contains("0% packet loss"));
        assertTrue(
            ok(world.run(web, rc, "busybox", "nslookup", "172.30.1.3")).contains("db.mynet"));
        assertEquals(
            "172.30.1.3\n", ok(world.run(web, rc, "dig", "+tcp", "+short", "@127.0.0.11", "db")));

        Sandbox.Command.Result fromOther = world.run(other, rc, "busybox", "nslookup", "db");
        assertNotEquals(0, fromOther.exitCode(), fromOther.stdout());
        assertTrue(!fromOther.stdout().contains("172.30.1.3"), fromOther.stdout());

        // Forwarded from inside the container, through its own network, as Docker forwards: its
        // namespace's OUTPUT chain counts the query to the internet's server.
        Sandbox.Command.Result count =
            world.run(
                web,
                rc,
                "iptables",
                "-A",
                "OUTPUT",
                "-d",
                Sandbox.INTERNET_ADDRESS,
                "-p",
                "udp",
                "--dport",
                "53");
        ok(count);
        String www = ok(world.run(web, rc, "busybox", "nslookup", "www.example.test"));
        assertTrue(www.contains("Address: " + DnsWorld.ZONE_ADDRESS), www);
        String counted = ok(world.run(web, rc, "iptables", "-L", "OUTPUT", "-v", "-n", "-x"));
        assertTrue(
            counted
                .lines()
                .anyMatch(l -> l.contains(Sandbox.INTERNET_ADDRESS) && !l.strip().startsWith("0 ")),
            counted);
        Sandbox.Command.Result missing =
            world.run(web, rc, "busybox", "nslookup", "missing.example.test");
        assertTrue(missing.stdout().contains("NXDOMAIN"), missing.stdout() + missing.stderr());

        // Disconnect: the name goes with the endpoint.
        names.remove(db.id(), "mynet");
        Sandbox.Command.Result gone = world.run(web, rc, "busybox", "nslookup", "db");
        assertTrue(!gone.stdout().contains("172.30.1.3"), gone.stdout());
      }
    }
  }

  @Test
  void aLargeAnswerIsTruncatedOverUdpAndWholeOverTcp(Sandbox sandbox) {
    try (DnsWorld world = new DnsWorld(sandbox, dir)) {
      world.network("mynet", "172.30.1");
      world.internetDns();
      Container web = world.container("web", "mynet", 2);
      NameTable names = new NameTable();
      names.add(endpoint(web, "mynet"));
      for (int i = 0; i < DnsWorld.BIG; i++) {
        names.add(
            DnsEndpoint.onUserNetwork(
                String.format("%012d", i) + "0".repeat(52),
                "member" + i,
                null,
                "mynet",
                false,
                List.of("big"),
                DnsWorld.ip("172.30.1." + (10 + i)),
                Map.of()));
      }
      ResolvConf.Embedded conf = ResolvConf.forEmbeddedDns("", TO_INTERNET);
      try (EmbeddedDns dns =
          EmbeddedDns.start(
              names, EmbeddedDns.Config.defaults().withHostNetns(world.hostNetns()))) {
        dns.attach(attachment(web, conf), ResolverStore.inMemory());
        String rc = conf.content();
        for (String name : List.of("big", "big.example.test")) {
          String udpOnly = ok(world.run(web, rc, "dig", "+ignore", "+noedns", "@127.0.0.11", name));
          assertTrue(udpOnly.contains(" tc "), name + ": " + udpOnly);
          String full = ok(world.run(web, rc, "dig", "+noedns", "@127.0.0.11", name));
          assertTrue(full.contains("Truncated, retrying in TCP mode"), full);
          assertTrue(full.contains("ANSWER: " + DnsWorld.BIG + ","), full);
          assertTrue(full.contains("(TCP)"), full);
        }
      }
    }
  }

  @Test
  void aLoopbackServerOfTheHostIsAskedFromTheHostsNamespace(Sandbox sandbox) {
    try (DnsWorld world = new DnsWorld(sandbox, dir)) {
      world.hostLoopbackDns("127.0.0.53", "stub.test", "192.0.2.99");
      Container c = world.loopbackOnly("lonely");
      NameTable names = new NameTable();
      ResolvConf.Embedded conf =
          ResolvConf.forEmbeddedDns("nameserver 127.0.0.53\n", DnsSettings.NONE);
      assertEquals(List.of(Upstream.of("127.0.0.53", true)), conf.upstreams());
      try (EmbeddedDns dns =
          EmbeddedDns.start(
              names, EmbeddedDns.Config.defaults().withHostNetns(world.hostNetns()))) {
        dns.attach(attachment(c, conf), ResolverStore.inMemory());
        String out = ok(world.run(c, conf.content(), "busybox", "nslookup", "stub.test"));
        assertTrue(out.contains("Address: 192.0.2.99"), out);
        String tcp = ok(world.run(c, conf.content(), "dig", "+tcp", "@127.0.0.11", "stub.test"));
        assertTrue(tcp.contains("192.0.2.99"), tcp);
      }
    }
  }

  @Test
  void theRulesInTheNamespaceAreDockersAndARestartKeepsThem(Sandbox sandbox) throws IOException {
    try (DnsWorld world = new DnsWorld(sandbox, dir)) {
      world.network("mynet", "172.30.1");
      Container web = world.container("web", "mynet", 2);
      Container db = world.container("db", "mynet", 3);
      NameTable names = new NameTable();
      names.add(endpoint(web, "mynet"));
      names.add(endpoint(db, "mynet"));
      ResolvConf.Embedded conf = ResolvConf.forEmbeddedDns("", TO_INTERNET);
      ResolverStore store = ResolverStore.inMemory();
      String before;
      ResolverPorts ports;
      try (EmbeddedDns dns = EmbeddedDns.start(names, EmbeddedDns.Config.defaults())) {
        ports = dns.attach(attachment(web, conf), store).ports();
        before = world.iptablesSave(web);
        // Docker's recording, its resolver's ports (tcp 43675, udp 58036) swapped for ours.
        String docker =
            Files.readString(
                    Path.of("../reference/docker-20.10/dns-user-network/web-iptables-save.out"))
                .replace("43675", Integer.toString(ports.tcp()))
                .replace("58036", Integer.toString(ports.udp()));
        assertEquals(IptablesSave.normalise(docker), IptablesSave.normalise(before));
        assertTrue(
            ok(world.run(web, conf.content(), "busybox", "nslookup", "db")).contains("172.30.1.3"));
      }
      // The daemon is gone: nothing answers. A new one binds the same ports; the rules stay.
      try (EmbeddedDns dns = EmbeddedDns.start(names, EmbeddedDns.Config.defaults())) {
        EmbeddedDns.Attachment again =
            new EmbeddedDns.Attachment(web.id(), web.netns(), false, conf.upstreams(), false);
        assertEquals(ports, dns.attach(again, store).ports());
        assertEquals(
            IptablesSave.normalise(before), IptablesSave.normalise(world.iptablesSave(web)));
        assertTrue(
            ok(world.run(web, conf.content(), "busybox", "nslookup", "db")).contains("172.30.1.3"));
        dns.detach(web.id(), store);
        assertTrue(store.ports(web.id()).isEmpty());
      }
    }
  }

  @Test
  void aHundredContainersAreServedByTheSameThreads(Sandbox sandbox) {
    try (DnsWorld world = new DnsWorld(sandbox, dir)) {
      NameTable names = new NameTable();
      ResolverStore store = ResolverStore.inMemory();
      try (EmbeddedDns dns = EmbeddedDns.start(names, EmbeddedDns.Config.defaults())) {
        int threadsBefore = Thread.activeCount();
        Container first = null;
        Container last = null;
        for (int i = 0; i < 100; i++) {
          Container c = world.loopbackOnly("n" + i);
          names.add(
              new DnsEndpoint(
                  c.id(),
                  "mynet",
                  false,
                  "n" + i,
                  List.of(),
                  DnsWorld.ip("10.9.0." + (i + 2)),
                  Map.of()));
          dns.attach(new EmbeddedDns.Attachment(c.id(), c.netns(), true, List.of(), false), store);
          first = first == null ? c : first;
          last = c;
        }
        assertEquals(1, dns.threads().size());
        assertTrue(Thread.activeCount() <= threadsBefore + 1, "threads: " + Thread.activeCount());
        String rc = "nameserver 127.0.0.11\n";
        assertTrue(ok(world.run(first, rc, "busybox", "nslookup", "n99")).contains("10.9.0.101"));
        assertTrue(ok(world.run(last, rc, "busybox", "nslookup", "n0")).contains("10.9.0.2"));
        assertEquals(100, dns.resolvers().size());
        assertTrue(dns.resolvers().stream().allMatch(EmbeddedDns.Resolver::listening));
        for (EmbeddedDns.Resolver r : dns.resolvers()) {
          dns.detach(r.containerId(), store);
        }
      }
    }
  }
}

package dev.jocker.dns;

import dev.jocker.firewall.DefaultBridgeRules;
import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.Iptables;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.kernel.Sysctls;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * jocker's side of bench/dns.sh, run as the daemon would run in its own namespace: a bridge network
 * "benchnet" (10.88.0.0/16) with Docker's rules, a client namespace on it whose resolver forwards
 * to UPSTREAM, the names n1..nN on the network, and CONTAINERS more namespaces with a resolver each
 * (only lo up), all served by THREADS event loops. Prints "ready CLIENT_NETNS THREADS" and serves
 * until its standard input closes, then removes what it made.
 *
 * <p>Arguments: UPSTREAM NAMES CONTAINERS THREADS.
 */
public final class DnsBenchmark {
  private DnsBenchmark() {}

  public static void main(String[] args) throws IOException {
    String upstream = args[0];
    int names = Integer.parseInt(args[1]);
    int containers = Integer.parseInt(args[2]);
    int threads = Integer.parseInt(args[3]);
    NetnsStore store = new NetnsStore(NetnsStore.DEFAULT_DIR);
    List<String> made = new ArrayList<>();
    Netns host = Netns.current();
    try {
      host.sysctls().set("net.ipv4.ip_forward", "1");
      host.links().addBridge("br-bench", 1500, null);
      host.addrs().add("br-bench", ip("10.88.0.1"), 16, ip("10.88.255.255"));
      host.links().setUp("br-bench");
      new Firewall(new Iptables(null))
          .ensure(DefaultBridgeRules.of("br-bench", "10.88.0.0/16", "DOCKER"));
      Inet4Address clientAddress = ip("10.88.0.2");
      try (Netns client =
          store.create(
              "jk-bench-client", p -> Sysctls.write("net.ipv6.conf.default.disable_ipv6", "1"))) {
        made.add("jk-bench-client");
        host.links().addVethPair("vbench", "eth0", client, MacAddress.forIpv4(clientAddress), 1500);
        host.links().setMaster("vbench", "br-bench");
        host.links().setUp("vbench");
        client.addrs().add("eth0", clientAddress, 16, ip("10.88.255.255"));
        client.links().setUp("lo");
        client.links().setUp("eth0");
        client.routes().addDefault(ip("10.88.0.1"));
      }
      NameTable table = new NameTable();
      String clientId = "c1" + "0".repeat(62);
      table.add(
          DnsEndpoint.onUserNetwork(
              clientId,
              "client",
              clientId.substring(0, 12),
              "benchnet",
              false,
              List.of(),
              clientAddress,
              Map.of()));
      for (int i = 1; i <= names; i++) {
        String id = String.format("%064x", i);
        table.add(
            DnsEndpoint.onUserNetwork(
                id,
                "n" + i,
                id.substring(0, 12),
                "benchnet",
                false,
                List.of(),
                ip("10.88.1." + i),
                Map.of()));
      }
      ResolverStore ports = ResolverStore.inMemory();
      try (EmbeddedDns dns =
          EmbeddedDns.start(table, EmbeddedDns.Config.defaults().withThreads(threads))) {
        dns.attach(
            new EmbeddedDns.Attachment(
                clientId,
                store.path("jk-bench-client"),
                true,
                List.of(Upstream.of(upstream, false)),
                false),
            ports);
        long start = System.nanoTime();
        for (int i = 0; i < containers; i++) {
          String name = "jk-bench-" + i;
          try (Netns ns = store.create(name)) {
            made.add(name);
            ns.links().setUp("lo");
          }
          dns.attach(
              new EmbeddedDns.Attachment(
                  String.format("%064x", 1_000_000 + i), store.path(name), true, List.of(), false),
              ports);
        }
        long perAttachMicros =
            containers == 0 ? 0 : (System.nanoTime() - start) / 1000 / containers;
        System.err.printf(
            "jocker: %d resolvers attached, %d us each (namespace and lo included), served by %d"
                + " thread(s)%n",
            containers + 1, perAttachMicros, dns.threads().size());
        System.out.println("ready " + store.path("jk-bench-client") + " " + dns.threads().size());
        System.out.flush();
        while (System.in.read() >= 0) {
          // Serve until the script closes our input.
        }
      }
    } finally {
      for (String name : made) {
        store.delete(name);
      }
      host.links().find("br-bench").ifPresent(l -> host.links().delete("br-bench"));
      host.close();
    }
  }

  private static Inet4Address ip(String text) throws IOException {
    return (Inet4Address) InetAddress.getByName(text);
  }
}

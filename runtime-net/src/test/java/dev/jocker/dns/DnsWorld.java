package dev.jocker.dns;

import dev.jocker.firewall.DefaultBridgeRules;
import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.Iptables;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.kernel.Sysctls;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Namespaces playing containers on bridge networks in a test's sandbox, made with jocker's kernel
 * API as the bridge driver makes them (veth born inside as eth0, address, lo up, default route via
 * the bridge), plus Docker's default-bridge rules so they reach "the internet" through MASQUERADE,
 * and a dnsmasq in the internet namespace serving a test zone.
 */
final class DnsWorld implements AutoCloseable {
  static final String ZONE_ADDRESS = "198.51.100.80";
  static final int BIG = 100;

  /** A namespace playing a container. */
  record Container(String id, String name, Path netns, Inet4Address address) {
    String shortId() {
      return id.substring(0, 12);
    }
  }

  private final Sandbox sandbox;
  private final Path dir;
  private final NetnsStore store = new NetnsStore(NetnsStore.DEFAULT_DIR);
  private final Netns host;
  private final Firewall firewall;
  private final Map<String, String> bridges = new LinkedHashMap<>();
  private final List<String> namespaces = new ArrayList<>();
  private int next;

  DnsWorld(Sandbox sandbox, Path dir) {
    this.sandbox = sandbox;
    this.dir = dir;
    sandbox.internet();
    this.host = Netns.open(sandbox.host().path());
    this.firewall = new Firewall(new Iptables(sandbox.host().path()));
    host.sysctls().set("net.ipv4.ip_forward", "1");
  }

  Path hostNetns() {
    return sandbox.host().path();
  }

  /** A bridge for network {@code name} with {@code subnet} (a /24 here: x.y.z.0/24). */
  void network(String name, String prefix24) {
    String bridge = "br-" + name;
    host.links().addBridge(bridge, 1500, null);
    host.addrs().add(bridge, ip(prefix24 + ".1"), 24, ip(prefix24 + ".255"));
    host.links().setUp(bridge);
    firewall.ensure(DefaultBridgeRules.of(bridge, prefix24 + ".0/24", "DOCKER"));
    bridges.put(name, prefix24);
  }

  /** A namespace named {@code name} on {@code network} at {@code .host}. */
  Container container(String name, String network, int hostPart) {
    String prefix = bridges.get(network);
    String id = String.format("%012x", 0xc0ffee000000L + (++next)) + "f".repeat(52);
    String nsName = "jk-dns-" + name;
    Inet4Address address = ip(prefix + "." + hostPart);
    try (Netns ns =
        store.create(nsName, p -> Sysctls.write("net.ipv6.conf.default.disable_ipv6", "1"))) {
      namespaces.add(nsName);
      String veth = "v" + name;
      host.links().addVethPair(veth, "eth0", ns, MacAddress.forIpv4(address), 1500);
      host.links().setMaster(veth, "br-" + network);
      host.links().setUp(veth);
      ns.addrs().add("eth0", address, 24, ip(prefix + ".255"));
      ns.links().setUp("lo");
      ns.links().setUp("eth0");
      ns.routes().addDefault(ip(prefix + ".1"));
    }
    return new Container(id, name, store.path(nsName), address);
  }

  /** A namespace with only lo up, enough for a resolver to listen in. */
  Container loopbackOnly(String name) {
    String nsName = "jk-dns-" + name;
    try (Netns ns = store.create(nsName)) {
      namespaces.add(nsName);
      ns.links().setUp("lo");
    }
    String id = String.format("%012x", 0xdead00000000L + (++next)) + "e".repeat(52);
    return new Container(id, name, store.path(nsName), ip("127.0.0.1"));
  }

  /**
   * dnsmasq in the internet namespace on 198.51.100.1:53, authoritative-like for example.test:
   * www.example.test, big.example.test with {@link #BIG} addresses, NXDOMAIN for other names there.
   */
  void internetDns() {
    Path hosts = dir.resolve("zone.hosts");
    StringBuilder sb = new StringBuilder(ZONE_ADDRESS + " www.example.test\n");
    for (int i = 0; i < BIG; i++) {
      sb.append("198.51.101.").append(i).append(" big.example.test\n");
    }
    write(hosts, sb.toString());
    dnsmasq(
        sandbox.internet(),
        Sandbox.INTERNET_ADDRESS,
        "--addn-hosts=" + hosts,
        "--local=/example.test/");
  }

  /** dnsmasq in the sandbox's host namespace on {@code address} answering {@code name}. */
  void hostLoopbackDns(String address, String name, String answer) {
    dnsmasq(sandbox.host(), address, "--host-record=" + name + "," + answer, "--local=/test/");
  }

  private void dnsmasq(Sandbox.Namespace ns, String address, String... zone) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "dnsmasq",
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--user=root",
                "--pid-file=",
                "--bind-interfaces",
                "--listen-address=" + address,
                "--port=53"));
    cmd.addAll(List.of(zone));
    sandbox.start(
        ns,
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("dnsmasq-" + address + ".log").toFile()));
    // dnsmasq answers once its socket is bound; wait for it (bounded).
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < end) {
      if (ns.exec("dig", "+time=1", "+tries=1", "@" + address, "probe.invalid").exitCode() == 0) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for dnsmasq", e);
      }
    }
    throw new AssertionError("dnsmasq on " + address + " did not answer in 10 s");
  }

  /**
   * Runs {@code command} in {@code c}'s namespace with {@code resolvConf} as its /etc/resolv.conf
   * (bind-mounted in a mount namespace of its own, so the machine's file is untouched).
   */
  Sandbox.Command.Result run(Container c, String resolvConf, String... command) {
    Path file = dir.resolve("resolv.conf." + c.name());
    write(file, resolvConf);
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                c.netns().getFileName().toString(),
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"",
                file.toString()));
    argv.addAll(List.of(command));
    return Sandbox.Command.exec(argv);
  }

  /** {@code iptables-save} inside {@code c}'s namespace. */
  String iptablesSave(Container c) {
    return new Iptables(c.netns()).save();
  }

  @Override
  public void close() {
    for (String ns : namespaces) {
      if (store.exists(ns)) {
        store.delete(ns);
      }
    }
    host.close();
  }

  static Inet4Address ip(String text) {
    try {
      return (Inet4Address) InetAddress.getByName(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String content) {
    try {
      Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jocker.firewall.IptablesSave;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23's acceptance through a real jockerd and the real CLI: containers on a user-defined
 * network find each other by name, alias and short ID through the embedded DNS, and nothing of
 * another network; outside names are forwarded to a dnsmasq in the "internet" namespace; a
 * container connected to a second network reaches both, and loses the names of one it leaves; the
 * rules inside a container are Docker 20.10's; after {@code kill -9} of jockerd every resolver is
 * back before the API answers.
 */
@Privileged
class DiscoveryIT {
  private static final String REFERENCE = "../reference/docker-20.10/";
  private static final String WWW = "198.51.100.80";

  @TempDir Path dir;

  /** dnsmasq in the internet namespace: www.example.test, NXDOMAIN for the rest of the zone. */
  private void internetDns(Sandbox sandbox) throws Exception {
    Sandbox.Namespace internet = sandbox.internet();
    sandbox.start(
        internet,
        new ProcessBuilder(
                "dnsmasq",
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--user=root",
                "--pid-file=",
                "--bind-interfaces",
                "--listen-address=" + Sandbox.INTERNET_ADDRESS,
                "--port=53",
                "--host-record=www.example.test," + WWW,
                "--local=/example.test/")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("dnsmasq.log").toFile()));
    for (int i = 0; i < 100; i++) {
      Sandbox.Command.Result r =
          sandbox
              .host()
              .exec(
                  "dig",
                  "+short",
                  "+time=1",
                  "+tries=1",
                  "@" + Sandbox.INTERNET_ADDRESS,
                  "www.example.test");
      if (r.stdout().strip().equals(WWW)) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new AssertionError(
        "dnsmasq did not answer: " + Files.readString(dir.resolve("dnsmasq.log")));
  }

  private static String run(Jockerd d, String name, String... options) {
    List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name));
    args.addAll(List.of(options));
    args.addAll(List.of("busybox", "sleep", "100000"));
    return d.ok(args.toArray(String[]::new)).strip();
  }

  private static Jockerd.Result exec(Jockerd d, String container, String... command) {
    List<String> args = new ArrayList<>(List.of("exec", container));
    args.addAll(List.of(command));
    return d.jocker(args.toArray(String[]::new));
  }

  private static void reaches(Jockerd d, String from, String name) {
    Jockerd.Result r = exec(d, from, "ping", "-c1", "-W2", name);
    assertEquals(0, r.exitCode(), from + " -> " + name + ": " + r.stdout() + r.stderr());
    assertTrue(r.stdout().contains("1 packets received"), r.stdout());
  }

  private static void doesNotResolve(Jockerd d, String from, String name) {
    Jockerd.Result r = exec(d, from, "ping", "-c1", "-W2", name);
    String said = from + " -> " + name + ": exit " + r.exitCode() + ", " + r.stdout() + r.stderr();
    assertNotEquals(0, r.exitCode(), said);
    assertTrue(r.stderr().contains("bad address '" + name + "'"), said);
  }

  private static JsonNode inspect(Jockerd d, String container) {
    return d.api("GET", "/containers/" + container + "/json", null).json();
  }

  /** {@code ip -o addr} lines of a container's interfaces other than lo: "eth0 172.18.0.2/16". */
  private static List<String> addresses(Jockerd d, String container) {
    List<String> out = new ArrayList<>();
    for (String line : d.ok("exec", container, "ip", "-o", "-4", "addr").split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 3 && !f[1].equals("lo")) {
        out.add(f[1] + " " + f[3]);
      }
    }
    return out;
  }

  @Test
  void containersFindEachOtherOnTheirNetworksAndOutsideNamesAreForwarded(Sandbox sandbox)
      throws Exception {
    internetDns(sandbox);
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      d.ok("network", "create", "mynet");
      d.ok("network", "create", "othernet");
      String db =
          run(
              d,
              "db",
              "--network",
              "mynet",
              "--network-alias",
              "database",
              "--network-alias",
              "shared");
      run(
          d,
          "web",
          "--network",
          "mynet",
          "--network-alias",
          "shared",
          "--hostname",
          "webhost",
          "--dns",
          Sandbox.INTERNET_ADDRESS);
      run(d, "other", "--network", "othernet");

      assertEquals(
          "nameserver 127.0.0.11\noptions ndots:0\n",
          d.ok("exec", "web", "cat", "/etc/resolv.conf"),
          "--dns on a user network changes where the resolver forwards, not the file");
      reaches(d, "web", "db");
      reaches(d, "web", "database");
      reaches(d, "web", db.substring(0, 12));
      reaches(d, "web", "db.mynet");
      reaches(d, "db", "webhost");
      String shared = d.ok("exec", "db", "nslookup", "shared");
      assertTrue(
          shared.contains("Address: 172.18.0.2") && shared.contains("Address: 172.18.0.3"),
          "a shared alias answers with both: " + shared);
      doesNotResolve(d, "other", "db");
      doesNotResolve(d, "other", "database");

      String www = d.ok("exec", "web", "nslookup", "www.example.test");
      assertTrue(www.contains("Address: " + WWW), www);
      Jockerd.Result missing = exec(d, "web", "nslookup", "missing.example.test");
      assertTrue(missing.stdout().contains("NXDOMAIN"), missing.stdout() + missing.stderr());

      // The rules in the container are Docker's, its resolver's random ports aside.
      String ns =
          Path.of(inspect(d, "web").path("NetworkSettings").path("SandboxKey").asText())
              .getFileName()
              .toString();
      assertEquals(
          ports(
              IptablesSave.normalise(
                  Files.readString(Path.of(REFERENCE + "dns-user-network/web-iptables-save.out")))),
          ports(
              IptablesSave.normalise(
                  sandbox.host().run("ip", "netns", "exec", ns, "iptables-save"))));

      JsonNode web = inspect(d, "web");
      assertEquals("", web.path("NetworkSettings").path("IPAddress").asText(), "not on bridge");
      assertEquals("", web.path("NetworkSettings").path("Gateway").asText());
      assertEquals("", web.path("NetworkSettings").path("MacAddress").asText());
      JsonNode mynet = web.path("NetworkSettings").path("Networks").path("mynet");
      assertEquals(
          List.of("shared", web.get("Id").asText().substring(0, 12), "webhost"),
          strings(mynet.get("Aliases")));
      assertEquals("172.18.0.3", mynet.get("IPAddress").asText());
      assertEquals("02:42:ac:12:00:03", mynet.get("MacAddress").asText());

      // A second network: eth1, routes, a line in /etc/hosts, both networks' names.
      d.ok("network", "connect", "--alias", "extra", "othernet", "web");
      assertEquals(List.of("eth0 172.18.0.3/16", "eth1 172.19.0.3/16"), addresses(d, "web"));
      assertTrue(
          d.ok("exec", "web", "ip", "route").startsWith("default via 172.18.0.1 dev eth0"),
          "the default route stays on the first network");
      assertTrue(
          d.ok("exec", "web", "cat", "/etc/hosts")
              .endsWith("172.18.0.3\twebhost\n172.19.0.3\twebhost\n"));
      reaches(d, "web", "other");
      reaches(d, "web", "db");
      reaches(d, "other", "web");
      reaches(d, "other", "extra");
      doesNotResolve(d, "db", "extra");
      JsonNode networks = inspect(d, "web").path("NetworkSettings").path("Networks");
      assertEquals(List.of("mynet", "othernet"), fieldNames(networks));

      d.ok("network", "disconnect", "othernet", "web");
      doesNotResolve(d, "other", "web");
      assertEquals(List.of("eth0 172.18.0.3/16"), addresses(d, "web"));
      reaches(d, "web", "db");
      // Docker numbers on: the reconnect is eth2.
      d.ok("network", "connect", "othernet", "web");
      assertEquals(List.of("eth0 172.18.0.3/16", "eth2 172.19.0.3/16"), addresses(d, "web"));
      reaches(d, "other", "web");

      Jockerd.Result again = d.jocker("network", "connect", "othernet", "web");
      assertEquals(
          "Error response from daemon: endpoint with name web already exists in network othernet",
          again.stderr().strip());
      assertEquals(List.of(), Invariant.violations(sandbox, d, null));
    }
  }

  /**
   * Every {@code 127.0.0.11:PORT} and {@code --sport PORT} of the resolver's rules as {@code P}.
   */
  private static String ports(String save) {
    return save.replaceAll("127\\.0\\.0\\.11:\\d+", "127.0.0.11:P")
        .replaceAll("--sport \\d+", "--sport P");
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void aStoppedContainerJoinsAtItsStartAndResolversOutliveAKill9(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      d.ok("network", "create", "mynet");
      d.ok("network", "create", "--subnet", "10.20.0.0/24", "netb");
      d.ok("create", "--name", "s1", "--network", "mynet", "busybox", "sleep", "100000");
      d.ok("network", "connect", "netb", "s1");
      JsonNode stopped = inspect(d, "s1").path("NetworkSettings").path("Networks");
      assertEquals(List.of("mynet", "netb"), fieldNames(stopped));
      assertEquals("", stopped.path("netb").path("IPAddress").asText());
      d.ok("start", "s1");
      assertEquals(List.of("eth0 172.18.0.2/16", "eth1 10.20.0.2/24"), addresses(d, "s1"));
      assertTrue(d.ok("exec", "s1", "ip", "route").startsWith("default via 172.18.0.1 dev eth0"));
      run(d, "a1", "--network", "mynet");
      run(d, "b1", "--network", "netb");
      reaches(d, "a1", "s1");
      reaches(d, "b1", "s1");
      d.ok("network", "disconnect", "mynet", "a1");
      d.ok("network", "connect", "mynet", "a1");

      // The client asks the resolver in a1's namespace over and over, through jockerd's death
      // and its next start.
      String ns = "jocker-a1";
      List<long[]> failures = new ArrayList<>();
      long[] window = new long[2];
      AtomicBoolean asking = new AtomicBoolean(true);
      Thread asker =
          new Thread(
              () -> {
                while (asking.get()) {
                  long at = System.nanoTime();
                  Sandbox.Command.Result r =
                      Sandbox.Command.exec(
                          List.of(
                              "ip",
                              "netns",
                              "exec",
                              ns,
                              "dig",
                              "+short",
                              "+time=1",
                              "+tries=1",
                              "@127.0.0.11",
                              "s1"));
                  if (!r.stdout().strip().equals("172.18.0.2")) {
                    synchronized (failures) {
                      failures.add(new long[] {at, System.nanoTime()});
                    }
                  }
                }
              });
      asker.start();
      TimeUnit.MILLISECONDS.sleep(500);
      window[0] = System.nanoTime();
      d.kill();
      TimeUnit.MILLISECONDS.sleep(500);
      d.startUntilSocket();
      window[1] = System.nanoTime();
      // The socket exists, so the engine is open: both resolvers must answer before any request.
      for (String container : List.of("jocker-a1", "jocker-s1")) {
        assertNull(Invariant.resolverProblem(container), container);
        assertEquals(
            "172.18.0.2\n",
            sandbox
                .host()
                .run(
                    "ip",
                    "netns",
                    "exec",
                    container,
                    "dig",
                    "+short",
                    "+time=1",
                    "+tries=1",
                    "@127.0.0.11",
                    "s1"));
      }
      TimeUnit.MILLISECONDS.sleep(1500);
      asking.set(false);
      asker.join();
      synchronized (failures) {
        for (long[] f : failures) {
          // A query that began before the kill may fail; one that began after the restart may not.
          assertTrue(
              f[0] >= window[0] - TimeUnit.SECONDS.toNanos(1) && f[0] <= window[1],
              "a lookup failed outside the restart: "
                  + (f[0] - window[0]) / 1_000_000
                  + " ms after the kill, the restart took "
                  + (window[1] - window[0]) / 1_000_000
                  + " ms");
        }
        assertFalse(failures.isEmpty(), "nothing answered while jockerd was down?");
      }
      // Nothing was asked of the API until now.
      d.ok("version");
      reaches(d, "a1", "s1");
      assertEquals(List.of(), Invariant.violations(sandbox, d, null));
      d.ok("stop", "-t", "1", "s1");
      d.ok("network", "disconnect", "netb", "s1");
      d.ok("start", "s1");
      assertEquals(List.of("eth0 172.18.0.2/16"), addresses(d, "s1"));
      assertEquals(List.of(), Invariant.violations(sandbox, d, null));
    }
  }

  @Test
  void networkOptionsAsDocker(Sandbox sandbox) throws Exception {
    sandbox.internet();
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      d.ok("network", "create", "--internal", "intnet");
      d.ok("network", "create", "-o", "com.docker.network.bridge.enable_icc=false", "noicc");
      d.ok(
          "network",
          "create",
          "-o",
          "com.docker.network.bridge.enable_ip_masquerade=false",
          "nomasq");
      d.ok("network", "create", "-o", "com.docker.network.bridge.name=mybr0", "named");
      d.ok("network", "create", "-o", "com.docker.network.driver.mtu=1400", "mtunet");
      d.ok("network", "create", "--label", "team=a", "--label", "env=test", "labelled");
      for (String[] bad :
          new String[][] {
            {"-o", "com.docker.network.driver.mtu=abc", "badmtu"},
            {"-o", "com.docker.network.bridge.enable_icc=maybe", "badicc"},
            {"-o", "com.docker.network.bridge.name=mybr0", "named2"}
          }) {
        List<String> args = new ArrayList<>(List.of("network", "create"));
        args.addAll(List.of(bad));
        Jockerd.Result r = d.jocker(args.toArray(String[]::new));
        String want =
            Files.readString(
                    Path.of(
                        REFERENCE
                            + "network-options/create-"
                            + (bad[2].equals("badmtu")
                                ? "bad-mtu"
                                : bad[2].equals("badicc") ? "bad-icc" : "name-taken-bridge")
                            + ".err"))
                .strip();
        assertEquals(1, r.exitCode());
        assertEquals(
            want.replaceAll("[0-9a-f]{64}", "ID"),
            r.stderr().strip().replaceAll("[0-9a-f]{64}", "ID"));
      }
      for (String net : List.of("intnet", "noicc", "nomasq", "named", "mtunet", "labelled")) {
        run(d, "c-" + net, "--network", net);
        run(d, "d-" + net, "--network", net);
      }
      for (String net : List.of("intnet", "noicc", "nomasq", "named", "mtunet", "labelled")) {
        for (String what : List.of("ping-peer", "ping-internet", "ip-route")) {
          String[] command =
              switch (what) {
                case "ping-peer" -> new String[] {"ping", "-c1", "-W2", "d-" + net};
                case "ping-internet" ->
                    new String[] {"ping", "-c1", "-W2", Sandbox.INTERNET_ADDRESS};
                default -> new String[] {"ip", "route"};
              };
          Jockerd.Result r = exec(d, "c-" + net, command);
          Path golden = Path.of(REFERENCE + "network-options/c-" + net + "-" + what);
          assertEquals(
              Integer.parseInt(Files.readString(Path.of(golden + ".exit")).strip()),
              r.exitCode(),
              net + " " + what + ": " + r.stdout());
          if (what.equals("ip-route")) {
            assertEquals(
                subnetless(Files.readString(Path.of(golden + ".out"))),
                subnetless(r.stdout()),
                net);
          }
        }
      }
      assertTrue(d.ok("exec", "c-mtunet", "ip", "link", "show", "eth0").contains(" mtu 1400 "));
      assertTrue(sandbox.host().run("ip", "-o", "link", "show", "mybr0").contains("mybr0"));
      JsonNode intnet =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(d.ok("network", "inspect", "intnet"))
              .get(0);
      assertTrue(intnet.get("Internal").asBoolean());
      JsonNode named =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(d.ok("network", "inspect", "named"))
              .get(0);
      assertEquals("mybr0", named.path("Options").path("com.docker.network.bridge.name").asText());
      assertEquals(
          "1", sandbox.host().run("sysctl", "-n", "net.bridge.bridge-nf-call-iptables").strip());
      JsonNode labelled =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(d.ok("network", "inspect", "labelled"))
              .get(0);
      assertEquals("{\"env\":\"test\",\"team\":\"a\"}", labelled.get("Labels").toString());

      for (String net : List.of("intnet", "noicc", "nomasq", "named", "mtunet", "labelled")) {
        d.ok("rm", "-f", "c-" + net, "d-" + net);
      }
      d.ok("network", "create", "unused");
      d.ok("create", "--name", "parked", "--network", "unused", "busybox", "true");
      assertEquals(
          List.of("intnet", "labelled", "mtunet", "named", "noicc", "nomasq", "unused"),
          d.ok("network", "prune", "-f")
              .lines()
              .filter(l -> !l.isBlank())
              .filter(l -> !l.equals("Deleted Networks:"))
              .sorted()
              .toList());
      assertEquals(
          "bridge\nhost\nnone\n",
          d.ok("network", "ls")
              .lines()
              .skip(1)
              .map(l -> l.split(" +")[1] + "\n")
              .reduce("", String::concat));
      d.ok("rm", "parked");
    }

    // The daemon's --icc=false for docker0: the DROP between its ports, as Docker appends it.
    try (Jockerd d = new Jockerd(sandbox, dir).withArgs("--icc=false").start()) {
      run(d, "ia", "--network", "bridge");
      run(d, "ib", "--network", "bridge");
      assertNotEquals(0, exec(d, "ia", "ping", "-c1", "-W2", "172.17.0.3").exitCode());
      assertEquals(0, exec(d, "ia", "ping", "-c1", "-W2", Sandbox.INTERNET_ADDRESS).exitCode());
      assertTrue(
          sandbox.host().run("iptables-save").contains("-A FORWARD -i docker0 -o docker0 -j DROP"));
    }
  }

  /**
   * The daemon's error in a client's first line, without the client's name before it or the full
   * stop Docker 20.10's client adds after it.
   */
  private static String daemonError(String stderr) {
    String line = stderr.strip().lines().findFirst().orElse("");
    line = line.replaceFirst("^(docker|jocker): ", "");
    return line.endsWith(".") ? line.substring(0, line.length() - 1) : line;
  }

  /** {@code ip route} output with Docker's numbering of subnets made comparable. */
  private static String subnetless(String routes) {
    return routes.replaceAll("172\\.\\d+\\.0\\.", "172.N.0.");
  }

  @Test
  void resolvConfHostsAndLinksAsDocker(Sandbox sandbox) throws IOException {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      d.ok("network", "create", "--subnet", "192.168.16.0/20", "mynet");
      String[] options = {
        "--add-host", "a.example:10.1.1.1", "--add-host", "b.example:10.1.1.2",
        "--hostname", "h1", "--mac-address", "02:42:ac:11:00:99",
        "--dns", "198.51.100.1", "--dns", "9.9.9.9",
        "--dns-search", "example.test", "--dns-search", "corp.test",
        "--dns-option", "ndots:2", "--dns-option", "timeout:1"
      };
      for (String net : List.of("bridge", "mynet")) {
        List<String> args = new ArrayList<>(List.of("--network", net));
        args.addAll(List.of(options));
        run(d, "o-" + net, args.toArray(String[]::new));
        String golden = REFERENCE + "container-dns-options/o-" + net + "-";
        assertEquals(
            Files.readString(Path.of(golden + "resolv.out")),
            d.ok("exec", "o-" + net, "cat", "/etc/resolv.conf"),
            net);
        assertEquals(
            Files.readString(Path.of(golden + "hosts.out")),
            d.ok("exec", "o-" + net, "cat", "/etc/hosts"),
            net);
        assertEquals("h1\n", d.ok("exec", "o-" + net, "hostname"));
        assertTrue(
            d.ok("exec", "o-" + net, "ip", "link", "show", "eth0")
                .contains("link/ether 02:42:ac:11:00:99 "),
            net);
      }
      JsonNode host = inspect(d, "o-mynet").get("HostConfig");
      assertEquals("[\"198.51.100.1\",\"9.9.9.9\"]", host.get("Dns").toString());
      assertEquals(
          "[\"a.example:10.1.1.1\",\"b.example:10.1.1.2\"]", host.get("ExtraHosts").toString());
      assertEquals(
          "02:42:ac:11:00:99", inspect(d, "o-mynet").path("Config").path("MacAddress").asText());

      // --link on the default bridge: hosts entries and Docker's variables.
      run(d, "linked", "-e", "LINKED_VAR=1");
      String hosts = d.ok("run", "--rm", "--link", "linked:alias", "busybox", "cat", "/etc/hosts");
      String linkedId = inspect(d, "linked").get("Id").asText().substring(0, 12);
      assertTrue(hosts.contains("172.17.0.3\talias " + linkedId + " linked\n"), hosts);
      String env = d.ok("run", "--rm", "--link", "linked:alias", "busybox", "env");
      assertTrue(env.contains("ALIAS_ENV_LINKED_VAR=1\n") && env.contains("ALIAS_NAME=/"), env);
      Jockerd.Result nosuch = d.jocker("run", "--rm", "--link", "nosuch:x", "busybox", "true");
      assertEquals(
          daemonError(
              Files.readString(Path.of(REFERENCE + "container-dns-options/link-nosuch.err"))),
          daemonError(nosuch.stderr()));
      // On a user network a link is a name only the linking container resolves.
      run(d, "target", "--network", "mynet");
      run(d, "linker", "--network", "mynet", "--link", "target:tgt");
      reaches(d, "linker", "tgt");
      doesNotResolve(d, "target", "tgt");
      assertFalse(d.ok("exec", "linker", "cat", "/etc/hosts").contains("tgt"));

      for (String[] bad :
          new String[][] {
            {"--mac-address", "zz:zz"},
            {"--add-host", "nocolon"},
            {"--add-host", "a:300.1.1.1"},
            {"--dns", "nonsense"}
          }) {
        Jockerd.Result r = d.jocker("run", "--rm", bad[0], bad[1], "busybox", "true");
        assertEquals(125, r.exitCode(), String.join(" ", bad) + ": " + r.stdout());
      }
      Jockerd.Result alias = d.jocker("run", "-d", "--network-alias", "x", "busybox", "true");
      assertEquals(
          "Error response from daemon: network-scoped alias is supported only for containers in"
              + " user defined networks",
          daemonError(alias.stderr()));
    }
  }
}

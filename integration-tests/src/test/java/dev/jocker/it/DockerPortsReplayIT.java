package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Docker 20.10's port-publishing recordings ({@code reference/docker-20.10/ports-proxy} and {@code
 * ports-noproxy}) replayed command by command through the real CLI against a real jockerd, with the
 * userland proxy on and off: the same runs succeed and fail with Docker's words, inspect shows the
 * same {@code PortBindings}, {@code PublishAllPorts}, {@code Ports} and {@code ExposedPorts} (the
 * ephemeral ports included), {@code port} and {@code ps} print the same, the host holds the same
 * rules, listening sockets, hairpin modes and {@code route_localnet}, the same clients reach the
 * same containers, and after removal the kernel is back to Docker's text. Only bridge IDs,
 * container addresses, IDs and generated names are normalised.
 */
@Privileged
class DockerPortsReplayIT {
  private static final Path REFERENCE = Path.of("../reference/docker-20.10");
  private static final Pattern ROW =
      Pattern.compile("^\\| ([a-z0-9_-]+)\\.out, \\.err, \\.exit \\| `(.*)` \\|$");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path recording;

  private String file(String name) {
    try {
      return Files.readString(recording.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private int exit(String name) {
    return Integer.parseInt(file(name + ".exit").strip());
  }

  /** Each recorded command of the folder's README, by the name of its output files. */
  private Map<String, List<String>> commands() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String line : file("README.md").split("\n")) {
      Matcher m = ROW.matcher(line);
      if (m.matches()) {
        out.put(m.group(1), List.of(m.group(2).split(" ")));
      }
    }
    return out;
  }

  /** A docker CLI command of the recording as jocker's arguments. */
  private static String[] jocker(List<String> docker) {
    assertTrue(docker.get(0).startsWith("docker"), String.valueOf(docker));
    return docker.subList(1, docker.size()).toArray(String[]::new);
  }

  @ParameterizedTest(name = "userland proxy {0}")
  @ValueSource(booleans = {true, false})
  void dockersRecordingReplayedThroughTheCli(boolean userlandProxy, Sandbox sandbox)
      throws Exception {
    recording = REFERENCE.resolve(userlandProxy ? "ports-proxy" : "ports-noproxy");
    Map<String, List<String>> commands = commands();
    Sandbox.Namespace internet = sandbox.internet();
    try (Jockerd d =
        new Jockerd(sandbox, dir).withArgs("--userland-proxy=" + userlandProxy).start()) {
      d.ok("network", "create", "mynet");
      List<String> running = new ArrayList<>();
      for (int i = 1; i <= 15; i++) {
        String name = "run-p" + i;
        Jockerd.Result r = d.jocker(jocker(commands.get(name)));
        assertEquals(exit(name), r.exitCode(), name + ": " + r.stderr());
        if (r.exitCode() == 0) {
          running.add("p" + i);
        } else {
          assertEquals(daemonError(file(name + ".err")), daemonError(r.stderr()), name);
          assertEquals(
              "created", state(d, "p" + i).get("Status").asText(), name + " stays created");
        }
      }
      awaitExited(d, "p6");
      running.remove("p6");

      for (String p : running) {
        assertEquals(JSON.readTree(file("inspect-" + p + ".out")), portsOf(d, p), "inspect " + p);
        Jockerd.Result port = d.jocker("port", p);
        assertEquals(file("port-" + p + ".out").replace("[::]:", ":::"), port.stdout(), p);
      }
      for (Map.Entry<String, List<String>> c : commands.entrySet()) {
        if (c.getKey().startsWith("port-p") && c.getKey().endsWith("-20")) {
          Jockerd.Result r = d.jocker(jocker(c.getValue()));
          assertEquals(file(c.getKey() + ".out"), r.stdout(), c.getKey());
          assertEquals(file(c.getKey() + ".err"), r.stderr(), c.getKey());
          assertEquals(exit(c.getKey()), r.exitCode(), c.getKey());
        }
      }
      Jockerd.Result bad = d.jocker("port", "p1", "abc");
      assertEquals(file("port-bad-spec-20.err"), bad.stderr());
      assertEquals(exit("port-bad-spec-20"), bad.exitCode());
      assertEquals(file("ps-ports-20.out"), psPorts(d.ok("ps", "--no-trunc"), false));

      String bridge =
          sandbox
              .host()
              .run("ip", "-o", "link", "show")
              .replaceAll("(?s).*(br-[0-9a-f]{12}).*", "$1");
      assertEquals(
          rules(file("published-iptables-save.txt")),
          rules(sandbox.host().run("iptables-save")),
          "iptables-save with the ports published");
      assertEquals(
          sockets(file("published-listening.txt")), sockets(sandbox.host().run("ss", "-Hltnu")));
      assertEquals(hairpin(file("published-hairpin.txt")), hairpin(hairpinNow(sandbox)));
      assertEquals(
          file("published-route-localnet.txt").replaceAll("br-[0-9a-f]{12}", "br-ID"),
          routeLocalnet(sandbox, List.of(bridge, "docker0")));

      for (String name : List.of("taken-20", "taken-28")) {
        Jockerd.Result r = d.jocker(jocker(commands.get(name)));
        assertEquals(exit(name), r.exitCode(), name);
        assertEquals(daemonError(file(name + ".err")), daemonError(r.stderr()), name);
      }
      assertEquals(
          JSON.readTree(file("taken-state.out")).get("Status").asText(),
          state(d, "taken-28").get("Status").asText());
      Process holder =
          sandbox.start(sandbox.host(), new ProcessBuilder("busybox", "nc", "-l", "-p", "8085"));
      awaitListening(sandbox, ":8085");
      for (String name : List.of("held-20", "held-28", "not-local-20", "not-local-28")) {
        Jockerd.Result r = d.jocker(jocker(commands.get(name)));
        assertEquals(exit(name), r.exitCode(), name);
        assertEquals(daemonError(file(name + ".err")), daemonError(r.stderr()), name);
      }
      holder.destroyForcibly();
      for (Map.Entry<String, List<String>> c : commands.entrySet()) {
        if (c.getKey().startsWith("bad-spec-") && c.getKey().endsWith("-20")) {
          Jockerd.Result r = d.jocker(jocker(c.getValue()));
          assertEquals(exit(c.getKey()), r.exitCode(), c.getKey());
          String err = file(c.getKey() + ".err");
          if (err.contains("Error response from daemon")) {
            assertEquals(daemonError(err), daemonError(r.stderr()), c.getKey());
          } else {
            assertEquals(err.replace("docker", "jocker"), r.stderr(), c.getKey());
          }
        }
      }
      assertEquals(
          namedStates(file("ps-a-after-errors.out").replace("[::]:", ":::")),
          namedStates(psNamesAndStates(d)),
          "ps -a after the errors: those that failed are Created, and --rm removed its own");

      Map<String, String> hostnames = hostnames(d);
      for (Map.Entry<String, List<String>> c : commands.entrySet()) {
        if (!c.getKey().startsWith("reach-")) {
          continue;
        }
        List<String> command = c.getValue();
        Sandbox.Command.Result r;
        if (command.get(0).equals("nsenter")) {
          r = internet.exec(command.subList(4, command.size()).toArray(String[]::new));
        } else if (command.get(0).equals("host")) {
          r = sandbox.host().exec(command.subList(1, command.size()).toArray(String[]::new));
        } else {
          Jockerd.Result j = d.jocker(jocker(command));
          r = new Sandbox.Command.Result(j.exitCode(), j.stdout(), j.stderr());
        }
        String want = file(c.getKey() + ".out").strip();
        assertEquals(exit(c.getKey()), r.exitCode(), c.getKey() + ": " + r.stderr());
        assertEquals(hostnames.getOrDefault(want, want), r.stdout().strip(), c.getKey());
      }

      for (String id : d.ok("ps", "-aq").split("\n")) {
        d.ok("rm", "-f", id.strip());
      }
      d.ok("network", "rm", "mynet");
      assertEquals(
          rules(file("after-rm-iptables-save.txt")),
          rules(sandbox.host().run("iptables-save")),
          "iptables-save once every container is removed");
      assertEquals(
          sockets(file("after-rm-listening.txt")), sockets(sandbox.host().run("ss", "-Hltnu")));
      assertEquals(hairpin(file("after-rm-hairpin.txt")), hairpin(hairpinNow(sandbox)));
      assertEquals(file("after-rm-route-localnet.txt"), routeLocalnet(sandbox, List.of("docker0")));
      assertEquals(List.of(), Invariant.violations(sandbox, d, null));
    }
  }

  /**
   * The daemon's message in a CLI's error output: Docker's or jocker's prefix, the 20.10 client's
   * trailing period and the usage hint dropped, endpoint names and IDs normalised (generated names
   * and random IDs differ from run to run).
   */
  private static String daemonError(String stderr) {
    String line = stderr.strip().split("\n")[0];
    line = line.replaceFirst("^(docker|jocker): ", "");
    line = line.replaceFirst("\\.$", "");
    return line.replaceAll("on endpoint \\S+ \\([0-9a-f]{64}\\)", "on endpoint NAME (ID)");
  }

  /** The four port fields of inspect, as the recording's template printed them. */
  private static JsonNode portsOf(Jockerd d, String name) {
    JsonNode i = d.api("GET", "/containers/" + name + "/json", null).json();
    ObjectNode out = JSON.createObjectNode();
    out.set("PortBindings", i.path("HostConfig").path("PortBindings"));
    out.set("PublishAllPorts", i.path("HostConfig").path("PublishAllPorts"));
    out.set("Ports", i.path("NetworkSettings").path("Ports"));
    JsonNode exposed = i.path("Config").path("ExposedPorts");
    out.set("ExposedPorts", exposed.isMissingNode() ? JSON.nullNode() : exposed);
    return out;
  }

  private static JsonNode state(Jockerd d, String name) {
    return d.api("GET", "/containers/" + name + "/json", null).json().get("State");
  }

  private static void awaitExited(Jockerd d, String name) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!state(d, name).get("Status").asText().equals("exited")) {
      assertTrue(System.currentTimeMillis() < deadline, name + " did not exit");
      Thread.sleep(100);
    }
  }

  private static void awaitListening(Sandbox sandbox, String port) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!sandbox.host().run("ss", "-Hltn").contains(port)) {
      assertTrue(System.currentTimeMillis() < deadline, "nothing listens on " + port);
      Thread.sleep(50);
    }
  }

  /** {@code ps}'s NAMES and PORTS columns as {@code --format "{{.Names}}\t{{.Ports}}"} prints. */
  private static String psPorts(String table, boolean withStatus) {
    String[] lines = table.split("\n");
    int status = lines[0].indexOf("STATUS");
    int ports = lines[0].indexOf("PORTS");
    int names = lines[0].indexOf("NAMES");
    StringBuilder out = new StringBuilder();
    for (int i = 1; i < lines.length; i++) {
      String l = lines[i];
      out.append(l.substring(names).strip()).append('\t');
      if (withStatus) {
        out.append(l.substring(status, ports).strip()).append('\t');
      }
      out.append(l.substring(ports, names).strip()).append('\n');
    }
    return out.toString();
  }

  private static String psNamesAndStates(Jockerd d) {
    return psPorts(d.ok("ps", "-a", "--no-trunc"), true);
  }

  /**
   * Each container named by the recording with its state's first word and its ports; containers
   * with generated names are counted by state.
   */
  private static Map<String, String> namedStates(String psWithStatus) {
    Map<String, String> out = new TreeMap<>();
    for (String line : psWithStatus.split("\n")) {
      String[] f = line.split("\t", -1);
      String state = f[1].split(" ")[0];
      if (f[0].matches("p\\d+|taken-\\d+")) {
        out.put(f[0], state + " " + f[2]);
      } else {
        out.merge("generated names " + state, "1", (a, b) -> (Integer.parseInt(a) + 1) + "");
      }
    }
    return out;
  }

  /**
   * Docker's hostnames (short IDs, as its {@code ps} listed them) of the recording's containers
   * mapped to jocker's for the same names, so that what a client fetched compares.
   */
  private Map<String, String> hostnames(Jockerd d) {
    Map<String, String> out = new LinkedHashMap<>();
    String[] lines = file("ps-28.out").split("\n");
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].strip().split("\\s+");
      JsonNode c = d.api("GET", "/containers/" + f[f.length - 1] + "/json", null).json();
      out.put(f[0], c.path("Config").path("Hostname").asText());
    }
    return out;
  }

  private static String rules(String save) {
    return PublishedPortsIT.rules(save);
  }

  /** Protocol and local address of each listening socket, sorted. */
  private static List<String> sockets(String ss) {
    return ss.lines()
        .filter(l -> !l.isBlank())
        .map(l -> l.trim().split("\\s+"))
        .map(f -> f[0] + " " + f[4])
        .sorted()
        .toList();
  }

  private static String hairpinNow(Sandbox sandbox) {
    StringBuilder out = new StringBuilder();
    for (String line : sandbox.host().run("ip", "-o", "link", "show", "type", "veth").split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String veth = line.split(": ")[1].replaceFirst("@.*", "");
      int m = line.indexOf(" master ");
      if (m < 0) {
        continue;
      }
      String master = line.substring(m + 8).split(" ")[0];
      String mode =
          sandbox.host().run("cat", "/sys/class/net/" + veth + "/brport/hairpin_mode").strip();
      out.append(veth).append(" master=").append(master).append(" hairpin_mode=").append(mode);
      out.append('\n');
    }
    return out.toString();
  }

  /** Each bridge port's bridge and hairpin mode, veth names dropped, sorted. */
  private static List<String> hairpin(String listing) {
    return listing
        .lines()
        .filter(l -> !l.isBlank())
        .map(l -> l.substring(l.indexOf(' ') + 1).replaceAll("br-[0-9a-f]{12}", "br-ID"))
        .sorted()
        .toList();
  }

  private static String routeLocalnet(Sandbox sandbox, List<String> bridges) {
    StringBuilder out = new StringBuilder();
    for (String b : bridges.stream().sorted().toList()) {
      String value =
          sandbox.host().run("cat", "/proc/sys/net/ipv4/conf/" + b + "/route_localnet").strip();
      out.append("net.ipv4.conf.")
          .append(b.startsWith("br-") ? "br-ID" : b)
          .append(".route_localnet = ")
          .append(value)
          .append('\n');
    }
    return out.toString();
  }
}

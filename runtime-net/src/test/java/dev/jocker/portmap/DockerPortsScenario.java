package dev.jocker.portmap;

import dev.jocker.firewall.RuleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Docker 20.10's port-publishing recording ({@code tools/record-docker-goldens ports-proxy} and
 * {@code ports-noproxy}, see their README) replayed through jocker's parts: the same containers
 * started in the same order with the same {@code run} options, at the addresses Docker gave them
 * (read from its rules), each one's ports parsed by {@link PortSpecs}, ordered by {@link PortPlan}
 * and taken by a {@link PortMapper}.
 */
final class DockerPortsScenario {
  static final Path REFERENCE = Path.of("../reference/docker-20.10");

  /**
   * One {@code docker run} of the recording.
   *
   * @param name the container
   * @param mynet whether it is on the user network (else the default bridge)
   * @param address its IPv4 address under Docker
   * @param publish its {@code -p} values
   * @param expose its {@code --expose} values
   * @param publishAll {@code -P}
   * @param exits whether its command exits at once (its ports then go)
   */
  record Run(
      String name,
      boolean mynet,
      String address,
      List<String> publish,
      List<String> expose,
      boolean publishAll,
      boolean exits) {
    static Run of(String name, String address, String... publish) {
      return new Run(name, false, address, List.of(publish), List.of(), false, false);
    }
  }

  /** The recording's runs, in order (p13 and p15 fail to start). */
  static final List<Run> RUNS =
      List.of(
          Run.of("p1", "172.17.0.2", "8080:80"),
          Run.of("p2", "172.17.0.3", "127.0.0.1:8081:80"),
          Run.of("p3", "172.17.0.4", "80"),
          Run.of("p4", "172.17.0.5", "0:80"),
          Run.of("p5", "172.17.0.6", "8000-8002:80-82"),
          new Run("p6", false, "172.17.0.7", List.of("9090:90/udp"), List.of(), false, true),
          new Run("p7", false, "172.17.0.8", List.of(), List.of("7000", "7001/udp"), true, false),
          new Run("p8", false, "172.17.0.13", List.of(), List.of("7500"), false, false),
          Run.of("p9", "172.17.0.9", "127.0.0.1::80"),
          Run.of("p10", "172.17.0.10", "8100-8105:80"),
          new Run("p11", true, "172.18.0.2", List.of("8090:80"), List.of(), false, false),
          Run.of("p12", "172.17.0.11", "0"),
          Run.of("p13", "172.17.0.14", "8443:443/sctp"),
          Run.of("p14", "172.17.0.12", "8444:80/tcp", "8444:80/udp"),
          Run.of("p15", "172.17.0.15", "1.2.3.4:8086:80"));

  final boolean userlandProxy;
  final Path dir;
  final String mynet;

  DockerPortsScenario(boolean userlandProxy) throws IOException {
    this.userlandProxy = userlandProxy;
    this.dir = REFERENCE.resolve(userlandProxy ? "ports-proxy" : "ports-noproxy");
    Matcher m =
        Pattern.compile("-A POSTROUTING -s 172\\.18\\.0\\.0/16 ! -o (br-[0-9a-f]+) -j MASQUERADE")
            .matcher(file("published-iptables-save.txt"));
    if (!m.find()) {
      throw new AssertionError("no user network in " + dir);
    }
    this.mynet = m.group(1);
  }

  String file(String name) throws IOException {
    return Files.readString(dir.resolve(name));
  }

  /** The bridges' rules, docker0's first: Docker created mynet after its own start. */
  List<RuleSet> bridgeRules() {
    return List.of(
        PortRules.bridgeRules("docker0", "172.17.0.0/16", "DOCKER", userlandProxy),
        PortRules.bridgeRules(mynet, "172.18.0.0/16", "DOCKER", userlandProxy));
  }

  /** A run's configuration, as the client sends it. */
  static PortConfig config(Run run) {
    return PortSpecs.parse(run.publish(), run.expose());
  }

  /**
   * Starts every run through {@code mapper} (allocation, then rules unless {@code program} is
   * false): the ports of each container still running, or, for one that failed, its error.
   */
  static Map<String, Object> replay(
      PortMapper mapper, PortStore store, boolean program, String mynet) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Run run : RUNS) {
      PortConfig c = config(run);
      try {
        List<PublishedPort> ports =
            mapper.allocate(
                store,
                run.name(),
                run.mynet() ? mynet : "docker0",
                run.address(),
                PortPlan.requests(c.exposedPorts(), c.portBindings(), run.publishAll()));
        if (program) {
          mapper.program(ports);
        }
        if (run.exits()) {
          mapper.release(store, ports);
        } else {
          out.put(run.name(), ports);
        }
      } catch (PortMapException e) {
        out.put(run.name(), e.getMessage());
      }
    }
    return out;
  }

  /** What the daemon answered a run that failed, after Docker's "driver failed … (ID): ". */
  static String dockersWords(String err) {
    String line = err.lines().findFirst().orElseThrow();
    return line.substring(line.indexOf("): ") + 3).replaceFirst("\\.$", "");
  }

  /** The {@code -A} lines of a table in an iptables-save text, in order. */
  static String rules(String save, String table) {
    return RulesModel.saved(save, table);
  }
}

package dev.jocker.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.engine.ClusterOptions;
import dev.jocker.engine.EngineConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * jockerd's settings, named as dockerd names them, from {@code /etc/jocker/daemon.json} overridden
 * by flags.
 *
 * @param socket the unix socket to serve on
 * @param engine what the engine needs
 * @param logLevel {@code debug}, {@code info}, {@code warn}, {@code error}
 * @param logJson whether the log uses the JSON layout
 * @param logDir where the rolling log file goes
 * @param cluster the cluster store and advertised address ({@code --cluster-store}, {@code
 *     --cluster-advertise}), or null when jockerd takes part in no cluster
 */
public record DaemonConfig(
    Path socket,
    EngineConfig engine,
    String logLevel,
    boolean logJson,
    Path logDir,
    ClusterOptions cluster) {
  /** The default socket, as {@code -H unix:///run/jocker.sock}. */
  public static final Path DEFAULT_SOCKET = Path.of("/run/jocker.sock");

  static Options options() {
    Options o = new Options();
    o.addOption(
        Option.builder()
            .longOpt("data-root")
            .hasArg()
            .argName("dir")
            .desc("Root directory of persistent state (default /var/lib/jocker)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("exec-root")
            .hasArg()
            .argName("dir")
            .desc("Root directory of execution state (default /run/jocker)")
            .build());
    o.addOption(
        Option.builder("H")
            .longOpt("host")
            .hasArg()
            .argName("unix://path")
            .desc("Socket to listen on (default unix:///run/jocker.sock)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("bridge")
            .hasArg()
            .argName("name")
            .desc("Default bridge device (default docker0)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("bip")
            .hasArg()
            .argName("cidr")
            .desc("Bridge address with prefix (default 172.17.0.1/16)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("mtu")
            .hasArg()
            .argName("int")
            .desc("MTU of the bridge and container links (default 1500)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("rules-check-interval")
            .hasArg()
            .argName("seconds")
            .desc(
                "How often to restore iptables rules removed behind jocker's back (default 10;"
                    + " 0: never)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("iptables")
            .hasArg()
            .argName("bool")
            .desc("Manage iptables rules (default true)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("ip-forward")
            .hasArg()
            .argName("bool")
            .desc("Enable net.ipv4.ip_forward (default true)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("userland-proxy")
            .hasArg()
            .argName("bool")
            .desc(
                "Forward published ports to containers from inside jockerd (default true); false"
                    + " uses NAT alone, as dockerd --userland-proxy=false")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("ip")
            .hasArg()
            .argName("ip")
            .desc("Default host address of published ports (default 0.0.0.0)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("iptables-chain-prefix")
            .hasArg()
            .argName("name")
            .desc("Prefix of jocker's iptables chains (default DOCKER)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("netns-dir")
            .hasArg()
            .argName("dir")
            .desc("Directory of named network namespaces (default /run/netns)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("live-restore")
            .hasArg()
            .optionalArg(true)
            .argName("bool")
            .desc(
                "Keep containers running while the daemon is down (default true; false stops them"
                    + " at shutdown, as dockerd does by default)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("cgroup-parent")
            .hasArg()
            .argName("name")
            .desc("Parent cgroup of every container's (default jocker)")
            .build());
    o.addOption(
        Option.builder("l")
            .longOpt("log-level")
            .hasArg()
            .argName("level")
            .desc("debug, info, warn or error (default info)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("log-format")
            .hasArg()
            .argName("text|json")
            .desc("Log layout (default text)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("log-dir")
            .hasArg()
            .argName("dir")
            .desc("Directory of the rolling log file (default /var/log/jocker)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("config-file")
            .hasArg()
            .argName("file")
            .desc("Daemon configuration file (default /etc/jocker/daemon.json)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("cluster-store")
            .hasArg()
            .argName("etcd://host:port")
            .desc("The cluster store overlay networks live in: etcd://HOST:PORT[,HOST:PORT...]")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("cluster-advertise")
            .hasArg()
            .argName("iface:port|addr:port")
            .desc(
                "This host's address in the cluster (its VXLAN endpoint): IFACE:PORT or ADDR:PORT")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("cluster-store-opt")
            .hasArg()
            .argName("name=value")
            .desc(
                "Cluster store option: discovery.ttl=SECONDS (how long the others keep this host"
                    + " after it dies; default 15)")
            .build());
    o.addOption(Option.builder("h").longOpt("help").desc("Print usage").build());
    return o;
  }

  /** Parses flags over the configuration file; bad values are {@link IllegalArgumentException}s. */
  static DaemonConfig parse(String[] args) throws ParseException, IOException {
    CommandLine cl = new DefaultParser().parse(options(), args);
    if (!cl.getArgList().isEmpty()) {
      throw new ParseException("unexpected argument: " + cl.getArgList().get(0));
    }
    Path file = Path.of(cl.getOptionValue("config-file", "/etc/jocker/daemon.json"));
    JsonNode json =
        Files.exists(file)
            ? new ObjectMapper().readTree(file.toFile())
            : new ObjectMapper().createObjectNode();
    String host = pick(cl, json, "host", "hosts", "unix://" + DEFAULT_SOCKET);
    if (!host.startsWith("unix://")) {
      throw new IllegalArgumentException("-H " + host + ": only unix:// sockets are supported");
    }
    int mtu;
    try {
      mtu = Integer.parseInt(pick(cl, json, "mtu", "mtu", "1500"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--mtu must be a number");
    }
    int rulesCheck;
    try {
      rulesCheck =
          Integer.parseInt(pick(cl, json, "rules-check-interval", "rules-check-interval", "10"));
    } catch (NumberFormatException e) {
      rulesCheck = -1;
    }
    if (rulesCheck < 0) {
      throw new IllegalArgumentException(
          "--rules-check-interval must be a whole number of seconds, 0 or more");
    }
    String bindIp = pick(cl, json, "ip", "ip", "0.0.0.0");
    if (dev.jocker.portmap.IpText.canonical(bindIp) == null) {
      throw new IllegalArgumentException("--ip " + bindIp + ": not an IP address");
    }
    EngineConfig engine =
        new EngineConfig(
            Path.of(pick(cl, json, "data-root", "data-root", "/var/lib/jocker")),
            Path.of(pick(cl, json, "exec-root", "exec-root", "/run/jocker")),
            pick(cl, json, "bridge", "bridge", "docker0"),
            pick(cl, json, "bip", "bip", "172.17.0.1/16"),
            mtu,
            bool(pick(cl, json, "iptables", "iptables", "true"), "--iptables"),
            bool(pick(cl, json, "ip-forward", "ip-forward", "true"), "--ip-forward"),
            pick(cl, json, "iptables-chain-prefix", "iptables-chain-prefix", "DOCKER"),
            Path.of(pick(cl, json, "netns-dir", "netns-dir", "/run/netns")),
            Duration.ofSeconds(rulesCheck),
            null,
            cgroupParent(pick(cl, json, "cgroup-parent", "cgroup-parent", "jocker")),
            bool(
                cl.hasOption("live-restore") && cl.getOptionValue("live-restore") == null
                    ? "true"
                    : pick(cl, json, "live-restore", "live-restore", "true"),
                "--live-restore"),
            bool(pick(cl, json, "userland-proxy", "userland-proxy", "true"), "--userland-proxy"),
            bindIp);
    String level = pick(cl, json, "log-level", "log-level", "info");
    if (!List.of("debug", "info", "warn", "error").contains(level)) {
      throw new IllegalArgumentException(
          "--log-level " + level + ": use debug, info, warn or error");
    }
    boolean jsonLog = "json".equals(pick(cl, json, "log-format", "log-format", "text"));
    Path logDir = Path.of(pick(cl, json, "log-dir", "log-dir", "/var/log/jocker"));
    return new DaemonConfig(
        Path.of(host.substring("unix://".length())),
        engine,
        level,
        jsonLog,
        logDir,
        cluster(cl, json));
  }

  /**
   * The cluster options, as dockerd reads them: {@code --cluster-store}, {@code
   * --cluster-advertise} (both or neither) and {@code --cluster-store-opt NAME=VALUE}, or {@code
   * "cluster-store"}, {@code "cluster-advertise"} and {@code "cluster-store-opts": {NAME: VALUE}}
   * in daemon.json. The forms themselves are checked when the engine opens.
   */
  static ClusterOptions cluster(CommandLine cl, JsonNode json) {
    String store = pick(cl, json, "cluster-store", "cluster-store", "");
    String advertise = pick(cl, json, "cluster-advertise", "cluster-advertise", "");
    Map<String, String> opts = new LinkedHashMap<>();
    JsonNode fromFile = json.get("cluster-store-opts");
    if (fromFile != null && !fromFile.isNull()) {
      if (!fromFile.isObject()) {
        throw new IllegalArgumentException(
            "\"cluster-store-opts\" in the configuration file must be an object of NAME: VALUE");
      }
      fromFile.fields().forEachRemaining(e -> opts.put(e.getKey(), e.getValue().asText()));
    }
    String[] flags = cl.getOptionValues("cluster-store-opt");
    if (flags != null) {
      for (String flag : flags) {
        int eq = flag.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              "--cluster-store-opt " + flag + ": expected NAME=VALUE, e.g. discovery.ttl=15");
        }
        opts.put(flag.substring(0, eq), flag.substring(eq + 1));
      }
    }
    if (store.isEmpty() && advertise.isEmpty()) {
      if (!opts.isEmpty()) {
        throw new IllegalArgumentException("--cluster-store-opt needs --cluster-store");
      }
      return null;
    }
    if (store.isEmpty()) {
      throw new IllegalArgumentException(
          "--cluster-advertise " + advertise + " needs --cluster-store etcd://HOST:PORT");
    }
    if (advertise.isEmpty()) {
      throw new IllegalArgumentException(
          "--cluster-store "
              + store
              + " needs --cluster-advertise IFACE:PORT or ADDR:PORT: the address other hosts"
              + " reach this one on");
    }
    Duration ttl = null;
    for (Map.Entry<String, String> o : opts.entrySet()) {
      if (!o.getKey().equals("discovery.ttl")) {
        throw new IllegalArgumentException(
            "--cluster-store-opt "
                + o.getKey()
                + " is not supported by jocker (only discovery.ttl: TLS and Docker's other"
                + " discovery options are not)");
      }
      try {
        ttl = Duration.ofSeconds(Long.parseLong(o.getValue().replaceFirst("s$", "")));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--cluster-store-opt discovery.ttl=" + o.getValue() + ": a number of seconds");
      }
      if (ttl.toSeconds() < 2) {
        throw new IllegalArgumentException(
            "--cluster-store-opt discovery.ttl=" + o.getValue() + ": at least 2 seconds");
      }
    }
    return new ClusterOptions(store, advertise, ttl);
  }

  private static String pick(
      CommandLine cl, JsonNode json, String flag, String key, String fallback) {
    if (cl.hasOption(flag)) {
      return cl.getOptionValue(flag);
    }
    JsonNode v = json.get(key);
    if (v == null) {
      return fallback;
    }
    return v.isArray() ? v.get(0).asText() : v.asText();
  }

  /** A cgroup path relative to each hierarchy's root, as dockerd takes {@code --cgroup-parent}. */
  private static String cgroupParent(String parent) {
    String p = parent.startsWith("/") ? parent.substring(1) : parent;
    if (p.isEmpty() || p.contains("..")) {
      throw new IllegalArgumentException(
          "--cgroup-parent " + parent + ": name a cgroup below the root, without ..");
    }
    return p;
  }

  private static boolean bool(String v, String flag) {
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException(flag + "=" + v + ": use true or false");
    }
    return Boolean.parseBoolean(v);
  }
}

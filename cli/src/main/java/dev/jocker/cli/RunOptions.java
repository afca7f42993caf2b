package dev.jocker.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jocker.portmap.HostBinding;
import dev.jocker.portmap.PortConfig;
import dev.jocker.portmap.PortSpecException;
import dev.jocker.portmap.PortSpecs;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The flags of {@code run} and {@code create}, and the body of {@code POST /containers/create} they
 * make, field for field as Docker's client makes it. The CLI passes each option on; the daemon
 * honours it or refuses it with a 400 naming the option, never drops it.
 */
final class RunOptions {
  private RunOptions() {}

  static Flags flags(boolean run) {
    Flags f = new Flags();
    f.list(null, "add-host", "list", "Add a custom host-to-IP mapping (host:ip)");
    f.list(null, "cap-add", "list", "Add Linux capabilities");
    f.list(null, "cap-drop", "list", "Drop Linux capabilities");
    f.string("c", "cpu-shares", "int", null, "CPU shares (relative weight)");
    f.string(null, "cpus", "decimal", null, "Number of CPUs");
    if (run) {
      f.bool("d", "detach", "Run container in background and print container ID");
    }
    f.list(null, "dns", "list", "Set custom DNS servers");
    f.list(null, "dns-option", "list", "Set DNS options");
    f.list(null, "dns-search", "list", "Set custom DNS search domains");
    f.string(null, "domainname", "string", null, "Container NIS domain name");
    f.string(null, "entrypoint", "string", null, "Overwrite the default ENTRYPOINT of the image");
    f.list("e", "env", "list", "Set environment variables");
    f.list(null, "expose", "list", "Expose a port or a range of ports");
    f.string("h", "hostname", "string", null, "Container host name");
    f.bool(
        null, "init", "Run an init inside the container that forwards signals and reaps processes");
    f.bool("i", "interactive", "Keep STDIN open even if not attached");
    f.string(null, "ip", "string", null, "IPv4 address (e.g., 172.30.100.104)");
    f.list("l", "label", "list", "Set meta data on a container");
    f.list(null, "link", "list", "Add link to another container");
    f.string(
        null, "mac-address", "string", null, "Container MAC address (e.g., 92:d0:c6:0a:29:33)");
    f.string("m", "memory", "bytes", null, "Memory limit");
    f.string(null, "name", "string", null, "Assign a name to the container");
    f.string(null, "network", "network", null, "Connect a container to a network");
    f.list(null, "network-alias", "list", "Add network-scoped alias for the container");
    f.string(null, "pids-limit", "int", null, "Tune container pids limit (set -1 for unlimited)");
    f.bool(null, "privileged", "Give extended privileges to this container");
    f.list("p", "publish", "list", "Publish a container's port(s) to the host");
    f.bool("P", "publish-all", "Publish all exposed ports to random ports");
    f.bool(null, "read-only", "Mount the container's root filesystem as read only");
    f.string(null, "restart", "string", "\"no\"", "Restart policy to apply when a container exits");
    f.bool(null, "rm", "Automatically remove the container when it exits");
    f.list(null, "security-opt", "list", "Security Options");
    if (run) {
      f.bool(null, "sig-proxy", "Proxy received signals to the process (default true)");
    }
    f.string(null, "stop-signal", "string", "\"SIGTERM\"", "Signal to stop a container");
    f.string(null, "stop-timeout", "int", null, "Timeout (in seconds) to stop a container");
    f.bool("t", "tty", "Allocate a pseudo-TTY");
    f.string("u", "user", "string", null, "Username or UID (format: <name|uid>[:<group|gid>])");
    f.list("v", "volume", "list", "Bind mount a volume");
    f.string("w", "workdir", "string", null, "Working directory inside the container");
    return f;
  }

  static Cli.Spec spec(boolean run) {
    Cli.Spec s =
        run
            ? new Cli.Spec(
                "run",
                "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
                "Run a command in a new container",
                flags(true),
                Cli.Args.atLeast(1))
            : new Cli.Spec(
                "create",
                "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
                "Create a new container",
                flags(false),
                Cli.Args.atLeast(1));
    return s.stoppingAtArguments();
  }

  /** The create body, as Docker's client builds it from the flags. */
  static ObjectNode body(Cli.Spec spec, Flags.Parsed p, boolean attach) throws Cli.StatusError {
    List<String> positional = p.args;
    ObjectNode body = Json.object();
    body.put("Hostname", p.get("hostname", ""));
    body.put("Domainname", p.get("domainname", ""));
    body.put("User", p.get("user", ""));
    boolean interactive = p.on("interactive");
    body.put("AttachStdin", attach && interactive);
    body.put("AttachStdout", attach);
    body.put("AttachStderr", attach);
    PortConfig ports;
    try {
      ports = PortSpecs.parse(p.all("publish"), p.all("expose"));
    } catch (PortSpecException e) {
      throw Cli.flagError(spec, "jocker: " + e.getMessage() + ".");
    }
    if (!ports.exposedPorts().isEmpty()) {
      ObjectNode exposed = body.putObject("ExposedPorts");
      ports.exposedPorts().forEach(k -> exposed.putObject(k));
    }
    body.put("Tty", p.on("tty"));
    body.put("OpenStdin", interactive);
    body.put("StdinOnce", attach && interactive);
    ArrayNode env = body.putArray("Env");
    for (String e : p.all("env")) {
      if (e.contains("=")) {
        env.add(e);
      } else if (System.getenv(e) != null) {
        env.add(e + "=" + System.getenv(e));
      }
    }
    ArrayNode cmd = body.putArray("Cmd");
    positional.subList(1, positional.size()).forEach(cmd::add);
    body.put("Image", positional.get(0));
    body.put("WorkingDir", p.get("workdir", ""));
    if (p.has("entrypoint")) {
      ArrayNode entrypoint = body.putArray("Entrypoint");
      if (!p.get("entrypoint", "").isEmpty()) {
        entrypoint.add(p.get("entrypoint", ""));
      }
    }
    if (p.has("mac-address")) {
      body.put("MacAddress", p.get("mac-address", ""));
    }
    ObjectNode labels = body.putObject("Labels");
    for (String l : p.all("label")) {
      int eq = l.indexOf('=');
      labels.put(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "" : l.substring(eq + 1));
    }
    if (p.has("stop-signal")) {
      body.put("StopSignal", p.get("stop-signal", ""));
    }
    if (p.has("stop-timeout")) {
      body.put("StopTimeout", integer(spec, p, "stop-timeout", null));
    }

    ObjectNode host = body.putObject("HostConfig");
    strings(host.putArray("Binds"), p.all("volume"));
    String network = p.get("network", "default");
    host.put("NetworkMode", network);
    if (!ports.portBindings().isEmpty()) {
      ObjectNode bindings = host.putObject("PortBindings");
      for (Map.Entry<String, List<HostBinding>> e : ports.portBindings().entrySet()) {
        ArrayNode list = bindings.putArray(e.getKey());
        for (HostBinding b : e.getValue()) {
          list.addObject().put("HostIp", b.hostIp()).put("HostPort", b.hostPort());
        }
      }
    }
    ObjectNode restart = restart(spec, p.get("restart", "no"));
    String policy = restart.get("Name").asText();
    if (p.on("rm") && !policy.isEmpty() && !policy.equals("no")) {
      throw Cli.flagError(spec, "jocker: Conflicting options: --restart and --rm.");
    }
    host.set("RestartPolicy", restart);
    host.put("AutoRemove", p.on("rm"));
    strings(host.putArray("CapAdd"), p.all("cap-add"));
    strings(host.putArray("CapDrop"), p.all("cap-drop"));
    strings(host.putArray("Dns"), p.all("dns"));
    strings(host.putArray("DnsOptions"), p.all("dns-option"));
    strings(host.putArray("DnsSearch"), p.all("dns-search"));
    strings(host.putArray("ExtraHosts"), p.all("add-host"));
    strings(host.putArray("Links"), p.all("link"));
    host.put("Privileged", p.on("privileged"));
    host.put("PublishAllPorts", p.on("publish-all"));
    host.put("ReadonlyRootfs", p.on("read-only"));
    for (String opt : p.all("security-opt")) {
      // Docker's client takes KEY=VALUE, KEY:VALUE and no-new-privileges, and leaves the rest to
      // the daemon.
      if (!opt.contains("=") && !opt.contains(":") && !opt.equals("no-new-privileges")) {
        throw Cli.flagError(spec, "jocker: Invalid --security-opt: \"" + opt + "\".");
      }
    }
    strings(host.putArray("SecurityOpt"), p.all("security-opt"));
    if (p.has("cpu-shares")) {
      host.put("CpuShares", integer(spec, p, "cpu-shares", "c"));
    }
    if (p.has("memory")) {
      host.put("Memory", bytes(spec, p.get("memory", ""), "-m, --memory"));
    }
    if (p.has("cpus")) {
      host.put("NanoCpus", nanoCpus(spec, p.get("cpus", "")));
    }
    if (p.has("pids-limit")) {
      host.put("PidsLimit", integer(spec, p, "pids-limit", null));
    }
    if (p.on("init")) {
      host.put("Init", true);
    }

    ObjectNode networking = body.putObject("NetworkingConfig");
    ObjectNode endpoints = networking.putObject("EndpointsConfig");
    if (p.has("ip") || p.has("network-alias") || !network.equals("default")) {
      String name = network.equals("default") ? "bridge" : network;
      if (p.has("ip") || p.has("network-alias")) {
        ObjectNode endpoint = endpoints.putObject(name);
        if (p.has("ip")) {
          endpoint.putObject("IPAMConfig").put("IPv4Address", p.get("ip", ""));
        }
        if (p.has("network-alias")) {
          strings(endpoint.putArray("Aliases"), p.all("network-alias"));
        }
      }
    }
    return body;
  }

  private static void strings(ArrayNode to, List<String> values) {
    values.forEach(to::add);
  }

  private static long integer(Cli.Spec spec, Flags.Parsed p, String name, String shorthand)
      throws Cli.StatusError {
    try {
      return p.integer(name, shorthand, 0);
    } catch (Flags.FlagError e) {
      throw Cli.flagError(spec, e.getMessage());
    }
  }

  /**
   * {@code --restart}: Docker's {@code no}, {@code always}, {@code unless-stopped}, {@code
   * on-failure[:N]}.
   */
  private static ObjectNode restart(Cli.Spec spec, String policy) throws Cli.StatusError {
    ObjectNode r = Json.object();
    String name = policy;
    long retries = 0;
    int colon = policy.indexOf(':');
    if (colon >= 0) {
      name = policy.substring(0, colon);
      try {
        retries = Long.parseLong(policy.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw Cli.flagError(spec, "jocker: maximum retry count must be an integer.");
      }
    }
    r.put("Name", name.equals("no") ? "no" : name);
    r.put("MaximumRetryCount", retries);
    return r;
  }

  /** {@code -m 64m}: Docker's RAMInBytes (binary units, b/k/m/g/t/p, optional "b" suffix). */
  static long bytes(Cli.Spec spec, String value, String flag) throws Cli.StatusError {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("^(\\d+(?:\\.\\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$")
            .matcher(value);
    if (!m.matches()) {
      throw Cli.flagError(
          spec,
          "invalid argument \""
              + value
              + "\" for \""
              + flag
              + "\" flag: invalid size: '"
              + value
              + "'");
    }
    double n = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
    int power = "kmgtp".indexOf(unit.isEmpty() ? " " : unit) + 1;
    return (long) (n * Math.pow(1024, power));
  }

  private static long nanoCpus(Cli.Spec spec, String value) throws Cli.StatusError {
    try {
      java.math.BigDecimal d = new java.math.BigDecimal(value).movePointRight(9);
      return d.longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw Cli.flagError(
          spec,
          "invalid argument \""
              + value
              + "\" for \"--cpus\" flag: failed to parse "
              + value
              + " as a rational number");
    }
  }
}

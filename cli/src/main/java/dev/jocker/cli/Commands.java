package dev.jocker.cli;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jocker.container.HumanTime;
import dev.jocker.doctor.Doctor;
import dev.jocker.doctor.Finding;
import dev.jocker.portmap.HostBinding;
import dev.jocker.portmap.PortConfig;
import dev.jocker.portmap.PortSpecException;
import dev.jocker.portmap.PortSpecs;
import dev.jocker.portmap.PortViews;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/** Docker's commands, spoken to jockerd over its API. */
final class Commands {

  private final DaemonClient client;
  private final PrintStream out;
  private final PrintStream err;
  private final boolean debug;

  Commands(DaemonClient client, PrintStream out, PrintStream err, boolean debug) {
    this.client = client;
    this.out = out;
    this.err = err;
    this.debug = debug;
  }

  int run(String command, List<String> args) {
    try {
      return switch (command) {
        case "run" -> run(args);
        case "create" -> create(args);
        case "ps" -> ps(args);
        case "exec" -> exec(args);
        case "start" ->
            each(
                "start",
                args,
                "Start one or more stopped containers",
                c -> post("/containers/" + c + "/start"));
        case "stop" -> stop(args);
        case "restart" -> restart(args);
        case "wait" -> waitFor(args);
        case "kill" -> kill(args);
        case "pause" ->
            each(
                "pause",
                args,
                "Pause all processes within one or more containers",
                c -> post("/containers/" + enc(c) + "/pause"));
        case "unpause" ->
            each(
                "unpause",
                args,
                "Unpause all processes within one or more containers",
                c -> post("/containers/" + enc(c) + "/unpause"));
        case "rename" -> rename(args);
        case "rm" -> rm(args);
        case "logs" -> logs(args);
        case "port" -> port(args);
        case "inspect" -> inspect(args);
        case "images" -> images(args);
        case "image" -> image(args);
        case "network" -> network(args);
        case "reconcile" -> reconcile(args);
        case "doctor" -> doctor(args);
        case "info" -> info(args);
        case "version" -> version(args);
        case "demo" -> Demo.run(args, out, err);
        case "install" -> {
          err.println(
              "jocker install is handled by the ./jocker launcher: run 'sudo ./jocker install' from the repository");
          yield 125;
        }
        default -> {
          err.println("jocker: '" + command + "' is not a jocker command.");
          err.println("See 'jocker --help'");
          yield 125;
        }
      };
    } catch (HelpShown h) {
      return 0;
    } catch (UsageException e) {
      err.println(e.getMessage());
      err.println("See 'jocker " + e.command + " --help'.");
      return 125;
    } catch (DaemonError e) {
      err.println("Error response from daemon: " + e.getMessage());
      return command.equals("run") || command.equals("create") ? 125 : 1;
    } catch (DaemonClient.Unreachable e) {
      err.println(e.getMessage());
      return 1;
    } catch (IOException e) {
      if (debug) {
        e.printStackTrace(err);
      }
      err.println("jocker: " + e.getMessage());
      return 1;
    }
  }

  // ---------------------------------------------------------------- parsing

  private CommandLine parse(
      String command,
      Options options,
      List<String> args,
      boolean stopAtNonOption,
      String usage,
      String description)
      throws UsageException {
    options.addOption(Option.builder().longOpt("help").desc("Print usage").build());
    try {
      CommandLine cl =
          new DefaultParser().parse(options, args.toArray(String[]::new), stopAtNonOption);
      // Stopping at the first non-option lets an unknown flag through as "the image": refuse it.
      if (stopAtNonOption && !cl.getArgList().isEmpty() && cl.getArgList().get(0).startsWith("-")) {
        throw new UsageException(command, "unknown flag: " + cl.getArgList().get(0));
      }
      if (cl.hasOption("help")) {
        HelpFormatter f = new HelpFormatter();
        f.setSyntaxPrefix("Usage:  ");
        java.io.StringWriter sw = new java.io.StringWriter();
        f.printHelp(
            new java.io.PrintWriter(sw),
            100,
            "jocker " + usage,
            "\n" + description + "\n\nOptions:",
            options,
            2,
            4,
            "");
        out.print(sw);
        throw new HelpShown();
      }
      return cl;
    } catch (ParseException e) {
      throw new UsageException(command, e.getMessage());
    }
  }

  /** Thrown after printing help, to end the command with status 0. */
  private static final class HelpShown extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HelpShown() {
      super(null, null, false, false);
    }
  }

  // ---------------------------------------------------------------- containers

  /** The options {@code run} and {@code exec} share, with Docker's help texts. */
  private static void addStdioAndEnvOptions(Options o) {
    o.addOption("i", "interactive", false, "Keep STDIN open even if not attached");
    o.addOption("t", "tty", false, "Allocate a pseudo-TTY");
    o.addOption(
        Option.builder("e")
            .longOpt("env")
            .hasArg()
            .argName("list")
            .desc("Set environment variables")
            .build());
  }

  private static Options createOptions() {
    Options o = new Options();
    o.addOption("d", "detach", false, "Run container in background and print container ID");
    addStdioAndEnvOptions(o);
    o.addOption(
        Option.builder()
            .longOpt("name")
            .hasArg()
            .argName("string")
            .desc("Assign a name to the container")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("network")
            .hasArg()
            .argName("network")
            .desc("Connect a container to a network (bridge, host, none, or a created one)")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("ip")
            .hasArg()
            .argName("string")
            .desc("IPv4 address (e.g., 172.17.0.50)")
            .build());
    o.addOption(
        Option.builder("h")
            .longOpt("hostname")
            .hasArg()
            .argName("string")
            .desc("Container host name")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("rm")
            .desc("Automatically remove the container when it exits")
            .build());
    o.addOption(
        Option.builder("p")
            .longOpt("publish")
            .hasArg()
            .argName("list")
            .desc("Publish a container's port(s) to the host")
            .build());
    o.addOption("P", "publish-all", false, "Publish all exposed ports to random ports");
    o.addOption(
        Option.builder()
            .longOpt("expose")
            .hasArg()
            .argName("list")
            .desc("Expose a port or a range of ports")
            .build());
    RunOptions.add(o);
    return o;
  }

  /**
   * {@code -p}, {@code --expose} and {@code -P} into the create body's {@code ExposedPorts}, {@code
   * HostConfig.PortBindings} and {@code PublishAllPorts}, as Docker's client sends them; a bad spec
   * is refused with its text before anything is created.
   */
  private static void ports(String command, CommandLine cl, ObjectNode body, ObjectNode host)
      throws UsageException {
    PortConfig ports;
    try {
      ports =
          PortSpecs.parse(
              cl.hasOption("p") ? List.of(cl.getOptionValues("p")) : List.of(),
              cl.hasOption("expose") ? List.of(cl.getOptionValues("expose")) : List.of());
    } catch (PortSpecException e) {
      throw new UsageException(command, "jocker: " + e.getMessage() + ".");
    }
    if (!ports.exposedPorts().isEmpty()) {
      ObjectNode exposed = body.putObject("ExposedPorts");
      ports.exposedPorts().forEach(p -> exposed.putObject(p));
    }
    ObjectNode bindings = host.putObject("PortBindings");
    for (Map.Entry<String, List<HostBinding>> e : ports.portBindings().entrySet()) {
      ArrayNode list = bindings.putArray(e.getKey());
      for (HostBinding b : e.getValue()) {
        list.addObject().put("HostIp", b.hostIp()).put("HostPort", b.hostPort());
      }
    }
    host.put("PublishAllPorts", cl.hasOption("P"));
  }

  private String createContainer(String command, CommandLine cl)
      throws IOException, UsageException, DaemonError {
    List<String> positional = cl.getArgList();
    if (positional.isEmpty()) {
      throw new UsageException(command, "\"jocker " + command + "\" requires at least 1 argument.");
    }
    ObjectNode body = Json.object();
    body.put("Image", positional.get(0));
    ArrayNode cmd = body.putArray("Cmd");
    positional.subList(1, positional.size()).forEach(cmd::add);
    ArrayNode env = body.putArray("Env");
    if (cl.hasOption("e")) {
      for (String e : cl.getOptionValues("e")) {
        // As the docker CLI: a bare name takes the CLI's own value, and unsets it when it has none.
        env.add(e.contains("=") || System.getenv(e) == null ? e : e + "=" + System.getenv(e));
      }
    }
    if (cl.hasOption("hostname")) {
      body.put("Hostname", cl.getOptionValue("hostname"));
    }
    body.put("Tty", cl.hasOption("t"));
    body.put("OpenStdin", cl.hasOption("i"));
    ObjectNode host = body.putObject("HostConfig");
    host.put("NetworkMode", cl.getOptionValue("network", "default"));
    ports(command, cl, body, host);
    RunOptions.apply(command, cl, body, host);
    // Attached, the CLI removes the container itself after reading its exit code.
    host.put("AutoRemove", cl.hasOption("rm") && cl.hasOption("d"));
    if (cl.hasOption("ip")) {
      String network = cl.getOptionValue("network", "bridge");
      body.putObject("NetworkingConfig")
          .putObject("EndpointsConfig")
          .putObject(network)
          .putObject("IPAMConfig")
          .put("IPv4Address", cl.getOptionValue("ip"));
    }
    String query = cl.hasOption("name") ? "?name=" + enc(cl.getOptionValue("name")) : "";
    JsonNode created = call("POST", "/containers/create" + query, Json.bytes(body));
    return created.get("Id").asText();
  }

  private int create(List<String> args) throws IOException, UsageException, DaemonError {
    CommandLine cl =
        parse(
            "create",
            createOptions(),
            args,
            true,
            "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
            "Create a new container");
    out.println(createContainer("create", cl));
    return 0;
  }

  private int run(List<String> args) throws IOException, UsageException, DaemonError {
    CommandLine cl =
        parse(
            "run",
            createOptions(),
            args,
            true,
            "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
            "Create and run a new container from an image");
    boolean interactive = cl.hasOption("i");
    boolean tty = cl.hasOption("t");
    if (interactive && tty && !Interactive.stdinIsTerminal()) {
      err.println("the input device is not a TTY");
      return 1;
    }
    String id = createContainer("run", cl);
    boolean autoRemove = cl.hasOption("rm");
    if (cl.hasOption("d")) {
      // The docker CLI prints the ID before the start, so a start that fails still names it.
      out.println(id);
      return startRun(id, autoRemove);
    }
    if (interactive) {
      try (DaemonClient.Response stream =
          client.send(
              "POST", "/containers/" + id + "/attach?stream=1&stdin=1&stdout=1&stderr=1", null)) {
        check(stream);
        int failed = startRun(id, autoRemove);
        if (failed != 0) {
          return failed;
        }
        new Interactive(System.in, out, err)
            .relay(
                stream,
                tty,
                true,
                (rows, columns) ->
                    resize("/containers/" + id + "/resize?h=" + rows + "&w=" + columns));
      }
      return exited(id, autoRemove);
    }
    int failed = startRun(id, autoRemove);
    if (failed != 0) {
      return failed;
    }
    streamLogs(id, true);
    return exited(id, autoRemove);
  }

  /**
   * Starts a created container; 0, or the docker CLI's exit code for a start that failed (127 for a
   * command not found, 126 for one that cannot run, 125 otherwise), its reason printed.
   */
  private int start(String id) throws IOException {
    try {
      post("/containers/" + id + "/start");
      return 0;
    } catch (DaemonError e) {
      err.println("Error response from daemon: " + e.getMessage());
      String m = e.getMessage();
      if (m.contains("executable file not found") || m.contains("no such file or directory")) {
        return 127;
      }
      return m.contains("permission denied") ? 126 : 125;
    }
  }

  /** {@link #start}, then, as Docker's daemon does for {@code --rm}, removal if it failed. */
  private int startRun(String id, boolean autoRemove) throws IOException {
    int failed = start(id);
    if (failed != 0 && autoRemove) {
      removeQuietly(id);
    }
    return failed;
  }

  /** The exit code of the container's run, which is then removed with {@code --rm}. */
  private int exited(String id, boolean autoRemove) throws IOException, DaemonError {
    int code = call("POST", "/containers/" + id + "/wait", null).get("StatusCode").asInt();
    if (autoRemove) {
      removeQuietly(id);
    }
    return code;
  }

  /**
   * Sends a terminal size; the process may not be there yet when the stream opens (an exec's starts
   * on the daemon's side of it), so a refusal is tried again for a moment.
   */
  private void resize(String path) throws IOException {
    for (int i = 0; ; i++) {
      try {
        post(path);
        return;
      } catch (DaemonError e) {
        if (i == 50) {
          return;
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void removeQuietly(String id) {
    try {
      call("DELETE", "/containers/" + id + "?force=1", null);
    } catch (IOException | DaemonError gone) {
      return;
    }
  }

  private int rename(List<String> args) throws IOException, UsageException, DaemonError {
    CommandLine cl =
        parse(
            "rename",
            new Options(),
            args,
            false,
            "rename CONTAINER NEW_NAME",
            "Rename a container");
    if (cl.getArgList().size() != 2) {
      throw new UsageException("rename", "\"jocker rename\" requires exactly 2 arguments.");
    }
    post(
        "/containers/"
            + enc(cl.getArgList().get(0))
            + "/rename?name="
            + enc(cl.getArgList().get(1)));
    return 0;
  }

  private int ps(List<String> args) throws IOException, UsageException, DaemonError {
    Options o = new Options();
    o.addOption("a", "all", false, "Show all containers (default shows just running)");
    o.addOption("q", "quiet", false, "Only display container IDs");
    o.addOption(Option.builder().longOpt("no-trunc").desc("Don't truncate output").build());
    CommandLine cl = parse("ps", o, args, false, "ps [OPTIONS]", "List containers");
    if (!cl.getArgList().isEmpty()) {
      throw new UsageException("ps", "\"jocker ps\" accepts no arguments.");
    }
    List<Json.Container> list;
    try (DaemonClient.Response r =
        client.send("GET", "/containers/json" + (cl.hasOption("a") ? "?all=1" : ""), null)) {
      check(r);
      list = Json.containers(r.body());
    }
    boolean trunc = !cl.hasOption("no-trunc");
    if (cl.hasOption("q")) {
      list.forEach(c -> out.println(trunc ? c.id().substring(0, 12) : c.id()));
      return 0;
    }
    out.print(psTable(list, trunc, Instant.now()));
    return 0;
  }

  /** The {@code ps} table, exactly as Docker prints it. */
  static String psTable(List<Json.Container> list, boolean trunc, Instant now) {
    Table t = new Table("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES");
    for (Json.Container c : list) {
      String command = c.command();
      if (trunc && command.length() > 20) {
        command = command.substring(0, 19) + "…";
      }
      String created =
          HumanTime.duration(Duration.between(Instant.ofEpochSecond(c.created()), now)) + " ago";
      t.add(
          trunc ? c.id().substring(0, 12) : c.id(),
          c.image(),
          "\"" + command + "\"",
          created,
          c.status(),
          PortViews.psColumn(c.ports()),
          c.name());
    }
    return t.render();
  }

  private int exec(List<String> args) throws IOException, UsageException, DaemonError {
    Options o = new Options();
    o.addOption("d", "detach", false, "Detached mode: run command in the background");
    addStdioAndEnvOptions(o);
    o.addOption(
        Option.builder("u")
            .longOpt("user")
            .hasArg()
            .argName("string")
            .desc("Username or UID (format: <name|uid>[:<group|gid>])")
            .build());
    o.addOption(
        Option.builder("w")
            .longOpt("workdir")
            .hasArg()
            .argName("string")
            .desc("Working directory inside the container")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("privileged")
            .desc("Give extended privileges to the command")
            .build());
    CommandLine cl =
        parse(
            "exec",
            o,
            args,
            true,
            "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
            "Execute a command in a running container");
    List<String> positional = cl.getArgList();
    if (positional.size() < 2) {
      throw new UsageException("exec", "\"jocker exec\" requires at least 2 arguments.");
    }
    String container = positional.get(0);
    ObjectNode body = Json.object();
    ArrayNode cmd = body.putArray("Cmd");
    positional.subList(1, positional.size()).forEach(cmd::add);
    ArrayNode env = body.putArray("Env");
    if (cl.hasOption("e")) {
      for (String e : cl.getOptionValues("e")) {
        env.add(e);
      }
    }
    if (cl.hasOption("u")) {
      body.put("User", cl.getOptionValue("u"));
    }
    if (cl.hasOption("w")) {
      body.put("WorkingDir", cl.getOptionValue("w"));
    }
    body.put("Privileged", cl.hasOption("privileged"));
    boolean interactive = cl.hasOption("i");
    boolean tty = cl.hasOption("t");
    if (interactive && tty && !Interactive.stdinIsTerminal()) {
      err.println("the input device is not a TTY");
      return 1;
    }
    body.put("Tty", tty);
    body.put("AttachStdin", interactive);
    body.put("AttachStdout", true);
    body.put("AttachStderr", true);
    String execId =
        call("POST", "/containers/" + enc(container) + "/exec", Json.bytes(body))
            .get("Id")
            .asText();
    if (cl.hasOption("d")) {
      call(
          "POST",
          "/exec/" + execId + "/start",
          "{\"Detach\":true}".getBytes(StandardCharsets.UTF_8));
      return 0;
    }
    try (DaemonClient.Response r =
        client.send(
            "POST",
            "/exec/" + execId + "/start",
            ("{\"Detach\":false,\"Tty\":" + tty + "}").getBytes(StandardCharsets.UTF_8))) {
      check(r);
      new Interactive(System.in, out, err)
          .relay(
              r,
              tty,
              interactive,
              (rows, columns) -> resize("/exec/" + execId + "/resize?h=" + rows + "&w=" + columns));
    }
    return call("GET", "/exec/" + execId + "/json", null).get("ExitCode").asInt();
  }

  private int stop(List<String> args) throws IOException, UsageException, DaemonError {
    Options o = new Options();
    o.addOption(
        Option.builder("t")
            .longOpt("time")
            .hasArg()
            .argName("int")
            .desc("Seconds to wait for stop before killing it (default 10)")
            .build());
    CommandLine cl =
        parse(
            "stop",
            o,
            args,
            false,
            "stop [OPTIONS] CONTAINER [CONTAINER...]",
            "Stop one or more running containers");
    String t = cl.getOptionValue("t", "10");
    if (!t.matches("\\d+")) {
      throw new UsageException(
          "stop", "invalid argument \"" + t + "\" for \"-t, --time\" flag: not a number");
    }
    return forEach("stop", cl.getArgList(), c -> post("/containers/" + enc(c) + "/stop?t=" + t));
  }

  private int restart(List<String> args) throws IOException, UsageException, DaemonError {
    Options o = new Options();
    o.addOption(
        Option.builder("t")
            .longOpt("time")
            .hasArg()
            .argName("int")
            .desc("Seconds to wait for stop before killing the container (default 10)")
            .build());
    CommandLine cl =
        parse(
            "restart",
            o,
            args,
            false,
            "restart [OPTIONS] CONTAINER [CONTAINER...]",
            "Restart one or more containers");
    String t = cl.getOptionValue("t", "10");
    if (!t.matches("-?\\d+")) {
      throw new UsageException(
          "restart", "invalid argument \"" + t + "\" for \"-t, --time\" flag: not a number");
    }
    return forEach(
        "restart", cl.getArgList(), c -> post("/containers/" + enc(c) + "/restart?t=" + t));
  }

  /** Docker's wait: blocks until each container stops and prints its exit code. */
  private int waitFor(List<String> args) throws IOException, UsageException, DaemonError {
    CommandLine cl =
        parse(
            "wait",
            new Options(),
            args,
            false,
            "wait CONTAINER [CONTAINER...]",
            "Block until one or more containers stop, then print their exit codes");
    if (cl.getArgList().isEmpty()) {
      throw new UsageException("wait", "\"jocker wait\" requires at least 1 argument.");
    }
    int status = 0;
    for (String c : cl.getArgList()) {
      try {
        out.println(
            call("POST", "/containers/" + enc(c) + "/wait", null).get("StatusCode").asInt());
      } catch (DaemonError e) {
        err.println("Error response from daemon: " + e.getMessage());
        status = 1;
      }
    }
    return status;
  }

  private int kill(List<String> args) throws IOException, UsageException, DaemonError {
    Options o = new Options();
    o.addOption(
        Option.builder("s")
            .longOpt("signal")
            .hasArg()
            .argName("string")
            .desc("Signal to send to the container (default KILL)")
            .build());
    CommandLine cl =
        parse(
            "kill",
            o,
            args,
            false,
            "kill [OPTIONS] CONTAINER [CONTAINER...]",
            "Kill one or more running containers");
    String s = cl.getOptionValue("s", "KILL");
    return forEach(
        "kill", cl.getArgList(), c -> post("/containers/" + enc(c) + "/kill?signal=" + enc(s)));
  }

  private int rm(List<String> args) throws IOException, UsageException, DaemonError {
    Options o = new Options();
    o.addOption("f", "force", false, "Force the removal of a running container (uses SIGKILL)");
    CommandLine cl =
        parse(
            "rm",
            o,
            args,
            false,
            "rm [OPTIONS] CONTAINER [CONTAINER...]",
            "Remove one or more containers");
    boolean forced = cl.hasOption("f");
    String force = forced ? "?force=1" : "";
    return forEach(
        "rm",
        cl.getArgList(),
        c -> {
          try {
            call("DELETE", "/containers/" + enc(c) + force, null);
          } catch (DaemonError e) {
            // Docker's rm -f passes over a container that does not exist, quietly.
            if (!forced || e.status != 404) {
              throw e;
            }
          }
        });
  }

  private interface ContainerOp {
    void apply(String container) throws IOException, DaemonError;
  }

  private int each(String command, List<String> args, String description, ContainerOp op)
      throws IOException, UsageException, DaemonError {
    CommandLine cl =
        parse(
            command,
            new Options(),
            args,
            false,
            command + " CONTAINER [CONTAINER...]",
            description);
    return forEach(command, cl.getArgList(), op);
  }

  /** Applies {@code op} to each container, printing its name, as Docker does for start/stop/rm. */
  private int forEach(String command, List<String> containers, ContainerOp op)
      throws IOException, UsageException {
    if (containers.isEmpty()) {
      throw new UsageException(command, "\"jocker " + command + "\" requires at least 1 argument.");
    }
    int status = 0;
    for (String c : containers) {
      try {
        op.apply(c);
        out.println(c);
      } catch (DaemonError e) {
        err.println("Error response from daemon: " + e.getMessage());
        status = 1;
      }
    }
    return status;
  }

  /**
   * {@code port CONTAINER [PRIVATE_PORT[/PROTO]]}: the container's published ports, from its {@code
   * NetworkSettings.Ports}, as Docker's 20.10 client prints them.
   */
  private int port(List<String> args) throws IOException, UsageException, DaemonError {
    CommandLine cl =
        parse(
            "port",
            new Options(),
            args,
            false,
            "port CONTAINER [PRIVATE_PORT[/PROTO]]",
            "List port mappings or a specific mapping for the container");
    List<String> positional = cl.getArgList();
    if (positional.isEmpty() || positional.size() > 2) {
      throw new UsageException(
          "port", "\"jocker port\" requires at least 1 and at most 2 arguments.");
    }
    String container = positional.get(0);
    JsonNode ports =
        call("GET", "/containers/" + enc(container) + "/json", null)
            .path("NetworkSettings")
            .path("Ports");
    Map<String, List<HostBinding>> map = new LinkedHashMap<>();
    ports
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isArray()) {
                List<HostBinding> list = new ArrayList<>();
                e.getValue()
                    .forEach(
                        b ->
                            list.add(
                                new HostBinding(
                                    b.path("HostIp").asText(), b.path("HostPort").asText())));
                map.put(e.getKey(), list);
              } else {
                map.put(e.getKey(), null);
              }
            });
    try {
      PortViews.portCommand(container, map, positional.size() == 2 ? positional.get(1) : null)
          .forEach(out::println);
    } catch (PortSpecException e) {
      err.println(e.getMessage());
      return 1;
    }
    return 0;
  }

  private int logs(List<String> args) throws IOException, UsageException, DaemonError {
    Options o = new Options();
    o.addOption("f", "follow", false, "Follow log output");
    CommandLine cl =
        parse("logs", o, args, false, "logs [OPTIONS] CONTAINER", "Fetch the logs of a container");
    if (cl.getArgList().size() != 1) {
      throw new UsageException("logs", "\"jocker logs\" requires exactly 1 argument.");
    }
    streamLogs(cl.getArgList().get(0), cl.hasOption("f"));
    return 0;
  }

  private void streamLogs(String container, boolean follow) throws IOException, DaemonError {
    String path =
        "/containers/" + enc(container) + "/logs?stdout=1&stderr=1" + (follow ? "&follow=1" : "");
    try (DaemonClient.Response r = client.send("GET", path, null)) {
      check(r);
      demux(r.body(), "application/vnd.docker.raw-stream".equals(r.headers.get("content-type")));
    }
  }

  /** Copies Docker's multiplexed stream to stdout and stderr. */
  private void demux(InputStream in, boolean raw) throws IOException {
    if (raw) {
      in.transferTo(out);
      out.flush();
      return;
    }
    byte[] header = new byte[8];
    while (in.readNBytes(header, 0, 8) == 8) {
      int len =
          ((header[4] & 0xff) << 24)
              | ((header[5] & 0xff) << 16)
              | ((header[6] & 0xff) << 8)
              | (header[7] & 0xff);
      byte[] payload = in.readNBytes(len);
      (header[0] == 2 ? err : out).write(payload);
      (header[0] == 2 ? err : out).flush();
    }
  }

  private int inspect(List<String> args) throws IOException, UsageException, DaemonError {
    CommandLine cl =
        parse(
            "inspect",
            new Options(),
            args,
            false,
            "inspect CONTAINER|NETWORK|IMAGE [...]",
            "Return low-level information on jocker objects");
    if (cl.getArgList().isEmpty()) {
      throw new UsageException("inspect", "\"jocker inspect\" requires at least 1 argument.");
    }
    ArrayNode result = Json.array();
    int status = 0;
    for (String ref : cl.getArgList()) {
      JsonNode found =
          firstFound(
              ref,
              "/containers/" + enc(ref) + "/json",
              "/networks/" + enc(ref),
              "/images/" + enc(ref) + "/json");
      if (found == null) {
        err.println("Error: No such object: " + ref);
        status = 1;
      } else {
        result.add(found);
      }
    }
    out.println(pretty(result));
    return status;
  }

  private JsonNode firstFound(String ref, String... paths) throws IOException, DaemonError {
    for (String p : paths) {
      try (DaemonClient.Response r = client.send("GET", p, null)) {
        if (r.status == 404) {
          continue;
        }
        check(r);
        return Json.parse(r.bytes());
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- images and networks

  private int images(List<String> args) throws IOException, UsageException, DaemonError {
    CommandLine cl = parse("images", new Options(), args, false, "images", "List images");
    if (!cl.getArgList().isEmpty()) {
      throw new UsageException("images", "\"jocker images\" accepts no arguments.");
    }
    Table t = new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
    Instant now = Instant.now();
    for (JsonNode i : call("GET", "/images/json", null)) {
      String[] tag = i.get("RepoTags").get(0).asText().split(":");
      t.add(
          tag[0],
          tag[1],
          i.get("Id").asText().substring(7, 19),
          HumanTime.duration(
                  Duration.between(Instant.ofEpochSecond(i.get("Created").asLong()), now))
              + " ago",
          size(i.get("Size").asLong()));
    }
    out.print(t.render());
    return 0;
  }

  private static String size(long bytes) {
    if (bytes < 1000) {
      return bytes + "B";
    }
    if (bytes < 1000 * 1000) {
      return String.format(java.util.Locale.ROOT, "%.3gkB", bytes / 1000.0);
    }
    return String.format(java.util.Locale.ROOT, "%.3gMB", bytes / 1e6);
  }

  private int image(List<String> args) throws IOException, UsageException, DaemonError {
    if (args.isEmpty() || !args.get(0).equals("import")) {
      if (!args.isEmpty() && args.get(0).equals("ls")) {
        return images(args.subList(1, args.size()));
      }
      throw new UsageException("image", "Usage:  jocker image import DIR|TARBALL NAME");
    }
    if (args.size() != 3) {
      throw new UsageException(
          "image import", "\"jocker image import\" requires exactly 2 arguments: DIR|TARBALL NAME");
    }
    String source = java.nio.file.Path.of(args.get(1)).toAbsolutePath().toString();
    JsonNode i =
        call(
            "POST",
            "/jocker/images/import?path=" + enc(source) + "&name=" + enc(args.get(2)),
            null);
    out.println(i.get("Id").asText());
    return 0;
  }

  private int network(List<String> args) throws IOException, UsageException, DaemonError {
    if (args.isEmpty() || args.get(0).equals("--help")) {
      out.print(
          """
          Usage:  jocker network COMMAND

          Manage networks

          Commands:
            create      Create a bridge network
            inspect     Display detailed information on one or more networks
            ls          List networks
            rm          Remove one or more networks
            topology    Draw the network as the kernel holds it (--format text|dot|mermaid)
            trace       Explain the path of a packet: trace CONTAINER DEST, or from outside to a
                        published port: trace SOURCE HOST-ADDRESS:PORT[/udp]

          Run 'jocker network COMMAND --help' for more information on a command.
          """);
      return 0;
    }
    String sub = args.get(0);
    List<String> rest = args.subList(1, args.size());
    switch (sub) {
      case "ls", "list" -> {
        JsonNode list = call("GET", "/networks", null);
        Table t = new Table("NETWORK ID", "NAME", "DRIVER", "SCOPE");
        for (JsonNode n : list) {
          t.add(
              n.get("Id").asText().substring(0, 12),
              n.get("Name").asText(),
              n.get("Driver").asText(),
              n.get("Scope").asText());
        }
        out.print(t.render());
        return 0;
      }
      case "create" -> {
        return networkCreate(rest);
      }
      case "rm", "remove" -> {
        if (rest.isEmpty()) {
          throw new UsageException(
              "network rm", "\"jocker network rm\" requires at least 1 argument.");
        }
        int status = 0;
        for (String n : rest) {
          try {
            call("DELETE", "/networks/" + enc(n), null);
            out.println(n);
          } catch (DaemonError e) {
            err.println("Error response from daemon: " + e.getMessage());
            status = 1;
          }
        }
        return status;
      }
      case "inspect" -> {
        if (rest.isEmpty()) {
          throw new UsageException(
              "network inspect", "\"jocker network inspect\" requires at least 1 argument.");
        }
        ArrayNode result = Json.array();
        for (String n : rest) {
          result.add(call("GET", "/networks/" + enc(n), null));
        }
        out.println(pretty(result));
        return 0;
      }
      case "topology" -> {
        String format = "text";
        String network = "bridge";
        for (int i = 0; i < rest.size(); i++) {
          if (rest.get(i).equals("--format") && i + 1 < rest.size()) {
            format = rest.get(++i);
          } else if (rest.get(i).startsWith("--format=")) {
            format = rest.get(i).substring(9);
          } else if (rest.get(i).startsWith("-")) {
            throw new UsageException("network topology", "unknown flag: " + rest.get(i));
          } else {
            network = rest.get(i);
          }
        }
        out.print(
            text("GET", "/jocker/networks/" + enc(network) + "/topology?format=" + enc(format)));
        return 0;
      }
      case "trace" -> {
        if (rest.size() != 2) {
          throw new UsageException(
              "network trace",
              "\"jocker network trace\" requires exactly 2 arguments: CONTAINER DEST, or SOURCE"
                  + " HOST-ADDRESS:PORT[/udp]");
        }
        out.print(
            text(
                "GET",
                "/jocker/containers/"
                    + enc(rest.get(0))
                    + "/trace?destination="
                    + enc(rest.get(1))));
        return 0;
      }
      default -> throw new UsageException("network", "unknown network command: " + sub);
    }
  }

  private int doctor(List<String> args) throws IOException, UsageException, DaemonError {
    CommandLine cl =
        parse(
            "doctor",
            new Options(),
            args,
            false,
            "doctor",
            "Check what container networking needs on this host, with a fix for each problem");
    if (!cl.getArgList().isEmpty()) {
      throw new UsageException("doctor", "\"jocker doctor\" accepts no arguments.");
    }
    List<Finding> findings = new ArrayList<>();
    try {
      for (JsonNode f : call("GET", "/jocker/doctor", null).get("Findings")) {
        findings.add(
            new Finding(
                Finding.Status.valueOf(f.get("Status").asText()),
                f.get("Check").asText(),
                f.get("Detail").asText(),
                f.path("Fix").isTextual() ? f.get("Fix").asText() : null));
      }
    } catch (DaemonClient.Unreachable e) {
      findings.add(
          new Finding(
              Finding.Status.FAIL,
              "jockerd",
              e.getMessage(),
              "start it: sudo systemctl start jockerd (the lab's unit), or sudo jockerd &"));
    }
    out.print(Doctor.render(findings));
    return Doctor.healthy(findings) ? 0 : 1;
  }

  private int networkCreate(List<String> args) throws IOException, UsageException, DaemonError {
    Options o = new Options();
    o.addOption(
        Option.builder("d")
            .longOpt("driver")
            .hasArg()
            .argName("string")
            .desc("Driver to manage the Network (default \"bridge\")")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("subnet")
            .hasArg()
            .argName("string")
            .desc("Subnet in CIDR format that represents a network segment")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("gateway")
            .hasArg()
            .argName("string")
            .desc("IPv4 Gateway for the master subnet")
            .build());
    o.addOption(
        Option.builder()
            .longOpt("ip-range")
            .hasArg()
            .argName("string")
            .desc("Allocate container ip from a sub-range")
            .build());
    CommandLine cl =
        parse(
            "network create",
            o,
            args,
            false,
            "network create [OPTIONS] NETWORK",
            "Create a bridge network");
    if (cl.getArgList().size() != 1) {
      throw new UsageException(
          "network create", "\"jocker network create\" requires exactly 1 argument.");
    }
    ObjectNode body = Json.object();
    body.put("Name", cl.getArgList().get(0));
    body.put("Driver", cl.getOptionValue("driver", "bridge"));
    if (cl.hasOption("subnet") || cl.hasOption("gateway") || cl.hasOption("ip-range")) {
      ObjectNode config = body.putObject("IPAM").putArray("Config").addObject();
      for (String[] option :
          new String[][] {{"subnet", "Subnet"}, {"gateway", "Gateway"}, {"ip-range", "IPRange"}}) {
        if (cl.hasOption(option[0])) {
          config.put(option[1], cl.getOptionValue(option[0]));
        }
      }
    }
    out.println(call("POST", "/networks/create", Json.bytes(body)).get("Id").asText());
    return 0;
  }

  private int reconcile(List<String> args) throws IOException, DaemonError {
    JsonNode r = call("POST", "/jocker/reconcile", null);
    if (r.get("Fixed").isEmpty()) {
      out.println("Nothing to fix: the bridge, its rules and its endpoints match the records.");
    }
    r.get("Fixed").forEach(f -> out.println("fixed: " + f.asText()));
    return 0;
  }

  private int info(List<String> args) throws IOException, DaemonError {
    JsonNode i = call("GET", "/info", null);
    out.println("Server:");
    out.println(" Containers: " + i.get("Containers").asInt());
    out.println("  Running: " + i.get("ContainersRunning").asInt());
    out.println("  Paused: 0");
    out.println("  Stopped: " + i.get("ContainersStopped").asInt());
    out.println(" Images: " + i.get("Images").asInt());
    out.println(" Server Version: " + i.get("ServerVersion").asText());
    out.println(" Default Bridge: " + i.get("DefaultBridge").asText());
    out.println(" IPTables: " + i.get("IPTables").asBoolean());
    out.println(" Kernel Version: " + i.get("KernelVersion").asText());
    out.println(" Operating System: " + i.get("OperatingSystem").asText());
    out.println(" CPUs: " + i.get("NCPU").asInt());
    out.println(" Name: " + i.get("Name").asText());
    out.println(" Jocker Root Dir: " + i.get("DockerRootDir").asText());
    return 0;
  }

  private int version(List<String> args) throws IOException {
    out.println("Client:");
    out.println(" Version:           " + Version.VERSION);
    out.println(" API version:       1.41");
    out.println(" Java version:      " + System.getProperty("java.version"));
    out.println(" OS/Arch:           linux/" + System.getProperty("os.arch"));
    try {
      JsonNode v = call("GET", "/version", null);
      out.println();
      out.println("Server: jocker");
      out.println(" Engine:");
      out.println("  Version:          " + v.get("Version").asText());
      out.println(
          "  API version:      "
              + v.get("ApiVersion").asText()
              + " (minimum version "
              + v.get("MinAPIVersion").asText()
              + ")");
      out.println("  Kernel version:   " + v.get("KernelVersion").asText());
    } catch (DaemonClient.Unreachable | DaemonError e) {
      // As docker version: the client part, then the daemon's failure and status 1.
      err.println(e.getMessage());
      return 1;
    }
    return 0;
  }

  // ---------------------------------------------------------------- plumbing

  private void post(String path) throws IOException, DaemonError {
    call("POST", path, null);
  }

  private String text(String method, String path) throws IOException, DaemonError {
    try (DaemonClient.Response r = client.send(method, path, null)) {
      check(r);
      return r.text();
    }
  }

  private JsonNode call(String method, String path, byte[] body) throws IOException, DaemonError {
    try (DaemonClient.Response r = client.send(method, path, body)) {
      check(r);
      byte[] bytes = r.bytes();
      return bytes.length == 0 ? Json.object() : Json.parse(bytes);
    }
  }

  private static void check(DaemonClient.Response r) throws IOException, DaemonError {
    if (r.status >= 400) {
      String text = r.text();
      String message = text;
      try {
        JsonNode n = Json.parse(text);
        if (n != null && n.has("message")) {
          message = n.get("message").asText();
        }
      } catch (IOException notJson) {
        message = text.strip();
      }
      throw new DaemonError(r.status, message);
    }
  }

  /**
   * JSON as Docker's CLI prints it: 4-space indent, {@code "Key": value}, {@code []} and {@code
   * {}}.
   */
  static String pretty(JsonNode node) throws IOException {
    Separators separators =
        Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("")
            .withArrayEmptySeparator("");
    DefaultPrettyPrinter printer = new DefaultPrettyPrinter(separators);
    DefaultIndenter indenter = new DefaultIndenter("    ", "\n");
    printer.indentObjectsWith(indenter);
    printer.indentArraysWith(indenter);
    return Json.text(node, printer);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}

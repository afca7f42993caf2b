package dev.jocker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jocker.archive.Tar;
import dev.jocker.portmap.HostBinding;
import dev.jocker.portmap.PortSpecException;
import dev.jocker.portmap.PortViews;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The container commands, as Docker 20.10's client runs them. */
final class ContainerCommands {
  private final Cli cli;

  ContainerCommands(Cli cli) {
    this.cli = cli;
  }

  // ---------------------------------------------------------------- run, create

  /**
   * {@code POST /containers/create}; an image the daemon does not have is Docker's {@code Unable to
   * find image} followed by the pull's failure. A daemon error is Docker's {@code jocker: Error
   * response from daemon: ...} with the help pointer, status 125.
   */
  private String createContainer(Cli.Spec spec, Flags.Parsed p, boolean attach)
      throws IOException, Cli.StatusError {
    ObjectNode body = RunOptions.body(spec, p, attach);
    String name = p.get("name", null);
    String query = name == null ? "" : "?name=" + Cli.enc(name);
    try {
      return cli.call("POST", "/containers/create" + query, Json.bytes(body)).get("Id").asText();
    } catch (Cli.DaemonError e) {
      if (e.status == 404 && e.getMessage().startsWith("No such image")) {
        String image = p.args.get(0);
        String ref = image.contains(":") ? image : image + ":latest";
        cli.err.println("Unable to find image '" + ref + "' locally");
        try {
          cli.call(
              "POST",
              "/images/create?fromImage="
                  + Cli.enc(image)
                  + (image.contains(":") ? "" : "&tag=latest"),
              null);
        } catch (Cli.DaemonError pull) {
          throw runError(spec, pull.text(), true, pull.getMessage());
        }
        try {
          return cli.call("POST", "/containers/create" + query, Json.bytes(body))
              .get("Id")
              .asText();
        } catch (Cli.DaemonError again) {
          throw runError(spec, again.text(), true, again.getMessage());
        }
      }
      throw runError(spec, e.text(), true, e.getMessage());
    }
  }

  /**
   * Docker's {@code reportError}: {@code jocker: TEXT.} (with the help pointer for a create), and
   * {@code runStartContainerErr}'s status: 127 for a missing command, 126 for one not executable,
   * else 125.
   */
  private static Cli.StatusError runError(
      Cli.Spec spec, String text, boolean withHelp, String why) {
    String message = "jocker: " + (text.endsWith(".") ? text : text + ".");
    if (withHelp) {
      message += "\nSee 'jocker " + spec.path() + " --help'.";
    }
    int code = 125;
    if (why.contains("executable file not found")
        || why.contains("no such file or directory")
        || why.contains("system cannot find the file specified")) {
      code = 127;
    } else if (why.contains("permission denied")) {
      code = 126;
    }
    return new Cli.StatusError(message, code);
  }

  int create(List<String> args) throws IOException, Cli.StatusError {
    Cli.Spec spec = RunOptions.spec(false);
    Flags.Parsed p = cli.parse(spec, args);
    cli.out.println(createContainer(spec, p, false));
    return 0;
  }

  int run(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec = RunOptions.spec(true);
    Flags.Parsed p = cli.parse(spec, args);
    boolean detach = p.on("detach");
    boolean tty = p.on("tty");
    boolean interactive = p.on("interactive");
    if (!detach && tty && interactive && !Streams.stdinIsTerminal()) {
      throw new Cli.StatusError("the input device is not a TTY", 1);
    }
    String id = createContainer(spec, p, !detach);
    if (detach) {
      try {
        cli.post("/containers/" + id + "/start");
      } catch (Cli.DaemonError e) {
        if (p.on("rm")) {
          removeQuietly(id);
        }
        throw runError(spec, e.text(), false, e.getMessage());
      }
      cli.out.println(id);
      return 0;
    }
    String condition = p.on("rm") ? "removed" : "next-exit";
    try (DaemonClient.Response attach =
            hijack(
                "/containers/"
                    + id
                    + "/attach?stream=1&stdout=1&stderr=1"
                    + (interactive ? "&stdin=1" : ""),
                null);
        DaemonClient.Response wait =
            cli.client.send("POST", "/containers/" + id + "/wait?condition=" + condition, null)) {
      Cli.check(wait);
      try {
        cli.post("/containers/" + id + "/start");
      } catch (Cli.DaemonError e) {
        if (p.on("rm")) {
          removeQuietly(id);
        }
        throw runError(spec, e.text(), false, e.getMessage());
      }
      Runnable restore = tty && interactive ? Streams.rawMode() : null;
      AutoCloseable sizes =
          restore != null
              ? Streams.watchSize((h, w) -> resize("/containers/" + id + "/resize", h, w))
              : null;
      try {
        Streams.relay(attach, interactive ? System.in : null, cli.out, cli.err, tty);
      } finally {
        restoreTerminal(sizes, restore);
      }
      return exitStatus(wait);
    }
  }

  /** Stops following the window's size and gives the terminal its modes back. */
  private static void restoreTerminal(AutoCloseable sizes, Runnable restore) {
    if (sizes != null) {
      try {
        sizes.close();
      } catch (Exception e) {
        // The previous handler could not be put back: the command is ending anyway.
      }
    }
    if (restore != null) {
      restore.run();
    }
  }

  private void removeQuietly(String id) {
    try {
      cli.call("DELETE", "/containers/" + id + "?force=1", null);
    } catch (IOException | Cli.DaemonError gone) {
      return;
    }
  }

  /** A hijacked request whose error answer is a {@link Cli.DaemonError}. */
  private DaemonClient.Response hijack(String path, byte[] body)
      throws IOException, Cli.DaemonError {
    DaemonClient.Response r = cli.client.hijack("POST", path, body);
    try {
      Cli.check(r);
    } catch (Cli.DaemonError e) {
      r.close();
      throw e;
    }
    return r;
  }

  /** A wait's {@code StatusCode} as the command's status (Docker's StatusError when not 0). */
  private static int exitStatus(DaemonClient.Response wait) throws IOException, Cli.StatusError {
    JsonNode result = Json.parse(wait.bytes());
    JsonNode error = result.get("Error");
    if (error != null && error.isObject() && error.has("Message")) {
      throw new Cli.StatusError(error.get("Message").asText(), 125);
    }
    return result.path("StatusCode").asInt();
  }

  // ---------------------------------------------------------------- ps

  int ps(String path, List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            path,
            path + " [OPTIONS]",
            "List containers",
            new Flags()
                .bool("a", "all", "Show all containers (default shows just running)")
                .list("f", "filter", "filter", "Filter output based on conditions provided")
                .string(
                    null, "format", "string", null, "Pretty-print containers using a Go template")
                .string(
                    "n",
                    "last",
                    "int",
                    "-1",
                    "Show n last created containers (includes all states)")
                .bool("l", "latest", "Show the latest created container (includes all states)")
                .bool(null, "no-trunc", "Don't truncate output")
                .bool("q", "quiet", "Only display container IDs")
                .bool("s", "size", "Display total file sizes"),
            Cli.Args.none());
    if (!path.equals("ps")) {
      spec = spec.withAliases("ls", "ps", "list");
    }
    Flags.Parsed p = cli.parse(spec, args);
    long last;
    try {
      last = p.integer("last", "n", -1);
    } catch (Flags.FlagError e) {
      throw Cli.flagError(spec, e.getMessage());
    }
    if (p.on("latest") && last == -1) {
      last = 1;
    }
    boolean trunc = !p.on("no-trunc");
    String format = p.get("format", null);
    boolean size = p.on("size");
    if (format != null) {
      try {
        GoTemplate t = GoTemplate.parse(Formatter.templateText(format));
        try {
          t.execute(new Contexts.Container(Json.object(), trunc, Instant.now()));
        } catch (GoTemplate.TemplateException e) {
          throw new Cli.StatusError("failed to execute template: " + e.getMessage(), 1);
        }
      } catch (GoTemplate.TemplateException e) {
        throw new Cli.StatusError("failed to parse template: " + e.getMessage(), 1);
      }
      size = size || format.contains(".Size") || format.contains("json .");
    } else if (p.on("quiet")) {
      format = "{{.ID}}";
    } else {
      format = Contexts.PS_TABLE + (size ? "\\t{{.Size}}" : "");
    }
    StringBuilder query = new StringBuilder("/containers/json?");
    if (p.on("all")) {
      query.append("all=1&");
    }
    if (last > 0) {
      query.append("limit=").append(last).append('&');
    }
    if (size) {
      query.append("size=1&");
    }
    String filters = Cli.filters(p.all("filter"));
    if (filters != null) {
      query.append("filters=").append(Cli.enc(filters));
    }
    JsonNode list = cli.call("GET", query.toString(), null);
    Instant now = Instant.now();
    List<Contexts.Container> items = new ArrayList<>();
    for (JsonNode c : list) {
      items.add(new Contexts.Container(c, trunc, now));
    }
    cli.out.print(format(format, items, Contexts.CONTAINER_HEADERS));
    return 0;
  }

  /** Runs a {@code --format} over contexts; a failing template ends the command as Docker's. */
  static String format(
      String format,
      List<? extends GoTemplate.Context> items,
      java.util.Map<String, String> headers)
      throws Cli.StatusError {
    try {
      return Formatter.format(format, items, headers);
    } catch (GoTemplate.TemplateException e) {
      throw new Cli.StatusError("Template parsing error: " + e.getMessage(), 1);
    }
  }

  // ---------------------------------------------------------------- exec

  int exec(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
                "exec",
                "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
                "Run a command in a running container",
                new Flags()
                    .bool("d", "detach", "Detached mode: run command in the background")
                    .list("e", "env", "list", "Set environment variables")
                    .bool("i", "interactive", "Keep STDIN open even if not attached")
                    .bool(null, "privileged", "Give extended privileges to the command")
                    .bool("t", "tty", "Allocate a pseudo-TTY")
                    .string(
                        "u",
                        "user",
                        "string",
                        null,
                        "Username or UID (format: <name|uid>[:<group|gid>])")
                    .string(
                        "w", "workdir", "string", null, "Working directory inside the container"),
                Cli.Args.atLeast(2))
            .stoppingAtArguments();
    Flags.Parsed p = cli.parse(spec, args);
    String container = p.args.get(0);
    boolean detach = p.on("detach");
    boolean tty = p.on("tty");
    boolean interactive = p.on("interactive");
    cli.inspectContainer(container);
    if (!detach && tty && interactive && !Streams.stdinIsTerminal()) {
      throw new Cli.StatusError("the input device is not a TTY", 1);
    }
    ObjectNode body = Json.object();
    body.put("User", p.get("user", ""));
    body.put("Privileged", p.on("privileged"));
    body.put("Tty", tty);
    body.put("AttachStdin", !detach && interactive);
    body.put("AttachStderr", !detach);
    body.put("AttachStdout", !detach);
    body.put("Detach", detach);
    body.put("DetachKeys", "");
    var env = body.putArray("Env");
    p.all("env").forEach(env::add);
    body.put("WorkingDir", p.get("workdir", ""));
    var cmd = body.putArray("Cmd");
    p.args.subList(1, p.args.size()).forEach(cmd::add);
    String execId =
        cli.call("POST", "/containers/" + Cli.enc(container) + "/exec", Json.bytes(body))
            .get("Id")
            .asText();
    ObjectNode start = Json.object();
    start.put("Detach", detach);
    start.put("Tty", tty);
    if (detach) {
      cli.call("POST", "/exec/" + execId + "/start", Json.bytes(start));
      return 0;
    }
    Runnable restore = tty && interactive ? Streams.rawMode() : null;
    AutoCloseable sizes =
        restore != null
            ? Streams.watchSize((h, w) -> resize("/exec/" + execId + "/resize", h, w))
            : null;
    try (DaemonClient.Response r = hijack("/exec/" + execId + "/start", Json.bytes(start))) {
      Streams.relay(r, interactive ? System.in : null, cli.out, cli.err, tty);
    } finally {
      restoreTerminal(sizes, restore);
    }
    int code = cli.call("GET", "/exec/" + execId + "/json", null).path("ExitCode").asInt();
    return code;
  }

  private void resize(String path, int height, int width) {
    try {
      cli.call("POST", path + "?h=" + height + "&w=" + width, null);
    } catch (IOException | Cli.DaemonError e) {
      // The process may have ended; a later size or the stream's end says what matters.
    }
  }

  // ---------------------------------------------------------------- start, stop, restart, kill

  int start(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "start",
            "start [OPTIONS] CONTAINER [CONTAINER...]",
            "Start one or more stopped containers",
            new Flags()
                .bool("a", "attach", "Attach STDOUT/STDERR and forward signals")
                .bool("i", "interactive", "Attach container's STDIN"),
            Cli.Args.atLeast(1));
    Flags.Parsed p = cli.parse(spec, args);
    boolean attach = p.on("attach") || p.on("interactive");
    if (attach) {
      if (p.args.size() > 1) {
        throw new Cli.StatusError("you cannot start and attach multiple containers at once", 1);
      }
      String ref = p.args.get(0);
      JsonNode c = cli.inspectContainer(ref);
      boolean tty = c.path("Config").path("Tty").asBoolean();
      boolean stdin = p.on("interactive") && c.path("Config").path("OpenStdin").asBoolean();
      String condition =
          c.path("HostConfig").path("AutoRemove").asBoolean() ? "removed" : "next-exit";
      String id = c.get("Id").asText();
      try (DaemonClient.Response r =
              hijack(
                  "/containers/"
                      + id
                      + "/attach?stream=1&stdout=1&stderr=1"
                      + (stdin ? "&stdin=1" : ""),
                  null);
          DaemonClient.Response wait =
              cli.client.send("POST", "/containers/" + id + "/wait?condition=" + condition, null)) {
        Cli.check(wait);
        cli.post("/containers/" + id + "/start");
        Streams.relay(r, stdin ? System.in : null, cli.out, cli.err, tty);
        return exitStatus(wait);
      }
    }
    List<String> failed = new ArrayList<>();
    for (String c : p.args) {
      try {
        cli.post("/containers/" + Cli.enc(c) + "/start");
        cli.out.println(c);
      } catch (Cli.DaemonError e) {
        cli.err.println(e.text());
        failed.add(c);
      }
    }
    if (!failed.isEmpty()) {
      throw new Cli.StatusError(
          "Error: failed to start containers: " + String.join(", ", failed), 1);
    }
    return 0;
  }

  private interface Op {
    void apply(String container) throws IOException, Cli.DaemonError, Cli.StatusError;
  }

  /**
   * Applies {@code op} to each container, printing its name, and then the errors together (as
   * Docker's stop, kill, restart, pause, rm).
   */
  private int each(List<String> containers, Op op) throws IOException, Cli.StatusError {
    List<String> errors = new ArrayList<>();
    for (String c : containers) {
      try {
        op.apply(c);
        cli.out.println(c);
      } catch (Cli.DaemonError e) {
        errors.add(e.text());
      } catch (Cli.StatusError e) {
        errors.add(e.getMessage());
      }
    }
    if (!errors.isEmpty()) {
      throw new Cli.StatusError(String.join("\n", errors), 1);
    }
    return 0;
  }

  private long seconds(Cli.Spec spec, Flags.Parsed p) throws Cli.StatusError {
    try {
      return p.integer("time", "t", 10);
    } catch (Flags.FlagError e) {
      throw Cli.flagError(spec, e.getMessage());
    }
  }

  int stop(List<String> args) throws IOException, Cli.StatusError {
    Cli.Spec spec =
        new Cli.Spec(
            "stop",
            "stop [OPTIONS] CONTAINER [CONTAINER...]",
            "Stop one or more running containers",
            new Flags()
                .string("t", "time", "int", "10", "Seconds to wait for stop before killing it"),
            Cli.Args.atLeast(1));
    Flags.Parsed p = cli.parse(spec, args);
    long t = seconds(spec, p);
    return each(p.args, c -> cli.post("/containers/" + Cli.enc(c) + "/stop?t=" + t));
  }

  int restart(List<String> args) throws IOException, Cli.StatusError {
    Cli.Spec spec =
        new Cli.Spec(
            "restart",
            "restart [OPTIONS] CONTAINER [CONTAINER...]",
            "Restart one or more containers",
            new Flags()
                .string(
                    "t",
                    "time",
                    "int",
                    "10",
                    "Seconds to wait for stop before killing the container"),
            Cli.Args.atLeast(1));
    Flags.Parsed p = cli.parse(spec, args);
    long t = seconds(spec, p);
    return each(p.args, c -> cli.post("/containers/" + Cli.enc(c) + "/restart?t=" + t));
  }

  int kill(List<String> args) throws IOException, Cli.StatusError {
    Cli.Spec spec =
        new Cli.Spec(
            "kill",
            "kill [OPTIONS] CONTAINER [CONTAINER...]",
            "Kill one or more running containers",
            new Flags()
                .string("s", "signal", "string", "\"KILL\"", "Signal to send to the container"),
            Cli.Args.atLeast(1));
    Flags.Parsed p = cli.parse(spec, args);
    String signal = p.get("signal", "KILL");
    return each(
        p.args, c -> cli.post("/containers/" + Cli.enc(c) + "/kill?signal=" + Cli.enc(signal)));
  }

  int pause(String command, List<String> args) throws IOException, Cli.StatusError {
    Cli.Spec spec =
        new Cli.Spec(
            command,
            command + " CONTAINER [CONTAINER...]",
            (command.equals("pause") ? "Pause" : "Unpause")
                + " all processes within one or more containers",
            new Flags(),
            Cli.Args.atLeast(1));
    Flags.Parsed p = cli.parse(spec, args);
    return each(p.args, c -> cli.post("/containers/" + Cli.enc(c) + "/" + command));
  }

  /** Docker's wait: each container's exit code as it stops, the errors at the end. */
  int await(List<String> args) throws IOException, Cli.StatusError {
    Cli.Spec spec =
        new Cli.Spec(
            "wait",
            "wait CONTAINER [CONTAINER...]",
            "Block until one or more containers stop, then print their exit codes",
            new Flags(),
            Cli.Args.atLeast(1));
    Flags.Parsed p = cli.parse(spec, args);
    List<String> errors = new ArrayList<>();
    for (String c : p.args) {
      try {
        cli.out.println(
            cli.call("POST", "/containers/" + Cli.enc(c) + "/wait", null)
                .get("StatusCode")
                .asInt());
      } catch (Cli.DaemonError e) {
        errors.add(e.text());
      }
    }
    if (!errors.isEmpty()) {
      throw new Cli.StatusError(String.join("\n", errors), 1);
    }
    return 0;
  }

  int rm(String path, List<String> args) throws IOException, Cli.StatusError {
    Cli.Spec spec =
        new Cli.Spec(
            path,
            path + " [OPTIONS] CONTAINER [CONTAINER...]",
            "Remove one or more containers",
            new Flags()
                .bool("f", "force", "Force the removal of a running container (uses SIGKILL)")
                .bool("v", "volumes", "Remove anonymous volumes associated with the container"),
            Cli.Args.atLeast(1));
    if (!path.equals("rm")) {
      spec = spec.withAliases("rm", "remove");
    }
    Flags.Parsed p = cli.parse(spec, args);
    boolean force = p.on("force");
    List<String> errors = new ArrayList<>();
    for (String c : p.args) {
      try {
        cli.call("DELETE", "/containers/" + Cli.enc(c) + (force ? "?force=1" : ""), null);
        cli.out.println(c);
      } catch (Cli.DaemonError e) {
        String text = e.status == 404 ? "Error: No such container: " + c : e.text();
        if (force && e.status == 404) {
          // Docker's rm -f says so and goes on: a missing container is not a failure.
          cli.err.println(text);
          continue;
        }
        errors.add(text);
      }
    }
    if (!errors.isEmpty()) {
      throw new Cli.StatusError(String.join("\n", errors), 1);
    }
    return 0;
  }

  int prune(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "container prune",
            "container prune [OPTIONS]",
            "Remove all stopped containers",
            new Flags()
                .list(null, "filter", "filter", "Provide filter values (e.g. 'until=<timestamp>')")
                .bool("f", "force", "Do not prompt for confirmation"),
            Cli.Args.none());
    Flags.Parsed p = cli.parse(spec, args);
    if (!p.on("force")
        && !confirm(
            "WARNING! This will remove all stopped containers.\nAre you sure you want to continue?")) {
      return 0;
    }
    String filters = Cli.filters(p.all("filter"));
    JsonNode r =
        cli.call(
            "POST",
            "/containers/prune" + (filters == null ? "" : "?filters=" + Cli.enc(filters)),
            null);
    StringBuilder b = new StringBuilder();
    long space = 0;
    if (r.path("ContainersDeleted").size() > 0) {
      b.append("Deleted Containers:\n");
      r.get("ContainersDeleted").forEach(id -> b.append(id.asText()).append('\n'));
      space = r.path("SpaceReclaimed").asLong();
      cli.out.println(b);
    }
    cli.out.println("Total reclaimed space: " + Units.humanSize(space));
    return 0;
  }

  /** Docker's prompt: {@code [y/N]}, yes only for y or Y. */
  boolean confirm(String question) throws IOException {
    cli.out.print(question + " [y/N] ");
    cli.out.flush();
    String answer =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    return answer != null && answer.strip().equalsIgnoreCase("y");
  }

  // ---------------------------------------------------------------- logs, attach

  int logs(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "logs",
            "logs [OPTIONS] CONTAINER",
            "Fetch the logs of a container",
            new Flags()
                .bool(null, "details", "Show extra details provided to logs")
                .bool("f", "follow", "Follow log output")
                .string(
                    null,
                    "since",
                    "string",
                    null,
                    "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)")
                .string(
                    "n",
                    "tail",
                    "string",
                    "\"all\"",
                    "Number of lines to show from the end of the logs")
                .bool("t", "timestamps", "Show timestamps")
                .string(
                    null,
                    "until",
                    "string",
                    null,
                    "Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)"),
            Cli.Args.exactly(1));
    Flags.Parsed p = cli.parse(spec, args);
    JsonNode c = cli.inspectContainer(p.args.get(0));
    StringBuilder query = new StringBuilder("?stdout=1&stderr=1");
    if (p.has("since")) {
      query.append("&since=").append(Cli.enc(Timestamps.query(p.get("since", ""), Instant.now())));
    }
    if (p.has("until")) {
      query.append("&until=").append(Cli.enc(Timestamps.query(p.get("until", ""), Instant.now())));
    }
    if (p.on("timestamps")) {
      query.append("&timestamps=1");
    }
    if (p.on("follow")) {
      query.append("&follow=1");
    }
    if (p.on("details")) {
      query.append("&details=1");
    }
    query.append("&tail=").append(Cli.enc(p.get("tail", "all")));
    try (DaemonClient.Response r =
        cli.client.send("GET", "/containers/" + Cli.enc(p.args.get(0)) + "/logs" + query, null)) {
      Cli.check(r);
      Streams.demux(r.body(), cli.out, cli.err, c.path("Config").path("Tty").asBoolean());
    }
    return 0;
  }

  int attach(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "attach",
            "attach [OPTIONS] CONTAINER",
            "Attach local standard input, output, and error streams to a running container",
            new Flags()
                .bool(null, "no-stdin", "Do not attach STDIN")
                .bool(
                    null, "sig-proxy", "Proxy all received signals to the process (default true)"),
            Cli.Args.exactly(1));
    Flags.Parsed p = cli.parse(spec, args);
    JsonNode c = cli.inspectContainer(p.args.get(0));
    if (!c.path("State").path("Running").asBoolean()) {
      throw new Cli.StatusError("You cannot attach to a stopped container, start it first", 1);
    }
    if (c.path("State").path("Paused").asBoolean()) {
      throw new Cli.StatusError("You cannot attach to a paused container, unpause it first", 1);
    }
    boolean tty = c.path("Config").path("Tty").asBoolean();
    boolean stdin = !p.on("no-stdin") && c.path("Config").path("OpenStdin").asBoolean();
    String id = c.get("Id").asText();
    try (DaemonClient.Response wait = cli.client.send("POST", "/containers/" + id + "/wait", null);
        DaemonClient.Response r =
            hijack(
                "/containers/"
                    + id
                    + "/attach?stream=1&stdout=1&stderr=1"
                    + (stdin ? "&stdin=1" : ""),
                null)) {
      Cli.check(wait);
      Streams.relay(r, stdin ? System.in : null, cli.out, cli.err, tty);
      return exitStatus(wait);
    }
  }

  // ---------------------------------------------------------------- top, stats, rename

  int top(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
                "top",
                "top CONTAINER [ps OPTIONS]",
                "Display the running processes of a container",
                new Flags(),
                Cli.Args.atLeast(1))
            .stoppingAtArguments();
    Flags.Parsed p = cli.parse(spec, args);
    String query =
        p.args.size() > 1
            ? "?ps_args=" + Cli.enc(String.join(" ", p.args.subList(1, p.args.size())))
            : "";
    JsonNode top = cli.call("GET", "/containers/" + Cli.enc(p.args.get(0)) + "/top" + query, null);
    StringBuilder b = new StringBuilder();
    b.append(String.join("\t", Cli.strings(top.get("Titles")))).append('\n');
    for (JsonNode proc : top.path("Processes")) {
      b.append(String.join("\t", Cli.strings(proc))).append('\n');
    }
    cli.out.print(TabWriter.format(b.toString(), 20, 3));
    return 0;
  }

  int stats(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "stats",
            "stats [OPTIONS] [CONTAINER...]",
            "Display a live stream of container(s) resource usage statistics",
            new Flags()
                .bool("a", "all", "Show all containers (default shows just running)")
                .string(null, "format", "string", null, "Pretty-print images using a Go template")
                .bool(null, "no-stream", "Disable streaming stats and only pull the first result")
                .bool(null, "no-trunc", "Do not truncate output"),
            Cli.Args.atLeast(0));
    Flags.Parsed p = cli.parse(spec, args);
    String format = p.get("format", Contexts.STATS_TABLE);
    boolean trunc = !p.on("no-trunc");
    List<String> names = new ArrayList<>(p.args);
    boolean listed = names.isEmpty();
    while (true) {
      if (listed) {
        names.clear();
        for (JsonNode c :
            cli.call("GET", "/containers/json" + (p.on("all") ? "?all=1" : ""), null)) {
          names.add(c.get("Id").asText());
        }
      }
      List<Contexts.Stats> rows = new ArrayList<>();
      List<String> errors = new ArrayList<>();
      for (String name : names) {
        try {
          JsonNode s = cli.call("GET", "/containers/" + Cli.enc(name) + "/stats?stream=0", null);
          rows.add(new Contexts.Stats(statsEntry(name, s), trunc));
        } catch (Cli.DaemonError e) {
          errors.add(e.text());
        }
      }
      if (!errors.isEmpty()) {
        throw new Cli.StatusError(String.join("\n", errors), 1);
      }
      String table = format(format, rows, Contexts.STATS_HEADERS);
      if (p.on("no-stream")) {
        cli.out.print(table);
        return 0;
      }
      cli.out.print("\033[2J\033[H" + table);
      cli.out.flush();
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 0;
      }
    }
  }

  /** Docker's stats calculations (CPU and memory percentages, network and block totals). */
  static Contexts.StatsEntry statsEntry(String ref, JsonNode s) {
    JsonNode cpu = s.path("cpu_stats");
    JsonNode pre = s.path("precpu_stats");
    double cpuDelta =
        cpu.path("cpu_usage").path("total_usage").asDouble()
            - pre.path("cpu_usage").path("total_usage").asDouble();
    double systemDelta =
        cpu.path("system_cpu_usage").asDouble() - pre.path("system_cpu_usage").asDouble();
    double online = cpu.path("online_cpus").asDouble();
    if (online == 0) {
      online = cpu.path("cpu_usage").path("percpu_usage").size();
    }
    double cpuPercent = systemDelta > 0 && cpuDelta > 0 ? cpuDelta / systemDelta * online * 100 : 0;
    JsonNode mem = s.path("memory_stats");
    double usage = mem.path("usage").asDouble();
    JsonNode st = mem.path("stats");
    if (st.has("total_inactive_file") && st.get("total_inactive_file").asDouble() < usage) {
      usage -= st.get("total_inactive_file").asDouble();
    } else if (st.has("inactive_file") && st.get("inactive_file").asDouble() < usage) {
      usage -= st.get("inactive_file").asDouble();
    }
    double limit = mem.path("limit").asDouble();
    double memPercent = limit > 0 ? usage / limit * 100 : 0;
    double rx = 0;
    double tx = 0;
    for (JsonNode n : s.path("networks")) {
      rx += n.path("rx_bytes").asDouble();
      tx += n.path("tx_bytes").asDouble();
    }
    double read = 0;
    double write = 0;
    for (JsonNode b : s.path("blkio_stats").path("io_service_bytes_recursive")) {
      String op = b.path("op").asText().toLowerCase(Locale.ROOT);
      if (op.equals("read")) {
        read += b.path("value").asDouble();
      } else if (op.equals("write")) {
        write += b.path("value").asDouble();
      }
    }
    return new Contexts.StatsEntry(
        ref,
        s.path("name").asText(ref),
        s.path("id").asText(ref),
        cpuPercent,
        usage,
        limit,
        memPercent,
        rx,
        tx,
        read,
        write,
        s.path("pids_stats").path("current").asLong());
  }

  int rename(List<String> args) throws IOException, Cli.StatusError {
    Cli.Spec spec =
        new Cli.Spec(
            "rename",
            "rename CONTAINER NEW_NAME",
            "Rename a container",
            new Flags(),
            Cli.Args.exactly(2));
    Flags.Parsed p = cli.parse(spec, args);
    String old = p.args.get(0).strip();
    String name = p.args.get(1).strip();
    if (old.isEmpty() || name.isEmpty()) {
      throw new Cli.StatusError("Error: Neither old nor new names may be empty", 1);
    }
    try {
      cli.post("/containers/" + Cli.enc(old) + "/rename?name=" + Cli.enc(name));
    } catch (Cli.DaemonError e) {
      cli.err.println(e.text());
      throw new Cli.StatusError("Error: failed to rename container named " + old, 1);
    }
    return 0;
  }

  /**
   * {@code port CONTAINER [PRIVATE_PORT[/PROTO]]}: the container's published ports, from its {@code
   * NetworkSettings.Ports}, as Docker's 20.10 client prints them.
   */
  int port(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "port",
            "port CONTAINER [PRIVATE_PORT[/PROTO]]",
            "List port mappings or a specific mapping for the container",
            new Flags(),
            Cli.Args.between(1, 2));
    Flags.Parsed p = cli.parse(spec, args);
    String container = p.args.get(0);
    JsonNode ports =
        cli.call("GET", "/containers/" + Cli.enc(container) + "/json", null)
            .path("NetworkSettings")
            .path("Ports");
    Map<String, List<HostBinding>> map = new LinkedHashMap<>();
    ports
        .fields()
        .forEachRemaining(
            e -> {
              List<HostBinding> bindings = null;
              if (e.getValue().isArray()) {
                bindings = new ArrayList<>();
                for (JsonNode b : e.getValue()) {
                  bindings.add(
                      new HostBinding(b.path("HostIp").asText(), b.path("HostPort").asText()));
                }
              }
              map.put(e.getKey(), bindings);
            });
    try {
      PortViews.portCommand(container, map, p.args.size() == 2 ? p.args.get(1) : null)
          .forEach(cli.out::println);
    } catch (PortSpecException e) {
      throw new Cli.StatusError(e.getMessage(), 1);
    }
    return 0;
  }

  // ---------------------------------------------------------------- cp

  int cp(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
                "cp",
                "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tjocker cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
                "Copy files/folders between a container and the local filesystem",
                new Flags()
                    .bool("a", "archive", "Archive mode (copy all uid/gid information)")
                    .bool("L", "follow-link", "Always follow symbol link in SRC_PATH"),
                Cli.Args.exactly(2))
            .withMore(
                "Use '-' as the source to read a tar archive from stdin\n"
                    + "and extract it to a directory destination in a container.\n"
                    + "Use '-' as the destination to stream a tar archive of a\n"
                    + "container source to stdout.");
    Flags.Parsed p = cli.parse(spec, args);
    String[] src = splitCpArg(p.args.get(0));
    String[] dst = splitCpArg(p.args.get(1));
    if (src[0] != null && dst[0] != null) {
      throw new Cli.StatusError("copying between containers is not supported", 1);
    }
    if (src[0] == null && dst[0] == null) {
      throw new Cli.StatusError("must specify at least one container source", 1);
    }
    if (src[0] != null) {
      return copyFromContainer(src[0], src[1], dst[1]);
    }
    return copyToContainer(src[1], dst[0], dst[1], p.on("archive"));
  }

  /** Docker's {@code splitCpArg}: {@code CONTAINER:PATH}, unless the path is local-looking. */
  private static String[] splitCpArg(String arg) {
    if (arg.startsWith("/") || arg.startsWith(".")) {
      return new String[] {null, arg};
    }
    int colon = arg.indexOf(':');
    if (colon <= 0) {
      return new String[] {null, arg};
    }
    return new String[] {arg.substring(0, colon), arg.substring(colon + 1)};
  }

  /** The stat of a path in a container ({@code HEAD .../archive}), or null when it is missing. */
  private JsonNode statPath(String container, String path) throws IOException, Cli.DaemonError {
    try (DaemonClient.Response r =
        cli.client.send(
            "HEAD", "/containers/" + Cli.enc(container) + "/archive?path=" + Cli.enc(path), null)) {
      if (r.status == 404) {
        return null;
      }
      Cli.check(r);
      String header = r.headers.get("x-docker-container-path-stat");
      if (header == null) {
        return Json.object();
      }
      return Json.parse(Base64.getDecoder().decode(header));
    }
  }

  private int copyFromContainer(String container, String path, String dest)
      throws IOException, Cli.StatusError, Cli.DaemonError {
    try (DaemonClient.Response r =
        cli.client.send(
            "GET", "/containers/" + Cli.enc(container) + "/archive?path=" + Cli.enc(path), null)) {
      if (r.status == 404) {
        throw new Cli.StatusError("Error: No such container:path: " + container + ":" + path, 1);
      }
      Cli.check(r);
      if (dest.equals("-")) {
        r.body().transferTo(cli.out);
        cli.out.flush();
        return 0;
      }
      Path target = Path.of(dest);
      String header = r.headers.get("x-docker-container-path-stat");
      JsonNode stat =
          header == null ? Json.object() : Json.parse(Base64.getDecoder().decode(header));
      boolean srcIsDir = (stat.path("mode").asLong() & (1L << 31)) != 0;
      String name =
          stat.path("name")
              .asText(
                  Path.of(path).getFileName() == null
                      ? ""
                      : Path.of(path).getFileName().toString());
      Path into;
      String rename;
      if (Files.isDirectory(target) && !(srcIsDir && path.endsWith("/."))) {
        into = target;
        rename = null;
      } else if (Files.isDirectory(target)) {
        into = target;
        rename = "";
      } else {
        if (dest.endsWith("/")) {
          throw new Cli.StatusError("Error: destination directory \"" + dest + "\" must exist", 1);
        }
        Path parent = target.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) {
          throw new Cli.StatusError("Error: lstat " + parent + ": no such file or directory", 1);
        }
        into = parent;
        rename = target.getFileName().toString();
      }
      Tar.extract(r.body(), into, name, rename);
    }
    return 0;
  }

  private int copyToContainer(String local, String container, String path, boolean archive)
      throws IOException, Cli.StatusError, Cli.DaemonError {
    JsonNode stat = statPath(container, path);
    boolean destIsDir = stat != null && (stat.path("mode").asLong() & (1L << 31)) != 0;
    String dir;
    InputStream tar;
    if (local.equals("-")) {
      if (stat == null || !destIsDir) {
        throw new Cli.StatusError(
            "Error: destination \"" + container + ":" + path + "\" must be a directory", 1);
      }
      dir = path;
      tar = System.in;
    } else {
      Path source = Path.of(local);
      if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
        throw new Cli.StatusError(
            "Error: lstat " + source.toAbsolutePath() + ": no such file or directory", 1);
      }
      String name;
      if (destIsDir) {
        dir = path;
        name =
            local.endsWith("/.")
                ? ""
                : source.toAbsolutePath().normalize().getFileName().toString();
      } else {
        if (stat == null && path.endsWith("/")) {
          throw new Cli.StatusError("Error: No such container:path: " + container + ":" + path, 1);
        }
        String parent = parentOf(path);
        if (statPath(container, parent) == null) {
          throw new Cli.StatusError(
              "Error: No such container:path: " + container + ":" + parent, 1);
        }
        dir = parent;
        name = baseOf(path);
      }
      java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
      Tar.write(buffer, source, name, !archive);
      tar = new java.io.ByteArrayInputStream(buffer.toByteArray());
    }
    try (DaemonClient.Response r =
        cli.client.send(
            "PUT",
            "/containers/"
                + Cli.enc(container)
                + "/archive?path="
                + Cli.enc(dir)
                + "&noOverwriteDirNonDir=true",
            tar.readAllBytes(),
            "application/x-tar")) {
      if (r.status == 404) {
        throw new Cli.StatusError("Error: No such container:path: " + container + ":" + dir, 1);
      }
      Cli.check(r);
    }
    return 0;
  }

  private static String parentOf(String path) {
    String p =
        path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    int slash = p.lastIndexOf('/');
    return slash <= 0 ? (p.startsWith("/") ? "/" : ".") : p.substring(0, slash);
  }

  private static String baseOf(String path) {
    String p =
        path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    return p.substring(p.lastIndexOf('/') + 1);
  }
}

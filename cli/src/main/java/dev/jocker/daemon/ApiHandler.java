package dev.jocker.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.cli.Version;
import dev.jocker.container.ContainerNames;
import dev.jocker.engine.ContainerInfo;
import dev.jocker.engine.CreateRequest;
import dev.jocker.engine.Engine;
import dev.jocker.engine.EngineException;
import dev.jocker.engine.ExecRequest;
import dev.jocker.engine.ExecResult;
import dev.jocker.engine.NetworkInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.ThreadContext;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/** Routes the Docker Engine API v1.41 subset (with or without the {@code /v1.41} prefix). */
final class ApiHandler extends Handler.Abstract {
  private static final Logger LOG = LogManager.getLogger(ApiHandler.class);
  private static final Pattern VERSION_PREFIX = Pattern.compile("^/v1\\.\\d+(/.*)$");
  static final String API_VERSION = "1.41";

  private record Exec(String container, ExecRequest request, boolean[] running, int[] exitCode) {}

  private interface Route {
    void handle(Call call) throws Exception;
  }

  private record Entry(String method, Pattern path, Route route) {}

  /** One request in flight. */
  static final class Call {
    final Request request;
    final Response response;
    final Matcher match;
    final Fields query;

    Call(Request request, Response response, Matcher match) {
      this.request = request;
      this.response = response;
      this.match = match;
      this.query = Request.extractQueryParameters(request);
    }

    String group(int i) {
      return match.group(i);
    }

    String param(String name, String fallback) {
      String v = query.getValue(name);
      return v == null ? fallback : v;
    }

    boolean flag(String name) {
      String v = query.getValue(name);
      return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
    }
  }

  private final Engine engine;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, Exec> execs = new ConcurrentHashMap<>();
  private final List<Entry> routes = new ArrayList<>();

  ApiHandler(Engine engine) {
    this.engine = engine;
    get("/_ping", c -> text(c, 200, "OK"));
    route("HEAD", "/_ping", c -> text(c, 200, "OK"));
    get("/version", c -> send(c, 200, version()));
    get("/info", this::info);
    get(
        "/containers/json",
        c ->
            send(
                c,
                200,
                engine.containers(c.flag("all")).stream().map(DockerJson::summary).toList()));
    post("/containers/create", this::create);
    get(
        "/containers/([^/]+)/json",
        c -> send(c, 200, DockerJson.inspect(engine.container(c.group(1)))));
    post("/containers/([^/]+)/start", this::start);
    post("/containers/([^/]+)/stop", this::stop);
    post(
        "/containers/([^/]+)/kill",
        c -> {
          engine.kill(c.group(1), c.param("signal", "KILL"));
          empty(c, 204);
        });
    post(
        "/containers/([^/]+)/wait",
        c -> send(c, 200, Map.of("StatusCode", engine.waitForExit(c.group(1)))));
    route(
        "DELETE",
        "/containers/([^/]+)",
        c -> {
          engine.remove(c.group(1), c.flag("force"));
          empty(c, 204);
        });
    get("/containers/([^/]+)/logs", this::logs);
    post("/containers/([^/]+)/exec", this::execCreate);
    post("/exec/([^/]+)/start", this::execStart);
    get("/exec/([^/]+)/json", this::execInspect);
    get(
        "/networks",
        c -> send(c, 200, engine.networks().stream().map(DockerJson::network).toList()));
    get("/networks/([^/]+)", c -> send(c, 200, DockerJson.network(engine.network(c.group(1)))));
    post("/networks/create", this::createNetwork);
    route(
        "DELETE",
        "/networks/([^/]+)",
        c -> {
          engine.removeNetwork(c.group(1));
          empty(c, 204);
        });
    get(
        "/images/json",
        c -> send(c, 200, engine.images().stream().map(DockerJson::imageSummary).toList()));
    get("/images/(.+)/json", c -> send(c, 200, DockerJson.image(engine.image(c.group(1)))));
    post(
        "/jocker/images/import",
        c ->
            send(
                c,
                200,
                DockerJson.imageSummary(
                    engine.importImage(Path.of(c.param("path", "")), c.param("name", "")))));
    post(
        "/jocker/containers/([^/]+)/launch",
        c -> send(c, 200, Map.of("Argv", engine.launchCommand(c.group(1)))));
    post(
        "/jocker/containers/([^/]+)/adopt",
        c ->
            send(
                c,
                200,
                DockerJson.inspect(engine.adopt(c.group(1), Long.parseLong(c.param("pid", "0"))))));
    post(
        "/jocker/containers/([^/]+)/exited",
        c -> {
          engine.reportExit(c.group(1), Integer.parseInt(c.param("code", "0")));
          empty(c, 204);
        });
    post("/jocker/exec/([^/]+)/argv", this::execArgv);
    get(
        "/jocker/networks/([^/]+)/topology",
        c -> text(c, 200, engine.topology(c.group(1), c.param("format", "text"))));
    get(
        "/jocker/containers/([^/]+)/trace",
        c -> text(c, 200, engine.trace(c.group(1), c.param("destination", ""))));
    post("/jocker/reconcile", c -> send(c, 200, Map.of("Fixed", engine.reconcile())));
    post("/jocker/cni", new CniEndpoint()::handle);
    get(
        "/jocker/doctor",
        c -> send(c, 200, Map.of("Findings", DockerJson.findings(engine.doctor()))));
  }

  private void get(String path, Route r) {
    route("GET", path, r);
  }

  private void post(String path, Route r) {
    route("POST", path, r);
  }

  private void route(String method, String path, Route r) {
    routes.add(new Entry(method, Pattern.compile(path), r));
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    Matcher prefixed = VERSION_PREFIX.matcher(path);
    if (prefixed.matches()) {
      path = prefixed.group(1);
    }
    response.getHeaders().put("Api-Version", API_VERSION);
    response.getHeaders().put("Server", "jocker/" + Version.VERSION);
    try {
      boolean pathKnown = false;
      for (Entry e : routes) {
        Matcher m = e.path().matcher(path);
        if (m.matches()) {
          pathKnown = true;
          if (e.method().equals(request.getMethod())) {
            ThreadContext.put("request", request.getMethod() + " " + path);
            e.route().handle(new Call(request, response, m));
            callback.succeeded();
            return true;
          }
        }
      }
      if (pathKnown) {
        send(
            new Call(request, response, null),
            405,
            Map.of("message", "method " + request.getMethod() + " not allowed"));
      } else {
        send(new Call(request, response, null), 404, Map.of("message", "page not found"));
      }
      callback.succeeded();
    } catch (EngineException e) {
      LOG.info("{} {}: {}", request.getMethod(), path, e.getMessage());
      sendQuietly(request, response, callback, e.kind().httpStatus(), e.getMessage());
    } catch (IllegalArgumentException e) {
      sendQuietly(request, response, callback, 400, e.getMessage());
    } catch (EofException e) {
      // The client hung up before the answer was written: nothing went wrong on this side.
      LOG.debug("{} {}: the client closed the connection", request.getMethod(), path);
      callback.failed(e);
    } catch (Exception e) {
      LOG.error("{} {} failed", request.getMethod(), path, e);
      sendQuietly(request, response, callback, 500, String.valueOf(e.getMessage()));
    } finally {
      ThreadContext.clearMap();
    }
    return true;
  }

  private void sendQuietly(
      Request request, Response response, Callback callback, int status, String message) {
    try {
      send(new Call(request, response, null), status, Map.of("message", message));
      callback.succeeded();
    } catch (Exception e) {
      callback.failed(e);
    }
  }

  /** Docker's {@code POST /networks/create}: Name, and IPAM.Config[0] Subnet, Gateway, IPRange. */
  private void createNetwork(Call c) throws IOException {
    JsonNode body = json.readTree(Content.Source.asString(c.request, StandardCharsets.UTF_8));
    if (body == null || !body.hasNonNull("Name")) {
      throw new EngineException(EngineException.Kind.INVALID, "network name is required");
    }
    String driver = body.path("Driver").asText("bridge");
    if (!driver.isEmpty() && !driver.equals("bridge")) {
      throw new EngineException(
          EngineException.Kind.INVALID, "driver " + driver + " is not supported: use bridge");
    }
    JsonNode ipam = body.path("IPAM").path("Config").path(0);
    NetworkInfo n =
        engine.createNetwork(
            body.get("Name").asText(),
            ipam.path("Subnet").asText(null),
            ipam.path("Gateway").asText(null),
            ipam.path("IPRange").asText(null));
    send(c, 201, Map.of("Id", n.id(), "Warning", ""));
  }

  private void create(Call c) throws IOException {
    JsonNode body = json.readTree(Content.Source.asString(c.request, StandardCharsets.UTF_8));
    if (body == null || !body.hasNonNull("Image")) {
      throw new EngineException(
          EngineException.Kind.INVALID, "Config cannot be empty in order to create a container");
    }
    JsonNode host = body.path("HostConfig");
    String network = host.path("NetworkMode").asText("");
    String ip = null;
    JsonNode endpoints = body.path("NetworkingConfig").path("EndpointsConfig");
    if (endpoints.isObject() && endpoints.fields().hasNext()) {
      ip = endpoints.fields().next().getValue().path("IPAMConfig").path("IPv4Address").asText(null);
    }
    CreateRequest request =
        new CreateRequest(
            c.param("name", null),
            body.get("Image").asText(),
            strings(body.path("Cmd")),
            strings(body.path("Env")),
            network.isEmpty() || network.equals("default") ? null : network,
            ip,
            body.path("Hostname").asText(null),
            body.path("Tty").asBoolean(false),
            body.path("OpenStdin").asBoolean(false),
            host.path("AutoRemove").asBoolean(false));
    ContainerInfo info = engine.create(request);
    ThreadContext.put("container", info.name());
    send(c, 201, Map.of("Id", info.id(), "Warnings", List.of()));
  }

  private void start(Call c) throws IOException {
    ContainerInfo before = engine.container(c.group(1));
    if (before.state().running()) {
      empty(c, 304);
      return;
    }
    engine.start(c.group(1));
    empty(c, 204);
  }

  private void stop(Call c) throws IOException {
    ContainerInfo before = engine.container(c.group(1));
    if (!before.state().running()) {
      empty(c, 304);
      return;
    }
    engine.stop(c.group(1), Duration.ofSeconds(Long.parseLong(c.param("t", "10"))));
    empty(c, 204);
  }

  private void logs(Call c) throws Exception {
    ContainerInfo info = engine.container(c.group(1));
    Path file = Path.of(info.logPath());
    boolean follow = c.flag("follow");
    c.response.setStatus(200);
    c.response
        .getHeaders()
        .put(
            HttpHeader.CONTENT_TYPE,
            info.tty()
                ? "application/vnd.docker.raw-stream"
                : "application/vnd.docker.multiplexed-stream");
    try (OutputStream out = Content.Sink.asOutputStream(c.response)) {
      long offset = 0;
      byte[] buf = new byte[8192];
      while (true) {
        if (Files.exists(file)) {
          try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(Math.min(offset, Files.size(file)));
            int n;
            while ((n = in.read(buf)) > 0) {
              frame(out, 1, buf, n, info.tty());
              offset += n;
            }
          }
        }
        out.flush();
        if (!follow) {
          break;
        }
        ContainerInfo now;
        try {
          now = engine.container(info.id());
        } catch (EngineException gone) {
          break;
        }
        if (!now.state().running() && Files.size(file) <= offset) {
          break;
        }
        Thread.sleep(100);
      }
    }
  }

  /** Docker's stream framing: stream byte, three zero bytes, big-endian length, payload. */
  static void frame(OutputStream out, int stream, byte[] data, int length, boolean raw)
      throws IOException {
    if (!raw) {
      out.write(
          new byte[] {
            (byte) stream,
            0,
            0,
            0,
            (byte) (length >>> 24),
            (byte) (length >>> 16),
            (byte) (length >>> 8),
            (byte) length
          });
    }
    out.write(data, 0, length);
  }

  private void execCreate(Call c) throws IOException {
    JsonNode body = json.readTree(Content.Source.asString(c.request, StandardCharsets.UTF_8));
    List<String> cmd = strings(body.path("Cmd"));
    if (cmd.isEmpty()) {
      throw new EngineException(EngineException.Kind.INVALID, "No exec command specified");
    }
    ContainerInfo info = engine.container(c.group(1));
    if (!info.state().running()) {
      throw new EngineException(
          EngineException.Kind.CONFLICT, "Container " + info.id() + " is not running");
    }
    String id = ContainerNames.newId();
    execs.put(
        id,
        new Exec(
            info.id(),
            new ExecRequest(cmd, strings(body.path("Env")), body.path("Tty").asBoolean(false)),
            new boolean[1],
            new int[1]));
    send(c, 201, Map.of("Id", id));
  }

  private Exec exec(String id) {
    Exec e = execs.get(id);
    if (e == null) {
      throw EngineException.notFound("exec instance", id);
    }
    return e;
  }

  private void execStart(Call c) throws IOException {
    Exec e = exec(c.group(1));
    JsonNode body = json.readTree(Content.Source.asString(c.request, StandardCharsets.UTF_8));
    boolean detach = body != null && body.path("Detach").asBoolean(false);
    if (detach) {
      e.running()[0] = true;
      Thread worker = new Thread(() -> runExec(e), "exec-" + c.group(1).substring(0, 12));
      worker.setDaemon(true);
      worker.start();
      empty(c, 200);
      return;
    }
    e.running()[0] = true;
    ExecResult r = runExec(e);
    c.response.setStatus(200);
    c.response
        .getHeaders()
        .put(HttpHeader.CONTENT_TYPE, "application/vnd.docker.multiplexed-stream");
    try (OutputStream out = Content.Sink.asOutputStream(c.response)) {
      if (r.stdout().length > 0) {
        frame(out, 1, r.stdout(), r.stdout().length, e.request().tty());
      }
      if (r.stderr().length > 0) {
        frame(out, 2, r.stderr(), r.stderr().length, e.request().tty());
      }
    }
  }

  private ExecResult runExec(Exec e) {
    try {
      ExecResult r = engine.exec(e.container(), e.request());
      e.exitCode()[0] = r.exitCode();
      return r;
    } finally {
      e.running()[0] = false;
    }
  }

  private void execInspect(Call c) throws IOException {
    Exec e = exec(c.group(1));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ID", c.group(1));
    m.put("Running", e.running()[0]);
    m.put("ExitCode", e.exitCode()[0]);
    m.put("ContainerID", e.container());
    send(c, 200, m);
  }

  private void execArgv(Call c) throws IOException {
    Exec e = exec(c.group(1));
    send(c, 200, Map.of("Argv", engine.execCommand(e.container(), e.request())));
  }

  private void info(Call c) throws IOException {
    var i = engine.info();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ID", "jocker");
    m.put("Containers", i.containers());
    m.put("ContainersRunning", i.running());
    m.put("ContainersPaused", 0);
    m.put("ContainersStopped", i.stopped());
    m.put("Images", i.images());
    m.put("Driver", "overlay");
    m.put("DockerRootDir", i.dataRoot().toString());
    m.put("KernelVersion", System.getProperty("os.version"));
    m.put("OperatingSystem", "linux");
    m.put("OSType", "linux");
    m.put("Architecture", System.getProperty("os.arch"));
    m.put("NCPU", Runtime.getRuntime().availableProcessors());
    m.put(
        "MemTotal",
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize());
    m.put("ServerVersion", Version.VERSION);
    m.put("Name", hostname());
    m.put("DefaultBridge", i.bridge());
    m.put("IPTables", i.iptables());
    m.put("IPForward", i.ipForward());
    send(c, 200, m);
  }

  private static String hostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException e) {
      return "localhost";
    }
  }

  private static Map<String, Object> version() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Platform", Map.of("Name", "jocker"));
    m.put("Version", Version.VERSION);
    m.put("ApiVersion", API_VERSION);
    m.put("MinAPIVersion", "1.12");
    m.put("GitCommit", "");
    m.put("GoVersion", "java" + System.getProperty("java.version"));
    m.put("Os", "linux");
    m.put("Arch", System.getProperty("os.arch"));
    m.put("KernelVersion", System.getProperty("os.version"));
    return m;
  }

  private static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    } else if (node.isTextual()) {
      out.add(node.asText());
    }
    return out;
  }

  private void send(Call c, int status, Object body) throws IOException {
    byte[] value = json.writeValueAsBytes(body);
    byte[] bytes = Arrays.copyOf(value, value.length + 1);
    bytes[value.length] = '\n';
    c.response.setStatus(status);
    c.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    c.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    writeLast(c, bytes);
  }

  private static void text(Call c, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    c.response.setStatus(status);
    c.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    c.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    writeLast(c, bytes);
  }

  private static void empty(Call c, int status) throws IOException {
    c.response.setStatus(status);
    c.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
    writeLast(c, new byte[0]);
  }

  /**
   * Headers and the whole body in one write that also ends the response: through an output stream
   * each write, and the close, went to the socket on its own.
   */
  private static void writeLast(Call c, byte[] body) throws IOException {
    try (Blocker.Callback blocker = Blocker.callback()) {
      c.response.write(true, ByteBuffer.wrap(body), blocker);
      blocker.block();
    }
  }
}

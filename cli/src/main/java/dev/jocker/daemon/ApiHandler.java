package dev.jocker.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.cli.Version;
import dev.jocker.engine.ContainerInfo;
import dev.jocker.engine.Engine;
import dev.jocker.engine.EngineException;
import dev.jocker.engine.ExecRequest;
import dev.jocker.engine.ExecState;
import dev.jocker.engine.ImageInfo;
import dev.jocker.engine.NetworkInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.ThreadContext;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.TunnelSupport;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/** Routes the Docker Engine API v1.41 (with or without a {@code /vX.Y} prefix). */
final class ApiHandler extends Handler.Abstract {
  private static final Logger LOG = LogManager.getLogger(ApiHandler.class);
  private static final Pattern VERSION_PREFIX = Pattern.compile("^/v(\\d+)\\.(\\d+)(/.*)$");
  static final String API_VERSION = "1.41";
  static final String MIN_API_VERSION = "1.12";

  /** What {@code GET /version} reports as the engine's version: Docker's for API 1.41. */
  static final String DOCKER_VERSION = "20.10.24";

  /** The largest JSON body the API reads (Docker reads any size); past it, 413. */
  static final int MAX_BODY = 1024 * 1024;

  private interface Route {
    void handle(Call call) throws Exception;
  }

  private record Entry(String method, Pattern path, Route route) {}

  /** One request in flight. */
  static final class Call {
    final Request request;
    final Response response;
    final Callback callback;
    final Matcher match;
    final Fields query;
    boolean hijacked;

    Call(Request request, Response response, Callback callback, Matcher match) {
      this.request = request;
      this.response = response;
      this.callback = callback;
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

    /** Docker's boolean query values: empty, 0, no, false and none are false. */
    boolean flag(String name) {
      String v = query.getValue(name);
      if (v == null) {
        return false;
      }
      return !List.of("", "0", "no", "false", "none")
          .contains(v.toLowerCase(java.util.Locale.ROOT));
    }

    /** An integer query value in {@code [min, max]}, checked before anything is done. */
    long integer(String name, long fallback, long min, long max) {
      String v = query.getValue(name);
      if (v == null || v.isEmpty()) {
        return fallback;
      }
      long n;
      try {
        n = Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "invalid value for " + name + ": \"" + v + "\" is not a whole number");
      }
      if (n < min || n > max) {
        throw new IllegalArgumentException(
            "invalid value for " + name + ": " + v + " is out of range [" + min + ", " + max + "]");
      }
      return n;
    }
  }

  private final Engine engine;
  private final ObjectMapper json = new ObjectMapper();
  private final List<Entry> routes = new ArrayList<>();
  private final ExecutorService streams;
  private final Execs execs;
  private final Events events = new Events();
  private final Monitor monitor;
  private final ApiMeta meta;

  ApiHandler(Engine engine) {
    this(engine, null);
  }

  /**
   * @param metaFile where labels are kept until the engine's records hold them (null: in memory)
   */
  ApiHandler(Engine engine, Path metaFile) {
    this.engine = engine;
    this.meta = new ApiMeta(metaFile);
    AtomicInteger n = new AtomicInteger();
    this.streams =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            5,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(null, r, "stream-" + n.incrementAndGet(), 256 * 1024);
              t.setDaemon(true);
              return t;
            });
    this.execs = new Execs(engine, streams);
    this.monitor = new Monitor(engine, events).start();
    routes();
  }

  private void routes() {
    get("/_ping", this::ping);
    route("HEAD", "/_ping", this::ping);
    get("/version", c -> send(c, 200, version()));
    get("/info", this::info);
    get("/events", this::events);
    get("/system/df", this::systemDf);
    get("/containers/json", this::list);
    post("/containers/create", this::create);
    post("/containers/prune", this::pruneContainers);
    get("/containers/([^/]+)/json", this::inspectContainer);
    post("/containers/([^/]+)/start", this::start);
    post("/containers/([^/]+)/stop", this::stop);
    post("/containers/([^/]+)/restart", this::restart);
    post("/containers/([^/]+)/kill", this::kill);
    post("/containers/([^/]+)/wait", this::await);
    post("/containers/([^/]+)/attach", this::attach);
    post("/containers/([^/]+)/resize", this::resizeContainer);
    post("/containers/([^/]+)/rename", this::rename);
    post("/containers/([^/]+)/pause", c -> pause(c, true));
    post("/containers/([^/]+)/unpause", c -> pause(c, false));
    get("/containers/([^/]+)/stats", this::stats);
    get("/containers/([^/]+)/top", this::top);
    get("/containers/([^/]+)/logs", this::logs);
    route("HEAD", "/containers/([^/]+)/archive", c -> archive(c, false));
    get("/containers/([^/]+)/archive", c -> archive(c, true));
    route("PUT", "/containers/([^/]+)/archive", this::extract);
    route("DELETE", "/containers/([^/]+)", this::remove);
    post("/containers/([^/]+)/exec", this::execCreate);
    post("/exec/([^/]+)/start", this::execStart);
    post("/exec/([^/]+)/resize", this::execResize);
    get("/exec/([^/]+)/json", c -> send(c, 200, Execs.inspect(engine.inspectExec(c.group(1)))));
    get("/networks", this::networks);
    post("/networks/create", this::createNetwork);
    post("/networks/prune", this::pruneNetworks);
    get("/networks/([^/]+)", c -> send(c, 200, network(engine.network(c.group(1)))));
    post("/networks/([^/]+)/connect", c -> notYet(c, "network connect", "service discovery (#23)"));
    post(
        "/networks/([^/]+)/disconnect",
        c -> notYet(c, "network disconnect", "service discovery (#23)"));
    route("DELETE", "/networks/([^/]+)", this::removeNetwork);
    get("/images/json", this::images);
    post("/images/create", this::pullImage);
    post("/images/prune", c -> send(c, 200, mapOf("ImagesDeleted", null, "SpaceReclaimed", 0)));
    get("/images/(.+)/json", this::inspectImage);
    get("/volumes", c -> send(c, 200, mapOf("Volumes", List.of(), "Warnings", null)));
    post("/volumes/prune", c -> send(c, 200, mapOf("VolumesDeleted", null, "SpaceReclaimed", 0)));
    post("/volumes/create", c -> notYet(c, "volume create", "volumes"));
    get(
        "/volumes/([^/]+)",
        c -> {
          throw new EngineException(
              EngineException.Kind.NOT_FOUND, "get " + c.group(1) + ": no such volume");
        });
    route(
        "DELETE",
        "/volumes/([^/]+)",
        c -> {
          throw new EngineException(
              EngineException.Kind.NOT_FOUND, "get " + c.group(1) + ": no such volume");
        });
    post(
        "/jocker/images/import",
        c ->
            send(
                c,
                200,
                DockerJson.imageSummary(
                    engine.importImage(Path.of(c.param("path", "")), c.param("name", "")))));
    get(
        "/jocker/networks/([^/]+)/topology",
        c -> text(c, 200, engine.topology(c.group(1), c.param("format", "text"))));
    get(
        "/jocker/containers/([^/]+)/trace",
        c -> text(c, 200, engine.trace(c.group(1), c.param("destination", ""))));
    post("/jocker/reconcile", c -> send(c, 200, Map.of("Fixed", engine.reconcile())));
    post("/jocker/cni", new CniEndpoint(engine)::handle);
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

  /** Stops the API's own threads (the monitor); streams end with their connections. */
  void close() {
    monitor.close();
    streams.shutdown();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String full = Request.getPathInContext(request);
    String path = full;
    response.getHeaders().put("Api-Version", API_VERSION);
    response.getHeaders().put("Docker-Experimental", "false");
    response.getHeaders().put("Ostype", "linux");
    response.getHeaders().put("Server", "jocker/" + Version.VERSION + " (linux)");
    Call call = null;
    try {
      Matcher prefixed = VERSION_PREFIX.matcher(path);
      if (prefixed.matches()) {
        checkVersion(Integer.parseInt(prefixed.group(1)), Integer.parseInt(prefixed.group(2)));
        path = prefixed.group(3);
      }
      for (Entry e : routes) {
        Matcher m = e.path().matcher(path);
        if (m.matches() && e.method().equals(request.getMethod())) {
          ThreadContext.put("request", request.getMethod() + " " + path);
          call = new Call(request, response, callback, m);
          e.route().handle(call);
          callback.succeeded();
          return true;
        }
      }
      throw new EngineException(
          EngineException.Kind.NOT_FOUND,
          "page not found: no route for " + request.getMethod() + " " + full);
    } catch (EngineException e) {
      LOG.info("{} {}: {}", request.getMethod(), path, e.getMessage());
      fail(call, request, response, callback, e.kind().httpStatus(), e.getMessage());
    } catch (IllegalArgumentException e) {
      fail(call, request, response, callback, 400, e.getMessage());
    } catch (TooLarge e) {
      fail(call, request, response, callback, 413, e.getMessage());
    } catch (BadMessageException e) {
      fail(
          call,
          request,
          response,
          callback,
          e.getCode(),
          JsonErrors.message(e.getCode(), e.getReason()));
    } catch (EofException e) {
      // The client hung up before the answer was written: nothing went wrong on this side.
      LOG.debug("{} {}: the client closed the connection", request.getMethod(), path);
      callback.failed(e);
    } catch (IOException e) {
      // A body cut short or a broken chunk: the request was bad, not the daemon.
      fail(
          call,
          request,
          response,
          callback,
          400,
          "cannot read the request body: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      callback.failed(e);
    } catch (Exception e) {
      LOG.error("{} {} failed", request.getMethod(), path, e);
      fail(call, request, response, callback, 500, String.valueOf(e.getMessage()));
    } finally {
      ThreadContext.clearMap();
    }
    return true;
  }

  /** Docker's version middleware: 1.12 to 1.41. */
  private static void checkVersion(int major, int minor) {
    String v = major + "." + minor;
    if (major < 1 || major == 1 && minor < 12) {
      throw new IllegalArgumentException(
          "client version "
              + v
              + " is too old. Minimum supported API version is "
              + MIN_API_VERSION
              + ", please upgrade your client to a newer version");
    }
    if (major > 1 || minor > 41) {
      throw new IllegalArgumentException(
          "client version " + v + " is too new. Maximum supported API version is " + API_VERSION);
    }
  }

  private void fail(
      Call call,
      Request request,
      Response response,
      Callback callback,
      int status,
      String message) {
    if (call != null && (call.hijacked || response.isCommitted())) {
      // The answer has started (a stream): the error can only end the connection.
      callback.failed(new IOException(message));
      return;
    }
    try {
      byte[] bytes = JsonErrors.body(message == null ? "error" : message);
      response.setStatus(status);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
      response.write(true, ByteBuffer.wrap(bytes), callback);
    } catch (RuntimeException e) {
      callback.failed(e);
    }
  }

  // ---------------------------------------------------------------- bodies

  /** A body past {@link #MAX_BODY}. */
  private static final class TooLarge extends Exception {
    private static final long serialVersionUID = 1L;

    TooLarge(String message) {
      super(message);
    }
  }

  /**
   * The request body, at most {@link #MAX_BODY} bytes: a larger declared length is refused before a
   * byte is read, a longer chunked body as soon as it passes the limit.
   */
  private static byte[] bodyBytes(Call c) throws IOException, TooLarge {
    long declared = c.request.getLength();
    if (declared > MAX_BODY) {
      throw new TooLarge(
          "request body of " + declared + " bytes is larger than the limit of " + MAX_BODY);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = Content.Source.asInputStream(c.request)) {
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        if (out.size() > MAX_BODY) {
          throw new TooLarge("request body is larger than the limit of " + MAX_BODY + " bytes");
        }
      }
    }
    return out.toByteArray();
  }

  /**
   * The JSON body, or null when there is none. A Content-Type other than JSON is Docker's 400, as
   * is text that is not JSON.
   */
  private JsonNode jsonBody(Call c) throws IOException, TooLarge {
    String type = c.request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    byte[] bytes = bodyBytes(c);
    if (bytes.length == 0) {
      return null;
    }
    if (type != null
        && !type.toLowerCase(java.util.Locale.ROOT).strip().startsWith("application/json")) {
      throw new IllegalArgumentException(
          "Content-Type specified (" + type + ") must be 'application/json'");
    }
    try {
      return json.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "invalid JSON: " + e.getOriginalMessage().replaceAll("\\s+", " "));
    }
  }

  // ---------------------------------------------------------------- system

  private void ping(Call c) throws IOException {
    c.response.getHeaders().put("Cache-Control", "no-cache, no-store, must-revalidate");
    c.response.getHeaders().put("Pragma", "no-cache");
    if (c.request.getMethod().equals("HEAD")) {
      c.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
      empty(c, 200);
      return;
    }
    text(c, 200, "OK");
  }

  private static Map<String, Object> version() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("ApiVersion", API_VERSION);
    details.put("Arch", arch());
    details.put("BuildTime", "");
    details.put("Experimental", "false");
    details.put("GitCommit", "");
    details.put("GoVersion", "java" + System.getProperty("java.version"));
    details.put("KernelVersion", System.getProperty("os.version"));
    details.put("MinAPIVersion", MIN_API_VERSION);
    details.put("Os", "linux");
    Map<String, Object> engineComponent = new LinkedHashMap<>();
    engineComponent.put("Name", "Engine");
    engineComponent.put("Version", DOCKER_VERSION);
    engineComponent.put("Details", details);
    Map<String, Object> jockerComponent = new LinkedHashMap<>();
    jockerComponent.put("Name", "jocker");
    jockerComponent.put("Version", Version.VERSION);
    jockerComponent.put("Details", Map.of());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Platform", Map.of("Name", "jocker"));
    m.put("Components", List.of(engineComponent, jockerComponent));
    m.put("Version", DOCKER_VERSION);
    m.put("ApiVersion", API_VERSION);
    m.put("MinAPIVersion", MIN_API_VERSION);
    m.put("GitCommit", "");
    m.put("GoVersion", "java" + System.getProperty("java.version"));
    m.put("Os", "linux");
    m.put("Arch", arch());
    m.put("KernelVersion", System.getProperty("os.version"));
    m.put("BuildTime", "");
    m.put("JockerVersion", Version.VERSION);
    return m;
  }

  private static String arch() {
    String a = System.getProperty("os.arch");
    return a.equals("x86_64") ? "amd64" : a.equals("aarch64") ? "arm64" : a;
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
    m.put("MemTotal", memTotal());
    m.put("ServerVersion", DOCKER_VERSION);
    m.put("JockerVersion", Version.VERSION);
    m.put("Name", hostname());
    m.put("Labels", List.of());
    m.put("ExperimentalBuild", false);
    m.put("LoggingDriver", "json-file");
    m.put("CgroupDriver", "none");
    m.put("CgroupVersion", "2");
    m.put(
        "Plugins",
        Map.of(
            "Volume",
            List.of(),
            "Network",
            List.of("bridge", "host", "null"),
            "Log",
            List.of("json-file")));
    m.put("DefaultBridge", i.bridge());
    m.put("IPTables", i.iptables());
    m.put("IPForward", i.ipForward());
    send(c, 200, m);
  }

  /**
   * The host's memory from /proc/meminfo, as dockerd reads it (the JDK's own figure reads the
   * cgroups the JVM sits in, and fails on hierarchies it does not expect).
   */
  private static long memTotal() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      LOG.debug("MemTotal: /proc/meminfo: {}", e.getMessage());
    }
    return 0;
  }

  private static String hostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException e) {
      return "localhost";
    }
  }

  private void systemDf(Call c) throws IOException {
    List<ContainerInfo> containers = engine.containers(true);
    List<Object> images = new ArrayList<>();
    long layers = 0;
    for (ImageInfo i : engine.images()) {
      Map<String, Object> m = DockerJson.imageSummary(i);
      m.put("Containers", containers.stream().filter(x -> x.imageId().equals(i.id())).count());
      // Docker's df counts layers shared with other images; jocker's images share none.
      m.put("SharedSize", 0);
      images.add(m);
      layers += i.size();
    }
    List<Object> list = new ArrayList<>();
    for (ContainerInfo x : containers) {
      Map<String, Object> m = summary(x);
      putSizes(m, x);
      list.add(m);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("LayersSize", layers);
    m.put("Images", images);
    m.put("Containers", list);
    m.put("Volumes", List.of());
    m.put("BuildCache", List.of());
    m.put("BuilderSize", 0);
    send(c, 200, m);
  }

  // ---------------------------------------------------------------- events

  /**
   * {@code GET /events}: the kept events from {@code since}, then live ones until {@code until}
   * (streamed, a JSON object a line, headers sent at once); with an {@code until} in the past, only
   * the kept ones.
   */
  private void events(Call c) throws Exception {
    Filters filters = Filters.parse(c.param("filters", null), Events.FILTERS);
    long now = nowNano();
    long since =
        c.query.getValue("since") == null ? now : Timestamps.nanos(c.param("since", ""), "since");
    long until =
        c.query.getValue("until") == null
            ? Long.MAX_VALUE
            : Timestamps.nanos(c.param("until", ""), "until");
    if (since > until) {
      throw new IllegalArgumentException("since must not be after until");
    }
    c.response.setStatus(200);
    c.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    flushHeaders(c);
    try (Events.Subscription live = until > now ? events.subscribe() : null) {
      OutputStream out = Content.Sink.asOutputStream(c.response);
      for (Events.Event e : events.replay(since, until, live)) {
        if (e.matches(filters)) {
          writeLine(out, e.json());
        }
      }
      if (live != null) {
        while (true) {
          long wait = until == Long.MAX_VALUE ? 1000 : Math.max(1, (until - nowNano()) / 1_000_000);
          Events.Event e = live.queue.poll(Math.min(wait, 1000), TimeUnit.MILLISECONDS);
          if (nowNano() > until) {
            break;
          }
          if (e != null && e.matches(filters)) {
            writeLine(out, e.json());
          }
        }
      }
      out.close();
    }
  }

  private void writeLine(OutputStream out, Object value) throws IOException {
    byte[] v = json.writeValueAsBytes(value);
    byte[] line = Arrays.copyOf(v, v.length + 1);
    line[v.length] = '\n';
    out.write(line);
    out.flush();
  }

  private static long nowNano() {
    Instant t = Instant.now();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  // ---------------------------------------------------------------- containers

  private Map<String, Object> summary(ContainerInfo c) {
    Map<String, Object> m = DockerJson.summary(c);
    m.put("Labels", meta.containerLabels(c.id()));
    return m;
  }

  private Map<String, Object> inspect(ContainerInfo c) {
    Map<String, Object> m = DockerJson.inspect(c);
    @SuppressWarnings("unchecked")
    Map<String, Object> config = (Map<String, Object>) m.get("Config");
    config.put("Labels", meta.containerLabels(c.id()));
    @SuppressWarnings("unchecked")
    Map<String, Object> host = (Map<String, Object>) m.get("HostConfig");
    host.put("AutoRemove", c.autoRemove() || monitor.autoRemoves(c.id()));
    return m;
  }

  /** {@code GET /containers/{id}/json}; with {@code size}, Docker's SizeRw and SizeRootFs. */
  private void inspectContainer(Call c) throws IOException {
    boolean size = c.flag("size");
    ContainerInfo info = engine.container(c.group(1));
    Map<String, Object> m = inspect(info);
    if (size) {
      putSizes(m, info);
    }
    send(c, 200, m);
  }

  /**
   * Docker's {@code SizeRw} (what the container wrote: the size of its layer) and {@code
   * SizeRootFs} (that and its image).
   */
  private void putSizes(Map<String, Object> m, ContainerInfo info) {
    long rw = Sizes.of(engine.layer(info.id()));
    long image;
    try {
      image = engine.image(info.imageId()).size();
    } catch (EngineException gone) {
      image = 0;
    }
    m.put("SizeRw", rw);
    m.put("SizeRootFs", rw + image);
  }

  private void list(Call c) throws IOException {
    Filters filters = Filters.parse(c.param("filters", null), ContainerFilter.KEYS);
    long limit = c.integer("limit", -1, -1, Integer.MAX_VALUE);
    boolean all = c.flag("all") || limit > 0;
    List<ContainerInfo> containers = engine.containers(true);
    ContainerFilter f = new ContainerFilter(filters, containers, meta::containerLabels);
    List<Object> out = new ArrayList<>();
    for (ContainerInfo x : containers) {
      if (!all && !x.state().running() && !f.impliesAll()) {
        continue;
      }
      if (f.matches(x)) {
        if (limit > 0 && out.size() >= limit) {
          break;
        }
        Map<String, Object> m = summary(x);
        if (c.flag("size")) {
          putSizes(m, x);
        }
        out.add(m);
      }
    }
    send(c, 200, out);
  }

  private void create(Call c) throws IOException, TooLarge {
    String name = c.query.getValue("name");
    CreateBody body = CreateBody.parse(jsonBody(c), name);
    checkStaticIp(body);
    ContainerInfo info;
    try {
      info = engine.create(body.request());
    } catch (EngineException e) {
      String image = body.request().image();
      if (e.kind() == EngineException.Kind.NOT_FOUND
          && e.getMessage().startsWith("No such image")) {
        String tagged = image.lastIndexOf(':') > image.lastIndexOf('/') ? image : image + ":latest";
        throw new EngineException(EngineException.Kind.NOT_FOUND, "No such image: " + tagged);
      }
      throw e;
    }
    ThreadContext.put("container", info.name());
    meta.containerLabels(info.id(), body.labels());
    if (body.autoRemove()) {
      monitor.removeOnExit(info.id());
    }
    monitor.poll();
    send(c, 201, mapOf("Id", info.id(), "Warnings", List.of()));
  }

  /** Docker's 400s for {@code --ip} where the network does not allow a chosen address. */
  private void checkStaticIp(CreateBody body) {
    if (body.request().ipv4() == null) {
      return;
    }
    String network = body.network();
    if (network.equals("bridge") || network.equals("host") || network.equals("none")) {
      throw new IllegalArgumentException(
          "user specified IP address is supported on user defined networks only");
    }
    NetworkInfo n = engine.network(network);
    ApiMeta.Network m = meta.network(n.id());
    if (m != null && !m.userSubnet()) {
      throw new IllegalArgumentException(
          "user specified IP address is supported only when connecting to networks with user"
              + " configured subnets");
    }
  }

  private void start(Call c) throws IOException {
    ContainerInfo before = engine.container(c.group(1));
    if (before.state().running()) {
      empty(c, 304);
      return;
    }
    engine.start(c.group(1));
    monitor.poll();
    empty(c, 204);
  }

  /** Docker's {@code t}: seconds before SIGKILL, -1 to wait for ever. */
  private static Duration stopTimeout(Call c) {
    long t = c.integer("t", 10, -1, Integer.MAX_VALUE);
    return Duration.ofSeconds(t < 0 ? Integer.MAX_VALUE : t);
  }

  private void stop(Call c) throws IOException {
    Duration timeout = stopTimeout(c);
    ContainerInfo before = engine.container(c.group(1));
    if (!before.state().running() && !before.state().restarting()) {
      empty(c, 304);
      return;
    }
    events.container("kill", before, Map.of("signal", "15"));
    engine.stop(c.group(1), timeout);
    monitor.poll();
    events.container("stop", before, Map.of());
    empty(c, 204);
  }

  private void restart(Call c) throws IOException {
    Duration timeout = stopTimeout(c);
    ContainerInfo before = engine.container(c.group(1));
    if (before.state().running() || before.state().restarting()) {
      events.container("kill", before, Map.of("signal", "15"));
      engine.stop(before.id(), timeout);
      monitor.poll();
      events.container("stop", before, Map.of());
    }
    engine.start(before.id());
    monitor.poll();
    events.container("restart", before, Map.of());
    empty(c, 204);
  }

  /** A signal as {@code docker kill -s} takes it: a name with or without SIG, or 1 to 64. */
  private static final Pattern SIGNAL = Pattern.compile("(?i)(SIG)?[A-Z][A-Z0-9+-]*|[0-9]{1,2}");

  /**
   * Kill: Docker's 409 on a container that is not running; with SIGKILL the answer waits until the
   * exit is recorded (up to 10 s), so a second kill is the 409 again.
   */
  private void kill(Call c) throws Exception {
    String signal = c.param("signal", "KILL");
    if (signal.isEmpty()) {
      signal = "KILL";
    }
    if (!SIGNAL.matcher(signal).matches()
        || signal.chars().allMatch(Character::isDigit)
            && (Integer.parseInt(signal) < 1 || Integer.parseInt(signal) > 64)) {
      throw new IllegalArgumentException("Invalid signal: " + signal);
    }
    String ref = c.group(1);
    ContainerInfo before = engine.container(ref);
    if (!before.state().running()) {
      throw new EngineException(
          EngineException.Kind.CONFLICT,
          "Cannot kill container: " + ref + ": Container " + before.id() + " is not running");
    }
    engine.kill(before.id(), signal);
    events.container("kill", before, Map.of("signal", signal));
    String s = signal.toUpperCase(java.util.Locale.ROOT);
    if (s.equals("KILL") || s.equals("SIGKILL") || s.equals("9")) {
      long deadline = System.currentTimeMillis() + 10_000;
      monitor.await(
          before.id(), Monitor.Condition.NOT_RUNNING, () -> System.currentTimeMillis() > deadline);
    }
    empty(c, 204);
  }

  private void remove(Call c) throws IOException {
    ContainerInfo before = engine.container(c.group(1));
    engine.remove(c.group(1), c.flag("force"));
    monitor.poll();
    empty(c, 204);
  }

  /**
   * {@code POST /containers/{id}/wait}: the 200 and its headers go out at once (the CLI sends
   * {@code start} only after them), the body when the condition holds.
   */
  private void await(Call c) throws Exception {
    Monitor.Condition condition = Monitor.Condition.parse(c.query.getValue("condition"));
    String id = engine.container(c.group(1)).id();
    c.response.setStatus(200);
    c.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    flushHeaders(c);
    EndPoint endPoint = endPoint(c);
    int code = monitor.await(id, condition, () -> endPoint != null && !endPoint.isOpen());
    if (code < 0) {
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("Error", null);
    body.put("StatusCode", code);
    byte[] v = json.writeValueAsBytes(body);
    byte[] line = Arrays.copyOf(v, v.length + 1);
    line[v.length] = '\n';
    writeLast(c, line);
  }

  private static EndPoint endPoint(Call c) {
    TunnelSupport t = c.request.getTunnelSupport();
    return t == null ? null : t.getEndPoint();
  }

  /**
   * {@code POST /containers/{id}/attach}: with {@code logs=1} the log so far, then with {@code
   * stream=1} the output of the current run, or of the next start when the container does not run
   * (that start waits for this client), through the container's shim until the run ends; with
   * {@code stdin=1} the client's input goes to the container's stdin (its half-close closes it).
   */
  private void attach(Call c) throws Exception {
    ContainerInfo info = engine.container(c.group(1));
    boolean logs = c.flag("logs");
    boolean stream = c.flag("stream");
    boolean stdin = c.flag("stdin");
    boolean stdout = c.flag("stdout");
    boolean stderr = c.flag("stderr");
    boolean raw = info.tty();
    ContainerLogs.Cursor cursor = logs ? ContainerLogs.open(Path.of(info.logPath()), false) : null;
    java.util.concurrent.CompletableFuture<dev.jocker.container.Attachment> attached =
        stream ? engine.attach(info.id()) : null;
    hijack(
        c,
        false,
        client -> {
          OutputStream out = client.out();
          try {
            if (cursor != null) {
              try (cursor) {
                copyLog(cursor, out, raw, stdout, stderr);
              }
            }
            if (attached == null) {
              streams.execute(() -> discard(client.in()));
              return;
            }
            try (dev.jocker.container.Attachment a = attached.get()) {
              if (stdin && info.openStdin()) {
                streams.execute(() -> feed(client.in(), a));
              } else {
                streams.execute(() -> discard(client.in()));
              }
              for (var f = a.read(); f != null; f = a.read()) {
                if (f.stream() == StdCopy.STDERR ? stderr : stdout) {
                  StdCopy.write(out, f.stream(), f.data(), f.data().length, raw);
                }
              }
            }
          } catch (IOException
              | InterruptedException
              | java.util.concurrent.ExecutionException
              | RuntimeException e) {
            LOG.debug("attach {}: {}", info.name(), e.getMessage());
          } finally {
            client.close();
          }
        });
    events.container("attach", info, Map.of());
  }

  /** The client's input to the container's stdin; its half-close closes the container's. */
  private static void feed(InputStream in, dev.jocker.container.Attachment a) {
    byte[] buf = new byte[32 * 1024];
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        a.write(buf, n);
      }
      a.closeStdin();
    } catch (IOException | RuntimeException gone) {
      // The connection or the container ended: nothing more to pass on.
    }
  }

  private static void copyLog(
      ContainerLogs.Cursor cursor, OutputStream out, boolean raw, boolean stdout, boolean stderr)
      throws IOException {
    for (ContainerLogs.Entry e = cursor.next(); e != null; e = cursor.next()) {
      if (e.stream() == StdCopy.STDOUT ? stdout : stderr) {
        StdCopy.write(out, e.stream(), e.bytes(), e.bytes().length, raw);
      }
    }
  }

  private static void discard(InputStream in) {
    try {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException gone) {
      // The connection ended.
    }
  }

  private void resizeContainer(Call c) throws IOException {
    int h = (int) c.integer("h", -1, 0, 65535);
    int w = (int) c.integer("w", -1, 0, 65535);
    if (h < 0 || w < 0) {
      throw new IllegalArgumentException("resize needs h and w (whole numbers)");
    }
    ContainerInfo info = engine.container(c.group(1));
    if (!info.state().running()) {
      throw new EngineException(
          EngineException.Kind.CONFLICT, "Container " + info.id() + " is not running");
    }
    engine.resize(info.id(), h, w);
    empty(c, 200);
  }

  /** {@code POST /containers/{id}/pause} and {@code unpause}. */
  private void pause(Call c, boolean pause) throws IOException {
    if (pause) {
      engine.pause(c.group(1));
    } else {
      engine.unpause(c.group(1));
    }
    monitor.poll();
    empty(c, 204);
  }

  /** {@code POST /containers/{id}/rename?name=NEW}. */
  private void rename(Call c) throws IOException {
    String name = c.param("name", "");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("Neither old nor new names may be empty");
    }
    engine.rename(c.group(1), name);
    monitor.poll();
    empty(c, 204);
  }

  /**
   * {@code GET /containers/{id}/stats}: a reading a second (as Docker's collector), each with the
   * one before it as {@code precpu_stats}; {@code stream=0} answers the second reading, {@code
   * one-shot=1} with {@code stream=0} the first at once.
   */
  private void stats(Call c) throws Exception {
    boolean stream = !c.param("stream", "1").equals("0") && !c.param("stream", "1").equals("false");
    boolean oneShot = c.flag("one-shot");
    ContainerInfo info = engine.container(c.group(1));
    dev.jocker.engine.ContainerStats before = engine.stats(info.id());
    if (!stream) {
      if (oneShot) {
        send(c, 200, DockerJson.stats(info, before, null));
        return;
      }
      Thread.sleep(1000);
      send(c, 200, DockerJson.stats(info, engine.stats(info.id()), before));
      return;
    }
    c.response.setStatus(200);
    c.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    flushHeaders(c);
    try (OutputStream out = Content.Sink.asOutputStream(c.response)) {
      while (true) {
        Thread.sleep(1000);
        dev.jocker.engine.ContainerStats now = engine.stats(info.id());
        out.write(json.writeValueAsBytes(DockerJson.stats(info, now, before)));
        out.write('\n');
        out.flush();
        before = now;
      }
    } catch (IOException clientGone) {
      LOG.debug("stats {}: {}", info.name(), clientGone.getMessage());
    }
  }

  private void top(Call c) throws Exception {
    String psArgs = c.param("ps_args", "-ef");
    if (!psArgs.matches("[a-zA-Z0-9 ,=_-]*")) {
      throw new IllegalArgumentException("invalid ps_args: " + psArgs);
    }
    ContainerInfo info = engine.container(c.group(1));
    if (!info.state().running()) {
      throw new EngineException(
          EngineException.Kind.CONFLICT, "Container " + info.id() + " is not running");
    }
    send(c, 200, Top.of(info.state().pid(), psArgs));
  }

  private void pruneContainers(Call c) throws IOException {
    Filters filters =
        Filters.parse(c.param("filters", null), Filters.keys("until", "label", "label!"));
    long until =
        filters.has("until")
            ? Timestamps.nanos(filters.get("until").iterator().next(), "until")
            : Long.MAX_VALUE;
    List<String> deleted = new ArrayList<>();
    for (ContainerInfo x : engine.containers(true)) {
      long created = x.created().getEpochSecond() * 1_000_000_000L + x.created().getNano();
      Map<String, String> labels = meta.containerLabels(x.id());
      if (x.state().running()
          || created > until
          || !filters.labels("label", labels)
          || filters.has("label!")
              && !filters.get("label!").isEmpty()
              && notLabels(filters, labels)) {
        continue;
      }
      engine.remove(x.id(), false);
      deleted.add(x.id());
    }
    monitor.poll();
    send(
        c,
        200,
        mapOf("ContainersDeleted", deleted.isEmpty() ? null : deleted, "SpaceReclaimed", 0));
  }

  /** {@code label!}: true when one of the given labels is present (so the container is kept). */
  private static boolean notLabels(Filters filters, Map<String, String> labels) {
    for (String want : filters.get("label!")) {
      int eq = want.indexOf('=');
      if (eq < 0
          ? labels.containsKey(want)
          : want.substring(eq + 1).equals(labels.get(want.substring(0, eq)))) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- archive (cp)

  /** A running container's files through its root, a stopped one's through its layer. */
  private ContainerArchive.Tree tree(ContainerInfo info) {
    if (info.state().running() && info.state().pid() > 0) {
      return ContainerArchive.live(Path.of("/proc/" + info.state().pid() + "/root"));
    }
    return ContainerArchive.layered(engine.layer(info.id()), engine.image(info.imageId()).rootfs());
  }

  private static String archivePath(Call c) {
    String path = c.param("path", "");
    if (path.isEmpty()) {
      throw new IllegalArgumentException("bad parameter: path cannot be empty");
    }
    if (path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("bad parameter: path holds a NUL character");
    }
    return path;
  }

  /**
   * {@code HEAD} and {@code GET /containers/{id}/archive?path=}: the path's stat in Docker's {@code
   * X-Docker-Container-Path-Stat} header and, for GET, its tar archive.
   */
  private void archive(Call c, boolean body) throws IOException {
    String path = archivePath(c);
    ContainerInfo info = engine.container(c.group(1));
    ContainerArchive.Tree tree = tree(info);
    String rel = ContainerArchive.resolve(tree, path);
    String stat;
    try {
      stat = ContainerArchive.statHeader(tree, rel, path);
    } catch (java.nio.file.NoSuchFileException e) {
      throw ContainerArchive.notFound(path, c.group(1));
    }
    c.response.getHeaders().put("X-Docker-Container-Path-Stat", stat);
    if (!body) {
      empty(c, 200);
      return;
    }
    c.response.setStatus(200);
    c.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-tar");
    flushHeaders(c);
    try (OutputStream out =
        new java.io.BufferedOutputStream(Content.Sink.asOutputStream(c.response), 64 * 1024)) {
      ContainerArchive.write(tree, rel, out);
    }
  }

  /** {@code PUT /containers/{id}/archive?path=}: a tar archive extracted into a directory. */
  private void extract(Call c) throws IOException {
    String path = archivePath(c);
    boolean noOverwrite = c.flag("noOverwriteDirNonDir");
    boolean copyUidGid = c.flag("copyUIDGID");
    ContainerInfo info = engine.container(c.group(1));
    ContainerArchive.Tree tree = tree(info);
    String rel = ContainerArchive.resolve(tree, path.endsWith("/") ? path : path + "/");
    try (InputStream in = Content.Source.asInputStream(c.request)) {
      ContainerArchive.extract(tree, rel, in, copyUidGid, noOverwrite);
    } catch (java.nio.file.NoSuchFileException e) {
      throw ContainerArchive.notFound(path, c.group(1));
    } catch (dev.jocker.archive.Tar.TarException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    empty(c, 200);
  }

  // ---------------------------------------------------------------- logs

  private void logs(Call c) throws Exception {
    boolean stdout = c.flag("stdout");
    boolean stderr = c.flag("stderr");
    if (!stdout && !stderr) {
      throw new IllegalArgumentException("Bad parameters: you must choose at least one stream");
    }
    boolean follow = c.flag("follow");
    boolean timestamps = c.flag("timestamps");
    String tailText = c.param("tail", "all");
    int tail;
    try {
      tail = tailText.equals("all") || tailText.isEmpty() ? -1 : Integer.parseInt(tailText);
    } catch (NumberFormatException e) {
      // Docker reads a tail that is not a number as "all".
      tail = -1;
    }
    long since =
        c.param("since", "").isEmpty() ? 0 : Timestamps.nanos(c.param("since", ""), "since");
    long until =
        c.param("until", "").isEmpty()
            ? Long.MAX_VALUE
            : Timestamps.nanos(c.param("until", ""), "until");
    ContainerInfo info = engine.container(c.group(1));
    boolean raw = info.tty();
    ContainerLogs.Cursor cursor = ContainerLogs.open(Path.of(info.logPath()), false);
    if (!cursor.timed() && (timestamps || since > 0 || until != Long.MAX_VALUE)) {
      cursor.close();
      throw new IllegalArgumentException(
          (timestamps ? "--timestamps" : since > 0 ? "--since" : "--until")
              + " needs the time of each line, which this container's log does not record (its"
              + " process was started before the json-file log)");
    }
    c.response.setStatus(200);
    c.response
        .getHeaders()
        .put(
            HttpHeader.CONTENT_TYPE,
            raw
                ? "application/vnd.docker.raw-stream"
                : "application/vnd.docker.multiplexed-stream");
    flushHeaders(c);
    try (cursor;
        OutputStream out = Content.Sink.asOutputStream(c.response)) {
      LogWriter writer = new LogWriter(out, raw, stdout, stderr, timestamps, since, until);
      List<ContainerLogs.Entry> kept = List.of();
      if (tail >= 0) {
        java.util.ArrayDeque<ContainerLogs.Entry> last = new java.util.ArrayDeque<>();
        for (ContainerLogs.Entry e = cursor.next(); e != null; e = cursor.next()) {
          if (writer.selects(e)) {
            for (ContainerLogs.Entry line : cursor.timed() ? List.of(e) : lines(e)) {
              last.addLast(line);
              if (last.size() > tail) {
                last.removeFirst();
              }
            }
          }
        }
        kept = new ArrayList<>(last);
      }
      for (ContainerLogs.Entry e : kept) {
        writer.write(e);
      }
      if (tail < 0) {
        for (ContainerLogs.Entry e = cursor.next(); e != null; e = cursor.next()) {
          writer.write(e);
        }
      }
      out.flush();
      while (follow) {
        ContainerInfo now = monitor.current(info.id());
        boolean ended = now == null || !now.state().running();
        for (ContainerLogs.Entry e = cursor.next(); e != null; e = cursor.next()) {
          writer.write(e);
        }
        out.flush();
        if (ended || nowNano() > until) {
          break;
        }
        Thread.sleep(50);
      }
    }
  }

  /** A plain log's chunk cut into lines, for {@code tail}. */
  private static List<ContainerLogs.Entry> lines(ContainerLogs.Entry e) {
    List<ContainerLogs.Entry> out = new ArrayList<>();
    byte[] b = e.bytes();
    int start = 0;
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '\n') {
        out.add(new ContainerLogs.Entry(e.stream(), e.time(), Arrays.copyOfRange(b, start, i + 1)));
        start = i + 1;
      }
    }
    if (start < b.length) {
      out.add(
          new ContainerLogs.Entry(e.stream(), e.time(), Arrays.copyOfRange(b, start, b.length)));
    }
    return out;
  }

  /** Writes log entries as Docker's logs endpoint does: filtered, framed, with times if asked. */
  private record LogWriter(
      OutputStream out,
      boolean raw,
      boolean stdout,
      boolean stderr,
      boolean timestamps,
      long since,
      long until) {
    boolean selects(ContainerLogs.Entry e) {
      if (!(e.stream() == StdCopy.STDOUT ? stdout : stderr)) {
        return false;
      }
      if (e.time() == null) {
        return true;
      }
      long t = e.time().getEpochSecond() * 1_000_000_000L + e.time().getNano();
      return t >= since && t <= until;
    }

    void write(ContainerLogs.Entry e) throws IOException {
      if (!selects(e)) {
        return;
      }
      byte[] data = e.bytes();
      if (timestamps && e.time() != null) {
        byte[] prefix = (Timestamps.rfc3339Nano(e.time()) + " ").getBytes(StandardCharsets.UTF_8);
        byte[] both = Arrays.copyOf(prefix, prefix.length + data.length);
        System.arraycopy(data, 0, both, prefix.length, data.length);
        data = both;
      }
      StdCopy.write(out, e.stream(), data, data.length, raw);
    }
  }

  // ---------------------------------------------------------------- exec

  private void execCreate(Call c) throws IOException, TooLarge {
    JsonNode body = Bodies.object(jsonBody(c), "the exec configuration");
    List<String> cmd = Bodies.strSlice(body, "Cmd", "Cmd");
    List<String> env = Bodies.strings(body, "Env", "Env");
    boolean tty = Bodies.bool(body, "Tty", "Tty");
    boolean stdin = Bodies.bool(body, "AttachStdin", "AttachStdin");
    boolean stdout = Bodies.bool(body, "AttachStdout", "AttachStdout");
    boolean stderr = Bodies.bool(body, "AttachStderr", "AttachStderr");
    Bodies.bool(body, "Detach", "Detach");
    String user = Bodies.string(body, "User", "User");
    String workingDir = Bodies.string(body, "WorkingDir", "WorkingDir");
    boolean privileged = Bodies.bool(body, "Privileged", "Privileged");
    if (!Bodies.zero(body.get("DetachKeys"))) {
      throw new IllegalArgumentException(
          "exec --detach-keys (DetachKeys) is not supported by jocker");
    }
    if (!workingDir.isEmpty() && !workingDir.startsWith("/")) {
      throw new IllegalArgumentException(
          "the working directory '" + workingDir + "' is invalid, it needs to be an absolute path");
    }
    if (cmd.isEmpty()) {
      throw new IllegalArgumentException("No exec command specified");
    }
    ContainerInfo info = engine.container(c.group(1));
    if (!info.state().running()) {
      throw new EngineException(
          EngineException.Kind.CONFLICT, "Container " + info.id() + " is not running");
    }
    String id =
        engine.createExec(
            c.group(1),
            new ExecRequest(cmd, env, tty, user, workingDir, privileged, stdin, stdout, stderr));
    events.container("exec_create: " + String.join(" ", cmd), info, Map.of("execID", id));
    send(c, 201, Map.of("Id", id));
  }

  private void execStart(Call c) throws Exception {
    JsonNode body = Bodies.object(jsonBody(c), "the exec start configuration");
    boolean detach = Bodies.bool(body, "Detach", "Detach");
    boolean tty = Bodies.bool(body, "Tty", "Tty");
    JsonNode console = body.get("ConsoleSize");
    if (console != null
        && !console.isNull()
        && !(console.isArray()
            && console.size() == 2
            && console.get(0).canConvertToInt()
            && console.get(1).canConvertToInt())) {
      throw Bodies.wrong("ConsoleSize", "[height, width]", console);
    }
    ExecState i = engine.execInstance(c.group(1));
    ContainerInfo info;
    try {
      info = engine.container(i.containerId());
    } catch (EngineException gone) {
      throw EngineException.notFound("exec instance", c.group(1));
    }
    if (!info.state().running()) {
      throw new EngineException(
          EngineException.Kind.CONFLICT,
          "Container " + info.id() + " is not running: " + info.state().status());
    }
    events.container(
        "exec_start: " + String.join(" ", i.request().command()), info, Map.of("execID", i.id()));
    if (detach) {
      engine.startExec(i.id(), true);
      empty(c, 200);
      return;
    }
    hijack(
        c,
        true,
        client -> {
          execs.startAttached(i.id(), client, tty);
          Integer code = engine.execInstance(i.id()).exitCode();
          events.container(
              "exec_die", info, Map.of("execID", i.id(), "exitCode", String.valueOf(code)));
        });
  }

  private void execResize(Call c) throws IOException {
    int h = (int) c.integer("h", -1, 0, 65535);
    int w = (int) c.integer("w", -1, 0, 65535);
    if (h < 0 || w < 0) {
      throw new IllegalArgumentException("resize needs h and w (whole numbers)");
    }
    ExecState i = engine.execInstance(c.group(1));
    if (i.request().tty()) {
      engine.resizeExec(i.id(), h, w);
    } else if (!i.running()) {
      throw new EngineException(
          EngineException.Kind.CONFLICT, "exec " + i.id() + " is not running");
    }
    empty(c, 200);
  }

  /**
   * Takes the connection over from Jetty (its upgrade mechanism: the connection named by {@link
   * HttpStream#UPGRADE_CONNECTION_ATTRIBUTE} replaces the HTTP one once this response completes),
   * after writing Docker's own head: {@code 101 UPGRADED} when the client asked for an upgrade, a
   * bare {@code 200 OK} delimited by the close otherwise. {@code session} runs on a thread of its
   * own.
   */
  private void hijack(Call c, boolean withHeaders, Consumer<RawStream> session) throws IOException {
    TunnelSupport tunnel = c.request.getTunnelSupport();
    if (tunnel == null) {
      throw new IllegalArgumentException(
          "this connection cannot carry a raw stream (HTTP/1.1 only)");
    }
    EndPoint endPoint = tunnel.getEndPoint();
    boolean upgrade = c.request.getHeaders().contains(HttpHeader.UPGRADE);
    StringBuilder head = new StringBuilder();
    if (upgrade) {
      head.append("HTTP/1.1 101 UPGRADED\r\n")
          .append("Content-Type: application/vnd.docker.raw-stream\r\n")
          .append("Connection: Upgrade\r\n")
          .append("Upgrade: tcp\r\n");
    } else {
      head.append("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n");
    }
    if (withHeaders) {
      for (String h : List.of("Api-Version", "Docker-Experimental", "Ostype", "Server")) {
        head.append(h).append(": ").append(c.response.getHeaders().get(h)).append("\r\n");
      }
    }
    head.append("\r\n");
    ByteBuffer bytes = ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.US_ASCII));
    RawStream raw = new RawStream(endPoint, streams, session);
    c.request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, raw);
    c.request.addHttpStreamWrapper(
        stream ->
            new HttpStream.Wrapper(stream) {
              @Override
              public void send(
                  MetaData.Request request,
                  MetaData.Response response,
                  boolean last,
                  ByteBuffer content,
                  Callback callback) {
                endPoint.write(callback, bytes);
              }
            });
    c.hijacked = true;
    try (Blocker.Callback written = Blocker.callback()) {
      c.response.write(true, BufferUtil.EMPTY_BUFFER, written);
      written.block();
    }
  }

  // ---------------------------------------------------------------- networks and images

  private Map<String, Object> network(NetworkInfo n) {
    Map<String, Object> m = DockerJson.network(n);
    ApiMeta.Network extra = meta.network(n.id());
    m.put("Labels", extra == null ? Map.of() : extra.labels());
    if (extra != null && extra.attachable()) {
      m.put("Attachable", true);
    }
    return m;
  }

  private void networks(Call c) throws IOException {
    Filters f = Filters.parse(c.param("filters", null), NetworkFilter.KEYS);
    List<NetworkInfo> all = new ArrayList<>(engine.networks());
    all.sort(Comparator.comparing(NetworkInfo::name));
    List<Object> out = new ArrayList<>();
    for (NetworkInfo n : all) {
      ApiMeta.Network extra = meta.network(n.id());
      if (NetworkFilter.matches(f, n, extra == null ? Map.of() : extra.labels())) {
        out.add(network(n));
      }
    }
    send(c, 200, out);
  }

  /** Docker's {@code POST /networks/create}: Name, Driver, Labels and IPAM.Config[0]. */
  private void createNetwork(Call c) throws IOException, TooLarge {
    JsonNode body = Bodies.object(jsonBody(c), "the network configuration");
    String name = Bodies.string(body, "Name", "Name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("network name is required");
    }
    if (!CreateBody.NAME.matcher(name).matches() || name.startsWith("/")) {
      throw new IllegalArgumentException(
          "invalid network name " + name + ": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }
    String driver = Bodies.string(body, "Driver", "Driver");
    if (!driver.isEmpty() && !driver.equals("bridge") && !driver.equals("overlay")) {
      throw new EngineException(
          EngineException.Kind.INVALID,
          "driver " + driver + " is not supported: use bridge, or overlay");
    }
    boolean overlay = driver.equals("overlay");
    // The overlay driver's options (its VXLAN ID) go to the engine, which checks them.
    Map<String, String> driverOptions =
        overlay ? Bodies.stringMap(body, "Options", "Options") : Map.of();
    for (String[] refused :
        new String[][] {
          {"Internal", "--internal"},
          {"Ingress", "--ingress"},
          {"EnableIPv6", "--ipv6"},
          {"ConfigOnly", "--config-only"},
          {"ConfigFrom", "--config-from"},
          {"Scope", "--scope"},
          {"Options", "-o, --opt"}
        }) {
      JsonNode v = body.get(refused[0]);
      if (refused[0].equals("Scope")
          && v != null
          && v.isTextual()
          && v.asText().equals(overlay ? "global" : "local")) {
        continue;
      }
      if (overlay && refused[0].equals("Options")) {
        continue;
      }
      if (!Bodies.zero(v)) {
        throw new IllegalArgumentException(
            refused[1] + " (" + refused[0] + ") is not supported by jocker");
      }
    }
    Bodies.bool(body, "CheckDuplicate", "CheckDuplicate");
    boolean attachable = Bodies.bool(body, "Attachable", "Attachable");
    Map<String, String> labels = Bodies.stringMap(body, "Labels", "Labels");
    JsonNode ipam = Bodies.objectField(body, "IPAM", "IPAM");
    String subnet = null;
    String gateway = null;
    String ipRange = null;
    if (ipam != null) {
      String ipamDriver = Bodies.string(ipam, "Driver", "IPAM.Driver");
      if (!ipamDriver.isEmpty() && !ipamDriver.equals("default")) {
        throw new IllegalArgumentException(
            "--ipam-driver " + ipamDriver + " is not supported by jocker");
      }
      if (!Bodies.zero(ipam.get("Options"))) {
        throw new IllegalArgumentException("--ipam-opt (IPAM.Options) is not supported by jocker");
      }
      JsonNode configs = ipam.get("Config");
      if (configs != null && !configs.isNull()) {
        if (!configs.isArray()) {
          throw Bodies.wrong("IPAM.Config", "a list", configs);
        }
        if (configs.size() > 1) {
          throw new IllegalArgumentException(
              "only one IPAM configuration (one --subnet) is supported by jocker");
        }
        if (configs.size() == 1) {
          JsonNode config = Bodies.object(configs.get(0), "IPAM.Config[0]");
          subnet = emptyToNull(Bodies.string(config, "Subnet", "IPAM.Config[0].Subnet"));
          gateway = emptyToNull(Bodies.string(config, "Gateway", "IPAM.Config[0].Gateway"));
          ipRange = emptyToNull(Bodies.string(config, "IPRange", "IPAM.Config[0].IPRange"));
          if (!Bodies.zero(config.get("AuxiliaryAddresses"))) {
            throw new IllegalArgumentException(
                "--aux-address (IPAM.Config[0].AuxiliaryAddresses) is not supported by jocker");
          }
        }
      }
    }
    NetworkInfo n =
        overlay
            ? engine.createNetwork(name, driver, subnet, gateway, ipRange, driverOptions)
            : engine.createNetwork(name, subnet, gateway, ipRange);
    meta.network(n.id(), new ApiMeta.Network(labels, subnet != null, attachable));
    events.network("create", n.id(), n.name(), Map.of());
    send(c, 201, mapOf("Id", n.id(), "Warning", ""));
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }

  private void removeNetwork(Call c) throws IOException {
    NetworkInfo n = engine.network(c.group(1));
    engine.removeNetwork(c.group(1));
    events.network("destroy", n.id(), n.name(), Map.of());
    empty(c, 204);
  }

  private void pruneNetworks(Call c) throws IOException {
    Filters f = Filters.parse(c.param("filters", null), Filters.keys("until", "label", "label!"));
    long until =
        f.has("until")
            ? Timestamps.nanos(f.get("until").iterator().next(), "until")
            : Long.MAX_VALUE;
    List<String> deleted = new ArrayList<>();
    for (NetworkInfo n : engine.networks()) {
      if (List.of("bridge", "host", "none").contains(n.name()) || !n.containers().isEmpty()) {
        continue;
      }
      ApiMeta.Network extra = meta.network(n.id());
      Map<String, String> labels = extra == null ? Map.of() : extra.labels();
      long created = n.created().getEpochSecond() * 1_000_000_000L + n.created().getNano();
      if (created > until
          || !f.labels("label", labels)
          || f.has("label!") && notLabels(f, labels)) {
        continue;
      }
      engine.removeNetwork(n.id());
      events.network("destroy", n.id(), n.name(), Map.of());
      deleted.add(n.name());
    }
    send(c, 200, mapOf("NetworksDeleted", deleted.isEmpty() ? null : deleted));
  }

  private void images(Call c) throws IOException {
    Filters f =
        Filters.parse(
            c.param("filters", null),
            Filters.keys("before", "dangling", "label", "reference", "since"));
    List<ImageInfo> all = engine.images();
    Instant before =
        f.has("before") ? engine.image(f.get("before").iterator().next()).created() : null;
    Instant since =
        f.has("since") ? engine.image(f.get("since").iterator().next()).created() : null;
    boolean dangling =
        f.has("dangling") && Filters.bool("dangling", f.get("dangling").iterator().next());
    List<Object> out = new ArrayList<>();
    for (ImageInfo i : all) {
      String ref = i.name() + ":latest";
      if (dangling
          || before != null && !i.created().isBefore(before)
          || since != null && !i.created().isAfter(since)
          || !f.labels("label", Map.of())
          || !f.any(
              "reference",
              r ->
                  Glob.matches(r.contains(":") ? r : r + ":*", ref) || Glob.matches(r, i.name()))) {
        continue;
      }
      out.add(DockerJson.imageSummary(i));
    }
    send(c, 200, out);
  }

  /** {@code GET /images/{name}/json}; a missing image in Docker's words. */
  private void inspectImage(Call c) throws IOException {
    ImageInfo i;
    try {
      i = engine.image(c.group(1));
    } catch (EngineException e) {
      if (e.kind() != EngineException.Kind.NOT_FOUND) {
        throw e;
      }
      String ref = c.group(1);
      String tagged = ref.lastIndexOf(':') > ref.lastIndexOf('/') ? ref : ref + ":latest";
      throw new EngineException(
          EngineException.Kind.NOT_FOUND, "no such image: " + ref + ": No such image: " + tagged);
    }
    send(c, 200, DockerJson.image(i));
  }

  /**
   * {@code POST /images/create}: a local image answers Docker's "up to date" progress; jocker pulls
   * from no registry.
   */
  private void pullImage(Call c) throws IOException {
    String image = c.param("fromImage", "");
    if (image.isEmpty()) {
      if (!c.param("fromSrc", "").isEmpty()) {
        throw new IllegalArgumentException(
            "docker import is not supported through the API: use `jocker image import DIR|TARBALL NAME`");
      }
      throw new IllegalArgumentException("fromImage is required");
    }
    String tag = c.param("tag", "");
    String name = image;
    int colon = image.lastIndexOf(':');
    if (tag.isEmpty() && colon > image.lastIndexOf('/')) {
      tag = image.substring(colon + 1);
      name = image.substring(0, colon);
    }
    if (tag.isEmpty()) {
      tag = "latest";
    }
    String local = name.startsWith("library/") ? name.substring(8) : name;
    local = local.startsWith("docker.io/library/") ? local.substring(18) : local;
    ImageInfo found;
    try {
      if (!tag.equals("latest")) {
        throw EngineException.notFound("image", local + ":" + tag);
      }
      found = engine.image(local);
    } catch (EngineException e) {
      throw new EngineException(
          EngineException.Kind.NOT_FOUND,
          "pull access denied for "
              + local
              + ": jocker does not pull from registries: import it with `jocker image import DIR|TARBALL "
              + local
              + "`");
    }
    c.response.setStatus(200);
    c.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    try (OutputStream out = Content.Sink.asOutputStream(c.response)) {
      writeLine(out, mapOf("status", "Pulling from library/" + local, "id", tag));
      writeLine(out, mapOf("status", "Digest: " + found.id()));
      writeLine(out, mapOf("status", "Status: Image is up to date for " + local + ":" + tag));
    }
  }

  // ---------------------------------------------------------------- helpers

  /** A map that keeps its order and allows nulls (Docker's {@code null} fields). */
  static Map<String, Object> mapOf(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private void notYet(Call c, String what, String issue) {
    throw new EngineException(
        EngineException.Kind.INVALID,
        what + " is not supported by jocker yet (it comes with " + issue + ")");
  }

  /** Commits the status and headers now, before the body (Docker's flush of wait and streams). */
  private static void flushHeaders(Call c) throws IOException {
    try (Blocker.Callback b = Blocker.callback()) {
      c.response.write(false, BufferUtil.EMPTY_BUFFER, b);
      b.block();
    }
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

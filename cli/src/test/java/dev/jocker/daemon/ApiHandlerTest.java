package dev.jocker.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.doctor.Finding;
import dev.jocker.engine.ContainerInfo;
import dev.jocker.engine.CreateRequest;
import dev.jocker.engine.Engine;
import dev.jocker.engine.EngineException;
import dev.jocker.engine.EngineInfo;
import dev.jocker.engine.ExecRequest;
import dev.jocker.engine.ExecResult;
import dev.jocker.engine.ExecState;
import dev.jocker.engine.ImageInfo;
import dev.jocker.engine.NetworkInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Docker API mapping, against an in-memory engine, over a real unix socket. */
class ApiHandlerTest {
  @TempDir Path dir;
  private Server server;
  private Path socket;
  private final FakeEngine engine = new FakeEngine();

  @BeforeEach
  void start() throws Exception {
    socket = dir.resolve("api.sock");
    server = new Server();
    UnixDomainServerConnector connector =
        new UnixDomainServerConnector(server, new HttpConnectionFactory());
    connector.setUnixDomainPath(socket);
    server.addConnector(connector);
    server.setHandler(new ApiHandler(engine));
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private record Reply(int status, String body) {
    JsonNode json() throws IOException {
      return new ObjectMapper().readTree(body);
    }
  }

  private Reply call(String method, String path, String body) throws IOException {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      OutputStream out = Channels.newOutputStream(ch);
      out.write(
          (method
                  + " "
                  + path
                  + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: "
                  + content.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(content);
      InputStream in = Channels.newInputStream(ch);
      String raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(raw.split(" ")[1]);
      return new Reply(status, raw.substring(raw.indexOf("\r\n\r\n") + 4));
    }
  }

  @Test
  void pingWithAndWithoutTheVersionPrefix() throws IOException {
    assertEquals(new Reply(200, "OK"), call("GET", "/_ping", null));
    assertEquals(new Reply(200, "OK"), call("GET", "/v1.41/_ping", null));
    assertEquals("1.41", call("GET", "/version", null).json().get("ApiVersion").asText());
  }

  @Test
  void doctorFindingsKeepTheirOrderAndAFixOnlyWhereOneIsNeeded() throws IOException {
    JsonNode findings = call("GET", "/jocker/doctor", null).json().get("Findings");
    assertEquals(2, findings.size());
    assertEquals("OK", findings.get(0).get("Status").asText());
    assertEquals("ip_forward", findings.get(0).get("Check").asText());
    assertEquals(true, findings.get(0).get("Fix").isNull());
    assertEquals("FAIL", findings.get(1).get("Status").asText());
    assertEquals("jocker reconcile", findings.get(1).get("Fix").asText());
  }

  @Test
  void networksAreCreatedAndRemovedAsDockersApiDoes() throws IOException {
    Reply created =
        call(
            "POST",
            "/v1.41/networks/create",
            "{\"Name\":\"mynet\",\"Driver\":\"bridge\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.10.0.0/24\",\"IPRange\":\"10.10.0.128/25\"}]}}");
    assertEquals(201, created.status());
    assertEquals("f".repeat(64), created.json().get("Id").asText());
    assertEquals(
        java.util.Arrays.asList("mynet", "10.10.0.0/24", null, "10.10.0.128/25"),
        engine.lastNetworkCreate);
    assertEquals(
        400, call("POST", "/networks/create", "{\"Name\":\"x\",\"Driver\":\"overlay\"}").status());
    assertEquals(204, call("DELETE", "/networks/mynet", null).status());
    assertEquals("mynet", engine.lastNetworkRemove);
    Reply forbidden = call("DELETE", "/networks/bridge", null);
    assertEquals(403, forbidden.status());
    assertEquals(
        "bridge is a pre-defined network and cannot be removed",
        forbidden.json().get("message").asText());
  }

  @Test
  void errorsAreDockerShaped() throws IOException {
    Reply missing = call("GET", "/v1.41/containers/test3/json", null);
    assertEquals(404, missing.status());
    assertEquals("No such container: test3", missing.json().get("message").asText());
    Reply unknown = call("GET", "/v1.41/nonsense", null);
    assertEquals(404, unknown.status());
    assertEquals("page not found", unknown.json().get("message").asText());
    assertEquals(400, call("POST", "/containers/create", "{}").status());
  }

  @Test
  void createListInspectAndRemove() throws IOException {
    Reply created =
        call(
            "POST",
            "/v1.41/containers/create?name=test1",
            "{\"Image\":\"busybox\",\"Cmd\":[\"/bin/sh\",\"-c\",\"while true; do sleep 3600;done\"],\"HostConfig\":{\"NetworkMode\":\"default\"}}");
    assertEquals(201, created.status());
    assertEquals(64, created.json().get("Id").asText().length());
    assertEquals(
        List.of("/bin/sh", "-c", "while true; do sleep 3600;done"), engine.lastCreate.command());
    assertEquals("test1", engine.lastCreate.name());
    JsonNode list = call("GET", "/containers/json?all=1", null).json();
    assertEquals("/test1", list.get(0).get("Names").get(0).asText());
    assertEquals(
        "/bin/sh -c 'while true; do sleep 3600;done'", list.get(0).get("Command").asText());
    JsonNode inspect = call("GET", "/containers/test1/json", null).json();
    assertEquals("/test1", inspect.get("Name").asText());
    assertEquals(
        List.of("-c", "while true; do sleep 3600;done"),
        List.of(inspect.get("Args").get(0).asText(), inspect.get("Args").get(1).asText()));
    assertEquals(409, call("DELETE", "/containers/test1", null).status());
    assertEquals(204, call("DELETE", "/containers/test1?force=1", null).status());
  }

  /** An engine in memory: one container at most, always running once created. */
  private static final class FakeEngine implements Engine {
    CreateRequest lastCreate;
    List<String> lastNetworkCreate;
    String lastNetworkRemove;
    ContainerInfo container;

    @Override
    public ContainerInfo create(CreateRequest request) {
      if (request.image() == null) {
        throw new EngineException(EngineException.Kind.INVALID, "no image");
      }
      lastCreate = request;
      container =
          new ContainerInfo(
              "a".repeat(64),
              request.name(),
              request.image(),
              "sha256:" + "b".repeat(64),
              request.command().get(0),
              request.command().subList(1, request.command().size()),
              List.of(),
              "aaaaaaaaaaaa",
              Instant.now(),
              new ContainerInfo.State("running", 42, 0, Instant.now(), null),
              "bridge",
              null,
              "/run/netns/jocker-" + request.name(),
              false,
              false,
              false,
              "/log",
              "/hosts",
              "/hostname",
              "/resolv.conf");
      return container;
    }

    @Override
    public ContainerInfo container(String ref) {
      if (container == null || !(ref.equals(container.name()) || container.id().startsWith(ref))) {
        throw EngineException.notFound("container", ref);
      }
      return container;
    }

    @Override
    public List<ContainerInfo> containers(boolean all) {
      return container == null ? List.of() : List.of(container);
    }

    @Override
    public void remove(String ref, boolean force) {
      container(ref);
      if (!force) {
        throw new EngineException(
            EngineException.Kind.CONFLICT, "You cannot remove a running container");
      }
      container = null;
    }

    @Override
    public ContainerInfo start(String ref) {
      return container(ref);
    }

    @Override
    public ContainerInfo stop(String ref, Duration timeout) {
      return container(ref);
    }

    @Override
    public void kill(String ref, String signal) {}

    @Override
    public int waitForExit(String ref) {
      return 0;
    }

    @Override
    public Path logFile(String ref) {
      return Path.of("/dev/null");
    }

    @Override
    public ExecResult exec(String ref, ExecRequest request) {
      return new ExecResult(0, new byte[0], new byte[0]);
    }

    @Override
    public List<String> execCommand(String ref, ExecRequest request) {
      return new ArrayList<>(request.command());
    }

    @Override
    public String createExec(String ref, ExecRequest request) {
      return "e".repeat(64);
    }

    @Override
    public ExecResult startExec(String execId, boolean detach) {
      return detach ? null : new ExecResult(0, new byte[0], new byte[0]);
    }

    @Override
    public ExecState inspectExec(String execId) {
      return new ExecState(execId, "c".repeat(64), false, 0);
    }

    @Override
    public List<String> execArgv(String execId) {
      return List.of("true");
    }

    @Override
    public List<String> launchCommand(String ref) {
      return List.of();
    }

    @Override
    public ContainerInfo adopt(String ref, long pid) {
      return container(ref);
    }

    @Override
    public void reportExit(String ref, int exitCode) {}

    @Override
    public List<NetworkInfo> networks() {
      return List.of();
    }

    @Override
    public NetworkInfo createNetwork(String name, String subnet, String gateway, String ipRange) {
      lastNetworkCreate = java.util.Arrays.asList(name, subnet, gateway, ipRange);
      return new NetworkInfo(
          "f".repeat(64),
          name,
          "bridge",
          Instant.EPOCH,
          subnet,
          ipRange,
          gateway,
          java.util.Map.of(),
          java.util.Map.of());
    }

    @Override
    public void removeNetwork(String ref) {
      if (ref.equals("bridge")) {
        throw new EngineException(
            EngineException.Kind.FORBIDDEN,
            "bridge is a pre-defined network and cannot be removed");
      }
      lastNetworkRemove = ref;
    }

    @Override
    public NetworkInfo network(String ref) {
      throw EngineException.notFound("network", ref);
    }

    @Override
    public List<ImageInfo> images() {
      return List.of();
    }

    @Override
    public ImageInfo image(String ref) {
      throw EngineException.notFound("image", ref);
    }

    @Override
    public ImageInfo importImage(Path source, String name) {
      throw new EngineException(EngineException.Kind.INVALID, "no");
    }

    @Override
    public List<String> reconcile() {
      return List.of();
    }

    @Override
    public List<Finding> doctor() {
      return List.of(
          new Finding(Finding.Status.OK, "ip_forward", "net.ipv4.ip_forward = 1", null),
          new Finding(Finding.Status.FAIL, "rules", "1 of 13 missing", "jocker reconcile"));
    }

    @Override
    public String topology(String network, String format) {
      return "";
    }

    @Override
    public String trace(String container, String destination) {
      return "";
    }

    @Override
    public EngineInfo info() {
      return new EngineInfo(0, 0, 0, 0, Path.of("/"), "docker0", true, true);
    }

    @Override
    public void close() {}
  }
}

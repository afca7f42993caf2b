package dev.jocker.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.engine.ContainerInfo;
import dev.jocker.portmap.PortViews;
import dev.jocker.portmap.PublishedPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jetty.server.Server;
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
    server.addConnector(Daemon.connector(server, socket));
    server.setErrorHandler(new JsonErrors());
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
  void anOverlayNetworkTakesItsVxlanIdAndOnlyTheOverlayTakesOptions() throws IOException {
    Reply created =
        call(
            "POST",
            "/networks/create",
            "{\"Name\":\"ov1\",\"Driver\":\"overlay\",\"Scope\":\"global\",\"IPAM\":{\"Config\":"
                + "[{\"Subnet\":\"10.20.0.0/16\"}]},\"Options\":"
                + "{\"com.docker.network.driver.overlay.vxlanid_list\":\"300\"}}");
    assertEquals(201, created.status(), created.body());
    assertEquals(
        java.util.Arrays.asList(
            "ov1",
            "overlay",
            "10.20.0.0/16",
            "{com.docker.network.driver.overlay.vxlanid_list=300}"),
        engine.lastNetworkCreate);
    Reply macvlan = call("POST", "/networks/create", "{\"Name\":\"mv\",\"Driver\":\"macvlan\"}");
    assertEquals(400, macvlan.status());
    assertEquals(
        "driver macvlan is not supported: use bridge, or overlay",
        macvlan.json().get("message").asText());
    Reply bridgeOptions =
        call(
            "POST",
            "/networks/create",
            "{\"Name\":\"br\",\"Driver\":\"bridge\",\"Options\":{\"a\":\"b\"}}");
    assertEquals(400, bridgeOptions.status());
    assertEquals(
        "-o, --opt (Options) is not supported by jocker",
        bridgeOptions.json().get("message").asText());
  }

  @Test
  void errorsAreDockerShaped() throws IOException {
    Reply missing = call("GET", "/v1.41/containers/test3/json", null);
    assertEquals(404, missing.status());
    assertEquals("No such container: test3", missing.json().get("message").asText());
    Reply unknown = call("GET", "/v1.41/nonsense", null);
    assertEquals(404, unknown.status());
    assertEquals(
        "page not found: no route for GET /v1.41/nonsense", unknown.json().get("message").asText());
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

  @Test
  void portsAreTakenAsDockersClientSendsThemAndShownAsDockersDaemonDoes() throws IOException {
    Reply created =
        call(
            "POST",
            "/v1.41/containers/create?name=web",
            "{\"Image\":\"busybox\",\"Cmd\":[\"httpd\"],\"ExposedPorts\":{\"7500/tcp\":{},"
                + "\"80/tcp\":{},\"90/udp\":{}},\"HostConfig\":{\"PortBindings\":{\"80/tcp\":"
                + "[{\"HostIp\":\"\",\"HostPort\":\"8080\"}],\"90/udp\":[{\"HostIp\":\"127.0.0.1\","
                + "\"HostPort\":\"\"}]},\"PublishAllPorts\":false}}");
    assertEquals(201, created.status(), created.body());
    assertEquals(
        dev.jocker.portmap.PortSpecs.parse(
            List.of("8080:80", "127.0.0.1::90/udp"), List.of("7500")),
        engine.lastCreate.ports());
    assertEquals(false, engine.lastCreate.publishAllPorts());

    ContainerInfo c = engine.container;
    List<String> exposed = List.of("7500/tcp", "80/tcp", "90/udp");
    engine.container =
        new ContainerInfo(
            c.id(),
            c.name(),
            c.image(),
            c.imageId(),
            c.path(),
            c.args(),
            c.env(),
            c.hostname(),
            c.created(),
            c.state(),
            c.networkMode(),
            c.endpoint(),
            c.sandboxKey(),
            c.tty(),
            c.openStdin(),
            c.autoRemove(),
            c.logPath(),
            c.hostsPath(),
            c.hostnamePath(),
            c.resolvConfPath(),
            c.spec(),
            c.restartCount(),
            exposed,
            engine.lastCreate.ports().portBindings(),
            false,
            PortViews.networkSettingsPorts(
                exposed,
                List.of(
                    new PublishedPort(
                        c.id(), "docker0", true, "udp", "127.0.0.1", 32768, "172.17.0.2", 90),
                    new PublishedPort(
                        c.id(), "docker0", true, "tcp", "0.0.0.0", 8080, "172.17.0.2", 80),
                    new PublishedPort(
                        c.id(), "docker0", true, "tcp", "::", 8080, "172.17.0.2", 80))));
    ObjectMapper json = new ObjectMapper();
    assertEquals(
        json.readTree(
            "[{\"PrivatePort\":7500,\"Type\":\"tcp\"},"
                + "{\"IP\":\"0.0.0.0\",\"PrivatePort\":80,\"PublicPort\":8080,\"Type\":\"tcp\"},"
                + "{\"IP\":\"::\",\"PrivatePort\":80,\"PublicPort\":8080,\"Type\":\"tcp\"},"
                + "{\"IP\":\"127.0.0.1\",\"PrivatePort\":90,\"PublicPort\":32768,\"Type\":\"udp\"}]"),
        call("GET", "/containers/json", null).json().get(0).get("Ports"));
    JsonNode inspect = call("GET", "/containers/web/json", null).json();
    assertEquals(
        json.readTree(
            "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}],"
                + "\"90/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"}]}"),
        inspect.get("HostConfig").get("PortBindings"));
    assertEquals(false, inspect.get("HostConfig").get("PublishAllPorts").asBoolean());
    assertEquals(
        json.readTree("{\"7500/tcp\":{},\"80/tcp\":{},\"90/udp\":{}}"),
        inspect.get("Config").get("ExposedPorts"));
    assertEquals(
        json.readTree(
            "{\"7500/tcp\":null,\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"},"
                + "{\"HostIp\":\"::\",\"HostPort\":\"8080\"}],"
                + "\"90/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"32768\"}]}"),
        inspect.get("NetworkSettings").get("Ports"));
    assertEquals(
        1,
        call("GET", "/containers/json?filters=%7B%22publish%22%3A%5B%228080%22%5D%7D", null)
            .json()
            .size(),
        "ps --filter publish=8080");
    assertEquals(
        0,
        call("GET", "/containers/json?filters=%7B%22publish%22%3A%5B%2280%22%5D%7D", null)
            .json()
            .size(),
        "publish names the host port");
    assertEquals(
        1,
        call("GET", "/containers/json?filters=%7B%22expose%22%3A%5B%227500-7501%22%5D%7D", null)
            .json()
            .size(),
        "ps --filter expose=7500-7501");
    Reply colon =
        call("GET", "/containers/json?filters=%7B%22publish%22%3A%5B%228080%3A80%22%5D%7D", null);
    assertEquals(400, colon.status());
    assertEquals(
        "filter for 'publish' should not contain ':': 8080:80",
        colon.json().get("message").asText());
  }
}

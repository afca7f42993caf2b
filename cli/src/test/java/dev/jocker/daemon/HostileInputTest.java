package dev.jocker.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.engine.CreateRequest;
import dev.jocker.testing.HostileRequests;
import dev.jocker.testing.RawHttp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed, wrongly typed, oversized and protocol-broken requests, as a hostile client sends them
 * over the real socket: each is answered 4xx with a JSON {@code {"message"}}, within seconds, and
 * changes nothing in the engine.
 */
class HostileInputTest {
  @TempDir Path dir;
  private Server server;
  private Path socket;
  private ApiHandler api;
  private final FakeEngine engine = new FakeEngine();

  @BeforeEach
  void start() throws Exception {
    socket = dir.resolve("api.sock");
    server = new Server();
    server.addConnector(Daemon.connector(server, socket));
    server.setErrorHandler(new JsonErrors());
    api = new ApiHandler(engine);
    server.setHandler(api);
    server.start();
    engine.create(
        new CreateRequest(
            "c1",
            "busybox",
            List.of("sleep", "1"),
            List.of(),
            null,
            null,
            null,
            false,
            false,
            false));
    engine.actions.clear();
  }

  @AfterEach
  void stop() throws Exception {
    api.close();
    server.stop();
  }

  private RawHttp.Reply raw(byte[] bytes) throws Exception {
    return RawHttp.exchange(socket, bytes);
  }

  static Stream<Arguments> hostile() {
    return HostileRequests.all().stream().map(r -> Arguments.of(r.name(), r.bytes()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostile")
  void answeredWithJson4xxAndNothingChanges(String name, byte[] request) throws Exception {
    long t0 = System.nanoTime();
    RawHttp.Reply r = raw(request);
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(
        r.status() >= 400 && r.status() < 500, name + ": status " + r.status() + " " + r.body());
    assertTrue(
        r.head().toLowerCase().contains("content-type: application/json"), name + ": " + r.head());
    JsonNode body = new ObjectMapper().readTree(r.body());
    assertTrue(
        body.hasNonNull("message") && !body.get("message").asText().isBlank(),
        name + ": " + r.body());
    assertTrue(millis < 5000, name + ": took " + millis + " ms");
    assertEquals(List.of(), engine.actions, name + ": the engine was asked to act");
    assertEquals("c1", engine.container("c1").name());
  }

  @Test
  void aRefusedOptionIsNamed() throws Exception {
    RawHttp.Reply r =
        raw(
            HostileRequests.request(
                "POST",
                "/containers/create",
                "application/json",
                "{\"Image\":\"busybox\",\"HostConfig\":{\"Binds\":[\"/:/host\"]}}"));
    assertEquals(400, r.status());
    assertTrue(
        new ObjectMapper()
            .readTree(r.body())
            .get("message")
            .asText()
            .startsWith("-v, --volume (HostConfig.Binds) is not supported by jocker"),
        r.body());
  }

  @Test
  void dockersIpMessagesForTheDefaultBridge() throws Exception {
    RawHttp.Reply r =
        raw(
            HostileRequests.request(
                "POST",
                "/containers/create",
                "application/json",
                "{\"Image\":\"busybox\",\"NetworkingConfig\":{\"EndpointsConfig\":{\"bridge\":{\"IPAMConfig\":{\"IPv4Address\":\"172.17.0.9\"}}}}}"));
    assertEquals(
        "user specified IP address is supported on user defined networks only",
        new ObjectMapper().readTree(r.body()).get("message").asText());
  }

  @Test
  void http10WithoutHostIsServed() throws Exception {
    RawHttp.Reply r = raw("GET /_ping HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertEquals(200, r.status(), r.body());
    assertEquals("OK", r.body());
  }

  @Test
  void aBlankHostIsServedAsDockers20Client() throws Exception {
    RawHttp.Reply r =
        raw("GET /_ping HTTP/1.1\r\nHost: \r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertEquals(200, r.status());
  }
}

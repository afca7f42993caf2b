package dev.jocker.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.engine.CreateRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

  /** What came back: status and body, the body de-chunked. */
  record Reply(int status, String head, String body) {}

  /** Sends {@code bytes} as they are, half-closes, and reads the answer (10 s at most). */
  private Reply raw(byte[] bytes) throws Exception {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      CompletableFuture<byte[]> answer =
          CompletableFuture.supplyAsync(
              () -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(65536);
                try {
                  while (ch.read(buf) > 0) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                  }
                } catch (IOException closed) {
                  // What was read is the answer.
                }
                return out.toByteArray();
              });
      ByteBuffer b = ByteBuffer.wrap(bytes);
      try {
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.shutdownOutput();
      } catch (IOException refusedEarly) {
        // The server answered and closed before the whole request was sent.
      }
      String text = new String(answer.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
      int split = text.indexOf("\r\n\r\n");
      assertTrue(split > 0, "no HTTP answer: " + text);
      String head = text.substring(0, split);
      String body = text.substring(split + 4);
      if (head.toLowerCase().contains("transfer-encoding: chunked")) {
        body = dechunk(body);
      }
      return new Reply(Integer.parseInt(head.split(" ")[1]), head, body);
    }
  }

  private static String dechunk(String s) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < s.length()) {
      int eol = s.indexOf("\r\n", at);
      int n = Integer.parseInt(s.substring(at, eol).trim(), 16);
      if (n == 0) {
        break;
      }
      out.append(s, eol + 2, eol + 2 + n);
      at = eol + 2 + n + 2;
    }
    return out.toString();
  }

  private static byte[] request(String method, String path, String contentType, String body) {
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    String head =
        method
            + " "
            + path
            + " HTTP/1.1\r\nHost: x\r\n"
            + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
            + "Content-Length: "
            + content.length
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[h.length + content.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(content, 0, all, h.length, content.length);
    return all;
  }

  private static Arguments json(String name, String method, String path, String body) {
    return Arguments.of(name, request(method, path, "application/json", body));
  }

  private static Arguments bytes(String name, String text) {
    return Arguments.of(name, text.getBytes(StandardCharsets.ISO_8859_1));
  }

  static Stream<Arguments> hostile() {
    List<Arguments> a = new ArrayList<>();
    String create = "/v1.41/containers/create";
    a.add(json("truncated JSON", "POST", create, "{\"Image\":"));
    a.add(json("Cmd as an object", "POST", create, "{\"Image\":\"busybox\",\"Cmd\":{\"a\":1}}"));
    a.add(json("Env as a string", "POST", create, "{\"Image\":\"busybox\",\"Env\":\"A=1\"}"));
    a.add(json("Tty as a string", "POST", create, "{\"Image\":\"busybox\",\"Tty\":\"yes\"}"));
    a.add(
        json("HostConfig as a list", "POST", create, "{\"Image\":\"busybox\",\"HostConfig\":[]}"));
    a.add(json("body a list", "POST", create, "[]"));
    a.add(json("body null", "POST", create, "null"));
    a.add(json("Image a number", "POST", create, "{\"Image\":5}"));
    a.add(
        json("label not a string", "POST", create, "{\"Image\":\"busybox\",\"Labels\":{\"a\":1}}"));
    a.add(
        Arguments.of(
            "body not JSON by type",
            request("POST", create, "text/plain", "{\"Image\":\"busybox\"}")));
    a.add(
        json(
            "name starting with a dash", "POST", create + "?name=-bad", "{\"Image\":\"busybox\"}"));
    a.add(json("name with a slash", "POST", create + "?name=a/b", "{\"Image\":\"busybox\"}"));
    a.add(
        json(
            "hostname with a newline",
            "POST",
            create,
            "{\"Image\":\"busybox\",\"Hostname\":\"a\\n1.2.3.4 evil\"}"));
    a.add(
        json(
            "stop signal refused",
            "POST",
            create,
            "{\"Image\":\"busybox\",\"StopSignal\":\"SIGINT\"}"));
    a.add(
        json(
            "binds refused",
            "POST",
            create,
            "{\"Image\":\"busybox\",\"HostConfig\":{\"Binds\":[\"/:/host\"]}}"));
    a.add(
        json(
            "port binding of no port refused",
            "POST",
            create,
            "{\"Image\":\"busybox\",\"HostConfig\":{\"PortBindings\":{\"abc/tcp\":[{\"HostPort\":\"8080\"}]}}}"));
    a.add(
        json(
            "port binding of a bad host port refused",
            "POST",
            create,
            "{\"Image\":\"busybox\",\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"70000\"}]}}}"));
    a.add(
        json(
            "port bindings of the wrong type refused",
            "POST",
            create,
            "{\"Image\":\"busybox\",\"HostConfig\":{\"PortBindings\":{\"80/tcp\":\"8080\"}}}"));
    a.add(
        json(
            "restart policy a string",
            "POST",
            create,
            "{\"Image\":\"busybox\",\"HostConfig\":{\"RestartPolicy\":\"always\"}}"));
    a.add(
        json(
            "--ip on the default bridge",
            "POST",
            create,
            "{\"Image\":\"busybox\",\"NetworkingConfig\":{\"EndpointsConfig\":{\"bridge\":{\"IPAMConfig\":{\"IPv4Address\":\"172.17.0.9\"}}}}}"));
    a.add(
        json(
            "two networks at create",
            "POST",
            create,
            "{\"Image\":\"busybox\",\"NetworkingConfig\":{\"EndpointsConfig\":{\"a\":{},\"b\":{}}}}"));
    a.add(
        json(
            "stop with a timeout past int",
            "POST",
            "/containers/c1/stop?t=9223372036854775807",
            null));
    a.add(json("stop with a word for a timeout", "POST", "/containers/c1/stop?t=soon", null));
    a.add(
        json(
            "restart with a timeout past int",
            "POST",
            "/containers/c1/restart?t=99999999999",
            null));
    a.add(json("kill with an unknown signal", "POST", "/containers/c1/kill?signal=NOPE%0A", null));
    a.add(
        json(
            "kill with a huge signal number",
            "POST",
            "/containers/c1/kill?signal=99999999999",
            null));
    a.add(
        json("wait with an unknown condition", "POST", "/containers/c1/wait?condition=soon", null));
    a.add(json("filters not JSON", "GET", "/containers/json?filters=%7Bnope", null));
    a.add(
        json(
            "filters with an unknown key",
            "GET",
            "/containers/json?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D",
            null));
    a.add(
        json(
            "filters with a bad status",
            "GET",
            "/containers/json?filters=%7B%22status%22%3A%5B%22sleepy%22%5D%7D",
            null));
    a.add(json("limit not a number", "GET", "/containers/json?limit=ten", null));
    a.add(json("logs of no stream", "GET", "/containers/c1/logs", null));
    a.add(json("exec with Cmd a number", "POST", "/containers/c1/exec", "{\"Cmd\":5}"));
    a.add(json("exec start of no instance", "POST", "/exec/nope/start", "{\"Detach\":false}"));
    a.add(json("resize to a negative height", "POST", "/containers/c1/resize?h=-1&w=80", null));
    a.add(json("network name a list", "POST", "/networks/create", "{\"Name\":[\"x\"]}"));
    a.add(
        json(
            "network driver overlay",
            "POST",
            "/networks/create",
            "{\"Name\":\"n\",\"Driver\":\"overlay\"}"));
    a.add(
        json(
            "network internal refused",
            "POST",
            "/networks/create",
            "{\"Name\":\"n\",\"Internal\":true}"));
    a.add(json("API version too new", "GET", "/v1.99/containers/json", null));
    a.add(json("API version too old", "GET", "/v1.5/containers/json", null));
    a.add(json("network prune by GET", "GET", "/networks/prune", null));
    a.add(json("events since a word", "GET", "/events?since=yesterday", null));
    a.add(bytes("garbage request line", "HELLO\r\n\r\n"));
    a.add(bytes("URI too long", "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    a.add(
        bytes(
            "headers too large",
            "GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n"));
    a.add(bytes("ambiguous path", "GET /containers/%2e%2e/json HTTP/1.1\r\nHost: x\r\n\r\n"));
    a.add(
        bytes(
            "bad chunk",
            "POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"));
    a.add(
        bytes(
            "body shorter than its length",
            "POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Image\":\"busybox\"}"));
    a.add(
        bytes(
            "two content lengths",
            "POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"));
    a.add(
        Arguments.of(
            "body of 2 MiB",
            request(
                "POST",
                create,
                "application/json",
                "{\"Image\":\"busybox\",\"Env\":[\"" + "x".repeat(2 * 1024 * 1024) + "\"]}")));
    StringBuilder chunked =
        new StringBuilder(
            "POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 40; i++) {
      chunked.append("8000\r\n").append("y".repeat(0x8000)).append("\r\n");
    }
    chunked.append("0\r\n\r\n");
    a.add(bytes("chunked body past the limit", chunked.toString()));
    return a.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostile")
  void answeredWithJson4xxAndNothingChanges(String name, byte[] request) throws Exception {
    long t0 = System.nanoTime();
    Reply r = raw(request);
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
    Reply r =
        raw(
            request(
                "POST",
                "/containers/create",
                "application/json",
                "{\"Image\":\"busybox\",\"StopSignal\":\"SIGINT\"}"));
    assertEquals(400, r.status());
    assertEquals(
        "--stop-signal (Config.StopSignal) is not supported by jocker",
        new ObjectMapper().readTree(r.body()).get("message").asText());
  }

  @Test
  void dockersIpMessagesForTheDefaultBridge() throws Exception {
    Reply r =
        raw(
            request(
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
    Reply r = raw("GET /_ping HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertEquals(200, r.status(), r.body());
    assertEquals("OK", r.body());
  }

  @Test
  void aBlankHostIsServedAsDockers20Client() throws Exception {
    Reply r = raw("GET /_ping HTTP/1.1\r\nHost: \r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertEquals(200, r.status());
  }
}

package dev.jocker.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Malformed, wrongly typed, oversized and protocol-broken requests to the Engine API, as a hostile
 * client sends them over the socket: the API's unit test (against a fake engine) and its
 * integration test (against a real jockerd, with the kernel counted before and after) send the same
 * ones. They name a container {@code c1}, which the tests run.
 */
public final class HostileRequests {
  private HostileRequests() {}

  /** One request: what it tries, and its bytes as sent. */
  public record Request(String name, byte[] bytes) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** A request with a body of the given type (none when null). */
  public static byte[] request(String method, String path, String contentType, String body) {
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

  private static Request json(String name, String method, String path, String body) {
    return new Request(name, request(method, path, "application/json", body));
  }

  private static Request bytes(String name, String text) {
    return new Request(name, text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Every request, each answered 4xx with a JSON message and changing nothing. */
  public static List<Request> all() {
    List<Request> a = new ArrayList<>();
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
        new Request(
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
    a.add(json("User a number", "POST", create, "{\"Image\":\"busybox\",\"User\":5}"));
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
    a.add(
        json(
            "exec with User a list",
            "POST",
            "/containers/c1/exec",
            "{\"Cmd\":[\"id\"],\"User\":[\"nobody\"]}"));
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
        new Request(
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
    return a;
  }
}

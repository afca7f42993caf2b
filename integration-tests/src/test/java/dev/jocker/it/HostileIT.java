package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.testing.HostileRequests;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.RawHttp;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile requests of the API's unit test, sent to a real jockerd over its socket: each is
 * answered 4xx with a JSON {@code {"message"}} within seconds, and the host holds what it held
 * before (containers and their state, networks, links, namespaces, iptables rules).
 */
@Privileged
class HostileIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void everyHostileRequestIsAJsonFourHundredAndChangesNothing(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      d.ok("network", "create", "--subnet", "10.42.0.0/24", "n1");
      d.ok("run", "-d", "--name", "c1", "--network", "n1", "busybox", "sleep", "3600");
      String before = state(d, sandbox);
      List<String> wrong = new ArrayList<>();
      for (HostileRequests.Request r : HostileRequests.all()) {
        RawHttp.Reply answer = RawHttp.exchange(d.socket(), r.bytes());
        String message = message(answer.body());
        if (answer.status() < 400 || answer.status() > 499 || message == null) {
          wrong.add(r.name() + ": " + answer.status() + " " + answer.body());
        }
      }
      assertEquals(List.of(), wrong, "answered otherwise than 4xx with a JSON message");
      assertEquals(before, state(d, sandbox), "a hostile request changed the host");
      d.ok("rm", "-f", "c1");
      d.ok("network", "rm", "n1");
    }
  }

  private static String message(String body) {
    try {
      JsonNode m = JSON.readTree(body).get("message");
      return m != null && m.isTextual() && !m.asText().isEmpty() ? m.asText() : null;
    } catch (IOException notJson) {
      return null;
    }
  }

  /** What a request must not change: the daemon's objects and the kernel's. */
  private static String state(Jockerd d, Sandbox sandbox) throws IOException {
    StringBuilder s = new StringBuilder();
    for (JsonNode c : d.api("GET", "/containers/json?all=1", null).json()) {
      JsonNode state = d.api("GET", "/containers/" + c.get("Id").asText() + "/json", null).json();
      s.append("container ")
          .append(c.get("Names"))
          .append(' ')
          .append(state.get("State").get("Status").asText())
          .append(' ')
          .append(state.get("State").get("StartedAt").asText())
          .append('\n');
    }
    for (JsonNode n : d.api("GET", "/networks", null).json()) {
      s.append("network ").append(n.get("Name").asText()).append('\n');
    }
    s.append(sandbox.host().run("ip", "-o", "link", "show").replaceAll("\\\\.*", "")).append('\n');
    try (Stream<Path> netns =
        Files.exists(Path.of("/run/netns")) ? Files.list(Path.of("/run/netns")) : Stream.empty()) {
      netns.sorted().forEach(p -> s.append("netns ").append(p.getFileName()).append('\n'));
    }
    sandbox
        .host()
        .run("iptables-save")
        .lines()
        .filter(l -> !l.startsWith("#") && !l.startsWith(":"))
        .forEach(l -> s.append(l).append('\n'));
    return s.toString();
  }
}

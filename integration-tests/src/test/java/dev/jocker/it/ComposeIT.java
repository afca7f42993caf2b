package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's docker-compose 1.29 against jockerd: a two-service project on the project's user network
 * (compose creates it attachable, and gives each container its service name as an endpoint alias),
 * {@code up -d}, {@code ps}, {@code exec} from one service to the other by name, {@code logs}, and
 * {@code down}, after which no container, network, veth, namespace or bridge is left.
 */
@Privileged
class ComposeIT {
  private static final String COMPOSE = "/usr/bin/docker-compose";

  private static final String PROJECT =
      """
      version: "3.8"
      services:
        web:
          image: busybox
          command: sh -c "echo web up; exec httpd -f -p 80 -h /etc"
          labels:
            tier: front
        client:
          image: busybox
          command: sh -c "echo client up; exec sleep 1000"
          depends_on:
            - web
      """;

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  private Run compose(Path socket, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(COMPOSE, "-p", "demo"));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.resolve("project").toFile());
    pb.environment().put("DOCKER_HOST", "unix://" + socket);
    pb.environment().put("DOCKER_CONFIG", dir.resolve("docker-config").toString());
    pb.environment().put("COMPOSE_INTERACTIVE_NO_CLI", "1");
    Process p = pb.start();
    p.getOutputStream().close();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    String out = read(p.getInputStream());
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("docker-compose " + String.join(" ", args) + " did not end");
    }
    return new Run(p.exitValue(), out, err.join());
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  @Test
  void aTwoServiceProjectComesUpTalksAndLeavesNothing(Sandbox sandbox) throws Exception {
    assertTrue(
        Files.isExecutable(Path.of(COMPOSE)), COMPOSE + " (Debian's docker-compose) is missing");
    Files.createDirectories(dir.resolve("project"));
    Files.writeString(dir.resolve("project/docker-compose.yml"), PROJECT);
    String linksBefore = sandbox.host().run("ip", "-o", "link", "show");
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      Path s = d.socket();
      Run up = compose(s, "up", "-d");
      assertEquals(0, up.code(), up.err() + "\n" + d.log());

      Run ps = compose(s, "ps");
      assertEquals(0, ps.code(), ps.err());
      List<String> rows = ps.out().lines().skip(2).toList();
      assertEquals(2, rows.size(), ps.out());
      for (String service : List.of("demo_client_1", "demo_web_1")) {
        assertTrue(
            rows.stream().anyMatch(r -> r.startsWith(service) && r.contains(" Up ")),
            service + " is up: " + ps.out());
      }

      String webHostname = d.ok("inspect", "-f", "{{.Config.Hostname}}", "demo_web_1").strip();
      Run exec = compose(s, "exec", "-T", "client", "wget", "-qO-", "http://web/hostname");
      assertEquals(new Run(0, webHostname + "\n", ""), exec, "client reaches web by its name");

      Run logs = compose(s, "logs", "--no-color");
      assertEquals(0, logs.code(), logs.err());
      assertTrue(logs.out().contains("web_1     | web up"), logs.out());
      assertTrue(logs.out().contains("client_1  | client up"), logs.out());

      Run down = compose(s, "down");
      assertEquals(0, down.code(), down.err());
      assertEquals("", d.ok("ps", "-aq"));
      assertEquals("bridge\nhost\nnone\n", d.ok("network", "ls", "--format", "{{.Name}}"));
    }
    assertEquals(
        List.of(),
        Files.list(Path.of("/run/netns"))
            .filter(p -> p.getFileName().toString().startsWith("jocker-"))
            .toList());
    List<String> left =
        sandbox
            .host()
            .run("ip", "-o", "link", "show")
            .lines()
            .map(l -> l.split(": ")[1].split("@")[0])
            .filter(n -> n.startsWith("veth") || n.startsWith("br-"))
            .toList();
    assertEquals(List.of(), left, "before: " + linksBefore);
  }
}

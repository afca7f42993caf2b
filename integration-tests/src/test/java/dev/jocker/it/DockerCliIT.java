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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The stock docker CLI against jockerd: the v28 client where the machine has one and Debian's
 * docker.io 20.10 client, through the commands that work in phase 1 (the hijacked streams of run,
 * exec and attach, wait, kill, logs, filters, events, the prunes, top, version).
 */
@Privileged
class DockerCliIT {
  @TempDir Path dir;

  /** One docker invocation's outcome. */
  record Run(int code, String out, String err) {}

  private static Run docker(String binary, Path socket, String stdin, String... args)
      throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of(binary));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().put("DOCKER_HOST", "unix://" + socket);
    pb.environment().put("DOCKER_CONFIG", socket.getParent().resolve("docker-config").toString());
    Process p = pb.start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = read(p.getInputStream());
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("docker " + String.join(" ", args) + " did not end in 60 s");
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

  @ParameterizedTest
  @ValueSource(strings = {"/usr/local/bin/docker", "/usr/bin/docker"})
  void theStockClientRunsExecsAndWaits(String binary, Sandbox sandbox) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of(binary)), binary + " is not installed");
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      Path s = d.socket();
      Run version = docker(binary, s, null, "version", "--format", "{{.Server.Version}}");
      assertEquals(new Run(0, "20.10.24\n", ""), version);

      Run attached =
          docker(
              binary,
              s,
              null,
              "run",
              "--rm",
              "busybox",
              "sh",
              "-c",
              "echo out; echo err >&2; exit 3");
      assertEquals(3, attached.code(), attached.err());
      // Both lines, in order; the container's stdout and stderr reach the client apart once the
      // container launcher (#20) writes them apart (today's runtime merges them into one log).
      assertEquals("out\nerr\n", attached.out() + attached.err());
      assertEquals("", docker(binary, s, null, "ps", "-aq").out(), "--rm left the container");

      docker(
          binary,
          s,
          null,
          "run",
          "-d",
          "--name",
          "c1",
          "--label",
          "tier=web",
          "busybox",
          "sleep",
          "1000");
      Run exec =
          docker(binary, s, null, "exec", "c1", "sh", "-c", "echo out; echo err >&2; exit 7");
      assertEquals(new Run(7, "out\n", "err\n"), exec);
      Run stdin = docker(binary, s, "one\ntwo\n", "exec", "-i", "c1", "wc", "-l");
      assertEquals(0, stdin.code(), stdin.err());
      assertEquals("2", stdin.out().strip());

      assertEquals(
          "c1\n",
          docker(binary, s, null, "ps", "--filter", "label=tier=web", "--format", "{{.Names}}")
              .out());
      assertEquals("", docker(binary, s, null, "ps", "--filter", "label=tier=db", "-q").out());
      Run top = docker(binary, s, null, "top", "c1");
      assertTrue(top.out().contains("sleep 1000"), top.out() + top.err());

      Run kill = docker(binary, s, null, "kill", "c1");
      assertEquals(new Run(0, "c1\n", ""), kill, d.log());
      Run again = docker(binary, s, null, "kill", "c1");
      assertEquals(1, again.code());
      assertTrue(again.err().contains("is not running"), again.err());
      assertEquals("137\n", docker(binary, s, null, "wait", "c1").out());

      docker(binary, s, null, "run", "--name", "c2", "busybox", "sh", "-c", "echo hello");
      assertEquals(new Run(0, "hello\n", ""), docker(binary, s, null, "logs", "c2"));
      Run events =
          docker(
              binary,
              s,
              null,
              "events",
              "--since",
              "0",
              "--until",
              Long.toString(System.currentTimeMillis() / 1000 + 1),
              "--filter",
              "container=c2",
              "--format",
              "{{.Action}}");
      assertEquals(
          List.of("create", "attach", "start", "die"), List.of(events.out().strip().split("\n")));

      Run pruned = docker(binary, s, null, "container", "prune", "-f");
      assertEquals(0, pruned.code(), pruned.err());
      assertTrue(pruned.out().startsWith("Deleted Containers:"), pruned.out());
      assertEquals(0, docker(binary, s, null, "network", "prune", "-f").code());
      assertEquals(0, docker(binary, s, null, "system", "df").code());
      assertEquals("", docker(binary, s, null, "ps", "-aq").out());
    }
  }
}

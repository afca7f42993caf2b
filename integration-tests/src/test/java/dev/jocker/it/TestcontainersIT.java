package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Testcontainers' {@code GenericContainer} against jockerd, with its start-up checks enabled (its
 * version check accepts the daemon), in a JVM of its own whose DOCKER_HOST is jockerd's socket.
 * Ryuk, Testcontainers' reaper, is off: it is an image from Docker Hub, and jocker pulls nothing;
 * the container is removed by {@code stop()} as Testcontainers does without it.
 */
@Privileged
class TestcontainersIT {
  @TempDir Path dir;

  @Test
  void aGenericContainerStartsExecsLogsAndGoes(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      Path home = Files.createDirectories(dir.resolve("home"));
      List<String> argv =
          new ArrayList<>(
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  "-Duser.home=" + home,
                  TestcontainersOnJockerd.class.getName()));
      ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(false);
      pb.environment().put("DOCKER_HOST", "unix://" + d.socket());
      pb.environment().put("DOCKER_CONFIG", home.resolve(".docker").toString());
      pb.environment().put("TESTCONTAINERS_RYUK_DISABLED", "true");
      pb.environment().put("TESTCONTAINERS_CHECKS_DISABLE", "false");
      pb.environment().put("HOME", home.toString());
      pb.redirectError(dir.resolve("testcontainers.log").toFile());
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      Map<String, String> facts = new LinkedHashMap<>();
      for (String line : out.split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          facts.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      String context =
          out
              + "\n--- Testcontainers' log:\n"
              + Files.readString(dir.resolve("testcontainers.log"))
              + "\n--- jockerd:\n"
              + d.log();
      assertEquals(0, p.exitValue(), context);
      Map<String, String> expected = new LinkedHashMap<>();
      expected.put("server", "1.41");
      expected.put("version", "20.10.24");
      expected.put("running", "true");
      expected.put("exec.exit", "3");
      expected.put("exec.stdout", "exec-out");
      expected.put("exec.stderr", "exec-err");
      expected.put("logs", "ready|on-stderr|");
      expected.put("removed", "true");
      assertEquals(expected, facts, context);
    }
  }
}

package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docker's lifecycle: a container holds a network namespace, a veth and an address only while it
 * runs; an {@code --ip} container keeps its address reserved between runs; exec instances are
 * forgotten once read; a start whose launcher dies says so at once.
 */
@Privileged
class LifecycleIT {
  private static final String LOOP = "while true; do sleep 3600; done";

  @TempDir Path dir;

  private static JsonNode inspect(Jockerd d, String ref) {
    return d.api("GET", "/containers/" + ref + "/json", null).json();
  }

  private static String ip(Jockerd d, String ref) {
    return inspect(d, ref).get("NetworkSettings").get("IPAddress").asText();
  }

  private static boolean hasNetns(String name) {
    return Files.exists(Path.of("/run/netns", name));
  }

  private static long veths(Sandbox sandbox) {
    return sandbox
        .host()
        .run("ip", "-o", "link", "show", "type", "veth")
        .lines()
        .filter(l -> l.split(": ")[1].startsWith("veth"))
        .count();
  }

  @Test
  void theNetworkLivesFromStartToStop(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      d.ok("create", "--name", "c1", "busybox", "sh", "-c", LOOP);
      assertFalse(hasNetns("jocker-c1"), "create makes no namespace");
      assertEquals(0, veths(sandbox), "nor a veth");
      assertEquals("", ip(d, "c1"));
      assertEquals("", inspect(d, "c1").get("NetworkSettings").get("SandboxKey").asText());

      d.ok("start", "c1");
      assertTrue(hasNetns("jocker-c1"));
      assertEquals(1, veths(sandbox));
      assertEquals("172.17.0.2", ip(d, "c1"));
      assertTrue(
          d.ok("network", "inspect", "bridge").contains("\"Name\": \"c1\""),
          d.ok("network", "inspect", "bridge"));

      d.ok("stop", "-t", "1", "c1");
      assertFalse(hasNetns("jocker-c1"), "stop releases the namespace");
      assertEquals(0, veths(sandbox), "and the veth");
      assertEquals("", ip(d, "c1"), "and the address");
      assertEquals(
          0,
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(d.ok("network", "inspect", "bridge"))
              .get(0)
              .get("Containers")
              .size(),
          "network inspect lists running containers only");

      d.ok("run", "-d", "--name", "c2", "busybox", "sh", "-c", LOOP);
      assertEquals("172.17.0.2", ip(d, "c2"), "c1's address was released at its stop");
      d.ok("start", "c1");
      assertEquals("172.17.0.3", ip(d, "c1"));
      assertTrue(d.ok("exec", "c1", "ping", "-c", "1", "172.17.0.2").contains(" 0% packet loss"));

      // Docker takes --ip only on a user network with a --subnet of its own.
      d.ok("network", "create", "--subnet", "10.41.0.0/24", "fixednet");
      d.ok(
          "run",
          "-d",
          "--name",
          "fixed",
          "--network",
          "fixednet",
          "--ip",
          "10.41.0.50",
          "busybox",
          "sh",
          "-c",
          LOOP);
      d.ok("stop", "-t", "1", "fixed");
      Jockerd.Result taken =
          d.jocker(
              "run",
              "-d",
              "--network",
              "fixednet",
              "--ip",
              "10.41.0.50",
              "busybox",
              "sh",
              "-c",
              LOOP);
      assertEquals(125, taken.exitCode());
      assertTrue(taken.stderr().contains("10.41.0.50 is already in use"), taken.stderr());
      d.ok("start", "fixed");
      assertEquals(
          "10.41.0.50",
          inspect(d, "fixed")
              .get("NetworkSettings")
              .get("Networks")
              .get("fixednet")
              .get("IPAddress")
              .asText(),
          "an --ip container keeps its address");

      // A /29 leaves five addresses: under the old lifetime the sixth stopped container was
      // refused.
      d.ok("network", "create", "--subnet", "10.40.0.0/29", "small");
      for (int i = 0; i < 8; i++) {
        d.ok("run", "-d", "--name", "s" + i, "--network", "small", "busybox", "sh", "-c", LOOP);
        assertEquals(
            "10.40.0.2",
            inspect(d, "s" + i)
                .get("NetworkSettings")
                .get("Networks")
                .get("small")
                .get("IPAddress")
                .asText());
        d.ok("stop", "-t", "1", "s" + i);
      }
      d.ok("rm", "-f", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "c1", "c2", "fixed");
      d.ok("network", "rm", "small", "fixednet");
    }
  }

  @Test
  void execInstancesAreForgottenOnceReadOrWhenTheirContainerStops(Sandbox sandbox) {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      d.ok("run", "-d", "--name", "c1", "busybox", "sh", "-c", LOOP);
      String id = execCreate(d, "[\"sh\", \"-c\", \"exit 3\"]");
      assertEquals(200, d.api("POST", "/exec/" + id + "/start", "{\"Detach\":false}").status());
      JsonNode done = d.api("GET", "/exec/" + id + "/json", null).json();
      assertEquals(3, done.get("ExitCode").asInt());
      assertFalse(done.get("Running").asBoolean());
      assertEquals(
          404, d.api("GET", "/exec/" + id + "/json", null).status(), "forgotten once read");

      String never = execCreate(d, "[\"true\"]");
      d.ok("stop", "-t", "1", "c1");
      assertEquals(
          404, d.api("GET", "/exec/" + never + "/json", null).status(), "its container stopped");
    }
  }

  private static String execCreate(Jockerd d, String cmd) {
    Jockerd.Response r = d.api("POST", "/containers/c1/exec", "{\"Cmd\":" + cmd + "}");
    assertEquals(201, r.status(), r.body());
    return r.json().get("Id").asText();
  }

  @Test
  void aStartWhoseLauncherDiesFailsAtOnceWithItsCause(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      Path rootfs = dir.resolve("rootfs");
      Files.createDirectories(rootfs.resolve("bin"));
      Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/sh"));
      d.ok("image", "import", rootfs.toString(), "doomed");
      d.ok("create", "--name", "c1", "doomed", "/bin/sh", "-c", "sleep 100");
      // The image's root file system goes: the container's PID 1 fails to mount its root, before
      // the command runs, and the launcher reports why.
      Sandbox.Command.run(
          java.util.List.of("rm", "-rf", dir.resolve("state/images/doomed/rootfs").toString()));
      long before = System.currentTimeMillis();
      Jockerd.Result r = d.jocker("start", "c1");
      long millis = System.currentTimeMillis() - before;
      assertEquals(1, r.exitCode(), r.stderr());
      assertTrue(r.stderr().contains("mount overlay on "), r.stderr());
      assertTrue(r.stderr().contains("no such file or directory"), r.stderr());
      assertTrue(millis < 3_000, "the failure took " + millis + " ms");
      assertEquals("created", inspect(d, "c1").get("State").get("Status").asText());
      assertFalse(hasNetns("jocker-c1"), "the failed start left no namespace");
      assertEquals(0, veths(sandbox));
    }
  }
}

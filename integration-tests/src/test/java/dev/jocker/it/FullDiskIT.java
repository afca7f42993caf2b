package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data root of 16 MB (a tmpfs in the test's own mount namespace) filled while containers run:
 * what fails says the disk is full, what only reads ({@code ps}, {@code inspect}, {@code network
 * ls}) works, and nothing is lost when space returns, not even an exit that happened meanwhile.
 */
@Privileged
class FullDiskIT {
  private static final String LOOP = "while true; do sleep 3600; done";

  @TempDir Path dir;

  @Test
  void aFullDataRootFailsClearlyKeepsReadingAndLosesNothing(Sandbox sandbox) throws Exception {
    Path state = dir.resolve("state");
    Files.createDirectories(state);
    Sandbox.Command.run(
        List.of("mount", "-t", "tmpfs", "-o", "size=16m", "jocker-full", state.toString()));
    try {
      try (Jockerd d = new Jockerd(sandbox, dir).start()) {
        Path filler = state.resolve("filler");
        Sandbox.Command.exec(List.of("dd", "if=/dev/zero", "of=" + filler, "bs=64k"));
        Jockerd.Result provision = d.jocker("run", "-d", "busybox", "true");
        System.out.println("FullDiskIT: busybox provisioned on a full disk: " + provision.stderr());
        assertEquals(125, provision.exitCode());
        assertTrue(
            provision.stderr().contains("provision image busybox")
                && provision.stderr().contains("No space left on device"),
            provision.stderr());
        Files.delete(filler);

        d.ok("run", "-d", "--name", "keep", "busybox", "sh", "-c", LOOP);
        d.ok("run", "-d", "--name", "brief", "busybox", "sh", "-c", "sleep 3; exit 3");
        Sandbox.Command.exec(List.of("dd", "if=/dev/zero", "of=" + filler, "bs=64k"));

        Jockerd.Result more = d.jocker("run", "-d", "--name", "more", "busybox", "sh", "-c", LOOP);
        System.out.println("FullDiskIT: run -d on a full disk: " + more.stderr().strip());
        assertEquals(125, more.exitCode(), more.stderr());
        assertTrue(
            more.stderr().contains("disk is full")
                && (more.stderr().contains("SQLITE_FULL")
                    || more.stderr().contains("No space left on device")),
            more.stderr());
        assertTrue(d.ok("ps", "-a").contains("keep"), "ps reads, and works");
        assertEquals(
            "running",
            d.api("GET", "/containers/keep/json", null).json().get("State").get("Status").asText());
        assertTrue(d.ok("network", "ls").contains("bridge"));

        Thread.sleep(4_000); // brief exits meanwhile; its record waits for space
        Files.delete(filler);
        long deadline = System.currentTimeMillis() + 5_000;
        while (!d.ok("ps", "-a").contains("Exited (3)") && System.currentTimeMillis() < deadline) {
          Thread.sleep(100);
        }
        assertTrue(
            d.ok("ps", "-a").contains("Exited (3)"),
            "the exit was recorded: " + d.ok("ps", "-a") + d.log());
        d.ok("run", "-d", "--name", "more", "busybox", "sh", "-c", LOOP);
        // Within a second: a first echo right after the start, on the address brief gave back, was
        // once seen lost when run alone, and the next one answered.
        long reachBy = System.currentTimeMillis() + 5_000;
        while (d.jocker("exec", "keep", "ping", "-c", "1", "-W", "1", "172.17.0.3").exitCode()
            != 0) {
          assertTrue(System.currentTimeMillis() < reachBy, "more is reachable from keep");
        }
        assertEquals(List.of(), Invariant.violations(sandbox, d, null));
      }
    } finally {
      Sandbox.Command.exec(List.of("umount", "-l", state.toString()));
    }
  }
}

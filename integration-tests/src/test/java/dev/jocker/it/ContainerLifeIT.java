package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jocker.cgroup.Cgroups;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container's life beyond one run, through jockerd and the real CLI: its cgroup's limits, a fork
 * bomb and an OOM kill, pause, restart policies, and what a daemon's stop or crash does to it with
 * live-restore (jocker's default) and without (Docker's default).
 */
@Privileged
class ContainerLifeIT {
  private static final Path REFERENCE = Path.of("../reference/docker-20.10");

  @TempDir Path dir;

  /** A PID 1 that ends on SIGTERM (one without a handler ignores it), within a second. */
  private static final String TERMINABLE = "trap 'exit 0' TERM; while :; do sleep 1; done";

  private static String golden(String folder, String name) {
    try {
      return Files.readString(REFERENCE.resolve(folder).resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode inspect(Jockerd d, String ref) {
    Jockerd.Response r = d.api("GET", "/containers/" + ref + "/json", null);
    assertEquals(200, r.status(), r.body());
    return r.json();
  }

  private static String status(Jockerd d, String ref) {
    return inspect(d, ref).get("State").get("Status").asText();
  }

  private static boolean alive(long pid) {
    return Files.exists(Path.of("/proc/" + pid + "/cmdline"))
        && !readQuietly(Path.of("/proc/" + pid + "/stat")).contains(") Z ");
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException gone) {
      return "";
    }
  }

  private static void within(long millis, String what, BooleanSupplier holds)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (!holds.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(what + " did not happen within " + millis + " ms");
      }
      Thread.sleep(50);
    }
  }

  private static List<String> cgroupIds(Jockerd d) {
    return Cgroups.detect(Cgroups.DEFAULT_ROOT, d.cgroupParent()).ids();
  }

  @Test
  void limitsAreReadBackAForkBombIsBoundedAndAnOomKillIsSaid(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      String r1 =
          d.ok(
                  "run",
                  "-d",
                  "--name",
                  "r1",
                  "--memory",
                  "64m",
                  "--cpus",
                  "1.5",
                  "--pids-limit",
                  "64",
                  "--cpu-shares",
                  "512",
                  "busybox",
                  "sleep",
                  "3600")
              .strip();
      d.ok("run", "-d", "--name", "r0", "busybox", "sleep", "3600");
      JsonNode host = inspect(d, "r1").get("HostConfig");
      assertEquals(
          golden("container-resources", "r1-resources.out").strip(),
          "Memory="
              + host.get("Memory")
              + " MemorySwap="
              + host.get("MemorySwap")
              + " NanoCpus="
              + host.get("NanoCpus")
              + " CpuShares="
              + host.get("CpuShares")
              + " PidsLimit="
              + host.get("PidsLimit")
              + " CpuQuota="
              + host.get("CpuQuota")
              + " CpuPeriod="
              + host.get("CpuPeriod"));
      assertTrue(inspect(d, "r0").get("HostConfig").get("PidsLimit").isNull());
      // The cgroup's files as Docker 20.10 wrote them for the same options.
      for (String line : golden("container-resources", "r1-cgroup-files.txt").split("\n")) {
        String[] f = line.split(" ");
        Path file =
            Cgroups.DEFAULT_ROOT.resolve(
                f[0].replace("/docker/ID/", "/" + d.cgroupParent() + "/" + r1 + "/"));
        if (f[0].contains("soft_limit")) {
          continue;
        }
        assertEquals(f[1], Files.readString(file).strip(), f[0]);
      }

      JsonNode stats = d.api("GET", "/containers/r1/stats?stream=0", null).json();
      assertEquals(64, stats.get("pids_stats").get("limit").asInt());
      assertEquals(64L << 20, stats.get("memory_stats").get("limit").asLong());
      assertTrue(stats.get("networks").has("eth0"), stats.toString());
      assertTrue(stats.get("cpu_stats").get("system_cpu_usage").asLong() > 0);

      // A fork bomb: its shells keep forking while 64 tasks exist; the daemon and the other
      // container go on answering, and the bomb is removed, all within bounded times.
      d.ok("exec", "-d", "r1", "sh", "-c", "f() { f | f & }; f; sleep 3600");
      within(10_000, "the bomb filling its pids limit", () -> pidsCurrent(d, r1) >= 60);
      long before = System.currentTimeMillis();
      assertTrue(d.ok("ps").contains("r1"));
      assertEquals("", d.ok("exec", "r0", "true"));
      long answered = System.currentTimeMillis() - before;
      assertTrue(
          answered < 10_000, "ps and an exec in the other container took " + answered + " ms");
      assertTrue(pidsCurrent(d, r1) <= 64, "pids " + pidsCurrent(d, r1));
      before = System.currentTimeMillis();
      d.ok("rm", "-f", "r1");
      long removed = System.currentTimeMillis() - before;
      assertTrue(removed < 15_000, "rm -f of the bomb took " + removed + " ms");
      assertEquals(1, cgroupIds(d).size(), "r1's cgroup went with it");

      Jockerd.Result oom =
          d.jocker(
              "run",
              "--name",
              "oom",
              "--memory",
              "8m",
              "busybox",
              "sh",
              "-c",
              "a=x; while :; do a=\"$a$a\"; done");
      assertEquals(137, oom.exitCode(), oom.stderr());
      JsonNode state = inspect(d, "oom").get("State");
      assertTrue(state.get("OOMKilled").asBoolean(), state.toString());
      assertEquals(137, state.get("ExitCode").asInt());
      assertTrue(d.ok("ps", "-a").contains("Exited (137)"));
      d.ok("rm", "-f", "r0", "oom");
      assertEquals(List.of(), cgroupIds(d));
    }
  }

  private static long pidsCurrent(Jockerd d, String id) {
    Path file =
        Cgroups.DEFAULT_ROOT
            .resolve("pids")
            .resolve(d.cgroupParent())
            .resolve(id)
            .resolve("pids.current");
    String text = readQuietly(file).strip();
    return text.isEmpty() ? 0 : Long.parseLong(text);
  }

  @Test
  void pauseFreezesTheContainerAsDockersDoes(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      String id = d.ok("run", "-d", "--name", "r0", "busybox", "sleep", "3600").strip();
      Path freezer =
          Cgroups.DEFAULT_ROOT
              .resolve("freezer")
              .resolve(d.cgroupParent())
              .resolve(id)
              .resolve("freezer.state");
      d.ok("pause", "r0");
      assertEquals("FROZEN", Files.readString(freezer).strip());
      JsonNode state = inspect(d, "r0").get("State");
      assertEquals("paused", state.get("Status").asText());
      assertTrue(state.get("Paused").asBoolean() && state.get("Running").asBoolean());
      assertTrue(d.ok("ps").contains("(Paused)"), d.ok("ps"));
      Jockerd.Result exec = d.jocker("exec", "r0", "true");
      assertTrue(
          exec.stderr()
              .contains(
                  golden("container-resources", "paused-exec.err")
                      .strip()
                      .replace("Error response from daemon: ", "")),
          exec.stderr());
      assertTrue(
          d.jocker("pause", "r0").stderr().contains("Container " + id + " is already paused"));
      d.ok("unpause", "r0");
      assertEquals("THAWED", Files.readString(freezer).strip());
      assertTrue(d.jocker("unpause", "r0").stderr().contains("Container " + id + " is not paused"));
      d.ok("pause", "r0");
      d.ok("stop", "-t", "1", "r0");
      assertEquals(
          golden("container-resources", "stop-paused-state.out")
              .replaceAll("\"(StartedAt|FinishedAt)\":\"[^\"]+\"", "T"),
          inspect(d, "r0")
                  .get("State")
                  .toString()
                  .replaceAll("\"(StartedAt|FinishedAt)\":\"[^\"]+\"", "T")
              + "\n");
      assertEquals(List.of(), cgroupIds(d));
    }
  }

  @Test
  void restartPoliciesRestartWithBackOffAndAlwaysComesBackWithTheDaemon(Sandbox sandbox)
      throws Exception {
    Jockerd first = new Jockerd(sandbox, dir).start();
    first.ok("run", "-d", "--name", "no", "busybox", "sh", "-c", "exit 2");
    first.ok(
        "run",
        "-d",
        "--restart",
        "on-failure:3",
        "--name",
        "onfail",
        "busybox",
        "sh",
        "-c",
        "exit 3");
    first.ok(
        "run", "-d", "--restart", "always", "--name", "always", "busybox", "sh", "-c", "exit 1");
    first.ok(
        "run", "-d", "--restart", "unless-stopped", "--name", "unless", "busybox", "sleep", "3600");
    first.ok(
        "run", "-d", "--restart", "always", "--name", "stopped-always", "busybox", "sleep", "3600");
    within(
        15_000,
        "on-failure:3 using its retries",
        () ->
            inspect(first, "onfail").get("RestartCount").asInt() == 3
                && status(first, "onfail").equals("exited"));
    assertEquals(3, inspect(first, "onfail").get("State").get("ExitCode").asInt());
    assertEquals(0, inspect(first, "no").get("RestartCount").asInt());
    within(
        10_000,
        "always restarting",
        () -> inspect(first, "always").get("RestartCount").asInt() >= 3);
    JsonNode policy = inspect(first, "always").get("HostConfig").get("RestartPolicy");
    assertEquals("{\"Name\":\"always\",\"MaximumRetryCount\":0}", policy.toString());
    Jockerd.Result rm = first.jocker("rm", "always");
    if (status(first, "always").equals("restarting")) {
      assertTrue(rm.stderr().contains("You cannot remove a"), rm.stderr());
    }
    first.ok("stop", "-t", "1", "always");
    assertEquals("exited", status(first, "always"));
    first.ok("stop", "-t", "1", "unless");
    first.ok("stop", "-t", "1", "stopped-always");
    first.stop();

    // As dockerd at its start: always comes back, even stopped by hand; unless-stopped does not
    // after a stop by hand; on-failure used its retries.
    try (Jockerd second = new Jockerd(sandbox, dir).start()) {
      assertEquals("running", status(second, "stopped-always"));
      assertEquals("exited", status(second, "unless"));
      assertEquals("exited", status(second, "onfail"));
      assertEquals("exited", status(second, "no"));
      assertEquals(
          "stopped-always\n",
          second.ok("exec", "stopped-always", "sh", "-c", "echo stopped-always"));
      second.ok("rm", "-f", "always", "no", "onfail", "unless", "stopped-always");
    }
  }

  @Test
  void withLiveRestoreContainersOutliveTheDaemonsStopAndAreAdoptedAgain(Sandbox sandbox)
      throws Exception {
    Jockerd first = new Jockerd(sandbox, dir).start();
    first.ok("run", "-d", "--name", "c1", "busybox", "sleep", "3600");
    long pid = inspect(first, "c1").get("State").get("Pid").asLong();
    first.stop();
    assertTrue(alive(pid), "the daemon's stop leaves the container running");
    try (Jockerd second = new Jockerd(sandbox, dir).start()) {
      assertEquals("running", status(second, "c1"));
      assertEquals(pid, inspect(second, "c1").get("State").get("Pid").asLong());
      second.ok("stop", "-t", "1", "c1");
      assertFalse(alive(pid));
      assertEquals(List.of(), cgroupIds(second));
    }
  }

  @Test
  void withoutLiveRestoreTheDaemonStopsItsContainersAsDockerdDoes(Sandbox sandbox)
      throws Exception {
    Path config = dir.resolve("daemon.json");
    Files.writeString(config, "{\"live-restore\": false}\n");
    // The flag for the first daemon, daemon.json for the others: both say the same.
    Jockerd first = new Jockerd(sandbox, dir).withArgs("--live-restore=false").start();
    first.ok("run", "-d", "--name", "plain", "busybox", "sh", "-c", TERMINABLE);
    first.ok(
        "run", "-d", "--restart", "always", "--name", "always", "busybox", "sh", "-c", TERMINABLE);
    long plain = inspect(first, "plain").get("State").get("Pid").asLong();
    long always = inspect(first, "always").get("State").get("Pid").asLong();
    first.stop();
    assertFalse(alive(plain), "the daemon's stop stopped plain");
    assertFalse(alive(always), "and always");
    assertEquals(List.of(), cgroupIds(first));

    Jockerd second = new Jockerd(sandbox, dir).withArgs("--config-file", config.toString()).start();
    assertEquals("exited", status(second, "plain"));
    assertEquals("running", status(second, "always"), "started again by its policy");
    second.ok("start", "plain");
    long plainPid = inspect(second, "plain").get("State").get("Pid").asLong();
    long alwaysPid = inspect(second, "always").get("State").get("Pid").asLong();
    second.kill();
    assertTrue(alive(plainPid), "a crash stops nothing");

    try (Jockerd third =
        new Jockerd(sandbox, dir).withArgs("--config-file", config.toString()).start()) {
      assertFalse(alive(plainPid), "the survivor of the crash is stopped at the next start");
      assertFalse(alive(alwaysPid));
      assertEquals("exited", status(third, "plain"));
      assertEquals("running", status(third, "always"), "and always started again");
      assertEquals(1, cgroupIds(third).size());
      third.ok("rm", "-f", "plain", "always");
    }
  }

  @Test
  void aCrashLeavesNoCgroupBehindOnceTheDaemonIsBack(Sandbox sandbox) throws Exception {
    Jockerd first = new Jockerd(sandbox, dir).start();
    String id = first.ok("run", "-d", "--name", "c1", "busybox", "sleep", "3600").strip();
    long pid = inspect(first, "c1").get("State").get("Pid").asLong();
    first.kill();
    // The shim goes too (kill -9 leaves it no time to remove anything), then the container.
    for (String line : Sandbox.Command.run(List.of("ps", "-eo", "pid,args")).split("\n")) {
      if (line.contains("jocker-launcher start") && line.contains(id)) {
        Sandbox.Command.run(List.of("kill", "-9", line.strip().split(" ")[0]));
      }
    }
    Sandbox.Command.run(List.of("kill", "-9", Long.toString(pid)));
    within(5_000, "the container's end", () -> !alive(pid));
    assertEquals(List.of(id), cgroupIds(first), "nobody removed its cgroup");
    Path stray =
        Cgroups.DEFAULT_ROOT.resolve("pids").resolve(first.cgroupParent()).resolve("f".repeat(64));
    Files.createDirectory(stray);
    try (Jockerd second = new Jockerd(sandbox, dir).start()) {
      // The supervisor records the end from the PID's pidfd, which reports it at once.
      within(5_000, "c1 recorded as exited", () -> status(second, "c1").equals("exited"));
      assertEquals(137, inspect(second, "c1").get("State").get("ExitCode").asInt());
      assertEquals(List.of(), cgroupIds(second), "the restart's reconcile removed both");
      second.ok("rm", "c1");
    }
  }
}

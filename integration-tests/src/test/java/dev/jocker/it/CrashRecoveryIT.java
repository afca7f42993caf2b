package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon dies (as by kill -9) between every pair of steps of attach and detach; each restart
 * leaves no veth, namespace, lease or duplicate rule behind (the window where Docker leaks veths,
 * moby/libnetwork#1850).
 */
@Privileged
class CrashRecoveryIT {
  private static final String[] CREATE_POINTS = {
    "create:journaled",
    "attach:netns",
    "attach:veth",
    "attach:master",
    "attach:up",
    "attach:address",
    "create:attached"
  };
  private static final String[] REMOVE_POINTS = {
    "remove:journaled", "detach:veth", "remove:detached"
  };

  @TempDir Path dir;

  @Test
  void aCrashInTheMiddleOfCreateOrRemoveLeavesNothingBehind(Sandbox sandbox) {
    String rulesBaseline = null;
    for (String point : CREATE_POINTS) {
      Jockerd crashing = new Jockerd(sandbox, dir, "-Djocker.test.crash-at=" + point).start();
      if (rulesBaseline == null) {
        rulesBaseline =
            sandbox
                .host()
                .run("iptables-save", "-c")
                .replaceAll("\\[\\d+:\\d+\\]", "")
                .replaceAll("#.*\\n", "");
      }
      assertNotEquals(
          0,
          crashing.jocker("run", "-d", "--name", "victim", "busybox", "sleep", "1000").exitCode(),
          point);
      crashing.kill();
      assertClean(sandbox, rulesBaseline, point);
    }
    for (String point : REMOVE_POINTS) {
      Jockerd normal = new Jockerd(sandbox, dir).start();
      normal.ok("run", "-d", "--name", "victim", "busybox", "sleep", "1000");
      normal.stop();
      Jockerd crashing = new Jockerd(sandbox, dir, "-Djocker.test.crash-at=" + point).start();
      assertNotEquals(0, crashing.jocker("rm", "-f", "victim").exitCode(), point);
      crashing.kill();
      assertClean(sandbox, rulesBaseline, point);
    }
  }

  private void assertClean(Sandbox sandbox, String rulesBaseline, String point) {
    try (Jockerd after = new Jockerd(sandbox, dir).start()) {
      assertEquals("", after.ok("ps", "-aq").strip(), point + ": the half-made container is gone");
      assertFalse(
          sandbox.host().run("ip", "-o", "link").contains("veth"), point + ": a veth leaked");
      assertFalse(
          sandbox.host().run("ip", "netns", "list").contains("jocker-"),
          point + ": a namespace leaked");
      assertEquals(
          rulesBaseline,
          sandbox
              .host()
              .run("iptables-save", "-c")
              .replaceAll("\\[\\d+:\\d+\\]", "")
              .replaceAll("#.*\\n", ""),
          point + ": rules changed or duplicated");
      after.ok("run", "-d", "--name", "probe", "busybox", "sleep", "1000");
      assertTrue(
          after.ok("exec", "probe", "ip", "addr").contains("inet 172.17.0.2/16"),
          point + ": a lease leaked");
      after.ok("rm", "-f", "probe");
    }
  }

  @Test
  void flushedRulesAreRestoredWithoutBeingAsked(Sandbox sandbox) throws InterruptedException {
    try (Jockerd d = new Jockerd(sandbox, dir).checkingRulesEvery(1).start()) {
      d.ok("network", "ls");
      String rules =
          sandbox
              .host()
              .run("iptables-save", "-t", "nat")
              .replaceAll("\\[\\d+:\\d+\\]", "")
              .replaceAll("#.*\\n", "");
      sandbox.host().run("iptables", "-t", "nat", "-F");
      long deadline = System.currentTimeMillis() + 10_000;
      String now = "";
      while (System.currentTimeMillis() < deadline) {
        now =
            sandbox
                .host()
                .run("iptables-save", "-t", "nat")
                .replaceAll("\\[\\d+:\\d+\\]", "")
                .replaceAll("#.*\\n", "");
        if (now.equals(rules)) {
          break;
        }
        Thread.sleep(200);
      }
      assertEquals(rules, now);
    }
  }
}

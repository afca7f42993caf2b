package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jocker.firewall.IptablesSave;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jockerd dies as by {@code kill -9} at 31 points: each named window of start, stop, a container's
 * own exit, remove and network create/remove (the crash points the daemon offers to tests), and at
 * random moments of bursts of {@code run -d} and {@code rm -f}. After each, a daemon started on the
 * same state must leave the store and the kernel in agreement ({@link Invariant}): no veth,
 * namespace, mount, address, process or rule that no running container owns, none missing, every
 * running container reachable, and the lowest address free again once all are removed.
 */
@Privileged
class CrashRecoveryIT {
  private static final String LOOP = "while true; do sleep 3600; done";

  @TempDir Path dir;

  private final List<String> failures = new ArrayList<>();
  private String rules;
  private int rounds;

  /** What is set up before the crashing daemon starts, what it is asked, and what must follow. */
  private record Window(String point, String setup, String[] op, String after) {}

  private static Window window(String point, String setup, String after, String... op) {
    return new Window(point, setup, op, after);
  }

  @Test
  void aCrashAtAnyPointLeavesTheStoreAndTheKernelInAgreement(Sandbox sandbox) throws Exception {
    sandbox.internet();
    List<Window> windows = new ArrayList<>();
    for (String p :
        List.of(
            "start:journaled",
            "attach:netns",
            "attach:veth",
            "attach:master",
            "attach:address",
            "attach:up",
            "start:sandbox")) {
      windows.add(window(p, "created", "created", "start", "victim"));
    }
    windows.add(window("start:spawned", "created", "running", "start", "victim"));
    windows.add(window("attach:master", "created-on-net", "created", "start", "victim"));
    for (String p : List.of("stop:journaled", "detach:veth")) {
      windows.add(window(p, "running", "exited", "stop", "-t", "1", "victim"));
      windows.add(window(p, "running-briefly", "exited"));
    }
    for (String p : List.of("remove:journaled", "remove:killed", "detach:veth")) {
      windows.add(window(p, "running", "gone", "rm", "-f", "victim"));
    }
    windows.add(window("remove:journaled", "created", "gone", "rm", "victim"));
    for (String p : List.of("network-create:journaled", "network-create:bridge")) {
      windows.add(window(p, "none", "no network", "network", "create", "crashnet"));
    }
    for (String p : List.of("network-remove:journaled", "network-remove:bridge")) {
      windows.add(window(p, "network", "no network", "network", "rm", "crashnet"));
    }

    Jockerd normal = new Jockerd(sandbox, dir).start();
    rules = IptablesSave.normalise(sandbox.host().run("iptables-save"));
    for (Window w : windows) {
      setUp(normal, w.setup());
      normal.stop();
      Jockerd crashing =
          new Jockerd(sandbox, dir, "-Djocker.test.crash-at=" + w.point()).startMayDie();
      if (w.op().length > 0) {
        crashing.jocker(w.op());
      }
      int code = crashing.awaitExit(30);
      String label = w.point() + " during " + w.setup() + " then " + String.join(" ", w.op());
      if (code != 137) {
        failures.add(label + ": the daemon did not reach the crash point (exit " + code + ")");
      }
      normal = new Jockerd(sandbox, dir).start();
      check(sandbox, normal, label, w.after());
    }

    Random random = new Random(Long.getLong("jocker.test.seed", 19));
    for (int round = 0; round < 10; round++) {
      int burst = round;
      Jockerd busy = normal;
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger made = new AtomicInteger();
      Thread runs =
          new Thread(
              () -> {
                while (!stop.get()) {
                  busy.jocker(
                      "run",
                      "-d",
                      "--name",
                      "b" + made.getAndIncrement(),
                      "busybox",
                      "sh",
                      "-c",
                      LOOP);
                }
              });
      Thread removes =
          new Thread(
              () -> {
                Random r = new Random(burst);
                while (!stop.get()) {
                  int n = made.get();
                  if (n > 0) {
                    busy.jocker("rm", "-f", "b" + r.nextInt(n));
                  }
                }
              });
      runs.start();
      removes.start();
      long delay = 300 + random.nextInt(2500);
      Thread.sleep(delay);
      busy.kill();
      stop.set(true);
      runs.join();
      removes.join();
      normal = new Jockerd(sandbox, dir).start();
      check(sandbox, normal, "burst " + burst + ", killed after " + delay + " ms", null);
    }
    normal.close();
    assertTrue(rounds >= 30, rounds + " crash points");
    assertEquals(List.of(), failures, String.join("\n", failures));
  }

  private static void setUp(Jockerd d, String setup) {
    switch (setup) {
      case "created" -> d.ok("create", "--name", "victim", "busybox", "sh", "-c", LOOP);
      case "created-on-net" -> {
        d.ok("network", "create", "crashnet");
        d.ok("create", "--name", "victim", "--network", "crashnet", "busybox", "sh", "-c", LOOP);
      }
      case "running" -> d.ok("run", "-d", "--name", "victim", "busybox", "sh", "-c", LOOP);
      case "running-briefly" ->
          // Ends by itself a few seconds later, under the crashing daemon, whose supervisor
          // records the exit.
          d.ok("run", "-d", "--name", "victim", "busybox", "sh", "-c", "sleep 5");
      case "network" -> d.ok("network", "create", "crashnet");
      default -> {}
    }
  }

  /**
   * The invariant after a restart, the state the interrupted operation must have left, then a clean
   * slate: everything removed and the lowest address free again.
   */
  private void check(Sandbox sandbox, Jockerd d, String label, String after) {
    rounds++;
    // A network the round made still has its rules until the round removes it below.
    boolean network = d.api("GET", "/networks/crashnet", null).status() == 200;
    for (String v : Invariant.violations(sandbox, d, network ? null : rules)) {
      failures.add(label + ": " + v);
    }
    if (after != null) {
      String state = victimState(d);
      String want =
          switch (after) {
            case "gone" -> "gone";
            case "no network" -> "gone";
            default -> after;
          };
      if (after.equals("no network")) {
        state = d.api("GET", "/networks/crashnet", null).status() == 404 ? "gone" : "still there";
      }
      if (!state.equals(want)) {
        failures.add(label + ": expected " + want + ", found " + state);
      }
    }
    for (JsonNode c : d.api("GET", "/containers/json?all=1", null).json()) {
      d.jocker("rm", "-f", c.get("Id").asText());
    }
    if (d.api("GET", "/networks/crashnet", null).status() == 200) {
      d.ok("network", "rm", "crashnet");
    }
    d.ok("run", "-d", "--name", "probe", "busybox", "sleep", "1000");
    String probe = d.ok("exec", "probe", "ip", "-4", "addr", "show", "eth0");
    if (!probe.contains("inet 172.17.0.2/16")) {
      failures.add(label + ": an address leaked, the next container got " + probe.strip());
    }
    d.ok("rm", "-f", "probe");
    for (String v : Invariant.violations(sandbox, d, rules)) {
      failures.add(label + ", after removing everything: " + v);
    }
  }

  private static String victimState(Jockerd d) {
    Jockerd.Response r = d.api("GET", "/containers/victim/json", null);
    return r.status() == 404 ? "gone" : r.json().get("State").get("Status").asText();
  }
}

package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jocker.firewall.IptablesSave;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three clients {@code rm -f x} while a fourth creates {@code x} again, 40 times: a removal acts on
 * the container its reference named when it took that container's lock, never on a namespace found
 * by name; the new {@code x} is either removed whole or runs whole, reachable; and its start never
 * waits for a launcher that died.
 */
@Privileged
class RaceIT {
  private static final String LOOP = "while true; do sleep 3600; done";

  @TempDir Path dir;

  @Test
  void removalsRacingARecreateActOnWholeContainers(Sandbox sandbox) throws Exception {
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    int survived = 0;
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      String rules = IptablesSave.normalise(sandbox.host().run("iptables-save"));
      for (int i = 0; i < 40; i++) {
        String iteration = "iteration " + i + ": ";
        d.ok("run", "-d", "--name", "xx", "busybox", "sh", "-c", LOOP);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
          threads.add(
              new Thread(
                  () -> {
                    await(go);
                    Jockerd.Result rm = d.jocker("rm", "-f", "xx");
                    if (rm.exitCode() != 0 && !rm.stderr().contains("No such container: x")) {
                      failures.add(iteration + "rm -f x: " + rm.stderr().strip());
                    }
                  }));
        }
        threads.add(
            new Thread(
                () -> {
                  await(go);
                  long deadline = System.currentTimeMillis() + 30_000;
                  while (System.currentTimeMillis() < deadline) {
                    long before = System.currentTimeMillis();
                    Jockerd.Result run =
                        d.jocker("run", "-d", "--name", "xx", "busybox", "sh", "-c", LOOP);
                    long millis = System.currentTimeMillis() - before;
                    if (millis > 5_000) {
                      failures.add(iteration + "run -d took " + millis + " ms");
                    }
                    if (run.exitCode() == 0) {
                      return;
                    }
                    String e = run.stderr();
                    if (!e.contains("is already in use") && !e.contains("No such container")) {
                      failures.add(iteration + "run -d --name x: " + e.strip());
                    }
                  }
                  failures.add(iteration + "x was not created again within 30 s");
                }));
        threads.forEach(Thread::start);
        go.countDown();
        for (Thread t : threads) {
          t.join();
        }
        Jockerd.Response x = d.api("GET", "/containers/x/json", null);
        if (x.status() == 200) {
          JsonNode state = x.json().get("State");
          if (state.get("Status").asText().equals("running")) {
            survived++;
          }
        }
        for (String v : Invariant.violations(sandbox, d, rules)) {
          failures.add(iteration + v);
        }
        d.jocker("rm", "-f", "xx");
      }
    }
    System.out.println("RaceIT: the new x survived the removals in " + survived + " of 40");
    assertEquals(List.of(), failures, String.join("\n", failures));
  }

  private static void await(CountDownLatch go) {
    try {
      go.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

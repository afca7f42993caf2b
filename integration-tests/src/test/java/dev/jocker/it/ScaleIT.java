package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 300 running containers under one jockerd need no thread each: its thread count, read from /proc,
 * stays at 64 or fewer (the shims live outside it, exits come through one poll(2)).
 */
@Privileged
class ScaleIT {
  private static final int N = 300;

  @TempDir Path dir;

  @Test
  void threeHundredRunningContainersNeedAtMost64DaemonThreads(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      ExecutorService clients = Executors.newFixedThreadPool(4);
      try {
        List<Future<String>> runs = new ArrayList<>();
        for (int i = 0; i < N; i++) {
          String name = "s" + i;
          runs.add(
              clients.submit(
                  () -> d.ok("run", "-d", "--name", name, "busybox", "sleep", "100000")));
        }
        for (Future<String> r : runs) {
          r.get();
        }
        assertEquals(N, d.ok("ps", "-q").lines().count());
        Map<String, Integer> threads = threads(d.pid());
        int total = threads.values().stream().mapToInt(Integer::intValue).sum();
        System.out.println("ScaleIT: " + N + " running, jockerd threads " + total + ": " + threads);
        assertTrue(total <= 64, total + " threads: " + threads);
        assertEquals(
            0,
            sandbox.host().exec("ping", "-c", "1", "-W", "2", "172.17.1.45").exitCode(),
            "the 300th container answers");
        List<Future<String>> removes = new ArrayList<>();
        for (int i = 0; i < N; i++) {
          String name = "s" + i;
          removes.add(clients.submit(() -> d.ok("rm", "-f", name)));
        }
        for (Future<String> r : removes) {
          r.get();
        }
      } finally {
        clients.shutdownNow();
      }
      assertEquals("", d.ok("ps", "-aq"));
      assertEquals(List.of(), Invariant.violations(sandbox, d, null));
    }
  }

  /** jockerd's threads by name, numbers dropped (api-12 and api-31 count as api-). */
  private static Map<String, Integer> threads(long pid) throws IOException {
    Map<String, Integer> byName = new TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : tasks.toList()) {
        String name = Files.readString(t.resolve("comm")).strip().replaceAll("[0-9]+$", "");
        byName.merge(name, 1, Integer::sum);
      }
    }
    return byName;
  }
}

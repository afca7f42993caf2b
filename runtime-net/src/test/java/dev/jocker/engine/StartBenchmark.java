package dev.jocker.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Times N container starts daemon side (the engine's {@code start}, from the call to the answer:
 * journal, sandbox, /etc files, the launcher), as jockerd starts them (Docker's capability set, a
 * cgroup with limits and the devices list) and without that work (an engine without cgroups,
 * containers keeping every capability), in alternating blocks of ten within one run. Run it only
 * inside a throwaway namespace: {@code bench/launcher.sh}.
 */
public final class StartBenchmark {
  private static final int BLOCK = 10;

  private StartBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Path root = Files.createTempDirectory("jocker-start-bench");
    EngineConfig docker =
        EngineConfig.defaults(root)
            .withCgroupParent("jocker-bench")
            .withRulesCheckInterval(Duration.ZERO);
    EngineConfig bare = docker.withCgroupParent(null);
    CreateRequest.Resources limits =
        new CreateRequest.Resources(256L << 20, 0, 1_000_000_000L, 512, 1000L);
    List<Double> with = new ArrayList<>();
    List<Double> without = new ArrayList<>();
    int blocks = (n + BLOCK - 1) / BLOCK;
    // One block of each first, untimed, to warm the JVM and the kernel's caches.
    for (int b = -1; b < blocks; b++) {
      block(docker, limits, CreateRequest.Security.DEFAULT, b < 0 ? null : with);
      block(
          bare,
          CreateRequest.Resources.NONE,
          new CreateRequest.Security(List.of("ALL"), List.of(), false, List.of()),
          b < 0 ? null : without);
    }
    double w = median(with);
    double wo = median(without);
    System.out.printf(
        Locale.ROOT,
        "daemon-side start, every capability and no cgroup: median %.2f ms, p90 %.2f ms%n",
        wo,
        p90(without));
    System.out.printf(
        Locale.ROOT,
        "daemon-side start, Docker's capabilities, a cgroup with limits and the devices list:"
            + " median %.2f ms, p90 %.2f ms%n",
        w,
        p90(with));
    System.out.printf(
        Locale.ROOT,
        "capabilities and cgroup add to a start, daemon side: %.2f ms (medians, N=%d, target <= 2"
            + " ms)%n",
        w - wo,
        with.size());
  }

  /**
   * Opens the engine, creates and starts a block of containers (timing each start), removes them.
   */
  private static void block(
      EngineConfig config,
      CreateRequest.Resources resources,
      CreateRequest.Security security,
      List<Double> into) {
    try (Engine engine = DefaultEngine.open(config)) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < BLOCK; i++) {
        ContainerInfo c =
            engine.create(
                new CreateRequest(
                    null,
                    "busybox",
                    List.of("sleep", "1000"),
                    List.of(),
                    null,
                    null,
                    null,
                    false,
                    false,
                    false,
                    null,
                    null,
                    security,
                    resources,
                    null));
        long t0 = System.nanoTime();
        engine.start(c.id());
        long nanos = System.nanoTime() - t0;
        if (into != null) {
          into.add(nanos / 1e6);
        }
        ids.add(c.id());
      }
      for (String id : ids) {
        engine.remove(id, true);
      }
    }
  }

  private static double median(List<Double> values) {
    double[] s = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static double p90(List<Double> values) {
    double[] s = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(s);
    return s[(int) (s.length * 0.9)];
  }
}

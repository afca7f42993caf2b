package dev.jocker.engine;

import dev.jocker.portmap.PortSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What {@code run -p 8080:80} adds to a container's start, through the whole engine in the calling
 * namespace (as jockerd, with its JVM options): two containers, one publishing a port and one not,
 * started and stopped in turn N times; the start (from the call to the answer, the daemon's side of
 * {@code docker start}) of each is timed. Prints the medians, the lower deciles (under load, the
 * starts the machine disturbed least) and the median of the paired differences.
 */
public final class PublishStartBenchmark {
  private PublishStartBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Path root = Files.createTempDirectory("jocker-publish-bench");
    EngineConfig d = EngineConfig.defaults(root);
    // An exec root of its own: another jockerd's reconcile on a shared machine takes processes
    // under /run/jocker/containers that it does not know for orphans. No cgroups: they cost both
    // starts the same, and this leaves none behind on the machine.
    EngineConfig config =
        new EngineConfig(
            d.dataRoot(),
            Path.of("/run/jocker-bench"),
            d.bridge(),
            d.bip(),
            d.mtu(),
            d.iptables(),
            d.ipForward(),
            d.chainPrefix(),
            d.netnsDir(),
            Duration.ZERO,
            null,
            null,
            d.liveRestore(),
            true,
            "0.0.0.0");
    List<String> sleep = List.of("sleep", "100000");
    try (Engine engine = DefaultEngine.open(config)) {
      engine.create(
          new CreateRequest(
              "plain", "busybox", sleep, List.of(), null, null, null, false, false, false));
      engine.create(
          new CreateRequest(
                  "published", "busybox", sleep, List.of(), null, null, null, false, false, false)
              .withPorts(PortSpecs.parse(List.of("8080:80"), List.of()), false));
      double[] plain = new double[n];
      double[] published = new double[n];
      double[] added = new double[n];
      for (int i = -20; i < n; i++) {
        double a = timedStart(engine, "plain");
        double b = timedStart(engine, "published");
        if (i >= 0) {
          plain[i] = a;
          published[i] = b;
          added[i] = b - a;
        }
      }
      engine.remove("plain", true);
      engine.remove("published", true);
      System.out.printf(
          Locale.ROOT,
          "container start, median of %d: without -p %.2f ms, with -p 8080:80 %.2f ms%n",
          n,
          median(plain),
          median(published));
      System.out.printf(
          Locale.ROOT,
          "lower decile (the least disturbed starts): without -p %.2f ms, with -p %.2f ms%n",
          quantile(plain, 0.1),
          quantile(published, 0.1));
      System.out.printf(
          Locale.ROOT,
          "run -p start cost (median of paired differences): %.2f ms%n",
          median(added));
    }
  }

  private static double timedStart(Engine engine, String name) {
    long t0 = System.nanoTime();
    engine.start(name);
    double ms = (System.nanoTime() - t0) / 1e6;
    engine.stop(name, Duration.ZERO);
    return ms;
  }

  private static double median(double[] values) {
    return quantile(values, 0.5);
  }

  private static double quantile(double[] values, double q) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(int) (q * (sorted.length - 1))];
  }
}

package dev.jocker.store;

import dev.jocker.ipam.Ipam;
import dev.jocker.ipam.Pool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Fills a /16 (65,533 addresses) one durable allocation (one committed transaction) at a time, then
 * releases them all, and prints the median and p99 per operation and the medians of the first and
 * the last 1,000 allocations, to show that allocation stays flat as the pool fills.
 */
public final class IpamBenchmark {
  private IpamBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("jocker-ipam-bench");
    Ipam ipam = new Ipam();
    try (Store store = Store.open(dir.resolve("jocker.db"))) {
      Pool pool = Pool.of("172.17.0.0/16", null, null);
      store.inTransaction(
          tx -> {
            ipam.register(tx, "n1", "bridge", pool);
            return null;
          });
      int n = (int) pool.capacity();
      long[] alloc = new long[n];
      int[] addresses = new int[n];
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        long t = System.nanoTime();
        addresses[i] = store.inTransaction(tx -> ipam.allocate(tx, "n1", null, "c"));
        alloc[i] = System.nanoTime() - t;
      }
      long fillTotal = System.nanoTime() - start;
      long[] release = new long[n];
      for (int i = 0; i < n; i++) {
        int a = addresses[i];
        long t = System.nanoTime();
        store.inTransaction(
            tx -> {
              ipam.release(tx, "n1", a);
              return null;
            });
        release[i] = System.nanoTime() - t;
      }
      System.out.printf(
          Locale.ROOT,
          "allocate: median %.1f us, p99 %.1f us, total %.2f s for %d%n",
          pct(alloc, 0.5),
          pct(alloc, 0.99),
          fillTotal / 1e9,
          n);
      System.out.printf(
          Locale.ROOT,
          "allocate, first 1000: median %.1f us; last 1000: median %.1f us%n",
          pct(Arrays.copyOfRange(alloc, 0, 1000), 0.5),
          pct(Arrays.copyOfRange(alloc, n - 1000, n), 0.5));
      System.out.printf(
          Locale.ROOT,
          "release:  median %.1f us, p99 %.1f us%n",
          pct(release, 0.5),
          pct(release, 0.99));
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static double pct(long[] nanos, double p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1000.0;
  }
}

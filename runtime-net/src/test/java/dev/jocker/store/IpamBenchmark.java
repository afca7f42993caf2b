package dev.jocker.store;

import dev.jocker.ipam.Ipam;
import dev.jocker.ipam.Pool;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * Fills a /16 (65,533 addresses) one durable allocation (one committed transaction) at a time, then
 * releases them all, and prints the median and p99 per operation and the medians of the first and
 * the last 1,000 allocations, to show that allocation stays flat as the pool fills. Then the same
 * allocations with {@code synchronous=FULL}, which survive a power loss too, beside what one
 * fdatasync of 4 KiB costs on the same disk: no allocation that syncs can be faster than that.
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
      long[] full = fullSync(dir.resolve("full.db"), FULL_SYNC_ALLOCATIONS);
      System.out.printf(
          Locale.ROOT,
          "allocate with synchronous=FULL: median %.1f us, p99 %.1f us (%d allocations)%n",
          pct(full, 0.5),
          pct(full, 0.99),
          FULL_SYNC_ALLOCATIONS);
      System.out.printf(
          Locale.ROOT,
          "disk floor: fdatasync after a 4 KiB overwrite, median %.1f us%n",
          pct(fdatasync(dir.resolve("sync.bin"), FULL_SYNC_ALLOCATIONS), 0.5));
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static final int FULL_SYNC_ALLOCATIONS = 5000;

  private static long[] fullSync(Path file, int n) throws Exception {
    Files.deleteIfExists(file);
    Ipam ipam = new Ipam();
    try (Store store = Store.open(file, "FULL")) {
      store.inTransaction(
          tx -> {
            ipam.register(tx, "n1", "bridge", Pool.of("172.17.0.0/16", null, null));
            return null;
          });
      long[] alloc = new long[n];
      for (int i = 0; i < n; i++) {
        long t = System.nanoTime();
        store.inTransaction(tx -> ipam.allocate(tx, "n1", null, "c"));
        alloc[i] = System.nanoTime() - t;
      }
      return alloc;
    }
  }

  private static long[] fdatasync(Path file, int n) throws Exception {
    ByteBuffer page = ByteBuffer.allocate(4096);
    long[] sync = new long[n];
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      // Overwrites, as SQLite's WAL does once it wraps: growing the file would add a journal
      // commit.
      ch.write(ByteBuffer.allocate(64 * 4096), 0);
      ch.force(true);
      for (int i = 0; i < n; i++) {
        long t = System.nanoTime();
        page.clear();
        ch.write(page, (i % 64) * 4096L);
        ch.force(false);
        sync[i] = System.nanoTime() - t;
      }
    }
    return sync;
  }

  private static double pct(long[] nanos, double p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1000.0;
  }
}

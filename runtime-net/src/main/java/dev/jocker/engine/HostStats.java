package dev.jocker.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's side of {@code docker stats}: its CPU time, CPUs and memory. */
final class HostStats {
  /** USER_HZ: the unit of /proc/stat's times on every Linux architecture jocker runs on. */
  private static final long CLOCK_TICKS = 100;

  private HostStats() {}

  /**
   * The CPU time of every CPU since boot in nanoseconds: /proc/stat's first line (user, nice,
   * system, idle, iowait, irq, softirq, steal), as dockerd sums it.
   */
  static long systemCpuNanos() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = first.trim().split("\\s+");
      long ticks = 0;
      for (int i = 1; i <= 8 && i < f.length; i++) {
        ticks += Long.parseLong(f[i]);
      }
      return ticks * (1_000_000_000L / CLOCK_TICKS);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static int cpus() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** MemTotal in bytes, what Docker shows as the limit of a container without one. */
  static long memory() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      return 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}

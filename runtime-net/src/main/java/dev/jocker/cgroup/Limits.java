package dev.jocker.cgroup;

/**
 * A cgroup's limits in the kernel's units (v1 names; v2 files are converted both ways).
 *
 * @param memory bytes, -1 for none
 * @param memoryAndSwap memory plus swap in bytes, -1 for none
 * @param cpuQuotaMicros CPU time per period in microseconds, -1 for none
 * @param cpuPeriodMicros the period of the quota
 * @param cpuShares relative weight, 0 for the kernel's default
 * @param pids maximum tasks, -1 for none
 */
public record Limits(
    long memory,
    long memoryAndSwap,
    long cpuQuotaMicros,
    long cpuPeriodMicros,
    long cpuShares,
    long pids) {
  /** No limit at all. */
  public static final Limits NONE = new Limits(-1, -1, -1, 100_000, 0, -1);

  /** Docker's CPU period for {@code --cpus}: 100 ms. */
  public static final long DEFAULT_PERIOD = 100_000;

  /** cgroup v2's cpu.weight for v1 shares, as runc converts them. */
  static long weight(long shares) {
    return shares == 0 ? 0 : 1 + ((shares - 2) * 9999) / 262142;
  }

  /** The shares a v2 weight came from (the inverse of {@link #weight}, to within rounding). */
  static long shares(long weight) {
    return weight == 0 ? 0 : 2 + ((weight - 1) * 262142 + 9998) / 9999;
  }
}

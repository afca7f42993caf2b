package dev.jocker.engine;

import java.time.Instant;
import java.util.Map;

/**
 * What a running container uses, read from its cgroup and its network namespace ({@code docker
 * stats}).
 *
 * @param read when it was read
 * @param cpuNanos CPU time its processes used
 * @param systemCpuNanos the machine's CPU time since boot (/proc/stat), for a percentage between
 *     two readings
 * @param onlineCpus the machine's CPUs
 * @param memoryUsage memory in use, page cache included
 * @param memoryLimit its limit, or the machine's memory when it has none
 * @param memoryStats the cgroup's memory.stat counters (the CLI leaves inactive files out of the
 *     usage it shows)
 * @param pids tasks
 * @param pidsLimit their limit, or 0 for none
 * @param networks each interface's counters but lo, by name (none without a network namespace of
 *     its own)
 */
public record ContainerStats(
    Instant read,
    long cpuNanos,
    long systemCpuNanos,
    int onlineCpus,
    long memoryUsage,
    long memoryLimit,
    Map<String, Long> memoryStats,
    long pids,
    long pidsLimit,
    Map<String, NetworkStats> networks) {
  public ContainerStats {
    memoryStats = Map.copyOf(memoryStats);
    networks = Map.copyOf(networks);
  }

  /** One interface's counters, as Docker's {@code networks} map holds them. */
  public record NetworkStats(
      long rxBytes,
      long rxPackets,
      long rxErrors,
      long rxDropped,
      long txBytes,
      long txPackets,
      long txErrors,
      long txDropped) {}
}

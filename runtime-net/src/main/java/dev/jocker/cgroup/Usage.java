package dev.jocker.cgroup;

/**
 * What a cgroup uses now, as {@code docker stats} shows it.
 *
 * @param memoryBytes memory in use, page cache included
 * @param memoryLimit the limit, or -1
 * @param cpuNanos CPU time used since the cgroup was made
 * @param pids tasks in it
 * @param pidsLimit their limit, or -1
 */
public record Usage(long memoryBytes, long memoryLimit, long cpuNanos, long pids, long pidsLimit) {}

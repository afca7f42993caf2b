package dev.jocker.container;

import java.time.Instant;

/**
 * How a container's process ended, as its shim recorded it.
 *
 * @param code the exit status, 128 + the signal for a process killed by one
 * @param oomKilled whether the container's cgroup saw an OOM kill (inspect's State.OOMKilled)
 * @param finishedAt when the shim saw PID 1 end
 */
public record Exit(int code, boolean oomKilled, Instant finishedAt) {}

package dev.jocker.container;

/**
 * A started container process.
 *
 * @param pid the host PID of the container's PID 1
 * @param startTime that process's start time (clock ticks after boot), which with the PID names it
 *     for good
 * @param shimPid the shim that holds its stdio and records its exit: once the shim is gone, the
 *     exit record is complete
 */
public record Started(long pid, long startTime, long shimPid) {}

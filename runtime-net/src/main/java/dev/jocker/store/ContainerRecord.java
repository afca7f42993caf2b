package dev.jocker.store;

import java.time.Instant;

/**
 * A container row: its identity, its create-time configuration, and its state.
 *
 * @param id 64 hex characters
 * @param name unique name
 * @param created creation time
 * @param config what it was created with
 * @param status {@code created}, {@code starting}, {@code running}, {@code exited} or {@code
 *     removing}
 * @param pid host PID of the container's init, 0 when none
 * @param pidStart start time of that PID in clock ticks since boot, to detect PID reuse
 * @param exitCode last exit code
 * @param startedAt last start, or null
 * @param finishedAt last exit, or null
 */
public record ContainerRecord(
    String id,
    String name,
    Instant created,
    ContainerConfig config,
    String status,
    long pid,
    long pidStart,
    int exitCode,
    Instant startedAt,
    Instant finishedAt) {
  public static final String CREATED = "created";
  public static final String STARTING = "starting";
  public static final String RUNNING = "running";
  public static final String EXITED = "exited";
  public static final String REMOVING = "removing";

  /** A new container that has never run. */
  public static ContainerRecord fresh(String id, String name, Instant at, ContainerConfig c) {
    return new ContainerRecord(id, name, at, c, CREATED, 0, 0, 0, null, null);
  }

  /** Whether its process runs (or, while {@code starting}, may run). */
  public boolean running() {
    return status.equals(RUNNING);
  }

  /** This record with another status and nothing else changed. */
  public ContainerRecord withStatus(String newStatus) {
    return new ContainerRecord(
        id, name, created, config, newStatus, pid, pidStart, exitCode, startedAt, finishedAt);
  }

  /** This record as running with {@code pid}. */
  public ContainerRecord running(long newPid, long newPidStart, Instant at) {
    return new ContainerRecord(
        id, name, created, config, RUNNING, newPid, newPidStart, 0, at, null);
  }

  /** This record as exited with {@code code}. */
  public ContainerRecord exited(int code, Instant at) {
    return new ContainerRecord(id, name, created, config, EXITED, 0, 0, code, startedAt, at);
  }
}

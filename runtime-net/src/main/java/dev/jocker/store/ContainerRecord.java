package dev.jocker.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A container row: its identity, its create-time configuration, and its state.
 *
 * @param id 64 hex characters
 * @param name unique name
 * @param created creation time
 * @param config what it was created with
 * @param status {@code created}, {@code starting}, {@code running}, {@code restarting} (waiting for
 *     its restart policy's delay, with no process), {@code exited} or {@code removing}
 * @param pid host PID of the container's init, 0 when none
 * @param pidStart start time of that PID in clock ticks since boot, to detect PID reuse
 * @param exitCode last exit code
 * @param startedAt last start, or null
 * @param finishedAt last exit, or null
 * @param run the rest of the state, kept as one JSON document (fields added later need no
 *     migration)
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
    Instant finishedAt,
    RunState run) {
  public static final String CREATED = "created";
  public static final String STARTING = "starting";
  public static final String RUNNING = "running";
  public static final String RESTARTING = "restarting";
  public static final String EXITED = "exited";
  public static final String REMOVING = "removing";

  public ContainerRecord {
    run = run == null ? RunState.NONE : run;
  }

  /**
   * What Docker's state holds beyond status, PID and times.
   *
   * @param shimPid the PID of the container's shim (jocker-launcher), 0 when none
   * @param restartCount restarts by the restart policy since the last start by a user
   * @param oomKilled whether the last run ended by an OOM kill
   * @param error why the last start failed, or null
   * @param paused whether its processes are frozen
   * @param manuallyStopped stopped or killed by a user: {@code unless-stopped} then leaves it
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  public record RunState(
      long shimPid,
      int restartCount,
      boolean oomKilled,
      String error,
      boolean paused,
      boolean manuallyStopped) {
    public static final RunState NONE = new RunState(0, 0, false, null, false, false);

    public RunState withShim(long pid) {
      return new RunState(pid, restartCount, oomKilled, error, paused, manuallyStopped);
    }

    public RunState withRestartCount(int count) {
      return new RunState(shimPid, count, oomKilled, error, paused, manuallyStopped);
    }

    public RunState withPaused(boolean p) {
      return new RunState(shimPid, restartCount, oomKilled, error, p, manuallyStopped);
    }

    public RunState withManuallyStopped(boolean stopped) {
      return new RunState(shimPid, restartCount, oomKilled, error, paused, stopped);
    }
  }

  /** A new container that has never run. */
  public static ContainerRecord fresh(String id, String name, Instant at, ContainerConfig c) {
    return new ContainerRecord(id, name, at, c, CREATED, 0, 0, 0, null, null, RunState.NONE);
  }

  /** Whether its process runs (or, while {@code starting}, may run). */
  public boolean running() {
    return status.equals(RUNNING);
  }

  /** This record with another status and nothing else changed. */
  public ContainerRecord withStatus(String newStatus) {
    return new ContainerRecord(
        id, name, created, config, newStatus, pid, pidStart, exitCode, startedAt, finishedAt, run);
  }

  /** This record with another name. */
  public ContainerRecord withName(String newName) {
    return new ContainerRecord(
        id, newName, created, config, status, pid, pidStart, exitCode, startedAt, finishedAt, run);
  }

  /** This record with another run state. */
  public ContainerRecord withRun(RunState newRun) {
    return new ContainerRecord(
        id, name, created, config, status, pid, pidStart, exitCode, startedAt, finishedAt, newRun);
  }

  /** This record as running with {@code pid}, started by shim {@code shimPid}. */
  public ContainerRecord running(long newPid, long newPidStart, long shimPid, Instant at) {
    return new ContainerRecord(
        id,
        name,
        created,
        config,
        RUNNING,
        newPid,
        newPidStart,
        0,
        at,
        finishedAt,
        new RunState(shimPid, run.restartCount(), false, null, false, run.manuallyStopped()));
  }

  /** This record as running with {@code pid}. */
  public ContainerRecord running(long newPid, long newPidStart, Instant at) {
    return running(newPid, newPidStart, 0, at);
  }

  /** This record as exited with {@code code}. */
  public ContainerRecord exited(int code, Instant at) {
    return exited(code, false, at);
  }

  /** This record as exited with {@code code}, OOM-killed or not. */
  public ContainerRecord exited(int code, boolean oomKilled, Instant at) {
    return new ContainerRecord(
        id,
        name,
        created,
        config,
        EXITED,
        0,
        0,
        code,
        startedAt,
        at,
        new RunState(0, run.restartCount(), oomKilled, null, false, run.manuallyStopped()));
  }

  /**
   * This record after a start that failed with {@code error}: {@code status} as before the start
   * (Docker leaves a never-started container {@code created}), with the exit code the failure
   * gives.
   */
  public ContainerRecord failedStart(String newStatus, int code, String error) {
    return new ContainerRecord(
        id,
        name,
        created,
        config,
        newStatus,
        0,
        0,
        code,
        startedAt,
        finishedAt,
        new RunState(0, run.restartCount(), false, error, false, run.manuallyStopped()));
  }
}

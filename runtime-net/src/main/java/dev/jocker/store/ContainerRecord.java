package dev.jocker.store;

import java.time.Instant;
import java.util.List;

/**
 * A container row.
 *
 * @param id 64 hex characters
 * @param name unique name
 * @param image image name
 * @param imageId image ID
 * @param command path and arguments
 * @param env environment entries
 * @param hostname hostname
 * @param networkMode {@code bridge}, {@code host} or {@code none}
 * @param tty has a terminal
 * @param openStdin keeps stdin open
 * @param autoRemove removed on exit
 * @param created creation time
 * @param status {@code created}, {@code running}, {@code exited}
 * @param pid host PID of the container's init, 0 when none
 * @param pidStart start time of that PID in clock ticks since boot, to detect PID reuse
 * @param exitCode last exit code
 * @param startedAt last start, or null
 * @param finishedAt last exit, or null
 */
public record ContainerRecord(
    String id,
    String name,
    String image,
    String imageId,
    List<String> command,
    List<String> env,
    String hostname,
    String networkMode,
    boolean tty,
    boolean openStdin,
    boolean autoRemove,
    Instant created,
    String status,
    long pid,
    long pidStart,
    int exitCode,
    Instant startedAt,
    Instant finishedAt) {
  public ContainerRecord {
    command = List.copyOf(command);
    env = List.copyOf(env);
  }

  /** This record as running with {@code pid}. */
  public ContainerRecord running(long newPid, long newPidStart, Instant at) {
    return withState("running", newPid, newPidStart, 0, at, null);
  }

  /** This record as exited with {@code code}. */
  public ContainerRecord exited(int code, Instant at) {
    return withState("exited", 0, 0, code, startedAt, at);
  }

  private ContainerRecord withState(
      String newStatus,
      long newPid,
      long newPidStart,
      int code,
      Instant started,
      Instant finished) {
    return new ContainerRecord(
        id,
        name,
        image,
        imageId,
        command,
        env,
        hostname,
        networkMode,
        tty,
        openStdin,
        autoRemove,
        created,
        newStatus,
        newPid,
        newPidStart,
        code,
        started,
        finished);
  }
}

package dev.jocker.engine;

/**
 * An exec instance as {@code GET /exec/{id}/json} shows it.
 *
 * @param id 64 hex characters
 * @param containerId the container it runs in
 * @param request what it runs
 * @param running whether its process runs
 * @param exitCode its exit code once ended, else null
 * @param pid the host PID of its process once started, else 0
 */
public record ExecState(
    String id,
    String containerId,
    ExecRequest request,
    boolean running,
    Integer exitCode,
    long pid) {
  /** Whether it has ended (Docker's {@code CanRemove}). */
  public boolean ended() {
    return exitCode != null;
  }
}

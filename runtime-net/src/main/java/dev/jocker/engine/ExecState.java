package dev.jocker.engine;

/**
 * An exec instance as {@code GET /exec/{id}/json} shows it.
 *
 * @param id 64 hex characters
 * @param containerId the container it runs in
 * @param running whether its process runs
 * @param exitCode its exit code once ended, else 0
 */
public record ExecState(String id, String containerId, boolean running, int exitCode) {}

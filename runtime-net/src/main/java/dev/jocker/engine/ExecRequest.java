package dev.jocker.engine;

import java.util.List;

/**
 * A further process in a running container ({@code POST /containers/{id}/exec}).
 *
 * @param command path and arguments
 * @param env {@code KEY=VALUE} entries replacing or added to the container's
 * @param tty whether it gets a terminal (from the container's own devpts)
 * @param user {@code -u}; empty for the container's user
 * @param workingDir {@code -w}; empty for the container's working directory
 * @param privileged {@code --privileged}: every capability
 * @param attachStdin whether the caller writes its stdin (else it reads end of file)
 * @param attachStdout whether the caller reads its stdout
 * @param attachStderr whether the caller reads its stderr
 */
public record ExecRequest(
    List<String> command,
    List<String> env,
    boolean tty,
    String user,
    String workingDir,
    boolean privileged,
    boolean attachStdin,
    boolean attachStdout,
    boolean attachStderr) {
  public ExecRequest {
    command = List.copyOf(command);
    env = env == null ? List.of() : List.copyOf(env);
    user = user == null ? "" : user;
    workingDir = workingDir == null ? "" : workingDir;
  }

  /** {@code command} as the container's user, with stdout and stderr read and no stdin. */
  public ExecRequest(List<String> command, List<String> env, boolean tty) {
    this(command, env, tty, "", "", false, false, true, true);
  }
}

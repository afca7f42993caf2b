package dev.jocker.container;

import java.util.List;

/**
 * A process to run inside a running container ({@code docker exec}).
 *
 * @param command path and arguments
 * @param env variables replacing or added to the container's environment
 * @param user {@code -u}; empty for the container's own user
 * @param workingDir {@code -w}; empty for the container's own
 * @param tty {@code -t}: a terminal from the container's devpts
 * @param privileged {@code --privileged}: every capability
 */
public record ExecSpec(
    List<String> command,
    List<String> env,
    String user,
    String workingDir,
    boolean tty,
    boolean privileged) {
  public ExecSpec {
    command = List.copyOf(command);
    env = List.copyOf(env);
  }

  /** {@code command} as the container's own user, in its own directory, without a terminal. */
  public static ExecSpec of(String... command) {
    return new ExecSpec(List.of(command), List.of(), "", "", false, false);
  }
}

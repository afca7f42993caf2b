package dev.jocker.engine;

import java.util.List;

/**
 * A further process in a running container.
 *
 * @param command path and arguments
 * @param env extra {@code KEY=VALUE} entries
 * @param tty whether it gets a terminal
 */
public record ExecRequest(List<String> command, List<String> env, boolean tty) {
  public ExecRequest {
    command = List.copyOf(command);
    env = env == null ? List.of() : List.copyOf(env);
  }
}

package dev.jocker.daemon;

import java.util.List;

/**
 * What {@code POST /containers/{id}/exec} asks for, as far as jocker honours it.
 *
 * @param command path and arguments
 * @param env extra {@code KEY=VALUE} entries
 * @param tty whether the process gets a terminal
 * @param stdin whether the client's stdin is relayed to it
 */
record ExecSpec(List<String> command, List<String> env, boolean tty, boolean stdin) {
  ExecSpec {
    command = List.copyOf(command);
    env = List.copyOf(env);
  }
}

package dev.jocker.container;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything needed to start a container's process.
 *
 * @param stateDir the files of the container's current run, which need not outlive a reboot: init
 *     and shim scripts, fstabs, PID and exit status, the /etc files, the root's mount point
 * @param dataDir what outlives a reboot: the container's own layer ({@code upper}, {@code work})
 *     and its {@code container.log}
 * @param rootfs the image's root file system (lower layer)
 * @param netns the network namespace file, or null to share the host's
 * @param hostname hostname inside
 * @param command path and arguments
 * @param env the complete environment
 * @param tty whether the process gets a terminal (set TERM)
 */
public record ProcessSpec(
    Path stateDir,
    Path dataDir,
    Path rootfs,
    Path netns,
    String hostname,
    List<String> command,
    List<String> env,
    boolean tty) {
  public ProcessSpec {
    command = List.copyOf(command);
    env = List.copyOf(env);
  }
}

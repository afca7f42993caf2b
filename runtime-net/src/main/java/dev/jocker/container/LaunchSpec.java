package dev.jocker.container;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything the launcher needs to start a container's process, in Docker's terms: the engine
 * passes its container configuration as it is, and {@link Launcher} resolves the user, composes the
 * environment, turns capabilities into masks and lays out the mounts and devices.
 *
 * @param id the container's ID (names its cgroup)
 * @param stateDir this run's files, which need not outlive a reboot (the exec root): the root's
 *     mount point {@code rootfs}, the attach socket, the exit record, and the {@code hosts}, {@code
 *     hostname} and {@code resolv.conf} bound over the image's /etc
 * @param image the image's root file system, the overlay's lower layer
 * @param layer the container's own layer, holding {@code upper} and {@code work}
 * @param netns the network namespace file to join, or null to stay in the caller's
 * @param hostname the UTS hostname, also HOSTNAME in the environment
 * @param command Entrypoint and Cmd, composed ({@link ProcessConfig#command})
 * @param env the container's Config.Env (image and user variables, merged); PATH, HOSTNAME, TERM
 *     and HOME are added as Docker adds them
 * @param user {@code -u}: empty for root, else {@code user[:group]} or numeric IDs
 * @param workingDir {@code -w}, created if missing; empty for /
 * @param tty {@code -t}: a terminal from the container's own devpts, also its /dev/console
 * @param openStdin {@code -i}: stdin stays open for attach clients
 * @param security capabilities, privileges and a read-only root
 * @param resources cgroup limits, already validated ({@link Resources#validate})
 * @param logFile where the shim writes the json-file log
 */
public record LaunchSpec(
    String id,
    Path stateDir,
    Path image,
    Path layer,
    Path netns,
    String hostname,
    List<String> command,
    List<String> env,
    String user,
    String workingDir,
    boolean tty,
    boolean openStdin,
    Security security,
    Resources resources,
    Path logFile) {
  public LaunchSpec {
    command = List.copyOf(command);
    env = List.copyOf(env);
  }

  /**
   * {@code --cap-add}, {@code --cap-drop}, {@code --privileged}, {@code --security-opt
   * no-new-privileges} and {@code --read-only}.
   */
  public record Security(
      List<String> capAdd,
      List<String> capDrop,
      boolean privileged,
      boolean noNewPrivileges,
      boolean readonlyRootfs) {
    public static final Security DEFAULT = new Security(List.of(), List.of(), false, false, false);

    public Security {
      capAdd = List.copyOf(capAdd);
      capDrop = List.copyOf(capDrop);
    }
  }

  /** The root's mount point. */
  public Path rootMount() {
    return stateDir.resolve("rootfs");
  }

  /** The unix socket the shim serves attach clients on. */
  public Path attachSocket() {
    return stateDir.resolve("attach.sock");
  }

  /** Where the shim records how the container ended. */
  public Path exitFile() {
    return stateDir.resolve("exit");
  }

  /** Where the shim records its start's report, {@code PID STARTTIME SHIMPID}. */
  public Path pidFile() {
    return stateDir.resolve("pid");
  }
}

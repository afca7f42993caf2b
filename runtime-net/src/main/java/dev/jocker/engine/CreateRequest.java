package dev.jocker.engine;

import dev.jocker.portmap.PortConfig;
import java.util.List;

/**
 * What {@code jocker run}/{@code POST /containers/create} asks for.
 *
 * @param name container name, or null to generate one like Docker's adjective_surname
 * @param image image name, e.g. {@code busybox}
 * @param command Docker's {@code Cmd}; empty means the image's ({@code sh}) unless an entrypoint is
 *     given
 * @param env {@code KEY=VALUE} entries ({@code KEY} alone unsets it); PATH, HOSTNAME, HOME and,
 *     with a terminal, TERM are added as Docker adds them
 * @param network {@code bridge} (default when null), {@code host} or {@code none}
 * @param ipv4 a static address such as {@code 172.17.0.50}, or null for the lowest free one
 * @param hostname hostname inside the container, or null for the short ID
 * @param tty whether the process gets a terminal
 * @param openStdin whether stdin stays open ({@code -i})
 * @param autoRemove remove the container when its process ends ({@code --rm})
 * @param entrypoint {@code --entrypoint}: null when not given, {@code [""]} to clear the image's
 * @param process {@code -u} and {@code -w}
 * @param security capabilities, privileges, security options
 * @param resources cgroup limits
 * @param restart the restart policy
 * @param ports {@code Config.ExposedPorts} and {@code HostConfig.PortBindings} ({@code -p}, {@code
 *     --expose})
 * @param publishAllPorts {@code HostConfig.PublishAllPorts} ({@code -P}): every exposed port
 *     without a binding gets an ephemeral host port
 */
public record CreateRequest(
    String name,
    String image,
    List<String> command,
    List<String> env,
    String network,
    String ipv4,
    String hostname,
    boolean tty,
    boolean openStdin,
    boolean autoRemove,
    List<String> entrypoint,
    Process process,
    Security security,
    Resources resources,
    Restart restart,
    PortConfig ports,
    boolean publishAllPorts) {
  public CreateRequest {
    command = command == null ? List.of() : List.copyOf(command);
    env = env == null ? List.of() : List.copyOf(env);
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    process = process == null ? Process.DEFAULT : process;
    security = security == null ? Security.DEFAULT : security;
    resources = resources == null ? Resources.NONE : resources;
    restart = restart == null ? Restart.NO : restart;
    ports = ports == null ? PortConfig.none() : ports;
  }

  /** A request with Docker's defaults for the process, security, resources and restarts. */
  public CreateRequest(
      String name,
      String image,
      List<String> command,
      List<String> env,
      String network,
      String ipv4,
      String hostname,
      boolean tty,
      boolean openStdin,
      boolean autoRemove) {
    this(
        name,
        image,
        command,
        env,
        network,
        ipv4,
        hostname,
        tty,
        openStdin,
        autoRemove,
        null,
        null,
        null,
        null,
        null);
  }

  /** A request that publishes no port. */
  public CreateRequest(
      String name,
      String image,
      List<String> command,
      List<String> env,
      String network,
      String ipv4,
      String hostname,
      boolean tty,
      boolean openStdin,
      boolean autoRemove,
      List<String> entrypoint,
      Process process,
      Security security,
      Resources resources,
      Restart restart) {
    this(
        name,
        image,
        command,
        env,
        network,
        ipv4,
        hostname,
        tty,
        openStdin,
        autoRemove,
        entrypoint,
        process,
        security,
        resources,
        restart,
        PortConfig.none(),
        false);
  }

  /** This request with {@code ports} exposed and published, and {@code -P} as given. */
  public CreateRequest withPorts(PortConfig newPorts, boolean publishAll) {
    return new CreateRequest(
        name,
        image,
        command,
        env,
        network,
        ipv4,
        hostname,
        tty,
        openStdin,
        autoRemove,
        entrypoint,
        process,
        security,
        resources,
        restart,
        newPorts,
        publishAll);
  }

  /**
   * {@code -u} and {@code -w}.
   *
   * @param user {@code user[:group]} or numeric IDs, empty for root
   * @param workingDir an absolute path, created if missing; empty for /
   */
  public record Process(String user, String workingDir) {
    public static final Process DEFAULT = new Process("", "");

    public Process {
      user = user == null ? "" : user;
      workingDir = workingDir == null ? "" : workingDir;
    }
  }

  /**
   * {@code --cap-add}, {@code --cap-drop}, {@code --privileged} and {@code --security-opt}.
   *
   * @param capAdd capability names, with or without {@code CAP_}, or {@code ALL}
   * @param capDrop the same
   * @param privileged every capability, no masked paths, devices unrestricted
   * @param securityOpt {@code no-new-privileges[=true|false]}; {@code seccomp=unconfined}, {@code
   *     apparmor=unconfined} and {@code label=disable} are taken and change nothing
   */
  public record Security(
      List<String> capAdd, List<String> capDrop, boolean privileged, List<String> securityOpt) {
    public static final Security DEFAULT = new Security(List.of(), List.of(), false, List.of());

    public Security {
      capAdd = capAdd == null ? List.of() : List.copyOf(capAdd);
      capDrop = capDrop == null ? List.of() : List.copyOf(capDrop);
      securityOpt = securityOpt == null ? List.of() : List.copyOf(securityOpt);
    }
  }

  /**
   * cgroup limits, as HostConfig holds them.
   *
   * @param memory bytes, 0 for none ({@code --memory})
   * @param memorySwap memory plus swap, 0 for twice the memory, -1 unlimited ({@code
   *     --memory-swap})
   * @param nanoCpus CPUs in billionths, 0 for none ({@code --cpus})
   * @param cpuShares relative weight, 0 for the default ({@code --cpu-shares})
   * @param pidsLimit maximum tasks, null when not given, 0 or less for none ({@code --pids-limit})
   */
  public record Resources(
      long memory, long memorySwap, long nanoCpus, long cpuShares, Long pidsLimit) {
    public static final Resources NONE = new Resources(0, 0, 0, 0, null);
  }

  /**
   * {@code --restart}.
   *
   * @param name {@code no}, {@code always}, {@code unless-stopped} or {@code on-failure}
   * @param maximumRetryCount for on-failure, 0 for no limit
   */
  public record Restart(String name, int maximumRetryCount) {
    public static final Restart NO = new Restart("no", 0);

    public Restart {
      name = name == null || name.isEmpty() ? "no" : name;
    }
  }
}

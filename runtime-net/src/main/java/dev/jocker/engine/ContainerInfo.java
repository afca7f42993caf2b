package dev.jocker.engine;

import dev.jocker.portmap.HostBinding;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A container as {@code docker inspect} and {@code docker ps} need it.
 *
 * @param id 64 hex characters
 * @param name without Docker's leading slash
 * @param image the image name it was created from
 * @param imageId the image's {@code sha256:} ID
 * @param path the executable, e.g. {@code /bin/sh}
 * @param args the arguments after the path
 * @param env Docker's {@code Config.Env}: the user's variables, then the image's
 * @param hostname hostname inside the container
 * @param created creation time
 * @param state process state
 * @param networkMode {@code bridge}, {@code host} or {@code none}
 * @param endpoint the bridge endpoint, or null for host and none
 * @param sandboxKey the network namespace file, e.g. {@code /run/netns/jocker-test1}
 * @param tty whether the process has a terminal
 * @param openStdin whether stdin is kept open
 * @param autoRemove whether it is removed on exit
 * @param logPath the file holding stdout and stderr
 * @param hostsPath the file bind-mounted as /etc/hosts
 * @param hostnamePath the file bind-mounted as /etc/hostname
 * @param resolvConfPath the file bind-mounted as /etc/resolv.conf
 * @param spec the rest of its create-time configuration (Config and HostConfig)
 * @param restartCount restarts by its restart policy since a user last started it
 * @param exposedPorts {@code Config.ExposedPorts}, e.g. {@code 80/tcp}, in key order
 * @param portBindings {@code HostConfig.PortBindings}, as created
 * @param publishAllPorts {@code HostConfig.PublishAllPorts}
 * @param ports {@code NetworkSettings.Ports}: every exposed port with the host bindings taken for
 *     it (null for one that is not published) while the container runs, empty otherwise
 */
public record ContainerInfo(
    String id,
    String name,
    String image,
    String imageId,
    String path,
    List<String> args,
    List<String> env,
    String hostname,
    Instant created,
    State state,
    String networkMode,
    EndpointInfo endpoint,
    String sandboxKey,
    boolean tty,
    boolean openStdin,
    boolean autoRemove,
    String logPath,
    String hostsPath,
    String hostnamePath,
    String resolvConfPath,
    Spec spec,
    int restartCount,
    List<String> exposedPorts,
    SortedMap<String, List<HostBinding>> portBindings,
    boolean publishAllPorts,
    SortedMap<String, List<HostBinding>> ports) {
  public ContainerInfo {
    exposedPorts = exposedPorts == null ? List.of() : List.copyOf(exposedPorts);
    portBindings =
        Collections.unmodifiableSortedMap(
            portBindings == null ? new TreeMap<>() : new TreeMap<>(portBindings));
    ports =
        Collections.unmodifiableSortedMap(ports == null ? new TreeMap<>() : new TreeMap<>(ports));
  }

  /** A container that exposes and publishes no port. */
  public ContainerInfo(
      String id,
      String name,
      String image,
      String imageId,
      String path,
      List<String> args,
      List<String> env,
      String hostname,
      Instant created,
      State state,
      String networkMode,
      EndpointInfo endpoint,
      String sandboxKey,
      boolean tty,
      boolean openStdin,
      boolean autoRemove,
      String logPath,
      String hostsPath,
      String hostnamePath,
      String resolvConfPath,
      Spec spec,
      int restartCount) {
    this(
        id,
        name,
        image,
        imageId,
        path,
        args,
        env,
        hostname,
        created,
        state,
        networkMode,
        endpoint,
        sandboxKey,
        tty,
        openStdin,
        autoRemove,
        logPath,
        hostsPath,
        hostnamePath,
        resolvConfPath,
        spec,
        restartCount,
        List.of(),
        null,
        false,
        null);
  }

  /** The first 12 characters of the ID, as {@code docker ps} shows it. */
  public String shortId() {
    return id.substring(0, 12);
  }

  /**
   * Process state, as Docker's.
   *
   * @param status {@code created}, {@code running}, {@code paused}, {@code restarting} or {@code
   *     exited}
   * @param pid host PID of the container's PID 1, 0 when not running
   * @param exitCode last exit code (128 + signal when killed by one)
   * @param startedAt last start, or null
   * @param finishedAt last exit, or null
   * @param oomKilled whether the last run ended by an OOM kill
   * @param error why the last start failed, empty when it did not
   */
  public record State(
      String status,
      long pid,
      int exitCode,
      Instant startedAt,
      Instant finishedAt,
      boolean oomKilled,
      String error) {
    /**
     * Whether its process runs (paused or not); Docker's {@code Running} is also true while
     * restarting.
     */
    public boolean running() {
      return "running".equals(status) || "paused".equals(status);
    }

    public boolean paused() {
      return "paused".equals(status);
    }

    public boolean restarting() {
      return "restarting".equals(status);
    }
  }

  /**
   * The create-time configuration beyond the command line, as {@code inspect} shows it.
   *
   * @param entrypoint {@code Config.Entrypoint}, or null
   * @param cmd {@code Config.Cmd}
   * @param user {@code Config.User}
   * @param workingDir {@code Config.WorkingDir}
   * @param capAdd {@code HostConfig.CapAdd} as given
   * @param capDrop {@code HostConfig.CapDrop} as given
   * @param privileged {@code HostConfig.Privileged}
   * @param securityOpt {@code HostConfig.SecurityOpt}
   * @param memory {@code HostConfig.Memory}
   * @param memorySwap {@code HostConfig.MemorySwap}
   * @param nanoCpus {@code HostConfig.NanoCpus}
   * @param cpuShares {@code HostConfig.CpuShares}
   * @param pidsLimit {@code HostConfig.PidsLimit}, null when not set
   * @param restartPolicy {@code HostConfig.RestartPolicy.Name}
   * @param restartRetries {@code HostConfig.RestartPolicy.MaximumRetryCount}
   */
  public record Spec(
      List<String> entrypoint,
      List<String> cmd,
      String user,
      String workingDir,
      List<String> capAdd,
      List<String> capDrop,
      boolean privileged,
      List<String> securityOpt,
      long memory,
      long memorySwap,
      long nanoCpus,
      long cpuShares,
      Long pidsLimit,
      String restartPolicy,
      int restartRetries) {}
}

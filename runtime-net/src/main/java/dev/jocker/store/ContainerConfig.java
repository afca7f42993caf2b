package dev.jocker.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's create-time configuration, Docker's {@code Config} and {@code HostConfig} in one
 * record, kept in the store as one JSON document: a field added later needs no migration (a record
 * written before it has the field's default, null or false), and a field written by a newer jocker
 * is ignored by an older one.
 *
 * @param image the image name it was created from
 * @param imageId the image's ID
 * @param cmd Docker's {@code Config.Cmd} after the image's was merged in (the whole argument vector
 *     for records written before entrypoints were kept)
 * @param env Docker's {@code Config.Env}: the user's variables, then the image's it does not set
 * @param hostname hostname inside
 * @param networkMode {@code bridge}, {@code host}, {@code none} or a user network's name
 * @param ipv4Address the address asked for with {@code --ip}, or null for any free one
 * @param tty has a terminal
 * @param openStdin keeps stdin open
 * @param autoRemove removed when its process ends
 * @param entrypoint {@code Config.Entrypoint}, or null for none
 * @param user {@code -u}: empty or null for root
 * @param workingDir {@code -w}: empty or null for /
 * @param capAdd {@code --cap-add} as given
 * @param capDrop {@code --cap-drop} as given
 * @param privileged {@code --privileged}
 * @param securityOpt {@code --security-opt} as given
 * @param memory {@code --memory} in bytes, 0 for none
 * @param memorySwap memory plus swap in bytes as dockerd keeps it (twice the memory when unset), 0
 *     for none, -1 for unlimited swap
 * @param nanoCpus {@code --cpus} in billionths, 0 for none
 * @param cpuShares {@code --cpu-shares}, 0 for the default
 * @param pidsLimit {@code --pids-limit}, null when not given
 * @param restartPolicy {@code --restart}'s name, null or {@code no} for none
 * @param restartRetries on-failure's maximum retry count, 0 for no limit
 * @param exposedPorts {@code Config.ExposedPorts}: {@code 80/tcp}… ({@code -p} ports, {@code
 *     --expose}), in key order
 * @param portBindings {@code HostConfig.PortBindings}: for a container port, the host bindings
 *     asked for ({@code -p}), as given
 * @param publishAllPorts {@code HostConfig.PublishAllPorts} ({@code -P})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContainerConfig(
    String image,
    String imageId,
    List<String> cmd,
    List<String> env,
    String hostname,
    String networkMode,
    String ipv4Address,
    boolean tty,
    boolean openStdin,
    boolean autoRemove,
    List<String> entrypoint,
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
    int restartRetries,
    List<String> exposedPorts,
    Map<String, List<PortBinding>> portBindings,
    boolean publishAllPorts) {
  public ContainerConfig {
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    capAdd = capAdd == null ? List.of() : List.copyOf(capAdd);
    capDrop = capDrop == null ? List.of() : List.copyOf(capDrop);
    securityOpt = securityOpt == null ? List.of() : List.copyOf(securityOpt);
    exposedPorts = exposedPorts == null ? List.of() : List.copyOf(exposedPorts);
    Map<String, List<PortBinding>> bindings = new LinkedHashMap<>();
    if (portBindings != null) {
      portBindings.forEach((k, v) -> bindings.put(k, v == null ? List.of() : List.copyOf(v)));
    }
    portBindings = java.util.Collections.unmodifiableMap(bindings);
  }

  /** A configuration with Docker's defaults for everything but the basics. */
  public ContainerConfig(
      String image,
      String imageId,
      List<String> cmd,
      List<String> env,
      String hostname,
      String networkMode,
      String ipv4Address,
      boolean tty,
      boolean openStdin,
      boolean autoRemove) {
    this(
        image,
        imageId,
        cmd,
        env,
        hostname,
        networkMode,
        ipv4Address,
        tty,
        openStdin,
        autoRemove,
        null,
        null,
        null,
        null,
        null,
        false,
        null,
        0,
        0,
        0,
        0,
        null,
        null,
        0,
        List.of(),
        Map.of(),
        false);
  }

  /** The process's argument vector: the entrypoint followed by the command. */
  public List<String> argv() {
    List<String> argv = new ArrayList<>(entrypoint == null ? List.of() : entrypoint);
    argv.addAll(cmd);
    return argv;
  }

  /** {@code --restart}'s name, {@code no} when none was given. */
  public String restartPolicyName() {
    return restartPolicy == null || restartPolicy.isEmpty() ? "no" : restartPolicy;
  }

  /** Whether {@code --security-opt no-new-privileges} (or {@code =true}) was given. */
  public boolean noNewPrivileges() {
    boolean on = false;
    for (String o : securityOpt) {
      if (o.equals("no-new-privileges")) {
        on = true;
      } else if (o.startsWith("no-new-privileges=") || o.startsWith("no-new-privileges:")) {
        on = Boolean.parseBoolean(o.substring("no-new-privileges=".length()));
      }
    }
    return on;
  }

  /** This configuration with {@code -p}/{@code --expose}/{@code -P} as given. */
  public ContainerConfig withPorts(
      List<String> exposed, Map<String, List<PortBinding>> bindings, boolean publishAll) {
    return new ContainerConfig(
        image,
        imageId,
        cmd,
        env,
        hostname,
        networkMode,
        ipv4Address,
        tty,
        openStdin,
        autoRemove,
        entrypoint,
        user,
        workingDir,
        capAdd,
        capDrop,
        privileged,
        securityOpt,
        memory,
        memorySwap,
        nanoCpus,
        cpuShares,
        pidsLimit,
        restartPolicy,
        restartRetries,
        exposed,
        bindings,
        publishAll);
  }

  /**
   * One host side asked for a container port, Docker's {@code PortBinding}, as given.
   *
   * @param hostIp {@code HostIp}: an address, or "" for the default
   * @param hostPort {@code HostPort}: a port, a range, or "" / "0" for any free one
   */
  public record PortBinding(String hostIp, String hostPort) {}
}

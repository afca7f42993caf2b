package dev.jocker.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param cmd path and arguments
 * @param env the full environment
 * @param hostname hostname inside
 * @param networkMode {@code bridge}, {@code host}, {@code none} or a user network's name
 * @param ipv4Address the address asked for with {@code --ip}, or null for any free one
 * @param tty has a terminal
 * @param openStdin keeps stdin open
 * @param autoRemove removed when its process ends
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
    List<String> exposedPorts,
    Map<String, List<PortBinding>> portBindings,
    boolean publishAllPorts) {
  public ContainerConfig {
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
    exposedPorts = exposedPorts == null ? List.of() : List.copyOf(exposedPorts);
    Map<String, List<PortBinding>> bindings = new LinkedHashMap<>();
    if (portBindings != null) {
      portBindings.forEach((k, v) -> bindings.put(k, v == null ? List.of() : List.copyOf(v)));
    }
    portBindings = java.util.Collections.unmodifiableMap(bindings);
  }

  /** A configuration that publishes no port. */
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
        List.of(),
        Map.of(),
        false);
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

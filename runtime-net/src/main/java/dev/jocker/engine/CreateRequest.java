package dev.jocker.engine;

import dev.jocker.portmap.PortConfig;
import java.util.List;

/**
 * What {@code jocker run}/{@code POST /containers/create} asks for.
 *
 * @param name container name, or null to generate one like Docker's adjective_surname
 * @param image image name, e.g. {@code busybox}
 * @param command path and arguments; empty means the image default ({@code sh})
 * @param env {@code KEY=VALUE} entries added to the default PATH/HOSTNAME
 * @param network {@code bridge} (default when null), {@code host} or {@code none}
 * @param ipv4 a static address such as {@code 172.17.0.50}, or null for the lowest free one
 * @param hostname hostname inside the container, or null for the short ID
 * @param tty whether the process gets a terminal
 * @param openStdin whether stdin stays open ({@code -i})
 * @param autoRemove remove the container when its process ends ({@code --rm})
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
    PortConfig ports,
    boolean publishAllPorts) {
  public CreateRequest {
    command = command == null ? List.of() : List.copyOf(command);
    env = env == null ? List.of() : List.copyOf(env);
    ports = ports == null ? PortConfig.none() : ports;
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
        newPorts,
        publishAll);
  }
}

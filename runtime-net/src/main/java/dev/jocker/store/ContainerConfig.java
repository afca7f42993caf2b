package dev.jocker.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

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
 * @param networking its networks and name options (null in a record written before they existed:
 *     {@link #effectiveNetworking} derives them)
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
    ContainerNetworking networking) {
  public ContainerConfig {
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
  }

  /** A configuration whose networking is its network mode and address alone. */
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
        null);
  }

  /**
   * Its networks and name options; for a record that has none, the network mode (unless {@code
   * host} or {@code none}) with the {@code --ip} address.
   */
  public ContainerNetworking effectiveNetworking() {
    if (networking != null) {
      return networking;
    }
    boolean joins =
        networkMode != null && !networkMode.equals("host") && !networkMode.equals("none");
    return ContainerNetworking.of(
        joins
            ? List.of(new ContainerNetworking.Attachment(networkMode, ipv4Address, List.of()))
            : List.of());
  }

  /** This configuration with {@code next} as its networking. */
  public ContainerConfig withNetworking(ContainerNetworking next) {
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
        next);
  }
}

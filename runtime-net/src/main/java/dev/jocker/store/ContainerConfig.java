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
    boolean autoRemove) {
  public ContainerConfig {
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
  }
}

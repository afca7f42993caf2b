package dev.jocker.portmap;

/**
 * A container port and its protocol, Docker's {@code nat.Port}: the key {@code 80/tcp} of {@code
 * Config.ExposedPorts}, {@code HostConfig.PortBindings} and {@code NetworkSettings.Ports}.
 *
 * @param port 0 to 65535
 * @param proto {@code tcp}, {@code udp} or {@code sctp} (lower case)
 */
public record ContainerPort(int port, String proto) {
  /** Reads a key such as {@code 80/tcp} ({@code 80} alone is TCP); null when it is not one. */
  public static ContainerPort parse(String key) {
    String[] split = GoText.splitProtoPort(key);
    if (split[1].isEmpty()) {
      return null;
    }
    try {
      return new ContainerPort(
          GoText.parsePort(split[1]), split[0].toLowerCase(java.util.Locale.ROOT));
    } catch (PortSpecException notANumber) {
      return null;
    }
  }

  @Override
  public String toString() {
    return port + "/" + proto;
  }
}

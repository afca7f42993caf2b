package dev.jocker.topology;

/**
 * A port published for a container, as the topology shows it.
 *
 * @param hostIp the host address, {@code 0.0.0.0}, {@code ::} or a specific one
 * @param hostPort the host port
 * @param containerPort the port inside the container
 * @param proto {@code tcp}, {@code udp} or {@code sctp}
 */
public record PortView(String hostIp, int hostPort, int containerPort, String proto) {
  /** Whether the host side is IPv6, reached through the userland proxy only. */
  public boolean ipv6() {
    return hostIp.contains(":");
  }

  /** As {@code docker ps} prints it: {@code 0.0.0.0:8080->80/tcp}, {@code :::8080->80/tcp}. */
  @Override
  public String toString() {
    return hostIp + ":" + hostPort + "->" + containerPort + "/" + proto;
  }
}

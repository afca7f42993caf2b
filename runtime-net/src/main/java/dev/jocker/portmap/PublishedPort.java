package dev.jocker.portmap;

/**
 * One host port taken for a container: what the port mapper records, forwards and shows ({@code
 * NetworkSettings.Ports}), and all it needs to remove it again after a restart.
 *
 * @param owner who holds it: the container's ID
 * @param bridge the bridge the container's endpoint is on, e.g. {@code docker0}
 * @param userlandProxy whether it was programmed for the userland proxy (DNAT rule with {@code ! -i
 *     BRIDGE}, a proxy listening) or without it (hairpin NAT, the port only held)
 * @param proto {@code tcp}, {@code udp} or {@code sctp}
 * @param hostIp canonical host address, {@code 0.0.0.0}, {@code ::} or a specific one
 * @param hostPort the host port taken
 * @param containerIp the container's IPv4 address
 * @param containerPort the port inside the container
 */
public record PublishedPort(
    String owner,
    String bridge,
    boolean userlandProxy,
    String proto,
    String hostIp,
    int hostPort,
    String containerIp,
    int containerPort) {

  /**
   * Whether the host side is IPv6 (the {@code ::} binding the userland proxy adds, or {@code ::1}).
   */
  public boolean ipv6() {
    return hostIp.contains(":");
  }

  /** Docker's key for the allocation: {@code 0.0.0.0:8080/tcp}. */
  public String hostKey() {
    return hostIp + ":" + hostPort + "/" + proto;
  }
}

package dev.jocker.engine;

import java.time.Instant;
import java.util.List;

/**
 * A container as {@code docker inspect} and {@code docker ps} need it.
 *
 * @param id 64 hex characters
 * @param name without Docker's leading slash
 * @param image the image name it was created from
 * @param imageId the image's {@code sha256:} ID
 * @param path the executable, e.g. {@code /bin/sh}
 * @param args the arguments after the path
 * @param env the full environment of the process
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
 * @param networking every network it is connected to, and its name options
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
    Networking networking) {

  /** A container without networks beyond {@link #endpoint} and without name options. */
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
      String resolvConfPath) {
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
        new Networking(
            endpoint == null
                ? List.of()
                : List.of(
                    new Attachment(
                        endpoint.networkName(), endpoint.networkId(), null, null, endpoint)),
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            null,
            null));
  }

  /**
   * A container's networks and name options, as inspect shows them.
   *
   * @param networks every network it is connected to, in the order connected
   * @param dns {@code --dns}
   * @param dnsSearch {@code --dns-search}
   * @param dnsOptions {@code --dns-option}
   * @param extraHosts {@code --add-host}
   * @param links {@code --link}, as Docker shows them ({@code /CHILD:/PARENT/ALIAS})
   * @param macAddress {@code --mac-address}, or null
   * @param domainname {@code --domainname}, or null
   */
  public record Networking(
      List<Attachment> networks,
      List<String> dns,
      List<String> dnsSearch,
      List<String> dnsOptions,
      List<String> extraHosts,
      List<String> links,
      String macAddress,
      String domainname) {}

  /**
   * One network of a container.
   *
   * @param network the network's name
   * @param networkId its ID, or empty when the container never joined it
   * @param ipamAddress the address asked for ({@code --ip}), or null
   * @param aliases the names it answers to there (its aliases, short ID and hostname on a user
   *     network), or null for none
   * @param endpoint its endpoint while it runs, or null
   */
  public record Attachment(
      String network,
      String networkId,
      String ipamAddress,
      List<String> aliases,
      EndpointInfo endpoint) {}

  /** The first 12 characters of the ID, as {@code docker ps} shows it. */
  public String shortId() {
    return id.substring(0, 12);
  }

  /**
   * Process state.
   *
   * @param status {@code created}, {@code running} or {@code exited}
   * @param pid host PID of the container's PID 1, 0 when not running
   * @param exitCode last exit code (128 + signal when killed by one)
   * @param startedAt last start, or null
   * @param finishedAt last exit, or null
   */
  public record State(
      String status, long pid, int exitCode, Instant startedAt, Instant finishedAt) {
    public boolean running() {
      return "running".equals(status);
    }
  }
}

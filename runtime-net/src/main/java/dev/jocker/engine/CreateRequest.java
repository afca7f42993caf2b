package dev.jocker.engine;

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
 * @param networking the name and network options ({@code --network-alias}, {@code --dns}…)
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
    Networking networking) {
  public CreateRequest {
    command = command == null ? List.of() : List.copyOf(command);
    env = env == null ? List.of() : List.copyOf(env);
    networking = networking == null ? Networking.NONE : networking;
  }

  /** A request without name or network options. */
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
    this(name, image, command, env, network, ipv4, hostname, tty, openStdin, autoRemove, null);
  }

  /**
   * What shapes a container's names: its DNS answers, /etc/hosts and /etc/resolv.conf.
   *
   * @param aliases {@code --network-alias} names on its network
   * @param dns {@code --dns} servers
   * @param dnsSearch {@code --dns-search} domains
   * @param dnsOptions {@code --dns-option} options
   * @param extraHosts {@code --add-host NAME:ADDRESS}
   * @param links {@code --link CONTAINER[:ALIAS]}
   * @param macAddress {@code --mac-address}, or null
   * @param domainname {@code --domainname}, or null
   */
  public record Networking(
      List<String> aliases,
      List<String> dns,
      List<String> dnsSearch,
      List<String> dnsOptions,
      List<String> extraHosts,
      List<String> links,
      String macAddress,
      String domainname) {
    /** No option given. */
    public static final Networking NONE =
        new Networking(
            List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null, null);

    public Networking {
      aliases = copy(aliases);
      dns = copy(dns);
      dnsSearch = copy(dnsSearch);
      dnsOptions = copy(dnsOptions);
      extraHosts = copy(extraHosts);
      links = copy(links);
    }

    private static List<String> copy(List<String> list) {
      return list == null ? List.of() : List.copyOf(list);
    }
  }
}

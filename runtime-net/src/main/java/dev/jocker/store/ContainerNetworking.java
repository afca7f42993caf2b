package dev.jocker.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.ArrayList;
import java.util.List;

/**
 * What a container asked of its networks beyond the name of its first one, part of its {@link
 * ContainerConfig}: every network it is connected to (Docker's {@code NetworkSettings.Networks},
 * kept across stops as Docker keeps them), and the options that shape its /etc/hosts and
 * /etc/resolv.conf.
 *
 * @param networks the networks in the order they were connected, the first one {@code --network}'s
 * @param dns {@code --dns}
 * @param dnsSearch {@code --dns-search}
 * @param dnsOptions {@code --dns-option}
 * @param extraHosts {@code --add-host} as given, {@code NAME:ADDRESS}
 * @param links {@code --link} as the daemon keeps them, {@code CONTAINER:ALIAS}
 * @param macAddress {@code --mac-address}, the first network's, or null for 02:42 + address
 * @param domainname {@code --domainname}, or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerNetworking(
    List<Attachment> networks,
    List<String> dns,
    List<String> dnsSearch,
    List<String> dnsOptions,
    List<String> extraHosts,
    List<String> links,
    String macAddress,
    String domainname) {
  public ContainerNetworking {
    networks = copy(networks);
    dns = copy(dns);
    dnsSearch = copy(dnsSearch);
    dnsOptions = copy(dnsOptions);
    extraHosts = copy(extraHosts);
    links = copy(links);
  }

  /**
   * One network the container is connected to.
   *
   * @param network the network's name
   * @param ipv4 the address asked for with {@code --ip}, or null for any free one
   * @param aliases {@code --network-alias}/{@code --alias} names on this network
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Attachment(String network, String ipv4, List<String> aliases) {
    public Attachment {
      aliases = copy(aliases);
    }
  }

  /** Only networks, none of the name options. */
  public static ContainerNetworking of(List<Attachment> networks) {
    return new ContainerNetworking(
        networks, List.of(), List.of(), List.of(), List.of(), List.of(), null, null);
  }

  /** This configuration with another list of networks. */
  public ContainerNetworking withNetworks(List<Attachment> next) {
    return new ContainerNetworking(
        next, dns, dnsSearch, dnsOptions, extraHosts, links, macAddress, domainname);
  }

  /** The attachment to {@code network}, if the container is connected to it. */
  public java.util.Optional<Attachment> attachment(String network) {
    return networks.stream().filter(a -> a.network().equals(network)).findFirst();
  }

  /** This configuration with {@code a} appended. */
  public ContainerNetworking connect(Attachment a) {
    List<Attachment> next = new ArrayList<>(networks);
    next.add(a);
    return withNetworks(next);
  }

  /** This configuration without {@code network}. */
  public ContainerNetworking disconnect(String network) {
    return withNetworks(networks.stream().filter(a -> !a.network().equals(network)).toList());
  }

  private static <T> List<T> copy(List<T> list) {
    return list == null ? List.of() : List.copyOf(list);
  }
}

package dev.jocker.dns;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the embedded DNS knows of one endpoint: a container attached to one network.
 *
 * @param containerId the container's full ID
 * @param network the network's name, the second label of {@code NAME.NETWORK}
 * @param internal whether the network is {@code --internal} (its endpoints are looked at last)
 * @param name the container's name, without Docker's leading slash; also the PTR answer
 * @param aliases the other names it answers to on this network: {@code --network-alias} names and,
 *     on a user-defined network, the short ID and the hostname (see {@link #onUserNetwork})
 * @param address its IPv4 address on this network
 * @param links {@code --link} aliases given on this network, alias to linked container's name: only
 *     this container resolves them
 */
public record DnsEndpoint(
    String containerId,
    String network,
    boolean internal,
    String name,
    List<String> aliases,
    Inet4Address address,
    Map<String, String> links) {
  public DnsEndpoint {
    if (containerId == null || containerId.isEmpty()) {
      throw new IllegalArgumentException("DNS endpoint: empty container ID");
    }
    if (network == null || network.isEmpty()) {
      throw new IllegalArgumentException("DNS endpoint of " + containerId + ": empty network name");
    }
    if (address == null) {
      throw new IllegalArgumentException(
          "DNS endpoint of " + containerId + " on " + network + ": no address");
    }
    aliases = List.copyOf(aliases);
    Map<String, String> lowered = new TreeMap<>();
    links.forEach((alias, target) -> lowered.put(alias.toLowerCase(Locale.ROOT), target));
    links = Map.copyOf(lowered);
  }

  /**
   * An endpoint on a user-defined network with the names Docker 20.10 gives it: the container's
   * name, the {@code --network-alias} names, then the 12-character short ID and, when it differs
   * from the name, the hostname (each added once).
   */
  public static DnsEndpoint onUserNetwork(
      String containerId,
      String name,
      String hostname,
      String network,
      boolean internal,
      List<String> networkAliases,
      Inet4Address address,
      Map<String, String> links) {
    List<String> aliases = new ArrayList<>(networkAliases);
    String shortId = containerId.substring(0, Math.min(12, containerId.length()));
    if (!aliases.contains(shortId)) {
      aliases.add(shortId);
    }
    if (hostname != null && !hostname.equals(name) && !aliases.contains(hostname)) {
      aliases.add(hostname);
    }
    return new DnsEndpoint(containerId, network, internal, name, aliases, address, links);
  }

  /**
   * An endpoint on the default bridge: its name only (Docker refuses aliases there), recorded as
   * Docker records it, so that a container also on a user network resolves it.
   */
  public static DnsEndpoint onDefaultBridge(
      String containerId, String name, String network, Inet4Address address) {
    return new DnsEndpoint(containerId, network, false, name, List.of(), address, Map.of());
  }
}

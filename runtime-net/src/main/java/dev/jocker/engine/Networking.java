package dev.jocker.engine;

import static dev.jocker.engine.EngineException.Kind.INVALID;

import dev.jocker.dns.EtcHosts;
import dev.jocker.dns.Hostnames;
import dev.jocker.dns.ResolvConf;
import dev.jocker.kernel.MacAddress;
import dev.jocker.network.NetworkController;
import dev.jocker.network.ResolverAddOn;
import dev.jocker.network.SandboxRequest;
import dev.jocker.store.ContainerConfig;
import dev.jocker.store.ContainerNetworking;
import dev.jocker.store.ContainerRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A container's networks and name options as Docker 20.10's daemon checks and applies them: what a
 * create may ask ({@code --network-alias}, {@code --dns*}, {@code --add-host}, {@code --link},
 * {@code --mac-address}, {@code --domainname}), what its start asks of the network side (an
 * endpoint per network, the resolver's options), with Docker's messages for what it refuses.
 */
final class Networking {
  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
  private static final Pattern MAC = Pattern.compile("([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}");

  private Networking() {}

  /** Whether {@code network} is a user-defined one (not bridge, host or none). */
  static boolean userDefined(String network) {
    return !List.of(NetworkController.BRIDGE, NetworkController.HOST, NetworkController.NONE)
        .contains(network);
  }

  /**
   * The networking a create asks for, checked: {@code mode} is the network's name, {@code ipv4} its
   * {@code --ip}, {@code links} already resolved to {@code CONTAINER:ALIAS}; {@code hostGateway} is
   * what {@code --add-host NAME:host-gateway} becomes.
   */
  static ContainerNetworking forCreate(
      String mode,
      String ipv4,
      String hostname,
      CreateRequest.Networking o,
      List<String> links,
      String hostGateway) {
    if (!o.aliases().isEmpty() && !userDefined(mode)) {
      throw new EngineException(
          INVALID,
          "network-scoped alias is supported only for containers in user defined networks");
    }
    checkAliases(o.aliases());
    for (String server : o.dns()) {
      if (!IPV4.matcher(server).matches() && !IPV6.matcher(server).matches()) {
        throw new EngineException(INVALID, "IP address is not correctly formatted: " + server);
      }
    }
    for (String word : concat(o.dnsSearch(), o.dnsOptions())) {
      if (word.isEmpty() || word.chars().anyMatch(ch -> Character.isWhitespace(ch) || ch < 32)) {
        throw new EngineException(
            INVALID, "invalid --dns-search or --dns-option " + quote(word) + ": one word each");
      }
    }
    for (String option : o.dnsOptions()) {
      if (option.startsWith("ndots:")) {
        try {
          if (Integer.parseInt(option.substring(6)) < 0) {
            throw new NumberFormatException();
          }
        } catch (NumberFormatException e) {
          throw new EngineException(INVALID, "invalid number for ndots option: " + option);
        }
      }
    }
    for (String host : o.extraHosts()) {
      try {
        EtcHosts.addHost(host, hostGateway);
      } catch (IllegalArgumentException e) {
        throw new EngineException(INVALID, e.getMessage(), e);
      }
    }
    String mac = null;
    if (o.macAddress() != null && !o.macAddress().isEmpty()) {
      if (!MAC.matcher(o.macAddress()).matches()) {
        throw new EngineException(INVALID, o.macAddress() + " is not a valid mac address");
      }
      mac = MacAddress.parse(o.macAddress()).toString();
    }
    checkName("--hostname", hostname);
    String domain = o.domainname() == null || o.domainname().isEmpty() ? null : o.domainname();
    checkName("--domainname", domain);
    boolean joins = !mode.equals(NetworkController.HOST) && !mode.equals(NetworkController.NONE);
    return new ContainerNetworking(
        joins ? List.of(new ContainerNetworking.Attachment(mode, ipv4, o.aliases())) : List.of(),
        o.dns(),
        o.dnsSearch(),
        o.dnsOptions(),
        o.extraHosts(),
        links,
        mac,
        domain);
  }

  /** Refuses an alias that would split an option line or a hosts line. */
  static void checkAliases(List<String> aliases) {
    for (String a : aliases) {
      try {
        Hostnames.validateHostsEntry("--network-alias", a);
      } catch (IllegalArgumentException e) {
        throw new EngineException(INVALID, e.getMessage(), e);
      }
    }
  }

  private static void checkName(String option, String name) {
    if (name == null) {
      return;
    }
    try {
      Hostnames.validate(option, name);
    } catch (IllegalArgumentException e) {
      throw new EngineException(INVALID, e.getMessage(), e);
    }
  }

  /**
   * What the start of {@code c} asks of the network side: an endpoint per network in the order
   * connected ({@code --mac-address} on the one of its network mode), and the resolver's options.
   */
  static SandboxRequest sandboxRequest(ContainerRecord c, String netns) {
    ContainerConfig config = c.config();
    ContainerNetworking n = config.effectiveNetworking();
    List<SandboxRequest.EndpointRequest> endpoints = new ArrayList<>();
    for (ContainerNetworking.Attachment a : n.networks()) {
      endpoints.add(
          new SandboxRequest.EndpointRequest(
              a.network(),
              a.ipv4(),
              a.network().equals(config.networkMode()) ? n.macAddress() : null,
              a.network().equals(config.networkMode())
                  ? withPorts(endpointOptions(a.aliases()), c)
                  : endpointOptions(a.aliases())));
    }
    return new SandboxRequest(c.id(), netns, endpoints, sandboxOptions(c));
  }

  /** The options of the endpoint on the container's network mode: its published ports too. */
  private static Map<String, String> withPorts(Map<String, String> options, ContainerRecord c) {
    Map<String, String> all = new LinkedHashMap<>(options);
    all.putAll(Ports.endpointOptions(c));
    return all;
  }

  /** An endpoint's options: its aliases for the resolver. */
  static Map<String, String> endpointOptions(List<String> aliases) {
    return aliases.isEmpty()
        ? Map.of()
        : Map.of(ResolverAddOn.ALIASES, ResolverAddOn.join(aliases));
  }

  /** The sandbox's options: what the resolver knows of the container. */
  static Map<String, String> sandboxOptions(ContainerRecord c) {
    ContainerNetworking n = c.config().effectiveNetworking();
    Map<String, String> options = new LinkedHashMap<>();
    options.put(ResolverAddOn.NAME, c.name());
    options.put(ResolverAddOn.HOSTNAME, c.config().hostname());
    putLines(options, ResolverAddOn.SERVERS, n.dns());
    putLines(options, ResolverAddOn.SEARCH, n.dnsSearch());
    putLines(options, ResolverAddOn.OPTIONS, n.dnsOptions());
    List<String> links = new ArrayList<>();
    for (String link : n.links()) {
      int colon = link.indexOf(':');
      links.add(link.substring(colon + 1) + "=" + link.substring(0, colon));
    }
    putLines(options, ResolverAddOn.LINKS, links);
    return options;
  }

  private static void putLines(Map<String, String> options, String key, List<String> values) {
    if (!values.isEmpty()) {
      options.put(key, ResolverAddOn.join(values));
    }
  }

  /** The container's {@code --dns}, {@code --dns-search} and {@code --dns-option}. */
  static ResolvConf.DnsSettings dnsSettings(ContainerNetworking n) {
    return new ResolvConf.DnsSettings(n.dns(), n.dnsSearch(), n.dnsOptions());
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static String quote(String s) {
    return "\"" + s.replace("\n", "\\n") + "\"";
  }
}

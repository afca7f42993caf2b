package dev.jocker.cni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The network configuration of {@code "type": "jocker"}, parsed strictly: a key this plugin does
 * not know is the spec's error 2 (naming key and value), a bad value error 7, undecodable input
 * error 6. Defaults are Docker's (the gateway on the bridge, MASQUERADE on), not the reference
 * bridge plugin's.
 *
 * @param cniVersion the version requested
 * @param name the network's name
 * @param bridge the Linux bridge the containers are wired to
 * @param mtu MTU of the bridge and the veths
 * @param isGateway whether the bridge holds the gateway address (and containers route through it)
 * @param isDefaultGateway whether containers get a default route via the gateway
 * @param ipMasq whether traffic from the subnet leaving the bridge is MASQUERADEd
 * @param hairpinMode whether a container's frames may come back through its own bridge port
 * @param dataDir where the plugin keeps its state, or null for the default
 * @param ipam jocker's own address management, or the plugin it is delegated to
 * @param dns what goes into the result's {@code dns}, or null
 * @param prevResult the previous plugin's result (DEL and CHECK: the final ADD result), or null
 * @param validAttachments GC's {@code cni.dev/valid-attachments}, or null when absent
 * @param raw the configuration as received, for delegated plugins
 */
public record NetConf(
    String cniVersion,
    String name,
    String bridge,
    int mtu,
    boolean isGateway,
    boolean isDefaultGateway,
    boolean ipMasq,
    boolean hairpinMode,
    Path dataDir,
    IpamConf ipam,
    ObjectNode dns,
    JsonNode prevResult,
    List<AttachmentId> validAttachments,
    byte[] raw) {

  /** The bridge when the configuration names none. */
  public static final String DEFAULT_BRIDGE = "cni-jocker0";

  /** How the addresses of the network are managed. */
  public sealed interface IpamConf permits JockerIpam, DelegatedIpam {}

  /**
   * jocker's IPAM: one IPv4 range of one subnet.
   *
   * @param subnet the subnet
   * @param first the first address handed out
   * @param last the last address handed out
   * @param gateway the gateway
   * @param routes the routes to install, or null when the configuration gives none
   */
  public record JockerIpam(Subnet subnet, int first, int last, int gateway, List<RouteConf> routes)
      implements IpamConf {}

  /**
   * Another IPAM plugin, run from CNI_PATH with the same environment and configuration.
   *
   * @param type its binary's name
   */
  public record DelegatedIpam(String type) implements IpamConf {}

  /**
   * A route to install in the container.
   *
   * @param dst its destination
   * @param gw its next hop, or null for the network's gateway
   */
  public record RouteConf(Subnet dst, Integer gw) {}

  /**
   * One attachment as GC lists it.
   *
   * @param containerId CNI_CONTAINERID of its ADD
   * @param ifname CNI_IFNAME of its ADD
   */
  public record AttachmentId(String containerId, String ifname) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NETWORK_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");

  /** The protocol's keys and the well-known ones, which any plugin configuration may carry. */
  private static final Set<String> PROTOCOL_KEYS =
      Set.of(
          "cniVersion",
          "cniVersions",
          "name",
          "type",
          "ipam",
          "dns",
          "ipMasq",
          "prevResult",
          "runtimeConfig",
          "args",
          "capabilities");

  private static final Set<String> PLUGIN_KEYS =
      Set.of(
          "bridge",
          "mtu",
          "isGateway",
          "isDefaultGateway",
          "hairpinMode",
          "dataDir",
          "subnet",
          "rangeStart",
          "rangeEnd",
          "gateway",
          "ranges",
          "routes");

  private static final Set<String> ADDRESS_KEYS =
      Set.of("subnet", "rangeStart", "rangeEnd", "gateway", "ranges", "routes");

  private static final Set<String> JOCKER_IPAM_KEYS =
      Set.of("type", "subnet", "rangeStart", "rangeEnd", "gateway", "ranges", "routes", "dataDir");

  /** Reads the bytes as JSON: anything else is the spec's error 6. */
  public static JsonNode decode(byte[] config) {
    try {
      JsonNode node = JSON.readTree(config);
      if (node == null || node.isMissingNode()) {
        throw new CniException(
            CniException.DECODING_FAILURE,
            "failed to decode the network configuration",
            "standard input is empty; expected the network configuration as JSON");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new CniException(
          CniException.DECODING_FAILURE,
          "failed to decode the network configuration",
          "the network configuration is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new CniException(
          CniException.IO_FAILURE,
          "failed to read the network configuration",
          "reading standard input: " + e.getMessage());
    }
  }

  /** The requested cniVersion of a decoded configuration, checked (error 1). */
  public static String version(JsonNode config) {
    if (!config.isObject()) {
      throw new CniException(
          CniException.DECODING_FAILURE,
          "failed to decode the network configuration",
          "the network configuration must be a JSON object, not " + describe(config));
    }
    JsonNode v = config.get("cniVersion");
    return CniVersion.require(v == null || !v.isTextual() ? null : v.asText());
  }

  /** Parses a decoded configuration whose version {@link #version} accepted. */
  public static NetConf parse(JsonNode config, byte[] raw) {
    String version = version(config);
    for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String key = f.getKey();
      if (!PROTOCOL_KEYS.contains(key)
          && !PLUGIN_KEYS.contains(key)
          && !key.startsWith("cni.dev/")) {
        throw unsupported(key, f.getValue(), "the jocker plugin does not know this field");
      }
    }
    String name = text(config, "name", null);
    if (name == null) {
      throw invalid("the network configuration has no \"name\"");
    }
    if (!NETWORK_NAME.matcher(name).matches()) {
      throw invalid(
          "network name \""
              + name
              + "\" must start with a letter or digit, followed by letters, digits, _, . or -");
    }
    String bridge = text(config, "bridge", DEFAULT_BRIDGE);
    String bridgeProblem = CniEnvironment.interfaceNameProblem(bridge);
    if (bridgeProblem != null) {
      throw invalid("bridge \"" + bridge + "\" " + bridgeProblem);
    }
    int mtu = integer(config, "mtu", 1500);
    if (mtu < 68 || mtu > 65535) {
      throw invalid("mtu " + mtu + " must be between 68 and 65535");
    }
    boolean isDefaultGateway = bool(config, "isDefaultGateway", false);
    boolean isGateway = bool(config, "isGateway", true) || isDefaultGateway;
    Path dataDir = path(config, "dataDir");

    JsonNode ipamNode = config.get("ipam");
    IpamConf ipam;
    String ipamType = "jocker";
    if (ipamNode != null && !ipamNode.isNull()) {
      if (!ipamNode.isObject()) {
        throw invalid("\"ipam\" must be an object, not " + describe(ipamNode));
      }
      ipamType = text(ipamNode, "type", null);
      if (ipamType == null || ipamType.isEmpty()) {
        throw invalid("\"ipam\" has no \"type\"; use \"jocker\" or the name of an IPAM plugin");
      }
      if (ipamType.contains("/")) {
        throw invalid("ipam type \"" + ipamType + "\" must be a plugin name, not a path");
      }
    }
    if (ipamType.equals("jocker")) {
      JsonNode source = config;
      if (ipamNode != null && !ipamNode.isNull()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = ipamNode.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          if (!JOCKER_IPAM_KEYS.contains(f.getKey())) {
            throw unsupported(
                "ipam." + f.getKey(), f.getValue(), "jocker's IPAM does not know this field");
          }
        }
        boolean inIpam = ADDRESS_KEYS.stream().anyMatch(ipamNode::has);
        boolean atTop = ADDRESS_KEYS.stream().anyMatch(config::has);
        if (inIpam && atTop) {
          throw invalid(
              "addresses are given twice, at the top and in \"ipam\"; keep one of the two");
        }
        if (inIpam) {
          source = ipamNode;
        }
        Path ipamDir = path(ipamNode, "dataDir");
        if (ipamDir != null) {
          if (dataDir != null && !dataDir.equals(ipamDir)) {
            throw invalid("dataDir is given twice, as " + dataDir + " and ipam's " + ipamDir);
          }
          dataDir = ipamDir;
        }
      }
      ipam = jockerIpam(source, source == config ? "" : "ipam.");
    } else {
      for (String key : ADDRESS_KEYS) {
        if (config.has(key)) {
          throw invalid(
              "\""
                  + key
                  + "\" is jocker's own IPAM's; with \"ipam\": {\"type\": \""
                  + ipamType
                  + "\"} it belongs in the ipam section, for "
                  + ipamType
                  + " to read");
        }
      }
      ipam = new DelegatedIpam(ipamType);
    }

    ObjectNode dns = dns(config.get("dns"));
    JsonNode prevResult = config.get("prevResult");
    if (prevResult != null && prevResult.isNull()) {
      prevResult = null;
    }
    if (prevResult != null && !prevResult.isObject()) {
      throw new CniException(
          CniException.DECODING_FAILURE,
          "failed to decode prevResult",
          "prevResult must be a result object, not " + describe(prevResult));
    }
    List<AttachmentId> valid = validAttachments(config.get("cni.dev/valid-attachments"));
    return new NetConf(
        version,
        name,
        bridge,
        mtu,
        isGateway,
        isDefaultGateway,
        bool(config, "ipMasq", true),
        bool(config, "hairpinMode", false),
        dataDir,
        ipam,
        dns,
        prevResult,
        valid,
        raw);
  }

  private static JockerIpam jockerIpam(JsonNode source, String prefix) {
    JsonNode rangeNode = source;
    String where = prefix;
    JsonNode ranges = source.get("ranges");
    if (ranges != null) {
      if (source.has("subnet")
          || source.has("rangeStart")
          || source.has("rangeEnd")
          || source.has("gateway")) {
        throw invalid(
            "give either \"ranges\" or \"subnet\" (with rangeStart, rangeEnd, gateway), not both");
      }
      if (!ranges.isArray()
          || ranges.size() != 1
          || !ranges.get(0).isArray()
          || ranges.get(0).size() != 1
          || !ranges.get(0).get(0).isObject()) {
        throw unsupported(
            prefix + "ranges",
            ranges,
            "jocker hands out one IPv4 range per network: give one range set of one range,"
                + " [[{\"subnet\": ...}]]");
      }
      rangeNode = ranges.get(0).get(0);
      where = prefix + "ranges[0][0].";
      for (Iterator<String> it = rangeNode.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!Set.of("subnet", "rangeStart", "rangeEnd", "gateway").contains(key)) {
          throw unsupported(where + key, rangeNode.get(key), "a range has no such field");
        }
      }
    }
    String subnetText = text(rangeNode, "subnet", null);
    if (subnetText == null) {
      throw invalid(
          "no subnet: give \"subnet\", or \"ipam\": {\"type\": \"jocker\", \"ranges\":"
              + " [[{\"subnet\": \"10.88.0.0/16\"}]]}");
    }
    if (subnetText.contains(":")) {
      throw unsupported(
          where + "subnet", rangeNode.get("subnet"), "jocker's CNI networks are IPv4 only");
    }
    Subnet subnet;
    try {
      subnet = Subnet.parse(subnetText);
    } catch (IpamException e) {
      throw invalid(where + "subnet: " + e.getMessage());
    }
    if (subnet.prefixLength() > 30) {
      throw invalid(
          where
              + "subnet "
              + subnet
              + " has no room for a gateway and containers; use a /30 or larger");
    }
    if (subnet.prefixLength() < 8) {
      throw invalid(
          where + "subnet " + subnet + " is too large for one bridge; use a /8 or smaller");
    }
    int gateway = hostAddress(rangeNode, where, "gateway", subnet, subnet.firstHost());
    int first = hostAddress(rangeNode, where, "rangeStart", subnet, subnet.network() + 1);
    int last = hostAddress(rangeNode, where, "rangeEnd", subnet, subnet.broadcast() - 1);
    if (Integer.compareUnsigned(first, last) > 0) {
      throw invalid(
          where + "rangeStart " + Ipv4.format(first) + " is after rangeEnd " + Ipv4.format(last));
    }
    List<RouteConf> routes = routes(source.get("routes"), prefix + "routes");
    return new JockerIpam(subnet, first, last, gateway, routes);
  }

  private static int hostAddress(
      JsonNode node, String where, String key, Subnet subnet, int fallback) {
    String text = text(node, key, null);
    if (text == null) {
      return fallback;
    }
    int address;
    try {
      address = Ipv4.parse(text);
    } catch (IpamException e) {
      throw invalid(where + key + ": " + e.getMessage());
    }
    if (!subnet.contains(address) || address == subnet.network() || address == subnet.broadcast()) {
      throw invalid(where + key + " " + text + " is not a host address of subnet " + subnet);
    }
    return address;
  }

  private static List<RouteConf> routes(JsonNode node, String where) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isArray()) {
      throw invalid(where + " must be a list of {\"dst\": CIDR, \"gw\": address}");
    }
    List<RouteConf> routes = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode r = node.get(i);
      String at = where + "[" + i + "]";
      if (!r.isObject()) {
        throw invalid(at + " must be an object {\"dst\": CIDR, \"gw\": address}");
      }
      for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!key.equals("dst") && !key.equals("gw")) {
          throw unsupported(at + "." + key, r.get(key), "jocker installs routes by dst and gw");
        }
      }
      String dst = text(r, "dst", null);
      if (dst == null) {
        throw invalid(at + " has no \"dst\"");
      }
      if (dst.contains(":")) {
        throw unsupported(at + ".dst", r.get("dst"), "jocker's CNI networks are IPv4 only");
      }
      Subnet d;
      Integer gw = null;
      try {
        d = Subnet.parse(dst);
        String gwText = text(r, "gw", null);
        if (gwText != null) {
          gw = Ipv4.parse(gwText);
        }
      } catch (IpamException e) {
        throw invalid(at + ": " + e.getMessage());
      }
      routes.add(new RouteConf(d, gw));
    }
    return List.copyOf(routes);
  }

  private static ObjectNode dns(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw invalid("\"dns\" must be an object, not " + describe(node));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      switch (f.getKey()) {
        case "domain" -> {
          if (!f.getValue().isTextual()) {
            throw invalid("dns.domain must be a string, not " + describe(f.getValue()));
          }
        }
        case "nameservers", "search", "options" -> {
          JsonNode list = f.getValue();
          boolean strings = list.isArray();
          for (JsonNode e : list) {
            strings &= e.isTextual();
          }
          if (!strings) {
            throw invalid("dns." + f.getKey() + " must be a list of strings");
          }
        }
        default ->
            throw unsupported(
                "dns." + f.getKey(), f.getValue(), "the spec's dns has no such field");
      }
    }
    return (ObjectNode) node;
  }

  private static List<AttachmentId> validAttachments(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isArray()) {
      throw invalid("cni.dev/valid-attachments must be a list, not " + describe(node));
    }
    List<AttachmentId> out = new ArrayList<>();
    for (JsonNode a : node) {
      String id = a.path("containerID").asText("");
      String ifname = a.path("ifname").asText("");
      if (!a.isObject() || id.isEmpty() || ifname.isEmpty()) {
        throw invalid(
            "each entry of cni.dev/valid-attachments needs a containerID and an ifname: " + a);
      }
      out.add(new AttachmentId(id, ifname));
    }
    return List.copyOf(out);
  }

  private static String text(JsonNode node, String key, String fallback) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isTextual()) {
      throw invalid(key + " must be a string, not " + describe(v));
    }
    return v.asText();
  }

  private static boolean bool(JsonNode node, String key, boolean fallback) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw invalid(key + " must be true or false, not " + describe(v));
    }
    return v.asBoolean();
  }

  private static int integer(JsonNode node, String key, int fallback) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw invalid(key + " must be a whole number, not " + describe(v));
    }
    return v.asInt();
  }

  private static Path path(JsonNode node, String key) {
    String text = text(node, key, null);
    if (text == null) {
      return null;
    }
    Path p = Path.of(text);
    if (!p.isAbsolute()) {
      throw invalid(key + " \"" + text + "\" must be an absolute path");
    }
    return p;
  }

  private static String describe(JsonNode v) {
    String text = v.toString();
    return text.length() > 60 ? text.substring(0, 60) + "…" : text;
  }

  private static CniException invalid(String details) {
    return new CniException(CniException.INVALID_CONFIG, "invalid network configuration", details);
  }

  private static CniException unsupported(String key, JsonNode value, String why) {
    return new CniException(
        CniException.UNSUPPORTED_FIELD,
        "unsupported field in network configuration",
        "unsupported field \"" + key + "\": " + describe(value) + " (" + why + ")");
  }
}

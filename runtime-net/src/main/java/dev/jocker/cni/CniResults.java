package dev.jocker.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jocker.cni.CniBackend.Attached;
import dev.jocker.cni.CniBackend.RouteSpec;
import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The spec's result types for every supported version, as JSON: ADD's result (from what the backend
 * made, or merged into a previous plugin's), VERSION's, the error result, and reading the results
 * of others (a delegated IPAM plugin's, the runtime's prevResult).
 */
public final class CniResults {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CniResults() {}

  /**
   * What a delegated IPAM plugin handed out: its first IPv4 address.
   *
   * @param address the address
   * @param prefixLength its prefix length
   * @param gateway the gateway, or null
   * @param routes its routes, each next hop resolved to the gateway where it gave none
   * @param dns its dns, or null
   */
  public record IpamAnswer(
      int address, int prefixLength, Integer gateway, List<RouteSpec> routes, ObjectNode dns) {}

  /** VERSION's result. */
  public static ObjectNode version(String cniVersion) {
    ObjectNode out = JSON.createObjectNode();
    out.put("cniVersion", cniVersion);
    ArrayNode versions = out.putArray("supportedVersions");
    CniVersion.SUPPORTED.forEach(versions::add);
    return out;
  }

  /** The error result. */
  public static ObjectNode error(String cniVersion, CniException e) {
    ObjectNode out = JSON.createObjectNode();
    out.put("cniVersion", cniVersion);
    out.put("code", e.code());
    out.put("msg", e.msg());
    out.put("details", e.details());
    return out;
  }

  /**
   * ADD's result in {@code version}: the bridge, the host's veth and the container's interface (in
   * that order, as the reference bridge plugin lists them), the address on the container's
   * interface, the routes and the dns. With a {@code prevResult} (jocker after another plugin in a
   * chain) its entries come first and jocker's are appended.
   */
  public static ObjectNode add(
      String version,
      String bridge,
      int mtu,
      String ifname,
      String netns,
      Attached a,
      ObjectNode dns,
      JsonNode prevResult) {
    ObjectNode out = JSON.createObjectNode();
    out.put("cniVersion", version);
    ArrayNode interfaces = out.putArray("interfaces");
    ArrayNode ips = out.putArray("ips");
    ArrayNode routes = out.putArray("routes");
    ObjectNode outDns = JSON.createObjectNode();
    if (prevResult != null) {
      prevResult.path("interfaces").forEach(interfaces::add);
      for (JsonNode ip : prevResult.path("ips")) {
        ips.add(ipFor(version, (ObjectNode) ip.deepCopy()));
      }
      prevResult.path("routes").forEach(routes::add);
      if (prevResult.path("dns").isObject()) {
        outDns.setAll((ObjectNode) prevResult.get("dns").deepCopy());
      }
    }
    int base = interfaces.size();
    interfaces.add(iface(version, bridge, a.bridgeMac().toString(), mtu, null));
    interfaces.add(iface(version, a.hostVeth(), a.hostMac().toString(), mtu, null));
    interfaces.add(iface(version, ifname, a.containerMac().toString(), mtu, netns));
    ObjectNode ip = JSON.createObjectNode();
    ip.put("address", a.address().getHostAddress() + "/" + a.prefixLength());
    if (a.gateway() != null) {
      ip.put("gateway", Ipv4.format(a.gateway()));
    }
    ip.put("interface", base + 2);
    ips.add(ipFor(version, ip));
    for (RouteSpec r : a.routes()) {
      ObjectNode route = routes.addObject();
      route.put("dst", r.dst().toString());
      if (r.gw() != null) {
        route.put("gw", Ipv4.format(r.gw()));
      }
    }
    if (dns != null) {
      outDns.setAll(dns.deepCopy());
    }
    out.set("dns", outDns);
    return out;
  }

  private static ObjectNode iface(
      String version, String name, String mac, int mtu, String sandbox) {
    ObjectNode i = JSON.createObjectNode();
    i.put("name", name);
    i.put("mac", mac);
    if (CniVersion.atLeast(version, "1.1.0")) {
      i.put("mtu", mtu);
    }
    if (sandbox != null) {
      i.put("sandbox", sandbox);
    }
    return i;
  }

  /** An ips entry in {@code version}'s shape: {@code "version": "4"} before 1.0.0 only. */
  private static ObjectNode ipFor(String version, ObjectNode ip) {
    ObjectNode out = JSON.createObjectNode();
    if (CniVersion.ipsCarryVersion(version)) {
      out.put("version", ip.path("address").asText().contains(":") ? "6" : "4");
    }
    ip.fields()
        .forEachRemaining(
            f -> {
              if (!f.getKey().equals("version")) {
                out.set(f.getKey(), f.getValue());
              }
            });
    return out;
  }

  /**
   * The address the runtime's prevResult gives interface {@code ifname} in {@code netns}, such as
   * {@code 10.88.0.2/16}; null when it lists that interface without an IPv4 address. A prevResult
   * that lists no such interface is the spec's error for CHECK: the attachment is not what ADD
   * made.
   */
  public static String expectedAddress(JsonNode prevResult, String ifname, String netns) {
    JsonNode interfaces = prevResult.path("interfaces");
    int index = -1;
    for (int i = 0; i < interfaces.size(); i++) {
      JsonNode iface = interfaces.get(i);
      if (iface.path("name").asText().equals(ifname)
          && iface.path("sandbox").asText().equals(netns)) {
        index = i;
      }
    }
    if (index < 0) {
      throw new CniException(
          CniException.ATTACHMENT_DAMAGED,
          "attachment damaged",
          "prevResult lists no interface " + ifname + " in " + netns);
    }
    for (JsonNode ip : prevResult.path("ips")) {
      String address = ip.path("address").asText("");
      if (ip.path("interface").asInt(-1) == index && !address.contains(":")) {
        return address;
      }
    }
    return null;
  }

  /** Reads a delegated IPAM plugin's ADD result. */
  public static IpamAnswer ipamAnswer(String plugin, byte[] out) {
    JsonNode result;
    try {
      result = JSON.readTree(out);
    } catch (IOException e) {
      throw badAnswer(plugin, "its ADD result is not JSON: " + e.getMessage());
    }
    if (result == null || !result.isObject()) {
      throw badAnswer(plugin, "its ADD result is not a JSON object");
    }
    for (JsonNode ip : result.path("ips")) {
      String cidr = ip.path("address").asText("");
      if (cidr.isEmpty() || cidr.contains(":")) {
        continue;
      }
      try {
        Subnet net = Subnet.containing(cidr);
        int address = Ipv4.parse(cidr.substring(0, cidr.indexOf('/')));
        Integer gateway = ip.hasNonNull("gateway") ? Ipv4.parse(ip.get("gateway").asText()) : null;
        List<RouteSpec> routes = new ArrayList<>();
        for (JsonNode r : result.path("routes")) {
          String dst = r.path("dst").asText("");
          if (dst.contains(":")) {
            continue;
          }
          Integer gw =
              r.hasNonNull("gw") ? Integer.valueOf(Ipv4.parse(r.get("gw").asText())) : gateway;
          routes.add(new RouteSpec(Subnet.parse(dst), gw));
        }
        ObjectNode dns = result.path("dns").isObject() ? (ObjectNode) result.get("dns") : null;
        return new IpamAnswer(address, net.prefixLength(), gateway, List.copyOf(routes), dns);
      } catch (IpamException e) {
        throw badAnswer(
            plugin, "its ADD result has an unusable address or route: " + e.getMessage());
      }
    }
    throw badAnswer(plugin, "its ADD result has no IPv4 address: " + result);
  }

  private static CniException badAnswer(String plugin, String details) {
    return new CniException(
        CniException.DELEGATE_FAILED,
        "delegated plugin failed",
        "IPAM plugin " + plugin + ": " + details);
  }
}

package dev.jocker.portmap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code -p}/{@code --publish} and {@code --expose} read exactly as Docker 20.10's client reads
 * them ({@code docker/cli} with {@code go-connections/nat}), with its error texts, and the daemon's
 * own check of bindings that arrive through the API.
 */
public final class PortSpecs {
  private PortSpecs() {}

  /**
   * Equivalent to the client's {@code nat.ParsePortSpecs} over {@code -p} values (short {@code
   * [ip:][hostPort:]containerPort[/proto]} or long {@code target=80,published=8080,protocol=udp}),
   * then {@code --expose} values merged into the exposed ports.
   *
   * @throws PortSpecException with Docker's message, e.g. {@code Invalid hostPort: 70000}
   */
  public static PortConfig parse(List<String> publish, List<String> expose) {
    SortedSet<String> exposed = new TreeSet<>();
    SortedMap<String, List<HostBinding>> bindings = new TreeMap<>();
    for (String raw : publish) {
      for (Map.Entry<String, HostBinding> mapping : parseSpec(standardNotation(raw))) {
        exposed.add(mapping.getKey());
        bindings.computeIfAbsent(mapping.getKey(), k -> new ArrayList<>()).add(mapping.getValue());
      }
    }
    for (String e : expose) {
      if (e.contains(":")) {
        throw new PortSpecException("invalid port format for --expose: " + e);
      }
      String[] protoPort = GoText.splitProtoPort(e);
      int[] range;
      try {
        range = GoText.parsePortRange(protoPort[1]);
      } catch (PortSpecException err) {
        throw new PortSpecException(
            "invalid range format for --expose: " + e + ", error: " + err.getMessage());
      }
      for (int p = range[0]; p <= range[1]; p++) {
        exposed.add(p + "/" + protoPort[0]);
      }
    }
    return new PortConfig(exposed, bindings);
  }

  /**
   * The daemon's {@code validatePortBindings}, for bindings that did not come through the client.
   *
   * @throws PortSpecException e.g. {@code invalid port specification: "abc"}
   */
  public static void validate(Map<String, List<HostBinding>> portBindings) {
    for (Map.Entry<String, List<HostBinding>> e : portBindings.entrySet()) {
      String port = GoText.splitProtoPort(e.getKey())[1];
      try {
        GoText.parsePort(port);
      } catch (PortSpecException err) {
        throw new PortSpecException("invalid port specification: " + GoText.quote(port));
      }
      for (HostBinding b : e.getValue() == null ? List.<HostBinding>of() : e.getValue()) {
        String hostPort = b.hostPort() == null ? "" : b.hostPort();
        try {
          GoText.parsePortRangeToInt(GoText.splitProtoPort(hostPort)[1]);
        } catch (PortSpecException err) {
          throw new PortSpecException("invalid port specification: " + GoText.quote(hostPort));
        }
      }
    }
  }

  /**
   * {@code nat.ParsePortRange}: the first and last port of {@code 80} or {@code 8000-8002}, for
   * what names container ports elsewhere ({@code ps --filter publish=}).
   *
   * @throws PortSpecException with Go's text, e.g. {@code strconv.ParseUint: parsing "abc": invalid
   *     syntax}
   */
  public static int[] portRange(String ports) {
    return GoText.parsePortRange(ports);
  }

  /** The client's {@code convertToStandardNotation}: the long syntax becomes the short one. */
  private static String standardNotation(String publish) {
    if (!publish.contains("=")) {
      return publish;
    }
    Map<String, String> params = new HashMap<>();
    params.put("protocol", "tcp");
    for (String param : publish.split(",", -1)) {
      String[] opt = param.split("=", -1);
      if (opt.length < 2) {
        throw new PortSpecException(
            "invalid publish opts format (should be name=value but got '" + param + "')");
      }
      params.put(opt[0], opt[1]);
    }
    return params.getOrDefault("published", "")
        + ":"
        + params.getOrDefault("target", "")
        + "/"
        + params.get("protocol");
  }

  /** {@code nat.ParsePortSpec}: one spec, possibly a range, as (port key, binding) pairs. */
  private static List<Map.Entry<String, HostBinding>> parseSpec(String rawPort) {
    String[] parts = rawPort.split(":", -1);
    int n = parts.length;
    String rawIp;
    String hostPort;
    String containerPort = parts[n - 1];
    switch (n) {
      case 1 -> {
        rawIp = "";
        hostPort = "";
      }
      case 2 -> {
        rawIp = "";
        hostPort = parts[0];
      }
      case 3 -> {
        rawIp = parts[0];
        hostPort = parts[1];
      }
      default -> {
        rawIp = String.join(":", java.util.Arrays.copyOfRange(parts, 0, n - 2));
        hostPort = parts[n - 2];
      }
    }
    String[] protoPort = GoText.splitProtoPort(containerPort);
    String proto = protoPort[0];
    containerPort = protoPort[1];

    String ip = splitHost(rawIp + ":", rawIp);
    if (!ip.isEmpty() && IpText.parse(ip) == null) {
      throw new PortSpecException("Invalid ip address: " + ip);
    }
    if (containerPort.isEmpty()) {
      throw new PortSpecException("No port specified: " + rawPort + "<empty>");
    }
    int[] container;
    try {
      container = GoText.parsePortRange(containerPort);
    } catch (PortSpecException e) {
      throw new PortSpecException("Invalid containerPort: " + containerPort);
    }
    int[] host = {0, 0};
    if (!hostPort.isEmpty()) {
      try {
        host = GoText.parsePortRange(hostPort);
      } catch (PortSpecException e) {
        throw new PortSpecException("Invalid hostPort: " + hostPort);
      }
    }
    if (!hostPort.isEmpty()
        && container[1] - container[0] != host[1] - host[0]
        && container[1] != container[0]) {
      // A host range with one container port is where an ephemeral port is taken from.
      throw new PortSpecException(
          "Invalid ranges specified for container and host Ports: "
              + containerPort
              + " and "
              + hostPort);
    }
    String lower = proto.toLowerCase(Locale.ROOT);
    if (!lower.equals("tcp") && !lower.equals("udp") && !lower.equals("sctp")) {
      throw new PortSpecException("Invalid proto: " + proto);
    }
    List<Map.Entry<String, HostBinding>> out = new ArrayList<>();
    for (int i = 0; i <= container[1] - container[0]; i++) {
      if (!hostPort.isEmpty()) {
        hostPort = Integer.toString(host[0] + i);
      }
      if (container[0] == container[1] && host[0] != host[1]) {
        hostPort = hostPort + "-" + host[1];
      }
      out.add(Map.entry((container[0] + i) + "/" + lower, new HostBinding(ip, hostPort)));
    }
    return out;
  }

  /**
   * The host part of Go's {@code net.SplitHostPort(hostport)} (brackets around IPv6 dropped), or
   * Docker's {@code Invalid ip address RAW: address …} error for what it refuses.
   */
  private static String splitHost(String hostport, String rawIp) {
    int i = hostport.lastIndexOf(':');
    int j = 0;
    int k = 0;
    String host;
    if (hostport.charAt(0) == '[') {
      int end = hostport.indexOf(']');
      if (end < 0) {
        throw badIp(rawIp, hostport, "missing ']' in address");
      }
      if (end + 1 == hostport.length()) {
        throw badIp(rawIp, hostport, "missing port in address");
      } else if (end + 1 != i) {
        throw badIp(
            rawIp,
            hostport,
            hostport.charAt(end + 1) == ':'
                ? "too many colons in address"
                : "missing port in address");
      }
      host = hostport.substring(1, end);
      j = 1;
      k = end + 1;
    } else {
      host = hostport.substring(0, i);
      if (host.indexOf(':') >= 0) {
        throw badIp(rawIp, hostport, "too many colons in address");
      }
    }
    if (hostport.indexOf('[', j) >= 0) {
      throw badIp(rawIp, hostport, "unexpected '[' in address");
    }
    if (hostport.indexOf(']', k) >= 0) {
      throw badIp(rawIp, hostport, "unexpected ']' in address");
    }
    return host;
  }

  private static PortSpecException badIp(String rawIp, String hostport, String why) {
    return new PortSpecException(
        "Invalid ip address " + rawIp + ": address " + hostport + ": " + why);
  }
}

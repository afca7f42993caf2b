package dev.jocker.portmap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What inspect, {@code ps} and {@code port} show of a container's ports, as pure functions with
 * Docker 20.10's texts: the daemon's {@code NetworkSettings.Ports} and {@code /containers/json}
 * {@code Ports}, the client's {@code PORTS} column and {@code docker port} output.
 */
public final class PortViews {
  private PortViews() {}

  /**
   * {@code NetworkSettings.Ports} of a running container: every exposed port, with the bindings
   * taken for it in the order they were taken, or null when it is not published. A container that
   * is not running has none (an empty map).
   */
  public static SortedMap<String, List<HostBinding>> networkSettingsPorts(
      Iterable<String> exposedPorts, List<PublishedPort> published) {
    SortedMap<String, List<HostBinding>> out = new TreeMap<>();
    for (String key : exposedPorts) {
      out.put(PortPlan.portNumber(key) + "/" + PortPlan.proto(key), null);
    }
    for (PublishedPort p : published) {
      String key = p.containerPort() + "/" + p.proto();
      List<HostBinding> list = out.get(key);
      if (list == null) {
        list = new ArrayList<>();
        out.put(key, list);
      }
      list.add(new HostBinding(p.hostIp(), Integer.toString(p.hostPort())));
    }
    return out;
  }

  /** The {@code Ports} list of {@code GET /containers/json} for {@code NetworkSettings.Ports}. */
  public static List<PortSummary> summaries(Map<String, List<HostBinding>> ports) {
    List<PortSummary> out = new ArrayList<>();
    for (Map.Entry<String, List<HostBinding>> e : ports.entrySet()) {
      String[] protoPort = GoText.splitProtoPort(e.getKey());
      int privatePort;
      try {
        privatePort = GoText.parsePort(protoPort[1]);
      } catch (PortSpecException skipped) {
        continue;
      }
      if (e.getValue() == null || e.getValue().isEmpty()) {
        out.add(new PortSummary("", privatePort, 0, protoPort[0]));
        continue;
      }
      for (HostBinding b : e.getValue()) {
        try {
          out.add(
              new PortSummary(
                  b.hostIp(), privatePort, GoText.parsePort(b.hostPort()), protoPort[0]));
        } catch (PortSpecException skipped) {
          continue;
        }
      }
    }
    return out;
  }

  /**
   * The {@code PORTS} column of {@code ps}, the 20.10 client's {@code DisplayablePorts}: e.g.
   * {@code 0.0.0.0:8080->80/tcp, :::8080->80/tcp}; consecutive ports published on the same numbers
   * are grouped ({@code 0.0.0.0:8000-8002->8000-8002/tcp}), exposed-only ports listed as {@code
   * 90/tcp}.
   */
  public static String psColumn(List<PortSummary> ports) {
    record Group(int first, int last) {}
    List<PortSummary> sorted =
        ports.stream()
            .sorted(
                Comparator.comparingInt(PortSummary::privatePort)
                    .thenComparing(PortSummary::ip)
                    .thenComparingInt(PortSummary::publicPort)
                    .thenComparing(PortSummary::type))
            .toList();
    Map<String, Group> groups = new LinkedHashMap<>();
    List<String> result = new ArrayList<>();
    List<String> hostMappings = new ArrayList<>();
    for (PortSummary port : sorted) {
      int current = port.privatePort();
      String key = port.type();
      if (!port.ip().isEmpty()) {
        if (port.publicPort() != current) {
          hostMappings.add(
              port.ip() + ":" + port.publicPort() + "->" + port.privatePort() + "/" + port.type());
          continue;
        }
        key = port.ip() + "/" + port.type();
      }
      Group group = groups.get(key);
      if (group == null) {
        groups.put(key, new Group(current, current));
        continue;
      }
      if (current == group.last() + 1) {
        groups.put(key, new Group(group.first(), current));
        continue;
      }
      result.add(formGroup(key, group.first(), group.last()));
      groups.put(key, new Group(current, current));
    }
    groups.forEach((key, g) -> result.add(formGroup(key, g.first(), g.last())));
    result.addAll(hostMappings);
    return String.join(", ", result);
  }

  /**
   * {@code docker port CONTAINER [PRIVATE_PORT[/PROTO]]} as the 20.10 client prints it: without a
   * port, a line {@code 80/tcp -> 0.0.0.0:8080} per binding (ports in key order; Docker's order is
   * a map's, random); with one, a line {@code 0.0.0.0:8080} per binding.
   *
   * @param container the container as the user named it, for the error
   * @param ports the container's {@code NetworkSettings.Ports}
   * @param privatePort the optional argument, or null
   * @throws PortSpecException with the client's text, e.g. {@code Error: No public port '80/udp'
   *     published for web}
   */
  public static List<String> portCommand(
      String container, Map<String, List<HostBinding>> ports, String privatePort) {
    List<String> lines = new ArrayList<>();
    if (privatePort == null) {
      for (Map.Entry<String, List<HostBinding>> e : new TreeMap<>(ports).entrySet()) {
        if (e.getValue() != null) {
          for (HostBinding b : e.getValue()) {
            lines.add(e.getKey() + " -> " + b.hostIp() + ":" + b.hostPort());
          }
        }
      }
      return lines;
    }
    String port = privatePort;
    String proto = "tcp";
    String[] parts = privatePort.split("/", 2);
    if (parts.length == 2 && !parts[1].isEmpty()) {
      port = parts[0];
      proto = parts[1];
    }
    int[] range = GoText.parsePortRangeToInt(port);
    String key = (range[0] == range[1] ? "" + range[0] : range[0] + "-" + range[1]) + "/" + proto;
    List<HostBinding> frontends = ports.get(key);
    if (frontends == null) {
      throw new PortSpecException(
          "Error: No public port '" + port + "/" + proto + "' published for " + container);
    }
    for (HostBinding b : frontends) {
      lines.add(b.hostIp() + ":" + b.hostPort());
    }
    return lines;
  }

  private static String formGroup(String key, int start, int last) {
    String[] parts = key.split("/", -1);
    String type = parts[0];
    String ip = "";
    if (parts.length > 1) {
      ip = parts[0];
      type = parts[1];
    }
    String group = start == last ? Integer.toString(start) : start + "-" + last;
    if (!ip.isEmpty()) {
      group = ip + ":" + group + "->" + group;
    }
    return group + "/" + type;
  }
}

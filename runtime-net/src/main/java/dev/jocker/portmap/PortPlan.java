package dev.jocker.portmap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The daemon's side of port publishing before any port is taken: which container ports a container
 * exposes and which host bindings it asks for, in the order Docker allocates them ({@code
 * daemon/container_operations.go} with {@code nat.SortPortMap}).
 */
public final class PortPlan {
  private PortPlan() {}

  /**
   * The bindings to allocate, in Docker's order: ports with a higher requested host port first,
   * then higher container ports, TCP before other protocols of the same port. Only exposed ports
   * are published (Docker's client exposes every {@code -p} port); with {@code publishAll} ({@code
   * -P}) an exposed port without binding gets an ephemeral one.
   *
   * <p>Docker sorts with a comparison that is not a total order when host and container ports
   * disagree ({@code -p 9000:53 -p 8000:80}) and starts from a map's random order, so its order
   * then varies from run to run; this is the order it gives whenever its comparison is consistent,
   * and one of the orders it gives otherwise.
   */
  public static List<PortRequest> requests(
      Set<String> exposedPorts, Map<String, List<HostBinding>> portBindings, boolean publishAll) {
    record Entry(String key, int port, int hostPort, String proto, HostBinding binding) {}
    List<Entry> entries = new ArrayList<>();
    for (String key : exposedPorts) {
      List<HostBinding> bindings = portBindings.get(key);
      if (bindings == null || bindings.isEmpty()) {
        entries.add(new Entry(key, portNumber(key), 0, proto(key), null));
        continue;
      }
      for (HostBinding b : bindings) {
        entries.add(new Entry(key, portNumber(key), hostPortOrZero(b.hostPort()), proto(key), b));
      }
    }
    entries.sort(
        Comparator.comparingInt((Entry e) -> -e.hostPort())
            .thenComparingInt(e -> -e.port())
            .thenComparingInt(e -> e.proto().equals("tcp") ? 0 : 1));
    List<String> ports = new ArrayList<>();
    for (Entry e : entries) {
      if (!ports.contains(e.key())) {
        ports.add(e.key());
      }
    }
    List<PortRequest> out = new ArrayList<>();
    for (String key : ports) {
      List<Entry> forPort = entries.stream().filter(e -> e.key().equals(key)).toList();
      boolean bound = false;
      for (Entry e : forPort) {
        if (e.binding() == null) {
          continue;
        }
        bound = true;
        String hostPort = e.binding().hostPort() == null ? "" : e.binding().hostPort();
        int[] range = GoText.parsePortRangeToInt(GoText.splitProtoPort(hostPort)[1]);
        String ip = e.binding().hostIp() == null ? null : IpText.canonical(e.binding().hostIp());
        out.add(new PortRequest(e.proto(), e.port(), ip == null ? "" : ip, range[0], range[1]));
      }
      if (publishAll && !bound) {
        out.add(new PortRequest(proto(key), portNumber(key), "", 0, 0));
      }
    }
    return List.copyOf(out);
  }

  /** {@code nat.Port.Int()}: the number, 0 when it is not one. */
  static int portNumber(String key) {
    try {
      return GoText.parsePort(GoText.splitProtoPort(key)[1]);
    } catch (PortSpecException e) {
      return 0;
    }
  }

  /** libnetwork's {@code ParseProtocol(...).String()}: the protocols it knows, else "0". */
  static String proto(String key) {
    String p = GoText.splitProtoPort(key)[0].toLowerCase(Locale.ROOT);
    return switch (p) {
      case "tcp", "udp", "sctp", "icmp" -> p;
      default -> "0";
    };
  }

  /** {@code nat.toInt} of a requested host port: its first port, 0 when there is none. */
  private static int hostPortOrZero(String hostPort) {
    try {
      return GoText.parsePortRange(hostPort == null ? "" : hostPort)[0];
    } catch (PortSpecException e) {
      return 0;
    }
  }
}

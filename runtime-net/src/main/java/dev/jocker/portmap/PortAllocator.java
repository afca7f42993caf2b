package dev.jocker.portmap;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Host ports taken, per host address, protocol and port, as libnetwork's {@code portallocator}:
 * {@code 0.0.0.0} and {@code ::} (and every specific address) are separate, a requested port is
 * taken or refused, and an ephemeral one is the next free port after the last one handed out in its
 * range, starting at the beginning of {@code net.ipv4.ip_local_port_range} (32768, 32769, … by
 * default). Memory only: {@link PortMapper} keeps the durable record and marks it here at start.
 */
public final class PortAllocator {
  /** libnetwork's range when the kernel's cannot be read. */
  public static final int FALLBACK_BEGIN = 49153;

  public static final int FALLBACK_END = 65535;

  private static final class Range {
    final int begin;
    final int end;
    int last;

    Range(int begin, int end) {
      this.begin = begin;
      this.end = end;
      this.last = end;
    }
  }

  private static final class Ports {
    final Set<Integer> taken = new HashSet<>();
    final Map<String, Range> ranges = new HashMap<>();
  }

  private final int begin;
  private final int end;
  private final Map<String, Ports> byIpAndProto = new HashMap<>();

  /** Ephemeral ports from {@code begin} to {@code end}. */
  public PortAllocator(int begin, int end) {
    this.begin = begin;
    this.end = end;
  }

  /**
   * Ephemeral ports from the kernel's {@code net.ipv4.ip_local_port_range} value ({@code "32768
   * 60999"}); libnetwork's fallback when it cannot be read.
   */
  public static PortAllocator ofLocalPortRange(String value) {
    String[] parts = value == null ? new String[0] : value.strip().split("\\s+");
    try {
      if (parts.length == 2) {
        return new PortAllocator(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
      }
    } catch (NumberFormatException e) {
      // libnetwork falls back in the same way.
    }
    return new PortAllocator(FALLBACK_BEGIN, FALLBACK_END);
  }

  /** The first ephemeral port. */
  public int begin() {
    return begin;
  }

  /** The last ephemeral port. */
  public int end() {
    return end;
  }

  /**
   * Takes a port of {@code hostIp}/{@code proto}: {@code start} itself when {@code start == end >
   * 0}, else the next free one in {@code start-end}, or in the ephemeral range when both are 0.
   *
   * @throws PortMapException {@code Bind for 0.0.0.0:8080 failed: port is already allocated},
   *     {@code all ports are allocated}, {@code invalid port range: 90-80}, {@code unknown
   *     protocol}
   */
  public synchronized int request(String hostIp, String proto, int start, int end) {
    Ports ports = ports(hostIp, proto);
    if (start > 0 && start == end) {
      if (!ports.taken.add(start)) {
        throw new PortMapException(
            "Bind for " + hostIp + ":" + start + " failed: port is already allocated");
      }
      return start;
    }
    Range range;
    if (start == 0 && end == 0) {
      range =
          ports.ranges.computeIfAbsent(
              this.begin + "-" + this.end, k -> new Range(begin, this.end));
    } else {
      if (start == 0 || end == 0 || end < start) {
        throw new PortMapException("invalid port range: " + start + "-" + end);
      }
      range = ports.ranges.computeIfAbsent(start + "-" + end, k -> new Range(start, end));
    }
    int port = range.last;
    for (int i = 0; i <= range.end - range.begin; i++) {
      port = port >= range.end ? range.begin : port + 1;
      if (ports.taken.add(port)) {
        range.last = port;
        return port;
      }
    }
    throw new PortMapException("all ports are allocated");
  }

  /** Marks a port taken that a durable record says is (at start); no ephemeral cursor moves. */
  public synchronized void mark(String hostIp, String proto, int port) {
    ports(hostIp, proto).taken.add(port);
  }

  /** Frees a port; freeing a free port does nothing. */
  public synchronized void release(String hostIp, String proto, int port) {
    Ports ports = byIpAndProto.get(hostIp + "/" + proto);
    if (ports != null) {
      ports.taken.remove(port);
    }
  }

  /** Whether the port is taken. */
  public synchronized boolean taken(String hostIp, String proto, int port) {
    Ports ports = byIpAndProto.get(hostIp + "/" + proto);
    return ports != null && ports.taken.contains(port);
  }

  private Ports ports(String hostIp, String proto) {
    if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
      throw new PortMapException("unknown protocol");
    }
    return byIpAndProto.computeIfAbsent(hostIp + "/" + proto, k -> new Ports());
  }
}

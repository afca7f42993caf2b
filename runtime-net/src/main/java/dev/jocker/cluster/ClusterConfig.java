package dev.jocker.cluster;

import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.kernel.Addr;
import dev.jocker.kernel.Netns;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * jockerd's cluster options, Docker's legacy names and forms: {@code --cluster-store
 * etcd://HOST:PORT[,HOST:PORT…]} and {@code --cluster-advertise IFACE:PORT|ADDR:PORT}, parsed
 * strictly. The advertised address is this host's VTEP: the source of its VXLAN packets and where
 * other hosts send theirs.
 *
 * @param endpoints the etcd client URLs, {@code http://HOST:PORT}
 * @param advertise what {@code --cluster-advertise} named, resolved to a local address later
 * @param ttl how long a host's lease outlives its last keep-alive: the time until the others forget
 *     a host that died
 * @param timeout how long one call to the store may take before it fails as unreachable
 */
public record ClusterConfig(
    List<String> endpoints, Advertise advertise, Duration ttl, Duration timeout) {
  /** etcd's client port. */
  public static final int ETCD_PORT = 2379;

  /**
   * Lease time to live: a dead host's entries are gone from the others' kernels within this (plus
   * the watch's delivery), well inside the minute the overlay promises; Docker 20.10 keeps them for
   * over 90 s.
   */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);

  /** How long a store call may take. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * What {@code --cluster-advertise} named before it is resolved: an interface or an address, and a
   * port (the daemon's API port in Docker's form; kept in the host's record).
   *
   * @param interfaceName the interface whose IPv4 address to advertise, or null
   * @param address the address to advertise, or null when an interface was named
   * @param port the port
   */
  public record Advertise(String interfaceName, Inet4Address address, int port) {
    @Override
    public String toString() {
      return (interfaceName != null ? interfaceName : address.getHostAddress()) + ":" + port;
    }
  }

  /** An IPv4 address of this host and the interface that holds it. */
  public record LocalAddress(String interfaceName, int interfaceIndex, Inet4Address address) {}

  /** The advertised address once resolved against this host's addresses. */
  public record Resolved(LocalAddress local, int port) {}

  /** Parses both options; both are required together, as Docker requires them. */
  public static ClusterConfig parse(String store, String advertise) {
    if (store == null || store.isBlank()) {
      throw new ClusterException(
          "--cluster-advertise " + advertise + " needs --cluster-store etcd://HOST:PORT");
    }
    if (advertise == null || advertise.isBlank()) {
      throw new ClusterException(
          "--cluster-store "
              + store
              + " needs --cluster-advertise IFACE:PORT or ADDR:PORT: the address other hosts"
              + " reach this one on");
    }
    return new ClusterConfig(
        parseStore(store), parseAdvertise(advertise), DEFAULT_TTL, DEFAULT_TIMEOUT);
  }

  /** The same configuration with another lease time to live. */
  public ClusterConfig withTtl(Duration newTtl) {
    if (newTtl.toSeconds() < 2) {
      throw new ClusterException("cluster lease TTL " + newTtl.toSeconds() + " s: at least 2 s");
    }
    return new ClusterConfig(endpoints, advertise, newTtl, timeout);
  }

  /** The same configuration with another per-call timeout. */
  public ClusterConfig withTimeout(Duration newTimeout) {
    return new ClusterConfig(endpoints, advertise, ttl, newTimeout);
  }

  /** The store as the user wrote it, for messages: {@code etcd://10.0.0.1:2379,10.0.0.2:2379}. */
  public String storeText() {
    return "etcd://" + String.join(",", endpoints.stream().map(e -> e.substring(7)).toList());
  }

  /**
   * Parses {@code etcd://HOST:PORT[,HOST:PORT…]} into etcd client URLs; a missing port is etcd's,
   * 2379.
   */
  public static List<String> parseStore(String store) {
    String text = store.strip();
    int scheme = text.indexOf("://");
    if (scheme < 0) {
      throw new ClusterException(
          "--cluster-store " + store + ": expected etcd://HOST:PORT[,HOST:PORT…]");
    }
    String kind = text.substring(0, scheme).toLowerCase(Locale.ROOT);
    if (!kind.equals("etcd")) {
      throw new ClusterException(
          "--cluster-store "
              + store
              + ": jocker's cluster store is etcd (etcd://HOST:PORT), not "
              + kind);
    }
    String rest = text.substring(scheme + 3);
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      // Docker's form allows a path (etcd://host:2379/prefix); jocker keeps its keys under /jocker.
      if (slash != rest.length() - 1) {
        throw new ClusterException(
            "--cluster-store "
                + store
                + ": a key prefix ("
                + rest.substring(slash)
                + ") is not supported; jocker's keys live under /jocker");
      }
      rest = rest.substring(0, slash);
    }
    List<String> out = new ArrayList<>();
    for (String member : rest.split(",", -1)) {
      out.add("http://" + hostPort(store, member.strip()));
    }
    return List.copyOf(out);
  }

  private static String hostPort(String store, String member) {
    if (member.isEmpty()) {
      throw new ClusterException("--cluster-store " + store + ": an empty HOST:PORT in the list");
    }
    int colon = member.lastIndexOf(':');
    String host = colon < 0 ? member : member.substring(0, colon);
    int port =
        colon < 0 ? ETCD_PORT : port("--cluster-store " + store, member.substring(colon + 1));
    if (host.isEmpty() || !host.matches("[A-Za-z0-9.\\-]+")) {
      throw new ClusterException(
          "--cluster-store " + store + ": \"" + host + "\" is not a host name or IPv4 address");
    }
    return host + ":" + port;
  }

  /** Parses {@code IFACE:PORT} or {@code ADDR:PORT}. */
  public static Advertise parseAdvertise(String advertise) {
    String text = advertise.strip();
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw new ClusterException(
          "--cluster-advertise "
              + advertise
              + ": expected IFACE:PORT or ADDR:PORT, e.g. eth0:2376");
    }
    String what = text.substring(0, colon);
    int port = port("--cluster-advertise " + advertise, text.substring(colon + 1));
    if (what.matches("[0-9.]+")) {
      try {
        return new Advertise(null, Ipv4.toInet(Ipv4.parse(what)), port);
      } catch (IpamException e) {
        throw new ClusterException("--cluster-advertise " + advertise + ": " + e.getMessage(), e);
      }
    }
    if (what.length() > 15 || what.contains("/") || what.contains(" ")) {
      throw new ClusterException(
          "--cluster-advertise "
              + advertise
              + ": \""
              + what
              + "\" is neither an IPv4 address nor an interface name");
    }
    return new Advertise(what, null, port);
  }

  private static int port(String option, String text) {
    int port;
    try {
      port = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new ClusterException(option + ": port \"" + text + "\" is not a number");
    }
    if (port < 1 || port > 65535) {
      throw new ClusterException(option + ": port " + port + " is outside 1..65535");
    }
    return port;
  }

  /**
   * Resolves the advertised interface or address against this host's IPv4 addresses: an address
   * must be one of them, an interface must exist and hold one (its first).
   */
  public Resolved resolve(List<LocalAddress> local) {
    if (advertise.interfaceName() != null) {
      List<LocalAddress> onIt =
          local.stream().filter(l -> l.interfaceName().equals(advertise.interfaceName())).toList();
      if (onIt.isEmpty()) {
        throw new ClusterException(
            "--cluster-advertise "
                + advertise
                + ": interface "
                + advertise.interfaceName()
                + " has no IPv4 address here (interfaces with one: "
                + describe(local)
                + ")");
      }
      return new Resolved(onIt.get(0), advertise.port());
    }
    return local.stream()
        .filter(l -> l.address().equals(advertise.address()))
        .findFirst()
        .map(l -> new Resolved(l, advertise.port()))
        .orElseThrow(
            () ->
                new ClusterException(
                    "--cluster-advertise "
                        + advertise
                        + ": "
                        + advertise.address().getHostAddress()
                        + " is not an address of this host (its addresses: "
                        + describe(local)
                        + "); other hosts would send its VXLAN traffic elsewhere"));
  }

  /** This host's IPv4 addresses outside loopback, read from the kernel of namespace {@code ns}. */
  public static List<LocalAddress> localAddresses(Netns ns) {
    Map<Integer, String> names = new HashMap<>();
    ns.links().list().forEach(l -> names.put(l.index(), l.name()));
    List<LocalAddress> out = new ArrayList<>();
    for (Addr a : ns.addrs().list()) {
      if (a.address() instanceof Inet4Address v4 && !v4.isLoopbackAddress()) {
        out.add(new LocalAddress(names.get(a.linkIndex()), a.linkIndex(), v4));
      }
    }
    return out;
  }

  private static String describe(List<LocalAddress> local) {
    if (local.isEmpty()) {
      return "none";
    }
    return String.join(
        ", ",
        local.stream()
            .map(l -> l.address().getHostAddress() + " on " + l.interfaceName())
            .toList());
  }
}

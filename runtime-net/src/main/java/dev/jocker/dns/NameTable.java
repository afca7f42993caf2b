package dev.jocker.dns;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The service records of every network, as libnetwork keeps them: per network, each name (container
 * names and aliases, lower-cased) to its addresses, and each address to the container names that
 * hold it. The controller adds and removes endpoints; the resolver threads read without locks (each
 * value is an immutable list, replaced whole by the one writer at a time).
 */
public final class NameTable {
  /** One address behind a name, and which endpoint put it there. */
  private record Entry(String containerId, Inet4Address address) {}

  /** A network's records. */
  private static final class Records {
    final Map<String, List<Entry>> names = new ConcurrentHashMap<>();
    final Map<Inet4Address, List<String>> addresses = new ConcurrentHashMap<>();
  }

  /**
   * What a lookup found.
   *
   * @param addresses the addresses, in the order they were recorded (the resolver shuffles them)
   * @param network the network whose records answered
   */
  public record Resolution(List<Inet4Address> addresses, String network) {
    public Resolution {
      addresses = List.copyOf(addresses);
    }
  }

  private final Map<String, Records> networks = new ConcurrentHashMap<>();
  private final Map<String, List<DnsEndpoint>> byContainer = new ConcurrentHashMap<>();
  private volatile long generation;

  /** A number that changes with every change of the table (answers made before it are stale). */
  public long generation() {
    return generation;
  }

  /**
   * Records {@code endpoint}'s name and aliases on its network; an endpoint of the same container
   * on the same network is replaced.
   */
  public synchronized void add(DnsEndpoint endpoint) {
    remove(endpoint.containerId(), endpoint.network());
    generation++;
    Records records = networks.computeIfAbsent(endpoint.network(), n -> new Records());
    append(
        records.names, key(endpoint.name()), new Entry(endpoint.containerId(), endpoint.address()));
    for (String alias : endpoint.aliases()) {
      append(records.names, key(alias), new Entry(endpoint.containerId(), endpoint.address()));
    }
    append(records.addresses, endpoint.address(), endpoint.name());
    List<DnsEndpoint> mine =
        new ArrayList<>(byContainer.getOrDefault(endpoint.containerId(), List.of()));
    mine.add(endpoint);
    // Docker's sandbox orders its endpoints so: internal networks last, then by network name; a
    // name found on two of them answers from the first.
    mine.sort(Comparator.comparing(DnsEndpoint::internal).thenComparing(DnsEndpoint::network));
    byContainer.put(endpoint.containerId(), List.copyOf(mine));
  }

  /** Forgets the endpoint of {@code containerId} on {@code network}, if any. */
  public synchronized void remove(String containerId, String network) {
    List<DnsEndpoint> mine = byContainer.getOrDefault(containerId, List.of());
    DnsEndpoint gone =
        mine.stream().filter(e -> e.network().equals(network)).findFirst().orElse(null);
    if (gone == null) {
      return;
    }
    generation++;
    List<DnsEndpoint> rest = mine.stream().filter(e -> e != gone).toList();
    if (rest.isEmpty()) {
      byContainer.remove(containerId);
    } else {
      byContainer.put(containerId, rest);
    }
    Records records = networks.get(network);
    Entry entry = new Entry(containerId, gone.address());
    drop(records.names, key(gone.name()), entry);
    for (String alias : gone.aliases()) {
      drop(records.names, key(alias), entry);
    }
    drop(records.addresses, gone.address(), gone.name());
    if (records.names.isEmpty() && records.addresses.isEmpty()) {
      networks.remove(network);
    }
  }

  /** Forgets every endpoint of {@code containerId}. */
  public synchronized void removeContainer(String containerId) {
    for (DnsEndpoint e : endpoints(containerId)) {
      remove(containerId, e.network());
    }
  }

  /** {@code containerId}'s endpoints, in the order its lookups try them. */
  public List<DnsEndpoint> endpoints(String containerId) {
    return byContainer.getOrDefault(containerId, List.of());
  }

  /**
   * Resolves {@code name} for container {@code containerId} as libnetwork's sandbox does: the name
   * as a whole on each of the container's networks, then, for {@code a.b.c}, {@code a.b} on network
   * {@code c} and {@code a} on network {@code b.c}; at each step the container's {@code --link}
   * aliases first, then names and aliases. Only the container's own networks are searched.
   */
  public Optional<Resolution> resolve(String containerId, String name) {
    List<DnsEndpoint> mine = endpoints(containerId);
    if (mine.isEmpty()) {
      return Optional.empty();
    }
    String full = key(name);
    Optional<Resolution> found = resolveOn(mine, full, null);
    for (int dot = full.lastIndexOf('.'); found.isEmpty() && dot > 0; ) {
      // Network names are matched as given (Docker compares them case-sensitively).
      String network = trimDot(name).substring(dot + 1);
      found = resolveOn(mine, full.substring(0, dot), network);
      dot = full.lastIndexOf('.', dot - 1);
    }
    return found;
  }

  private Optional<Resolution> resolveOn(List<DnsEndpoint> mine, String req, String network) {
    for (DnsEndpoint e : mine) {
      String target = e.links().get(req);
      if (target != null && (network == null || network.equals(e.network()))) {
        Optional<Resolution> r = lookup(e.network(), key(target));
        if (r.isPresent()) {
          return r;
        }
      }
    }
    for (DnsEndpoint e : mine) {
      if ((network == null || network.equals(e.network())) && !e.links().containsKey(req)) {
        Optional<Resolution> r = lookup(e.network(), req);
        if (r.isPresent()) {
          return r;
        }
      }
    }
    return Optional.empty();
  }

  private Optional<Resolution> lookup(String network, String key) {
    Records records = networks.get(network);
    List<Entry> entries = records == null ? null : records.names.get(key);
    if (entries == null || entries.isEmpty()) {
      return Optional.empty();
    }
    // Two endpoints may briefly share an address (one leaving, one joining): answer it once.
    Set<Inet4Address> distinct = new LinkedHashSet<>();
    for (Entry entry : entries) {
      distinct.add(entry.address());
    }
    return Optional.of(new Resolution(new ArrayList<>(distinct), network));
  }

  /**
   * The PTR answer for {@code address} as container {@code containerId} sees it: {@code
   * NAME.NETWORK} from the first of its networks that holds the address.
   */
  public Optional<String> reverse(String containerId, Inet4Address address) {
    for (DnsEndpoint e : endpoints(containerId)) {
      Records records = networks.get(e.network());
      List<String> names = records == null ? null : records.addresses.get(address);
      if (names != null && !names.isEmpty()) {
        return Optional.of(names.get(0) + "." + e.network());
      }
    }
    return Optional.empty();
  }

  private static String key(String name) {
    return trimDot(name).toLowerCase(Locale.ROOT);
  }

  private static String trimDot(String name) {
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }

  private static <K, V> void append(Map<K, List<V>> map, K key, V value) {
    map.compute(
        key,
        (k, old) -> {
          List<V> next = new ArrayList<>(old == null ? List.of() : old);
          next.add(value);
          return List.copyOf(next);
        });
  }

  private static <K, V> void drop(Map<K, List<V>> map, K key, V value) {
    map.computeIfPresent(
        key,
        (k, old) -> {
          List<V> next = new ArrayList<>(old);
          next.remove(value);
          return next.isEmpty() ? null : List.copyOf(next);
        });
  }
}

package dev.jocker.dns;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the controller keeps each container's resolver ports (in its own store, inside the
 * operation that starts the container). After a daemon restart the resolver binds the same ports
 * again, so the rules already in the container's namespace stay right and need no iptables at all.
 */
public interface ResolverStore {
  /** The ports recorded for {@code containerId}. */
  Optional<ResolverPorts> ports(String containerId);

  /** Records {@code ports} for {@code containerId}, replacing any. */
  void record(String containerId, ResolverPorts ports);

  /** Forgets {@code containerId}'s ports. */
  void forget(String containerId);

  /** A store in memory, for tests and for a daemon that keeps nothing. */
  static ResolverStore inMemory() {
    ConcurrentHashMap<String, ResolverPorts> map = new ConcurrentHashMap<>();
    return new ResolverStore() {
      @Override
      public Optional<ResolverPorts> ports(String containerId) {
        return Optional.ofNullable(map.get(containerId));
      }

      @Override
      public void record(String containerId, ResolverPorts ports) {
        map.put(containerId, ports);
      }

      @Override
      public void forget(String containerId) {
        map.remove(containerId);
      }
    };
  }
}

package dev.jocker.portmap;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a container asks to expose and publish, as {@code docker run} sends it to the daemon: {@code
 * Config.ExposedPorts} and {@code HostConfig.PortBindings}, keyed {@code 80/tcp} and sorted as Go's
 * JSON encoder sorts map keys.
 *
 * @param exposedPorts {@code Config.ExposedPorts}
 * @param portBindings {@code HostConfig.PortBindings}, each list in the order given
 */
public record PortConfig(
    SortedSet<String> exposedPorts, SortedMap<String, List<HostBinding>> portBindings) {
  public PortConfig {
    exposedPorts = Collections.unmodifiableSortedSet(new TreeSet<>(exposedPorts));
    TreeMap<String, List<HostBinding>> copy = new TreeMap<>();
    portBindings.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    portBindings = Collections.unmodifiableSortedMap(copy);
  }

  /** No ports. */
  public static PortConfig none() {
    return new PortConfig(new TreeSet<>(), new TreeMap<>());
  }
}

package dev.jocker.engine;

import dev.jocker.network.PortPublishing;
import dev.jocker.portmap.HostBinding;
import dev.jocker.portmap.PortConfig;
import dev.jocker.portmap.PortPlan;
import dev.jocker.store.ContainerConfig;
import dev.jocker.store.ContainerRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A container's port settings between the API's shapes, its record and the network side. */
final class Ports {
  private Ports() {}

  /** {@code config} with what {@code request} exposes and publishes. */
  static ContainerConfig withPorts(ContainerConfig config, CreateRequest request) {
    Map<String, List<ContainerConfig.PortBinding>> bindings = new LinkedHashMap<>();
    request
        .ports()
        .portBindings()
        .forEach(
            (port, list) ->
                bindings.put(
                    port,
                    list.stream()
                        .map(b -> new ContainerConfig.PortBinding(b.hostIp(), b.hostPort()))
                        .toList()));
    return config.withPorts(
        List.copyOf(request.ports().exposedPorts()), bindings, request.publishAllPorts());
  }

  /** {@code HostConfig.PortBindings} of a record, keyed as Docker sorts them. */
  static SortedMap<String, List<HostBinding>> bindings(ContainerConfig config) {
    SortedMap<String, List<HostBinding>> out = new TreeMap<>();
    config
        .portBindings()
        .forEach(
            (port, list) -> {
              List<HostBinding> bindings = new ArrayList<>();
              list.forEach(b -> bindings.add(new HostBinding(b.hostIp(), b.hostPort())));
              out.put(port, bindings);
            });
    return out;
  }

  /** The record's ports as the API's create carried them. */
  static PortConfig portConfig(ContainerConfig config) {
    return new PortConfig(new java.util.TreeSet<>(config.exposedPorts()), bindings(config));
  }

  /**
   * The endpoint options that publish the container's ports on its first network, in Docker's
   * allocation order; none for a container that publishes nothing.
   */
  static Map<String, String> endpointOptions(ContainerRecord c) {
    ContainerConfig config = c.config();
    if (config.exposedPorts().isEmpty()) {
      return Map.of();
    }
    return PortPublishing.endpointOptions(
        c.name(),
        PortPlan.requests(
            new java.util.TreeSet<>(config.exposedPorts()),
            bindings(config),
            config.publishAllPorts()));
  }
}

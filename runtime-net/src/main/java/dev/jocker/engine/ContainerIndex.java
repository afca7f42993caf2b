package dev.jocker.engine;

import dev.jocker.store.ContainerRecord;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.Store;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every container record and its endpoint, held in memory as Docker's daemon holds its containers:
 * {@code ps} and the supervisor's pass over running containers list them all, and with a thousand
 * containers reading and decoding the table took a third of a {@code GET /containers/json}. The
 * store stays the record: a change is committed there first and applied here after.
 */
final class ContainerIndex {
  private static final Comparator<ContainerRecord> NEWEST_FIRST =
      Comparator.comparing(ContainerRecord::created).thenComparing(ContainerRecord::id).reversed();

  private final Map<String, ContainerRecord> containers = new ConcurrentHashMap<>();
  private final Map<String, EndpointRecord> endpoints = new ConcurrentHashMap<>();

  /** The index of what {@code store} holds now. */
  static ContainerIndex load(Store store) {
    ContainerIndex index = new ContainerIndex();
    store.inTransaction(
        tx -> {
          tx.containers().forEach(index::put);
          tx.endpoints().forEach(index::put);
          return null;
        });
    return index;
  }

  /** Adds or replaces a container's record. */
  void put(ContainerRecord c) {
    containers.put(c.id(), c);
  }

  /** Adds or replaces a container's endpoint. */
  void put(EndpointRecord e) {
    endpoints.put(e.containerId(), e);
  }

  /** Drops a container and its endpoint. */
  void remove(String containerId) {
    containers.remove(containerId);
    endpoints.remove(containerId);
  }

  /** Every container, newest first, as the store lists them. */
  List<ContainerRecord> newestFirst() {
    List<ContainerRecord> all = new ArrayList<>(containers.values());
    all.sort(NEWEST_FIRST);
    return all;
  }

  /** Endpoints by container ID. */
  Map<String, EndpointRecord> endpointsByContainer() {
    return Collections.unmodifiableMap(endpoints);
  }

  /** The endpoint of a container, if it has one. */
  Optional<EndpointRecord> endpointOf(String containerId) {
    return Optional.ofNullable(endpoints.get(containerId));
  }
}

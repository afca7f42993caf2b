package dev.jocker.engine;

import dev.jocker.store.ContainerRecord;
import dev.jocker.store.Store;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every container record, held in memory as Docker's daemon holds its containers: {@code ps} and
 * {@code inspect} read it without touching the store (so they work on a full disk). The store stays
 * the record: a change is committed there first and applied here after.
 */
final class ContainerIndex {
  private static final Comparator<ContainerRecord> NEWEST_FIRST =
      Comparator.comparing(ContainerRecord::created).thenComparing(ContainerRecord::id).reversed();

  private final Map<String, ContainerRecord> containers = new ConcurrentHashMap<>();

  /** The index of what {@code store} holds now. */
  static ContainerIndex load(Store store) {
    ContainerIndex index = new ContainerIndex();
    store.inTransaction(
        tx -> {
          tx.containers().forEach(index::put);
          return null;
        });
    return index;
  }

  /** Adds or replaces a container's record. */
  void put(ContainerRecord c) {
    containers.put(c.id(), c);
  }

  /** Drops a container. */
  void remove(String containerId) {
    containers.remove(containerId);
  }

  /** The container with ID {@code id}. */
  Optional<ContainerRecord> get(String id) {
    return Optional.ofNullable(containers.get(id));
  }

  /** Every container, newest first, as the store lists them. */
  List<ContainerRecord> newestFirst() {
    List<ContainerRecord> all = new ArrayList<>(containers.values());
    all.sort(NEWEST_FIRST);
    return all;
  }

  /**
   * The container a reference names: a full ID, a name (with or without Docker's leading slash), or
   * a unique ID prefix; empty when none or several match.
   */
  Optional<ContainerRecord> resolve(String ref) {
    ContainerRecord exact = containers.get(ref);
    if (exact != null) {
      return Optional.of(exact);
    }
    String name = ref.startsWith("/") ? ref.substring(1) : ref;
    List<ContainerRecord> prefixed = new ArrayList<>();
    for (ContainerRecord c : containers.values()) {
      if (c.name().equals(name)) {
        return Optional.of(c);
      }
      if (!ref.isEmpty() && c.id().startsWith(ref)) {
        prefixed.add(c);
      }
    }
    return prefixed.size() == 1 ? Optional.of(prefixed.get(0)) : Optional.empty();
  }
}

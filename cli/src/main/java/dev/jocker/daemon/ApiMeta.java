package dev.jocker.daemon;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the API keeps beside the engine's records until those hold it (the container configuration
 * record of #19): the labels of containers and networks, and whether a network's subnet was the
 * user's (Docker allows {@code --ip} only then). One JSON file, written whole on each change; a
 * null file keeps it in memory only.
 */
final class ApiMeta {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A network's part: its labels, whether {@code --subnet} was given, and whether it was created
   * {@code --attachable} (which, for a local bridge network, Docker records and does nothing with).
   */
  record Network(Map<String, String> labels, boolean userSubnet, boolean attachable) {}

  /** The file's shape. */
  record State(Map<String, Map<String, String>> containers, Map<String, Network> networks) {}

  private final Path file;
  private final Map<String, Map<String, String>> containers = new LinkedHashMap<>();
  private final Map<String, Network> networks = new LinkedHashMap<>();

  ApiMeta(Path file) {
    this.file = file;
    if (file != null && Files.exists(file)) {
      try {
        State s = JSON.readValue(file.toFile(), new TypeReference<State>() {});
        if (s.containers() != null) {
          containers.putAll(s.containers());
        }
        if (s.networks() != null) {
          networks.putAll(s.networks());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("read the API's labels from " + file, e);
      }
    }
  }

  synchronized Map<String, String> containerLabels(String id) {
    return containers.getOrDefault(id, Map.of());
  }

  synchronized void containerLabels(String id, Map<String, String> labels) {
    if (labels.isEmpty()) {
      return;
    }
    containers.put(id, new TreeMap<>(labels));
    save();
  }

  synchronized Network network(String id) {
    return networks.get(id);
  }

  synchronized void network(String id, Network n) {
    networks.put(id, new Network(new TreeMap<>(n.labels()), n.userSubnet(), n.attachable()));
    save();
  }

  /** Drops what belongs to containers and networks that no longer exist. */
  synchronized void retain(java.util.Set<String> containerIds, java.util.Set<String> networkIds) {
    boolean changed =
        containers.keySet().retainAll(containerIds) | networks.keySet().retainAll(networkIds);
    if (changed) {
      save();
    }
  }

  private void save() {
    if (file == null) {
      return;
    }
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      JSON.writeValue(tmp.toFile(), new State(containers, networks));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("write the API's labels to " + file, e);
    }
  }
}

package dev.jocker.daemon;

import dev.jocker.engine.NetworkInfo;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Docker's filters of {@code GET /networks}. */
final class NetworkFilter {
  static final Set<String> KEYS =
      Filters.keys("dangling", "driver", "id", "label", "name", "scope", "type");

  private static final List<String> BUILTIN = List.of("bridge", "host", "none");

  private NetworkFilter() {}

  static boolean matches(Filters f, NetworkInfo n, Map<String, String> labels) {
    for (String t : f.get("type")) {
      if (!t.equals("custom") && !t.equals("builtin")) {
        throw new IllegalArgumentException("invalid filter: 'type'='" + t + "'");
      }
    }
    boolean builtin = BUILTIN.contains(n.name());
    String driver = n.driver() == null ? "null" : n.driver();
    return f.any("name", v -> n.name().contains(v))
        && f.any("id", v -> n.id().contains(v))
        && f.exact("driver", driver)
        && f.exact("scope", "overlay".equals(driver) ? "global" : "local")
        && f.labels("label", labels)
        && f.any("type", v -> v.equals("builtin") == builtin)
        && f.any(
            "dangling", v -> Filters.bool("dangling", v) == (!builtin && n.containers().isEmpty()));
  }
}

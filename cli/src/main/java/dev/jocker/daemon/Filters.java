package dev.jocker.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Docker's {@code filters} query parameter: a JSON object of key to values, either {@code
 * {"name":["a","b"]}} or the older {@code {"name":{"a":true}}}. Values of one key are alternatives
 * (any may match), keys must all match. A key the endpoint does not know is Docker's 400 {@code
 * Invalid filter 'key'}.
 */
final class Filters {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Filters NONE = new Filters(Map.of());

  private final Map<String, Set<String>> values;

  private Filters(Map<String, Set<String>> values) {
    this.values = values;
  }

  /** Parses {@code json} (null or empty: no filter), allowing only {@code keys}. */
  static Filters parse(String json, Set<String> keys) {
    if (json == null || json.isBlank()) {
      return NONE;
    }
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid filter: " + json + " is not a JSON object");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("invalid filter: " + json + " is not a JSON object");
    }
    Map<String, Set<String>> values = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!keys.contains(e.getKey())) {
        throw new IllegalArgumentException("Invalid filter '" + e.getKey() + "'");
      }
      Set<String> set = new LinkedHashSet<>();
      JsonNode v = e.getValue();
      if (v.isArray()) {
        for (JsonNode item : v) {
          if (!item.isTextual()) {
            throw new IllegalArgumentException(
                "invalid filter '" + e.getKey() + "': values must be strings");
          }
          set.add(item.asText());
        }
      } else if (v.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> f = v.fields(); f.hasNext(); ) {
          Map.Entry<String, JsonNode> item = f.next();
          if (!item.getValue().isBoolean()) {
            throw new IllegalArgumentException(
                "invalid filter '" + e.getKey() + "': values must be true or false");
          }
          if (item.getValue().asBoolean()) {
            set.add(item.getKey());
          }
        }
      } else {
        throw new IllegalArgumentException(
            "invalid filter '" + e.getKey() + "': use a list of strings");
      }
      values.put(e.getKey(), set);
    }
    return new Filters(values);
  }

  boolean has(String key) {
    return values.containsKey(key) && !values.get(key).isEmpty();
  }

  Set<String> get(String key) {
    return values.getOrDefault(key, Set.of());
  }

  /** No values for {@code key}, or one of them passes {@code test}. */
  boolean any(String key, Predicate<String> test) {
    Set<String> v = get(key);
    return v.isEmpty() || v.stream().anyMatch(test);
  }

  /** No values for {@code key}, or one equals {@code actual}. */
  boolean exact(String key, String actual) {
    return any(key, v -> v.equals(actual));
  }

  /**
   * Docker's label filter: every {@code key} or {@code key=value} given must be among {@code
   * labels} (all of them, unlike the other keys).
   */
  boolean labels(String key, Map<String, String> labels) {
    for (String want : get(key)) {
      int eq = want.indexOf('=');
      if (eq < 0) {
        if (!labels.containsKey(want)) {
          return false;
        }
      } else if (!want.substring(eq + 1).equals(labels.get(want.substring(0, eq)))) {
        return false;
      }
    }
    return true;
  }

  /** {@code true}/{@code 1} or {@code false}/{@code 0}, as Docker's boolean filters take them. */
  static boolean bool(String key, String v) {
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default ->
          throw new IllegalArgumentException(
              "Invalid filter '" + key + "=" + v + "': use true or false");
    };
  }

  static Set<String> keys(String... keys) {
    return Set.copyOf(List.of(keys));
  }
}

package dev.jocker.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed reading of request bodies, as Go's JSON decoder does it into Docker's structs: a field of
 * the wrong type is a 400 naming the field, never a coerced value. A missing field or null is the
 * field's zero value.
 */
final class Bodies {
  private Bodies() {}

  static IllegalArgumentException wrong(String field, String want, JsonNode got) {
    return new IllegalArgumentException(
        "invalid JSON: " + field + " must be " + want + ", not " + kind(got));
  }

  static String kind(JsonNode n) {
    return switch (n.getNodeType()) {
      case ARRAY -> "a list";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      default -> "null";
    };
  }

  /** The body's root object; an empty or null body is an empty object only when allowed. */
  static JsonNode object(JsonNode root, String what) {
    if (root == null || root.isNull() || root.isMissingNode()) {
      throw new IllegalArgumentException("invalid JSON: " + what + " must be a JSON object");
    }
    if (!root.isObject()) {
      throw wrong(what, "an object", root);
    }
    return root;
  }

  /** An optional object field: null when absent or null. */
  static JsonNode objectField(JsonNode parent, String field, String path) {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw wrong(path, "an object", n);
    }
    return n;
  }

  static String string(JsonNode parent, String field, String path) {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      return "";
    }
    if (!n.isTextual()) {
      throw wrong(path, "a string", n);
    }
    return n.asText();
  }

  static boolean bool(JsonNode parent, String field, String path) {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      return false;
    }
    if (!n.isBoolean()) {
      throw wrong(path, "true or false", n);
    }
    return n.asBoolean();
  }

  static long integer(JsonNode parent, String field, String path) {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      return 0;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw wrong(path, "a whole number", n);
    }
    return n.asLong();
  }

  /** A list of strings. */
  static List<String> strings(JsonNode parent, String field, String path) {
    JsonNode n = parent.get(field);
    List<String> out = new ArrayList<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      throw wrong(path, "a list of strings", n);
    }
    for (JsonNode item : n) {
      if (!item.isTextual()) {
        throw wrong(path + "[]", "a string", item);
      }
      out.add(item.asText());
    }
    return out;
  }

  /** Docker's {@code StrSlice} (Cmd, Entrypoint): a string or a list of strings. */
  static List<String> strSlice(JsonNode parent, String field, String path) {
    JsonNode n = parent.get(field);
    if (n != null && n.isTextual()) {
      return new ArrayList<>(List.of(n.asText()));
    }
    if (n != null && !n.isNull() && !n.isArray()) {
      throw wrong(path, "a string or a list of strings", n);
    }
    return strings(parent, field, path);
  }

  /** A map of string to string (Labels, Options). */
  static Map<String, String> stringMap(JsonNode parent, String field, String path) {
    JsonNode n = parent.get(field);
    Map<String, String> out = new LinkedHashMap<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isObject()) {
      throw wrong(path, "an object of strings", n);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw wrong(path + "." + e.getKey(), "a string", e.getValue());
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  /** Whether {@code n} is its type's zero value: absent, null, false, 0, "", [] or {}. */
  static boolean zero(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return true;
    }
    return switch (n.getNodeType()) {
      case BOOLEAN -> !n.asBoolean();
      case NUMBER -> n.asDouble() == 0;
      case STRING -> n.asText().isEmpty();
      case ARRAY -> n.isEmpty();
      case OBJECT -> {
        for (JsonNode child : n) {
          if (!zero(child)) {
            yield false;
          }
        }
        yield true;
      }
      default -> true;
    };
  }
}

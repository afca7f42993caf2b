package dev.jocker.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jocker.portmap.PortSummary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON for the CLI: Jackson's tree nodes, read by {@link JsonReader} and written by Jackson's
 * streaming generator, without an ObjectMapper. Setting a mapper up (type factory, serializers,
 * date formats, locale data) costs a CLI process more than its whole exchange with the daemon; the
 * CLI needs none of it.
 */
final class Json {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  /** What {@code ps} prints of one entry of {@code GET /containers/json}. */
  record Container(
      String id,
      String image,
      String command,
      long created,
      String status,
      String name,
      List<PortSummary> ports) {
    Container(String id, String image, String command, long created, String status, String name) {
      this(id, image, command, created, status, name, List.of());
    }
  }

  /**
   * The entries of {@code GET /containers/json}, read field by field: with a thousand containers, a
   * tree of every field (labels, mounts, network settings) would cost {@code ps} more than the
   * daemon takes to answer.
   */
  static List<Container> containers(InputStream in) throws IOException {
    JsonReader r = new JsonReader(in.readAllBytes());
    if (r.peek() != '[') {
      throw r.error("expected a list of containers");
    }
    List<Container> list = new ArrayList<>();
    if (r.nextElement('[')) {
      do {
        if (r.peek() != '{') {
          throw r.error("expected a container");
        }
        String id = "";
        String image = "";
        String command = "";
        long created = 0;
        String status = "";
        String name = "";
        List<PortSummary> ports = List.of();
        if (r.nextMember('{')) {
          do {
            switch (r.name()) {
              case "Id" -> id = r.value().asText();
              case "Image" -> image = r.value().asText();
              case "Command" -> command = r.value().asText();
              case "Created" -> created = r.longValue();
              case "Status" -> status = r.value().asText();
              case "Names" -> name = firstName(r);
              case "Ports" -> ports = ports(r.value());
              default -> r.skip();
            }
          } while (r.moreMembers());
        }
        list.add(new Container(id, image, command, created, status, name, ports));
      } while (r.moreElements());
    }
    r.end();
    return list;
  }

  /** Docker's {@code Ports} of a container: {@code IP}, {@code PrivatePort}, ... of each. */
  private static List<PortSummary> ports(JsonNode value) {
    List<PortSummary> out = new ArrayList<>();
    if (!value.isArray()) {
      return out;
    }
    for (JsonNode port : value) {
      if (port.isObject()) {
        out.add(
            new PortSummary(
                port.path("IP").asText(""),
                port.path("PrivatePort").asInt(),
                port.path("PublicPort").asInt(),
                port.path("Type").asText("")));
      }
    }
    return out;
  }

  /** The first of Docker's {@code Names}, without its leading slash. */
  private static String firstName(JsonReader r) throws IOException {
    if (r.peek() != '[') {
      r.skip();
      return "";
    }
    String first = "";
    if (r.nextElement('[')) {
      do {
        JsonNode n = r.value();
        if (first.isEmpty() && n.isTextual()) {
          first = n.asText().startsWith("/") ? n.asText().substring(1) : n.asText();
        }
      } while (r.moreElements());
    }
    return first;
  }

  static ObjectNode object() {
    return NODES.objectNode();
  }

  static ArrayNode array() {
    return NODES.arrayNode();
  }

  static JsonNode parse(byte[] bytes) throws IOException {
    return new JsonReader(bytes).document();
  }

  static JsonNode parse(String text) throws IOException {
    return parse(text.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] bytes(JsonNode node) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, node);
    }
    return out.toByteArray();
  }

  static String text(JsonNode node, PrettyPrinter printer) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.setPrettyPrinter(printer);
      write(g, node);
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, JsonNode node) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> field = it.next();
          g.writeFieldName(field.getKey());
          write(g, field.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode element : node) {
          write(g, element);
        }
        g.writeEndArray();
      }
      case NUMBER -> {
        if (node.isIntegralNumber()) {
          g.writeNumber(node.bigIntegerValue());
        } else {
          g.writeNumber(node.doubleValue());
        }
      }
      case BOOLEAN -> g.writeBoolean(node.booleanValue());
      case NULL, MISSING -> g.writeNull();
      default -> g.writeString(node.asText());
    }
  }
}

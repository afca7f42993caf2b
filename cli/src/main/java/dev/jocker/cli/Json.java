package dev.jocker.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON for the CLI: Jackson's streaming parser and generator over its tree nodes, without an
 * ObjectMapper. Setting a mapper up (type factory, serializers, date formats, locale data) costs a
 * CLI process more than its whole exchange with the daemon; the CLI needs none of it.
 */
final class Json {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  /** Initialises the parser, the generator and the tree nodes, as {@link Main} explains. */
  static void warmUp() {
    try {
      bytes(parse("{\"a\":[1,\"b\",true,null,1.5]}".getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

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
    List<Container> list = new ArrayList<>();
    try (JsonParser p = FACTORY.createParser(in)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new JsonParseException(p, "expected a list of containers");
      }
      while (p.nextToken() == JsonToken.START_OBJECT) {
        String id = "";
        String image = "";
        String command = "";
        long created = 0;
        String status = "";
        String name = "";
        List<PortSummary> ports = List.of();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken value = p.nextToken();
          switch (field) {
            case "Id" -> id = p.getText();
            case "Image" -> image = p.getText();
            case "Command" -> command = p.getText();
            case "Created" -> created = p.getLongValue();
            case "Status" -> status = p.getText();
            case "Names" -> name = firstName(p, value);
            case "Ports" -> ports = ports(p, value);
            default -> p.skipChildren();
          }
        }
        list.add(new Container(id, image, command, created, status, name, ports));
      }
    }
    return list;
  }

  /** Docker's {@code Ports} of a container: {@code IP}, {@code PrivatePort}, ... of each. */
  private static List<PortSummary> ports(JsonParser p, JsonToken value) throws IOException {
    List<PortSummary> out = new ArrayList<>();
    if (value != JsonToken.START_ARRAY) {
      p.skipChildren();
      return out;
    }
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      if (t != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      String ip = "";
      int privatePort = 0;
      int publicPort = 0;
      String type = "";
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "IP" -> ip = p.getText();
          case "PrivatePort" -> privatePort = p.getIntValue();
          case "PublicPort" -> publicPort = p.getIntValue();
          case "Type" -> type = p.getText();
          default -> p.skipChildren();
        }
      }
      out.add(new PortSummary(ip, privatePort, publicPort, type));
    }
    return out;
  }

  /** The first of Docker's {@code Names}, without its leading slash. */
  private static String firstName(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.START_ARRAY) {
      p.skipChildren();
      return "";
    }
    String first = "";
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      if (first.isEmpty() && t == JsonToken.VALUE_STRING) {
        first = p.getText().startsWith("/") ? p.getText().substring(1) : p.getText();
      } else {
        p.skipChildren();
      }
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
    try (JsonParser p = FACTORY.createParser(bytes)) {
      return document(p);
    }
  }

  static JsonNode parse(String text) throws IOException {
    try (JsonParser p = FACTORY.createParser(text)) {
      return document(p);
    }
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

  private static JsonNode document(JsonParser p) throws IOException {
    JsonToken first = p.nextToken();
    if (first == null) {
      throw new JsonParseException(p, "no JSON value");
    }
    return value(p, first);
  }

  private static JsonNode value(JsonParser p, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT:
        ObjectNode object = object();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          object.set(name, value(p, p.nextToken()));
        }
        return object;
      case START_ARRAY:
        ArrayNode array = array();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          array.add(value(p, t));
        }
        return array;
      case VALUE_STRING:
        return NODES.textNode(p.getText());
      case VALUE_NUMBER_INT:
        return switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        };
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(p.getDoubleValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new JsonParseException(p, "unexpected " + token);
    }
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

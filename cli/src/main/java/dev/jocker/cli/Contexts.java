package dev.jocker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jocker.container.HumanTime;
import dev.jocker.portmap.PortSummary;
import dev.jocker.portmap.PortViews;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The typed objects Docker's formatters hand to {@code --format} templates, with their fields'
 * texts and column titles: containers ({@code ps}), images, networks, stats and the {@code system
 * df} rows, each built from what the API answered.
 */
final class Contexts {
  private Contexts() {}

  /** {@code time.Time.String()} of Go: {@code 2026-11-29 14:04:21 +0000 UTC}, in local time. */
  static String goTime(Instant t) {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xx zzz")
        .format(t.atZone(ZoneId.systemDefault()));
  }

  /** {@code strconv.Quote}: Go's double-quoted string with its escapes. */
  static String goQuote(String s) {
    StringBuilder b = new StringBuilder("\"");
    s.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case 7 -> b.append("\\a");
                case 8 -> b.append("\\b");
                case 12 -> b.append("\\f");
                case 11 -> b.append("\\v");
                default -> {
                  if (c < 0x20 || c == 0x7f) {
                    b.append(String.format("\\x%02x", c));
                  } else if (!Character.isDefined(c) || Character.isISOControl(c)) {
                    b.append(
                        c > 0xffff ? String.format("\\U%08x", c) : String.format("\\u%04x", c));
                  } else {
                    b.appendCodePoint(c);
                  }
                }
              }
            });
    return b.append('"').toString();
  }

  /** Docker's {@code formatter.Ellipsis}: at most {@code width} characters, the last one "…". */
  static String ellipsis(String s, int width) {
    int n = s.codePointCount(0, s.length());
    if (n <= width) {
      return s;
    }
    if (width <= 0) {
      return "";
    }
    if (width == 1) {
      return s.substring(0, s.offsetByCodePoints(0, 1));
    }
    return s.substring(0, s.offsetByCodePoints(0, width - 1)) + "…";
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }

  /** Sorted {@code k=v} joined by commas, as Docker joins labels (its order is a map's). */
  static String labels(JsonNode labels) {
    if (labels == null || !labels.isObject()) {
      return "";
    }
    Map<String, String> sorted = new TreeMap<>();
    labels.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
    List<String> parts = new ArrayList<>();
    sorted.forEach((k, v) -> parts.add(k + "=" + v));
    return String.join(",", parts);
  }

  /** A context whose fields are computed by name. */
  abstract static class Fields implements GoTemplate.Context {
    private final Map<String, Function<List<Object>, Object>> fields = new LinkedHashMap<>();
    private final Map<String, Boolean> inJson = new LinkedHashMap<>();
    private final String type;

    Fields(String type) {
      this.type = type;
    }

    /** A field without arguments, part of {@code {{json .}}}. */
    void put(String name, java.util.function.Supplier<Object> value) {
      fields.put(name, args -> value.get());
      inJson.put(name, true);
    }

    /** A method with arguments ({@code .Label "tier"}), left out of {@code {{json .}}}. */
    void method(String name, Function<List<Object>, Object> value) {
      fields.put(name, value);
      inJson.put(name, false);
    }

    @Override
    public String typeName() {
      return type;
    }

    @Override
    public Object field(String name, List<Object> args) {
      Function<List<Object>, Object> f = fields.get(name);
      return f == null ? GoTemplate.NO_FIELD : f.apply(args);
    }

    @Override
    public Map<String, Object> json() {
      Map<String, Object> m = new TreeMap<>();
      fields.forEach(
          (k, f) -> {
            if (inJson.get(k)) {
              m.put(k, f.apply(List.of()));
            }
          });
      return m;
    }
  }

  // ---------------------------------------------------------------- containers

  static final Map<String, String> CONTAINER_HEADERS =
      Map.ofEntries(
          Map.entry("ID", "CONTAINER ID"),
          Map.entry("Image", "IMAGE"),
          Map.entry("Command", "COMMAND"),
          Map.entry("CreatedAt", "CREATED AT"),
          Map.entry("RunningFor", "CREATED"),
          Map.entry("Ports", "PORTS"),
          Map.entry("State", "STATE"),
          Map.entry("Status", "STATUS"),
          Map.entry("Size", "SIZE"),
          Map.entry("Names", "NAMES"),
          Map.entry("Labels", "LABELS"),
          Map.entry("Mounts", "MOUNTS"),
          Map.entry("LocalVolumes", "LOCAL VOLUMES"),
          Map.entry("Networks", "NETWORKS"));

  static final String PS_TABLE =
      "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}";

  /** One entry of {@code GET /containers/json}, as {@code formatter.ContainerContext}. */
  static final class Container extends Fields {
    Container(JsonNode c, boolean trunc, Instant now) {
      super("*formatter.ContainerContext");
      put("Command", () -> goQuote(trunc ? ellipsis(text(c, "Command"), 20) : text(c, "Command")));
      put("CreatedAt", () -> goTime(Instant.ofEpochSecond(c.path("Created").asLong())));
      put(
          "ID",
          () ->
              trunc && text(c, "Id").length() > 12
                  ? text(c, "Id").substring(0, 12)
                  : text(c, "Id"));
      put(
          "Image",
          () -> {
            String image = text(c, "Image");
            if (image.isEmpty()) {
              return "<no image>";
            }
            if (trunc && image.startsWith("sha256:") && image.length() > 19) {
              return image.substring(7, 19);
            }
            return image;
          });
      put("Labels", () -> labels(c.get("Labels")));
      put("LocalVolumes", () -> Long.toString(volumes(c)));
      put("Mounts", () -> mounts(c, trunc));
      put("Names", () -> names(c, trunc));
      put("Networks", () -> networks(c));
      put("Ports", () -> ports(c));
      put(
          "RunningFor",
          () ->
              HumanTime.duration(
                      Duration.between(Instant.ofEpochSecond(c.path("Created").asLong()), now))
                  + " ago");
      put(
          "Size",
          () -> {
            String rw = Units.humanSize(c.path("SizeRw").asDouble(), 3);
            long rootFs = c.path("SizeRootFs").asLong();
            return rootFs > 0 ? rw + " (virtual " + Units.humanSize(rootFs, 3) + ")" : rw;
          });
      put("State", () -> text(c, "State"));
      put("Status", () -> text(c, "Status"));
      method(
          "Label",
          args -> {
            JsonNode v = c.path("Labels").get(args.isEmpty() ? "" : GoTemplate.print(args.get(0)));
            return v == null ? "" : v.asText();
          });
    }

    private static String names(JsonNode c, boolean trunc) {
      List<String> names = new ArrayList<>();
      for (JsonNode n : c.path("Names")) {
        String s = n.asText();
        names.add(s.startsWith("/") ? s.substring(1) : s);
      }
      if (trunc) {
        for (String n : names) {
          if (!n.contains("/")) {
            return n;
          }
        }
      }
      return String.join(",", names);
    }

    private static String networks(JsonNode c) {
      List<String> names = new ArrayList<>();
      c.path("NetworkSettings").path("Networks").fieldNames().forEachRemaining(names::add);
      names.sort(null);
      return String.join(",", names);
    }

    private static long volumes(JsonNode c) {
      long n = 0;
      for (JsonNode m : c.path("Mounts")) {
        if (text(m, "Type").equals("volume")) {
          n++;
        }
      }
      return n;
    }

    private static String mounts(JsonNode c, boolean trunc) {
      List<String> out = new ArrayList<>();
      for (JsonNode m : c.path("Mounts")) {
        String name = text(m, "Name");
        if (name.isEmpty()) {
          name = text(m, "Source");
        } else if (trunc) {
          name = ellipsis(name, 15);
        }
        out.add(name);
      }
      return String.join(",", out);
    }

    private static String ports(JsonNode c) {
      List<PortSummary> ports = new ArrayList<>();
      for (JsonNode p : c.path("Ports")) {
        ports.add(
            new PortSummary(
                text(p, "IP"),
                p.path("PrivatePort").asInt(),
                p.path("PublicPort").asInt(),
                text(p, "Type")));
      }
      return PortViews.psColumn(ports);
    }
  }

  // ---------------------------------------------------------------- images

  static final Map<String, String> IMAGE_HEADERS =
      Map.of(
          "ID", "IMAGE ID",
          "Repository", "REPOSITORY",
          "Tag", "TAG",
          "Digest", "DIGEST",
          "CreatedSince", "CREATED",
          "CreatedAt", "CREATED AT",
          "Size", "SIZE",
          "Containers", "CONTAINERS",
          "SharedSize", "SHARED SIZE",
          "UniqueSize", "UNIQUE SIZE");

  static final String IMAGES_TABLE =
      "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}";

  /** One repository tag of an image, as {@code formatter.imageContext}. */
  static final class Image extends Fields {
    Image(JsonNode i, String repository, String tag, boolean trunc, Instant now) {
      super("*formatter.imageContext");
      Instant created = Instant.ofEpochSecond(i.path("Created").asLong());
      put(
          "Containers",
          () -> {
            long n = i.path("Containers").asLong(-1);
            return n < 0 ? "N/A" : Long.toString(n);
          });
      put("CreatedAt", () -> goTime(created));
      put("CreatedSince", () -> HumanTime.duration(Duration.between(created, now)) + " ago");
      put("Digest", () -> "<none>");
      put(
          "ID",
          () -> {
            String id = text(i, "Id");
            return trunc && id.startsWith("sha256:")
                ? id.substring(7, Math.min(19, id.length()))
                : id;
          });
      put("Repository", () -> repository);
      put(
          "SharedSize",
          () ->
              i.path("SharedSize").asLong(-1) < 0
                  ? "N/A"
                  : Units.humanSize(i.path("SharedSize").asDouble(), 3));
      put("Size", () -> Units.humanSize(i.path("Size").asDouble(), 3));
      put("Tag", () -> tag);
      put("UniqueSize", () -> "N/A");
    }
  }

  // ---------------------------------------------------------------- networks

  static final Map<String, String> NETWORK_HEADERS =
      Map.of(
          "ID", "NETWORK ID",
          "Name", "NAME",
          "Driver", "DRIVER",
          "Scope", "SCOPE",
          "IPv6", "IPV6",
          "Internal", "INTERNAL",
          "Labels", "LABELS",
          "CreatedAt", "CREATED AT");

  static final String NETWORKS_TABLE = "table {{.ID}}\\t{{.Name}}\\t{{.Driver}}\\t{{.Scope}}";

  /** One entry of {@code GET /networks}, as {@code formatter.networkContext}. */
  static final class Network extends Fields {
    Network(JsonNode n, boolean trunc) {
      super("*formatter.networkContext");
      put(
          "CreatedAt",
          () -> {
            String created = text(n, "Created");
            try {
              return goTime(Instant.parse(created));
            } catch (java.time.format.DateTimeParseException e) {
              return created;
            }
          });
      put("Driver", () -> text(n, "Driver"));
      put(
          "ID",
          () ->
              trunc && text(n, "Id").length() > 12
                  ? text(n, "Id").substring(0, 12)
                  : text(n, "Id"));
      put("IPv6", () -> Boolean.toString(n.path("EnableIPv6").asBoolean()));
      put("Internal", () -> Boolean.toString(n.path("Internal").asBoolean()));
      put("Labels", () -> labels(n.get("Labels")));
      put("Name", () -> text(n, "Name"));
      put("Scope", () -> text(n, "Scope"));
      method(
          "Label",
          args -> {
            JsonNode v = n.path("Labels").get(args.isEmpty() ? "" : GoTemplate.print(args.get(0)));
            return v == null ? "" : v.asText();
          });
    }
  }

  // ---------------------------------------------------------------- stats

  static final Map<String, String> STATS_HEADERS =
      Map.of(
          "Container", "CONTAINER",
          "ID", "CONTAINER ID",
          "Name", "NAME",
          "CPUPerc", "CPU %",
          "MemUsage", "MEM USAGE / LIMIT",
          "MemPerc", "MEM %",
          "NetIO", "NET I/O",
          "BlockIO", "BLOCK I/O",
          "PIDs", "PIDS");

  static final String STATS_TABLE =
      "table {{.ID}}\\t{{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}\\t{{.MemPerc}}\\t{{.NetIO}}\\t{{.BlockIO}}\\t{{.PIDs}}";

  /** One container's figures, as {@code formatter.statsContext}. */
  record StatsEntry(
      String container,
      String name,
      String id,
      double cpuPercent,
      double memory,
      double memoryLimit,
      double memoryPercent,
      double netRx,
      double netTx,
      double blockRead,
      double blockWrite,
      long pids) {}

  static final class Stats extends Fields {
    Stats(StatsEntry s, boolean trunc) {
      super("*formatter.statsContext");
      put(
          "BlockIO",
          () -> Units.humanSize(s.blockRead(), 3) + " / " + Units.humanSize(s.blockWrite(), 3));
      put("CPUPerc", () -> String.format(java.util.Locale.ROOT, "%.2f%%", s.cpuPercent()));
      put("Container", () -> s.container());
      put("ID", () -> trunc && s.id().length() > 12 ? s.id().substring(0, 12) : s.id());
      put("MemPerc", () -> String.format(java.util.Locale.ROOT, "%.2f%%", s.memoryPercent()));
      put("MemUsage", () -> Units.bytesSize(s.memory()) + " / " + Units.bytesSize(s.memoryLimit()));
      put("Name", () -> s.name().startsWith("/") ? s.name().substring(1) : s.name());
      put("NetIO", () -> Units.humanSize(s.netRx(), 3) + " / " + Units.humanSize(s.netTx(), 3));
      put("PIDs", () -> Long.toString(s.pids()));
    }
  }
}

package dev.jocker.daemon;

import dev.jocker.engine.ContainerInfo;
import dev.jocker.engine.EngineException;
import dev.jocker.portmap.HostBinding;
import dev.jocker.portmap.PortSpecException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Docker's filters of {@code GET /containers/json}, over the list newest first. */
final class ContainerFilter {
  static final Set<String> KEYS =
      Filters.keys(
          "ancestor",
          "before",
          "expose",
          "exited",
          "health",
          "id",
          "isolation",
          "is-task",
          "label",
          "name",
          "network",
          "publish",
          "since",
          "status",
          "volume");

  private static final Set<String> STATUSES =
      Set.of("created", "restarting", "running", "removing", "paused", "exited", "dead");

  private final Filters f;
  private final Function<String, Map<String, String>> labels;
  private final List<Pattern> names;
  private final long beforeCreated;
  private final long sinceCreated;
  private final Set<String> publish;
  private final Set<String> expose;

  ContainerFilter(
      Filters f, List<ContainerInfo> all, Function<String, Map<String, String>> labels) {
    this.f = f;
    this.labels = labels;
    for (String s : f.get("status")) {
      if (!STATUSES.contains(s)) {
        throw new IllegalArgumentException("Invalid filter 'status=" + s + "'");
      }
    }
    for (String e : f.get("exited")) {
      try {
        Integer.parseInt(e);
      } catch (NumberFormatException x) {
        throw new IllegalArgumentException("invalid filter 'exited=" + e + "'");
      }
    }
    for (String h : f.get("health")) {
      if (!Set.of("starting", "healthy", "unhealthy", "none").contains(h)) {
        throw new IllegalArgumentException("Invalid filter 'health=" + h + "'");
      }
    }
    for (String k : List.of("is-task")) {
      for (String v : f.get(k)) {
        Filters.bool(k, v);
      }
    }
    this.names =
        f.get("name").stream()
            .map(
                n -> {
                  try {
                    return Pattern.compile(n);
                  } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException(
                        "invalid filter 'name=" + n + "': " + e.getDescription());
                  }
                })
            .toList();
    this.beforeCreated = f.has("before") ? created(find(all, first("before"))) : Long.MAX_VALUE;
    this.sinceCreated = f.has("since") ? created(find(all, first("since"))) : Long.MIN_VALUE;
    this.publish = ports(f, "publish");
    this.expose = ports(f, "expose");
  }

  /**
   * The ports a {@code publish} or {@code expose} filter names, dockerd's {@code portOp}: {@code
   * PORT[/PROTO]} or {@code START-END[/PROTO]}, TCP when no protocol is given.
   */
  private static Set<String> ports(Filters f, String key) {
    Set<String> out = new HashSet<>();
    for (String value : f.get(key)) {
      if (value.contains(":")) {
        throw new IllegalArgumentException(
            "filter for '" + key + "' should not contain ':': " + value);
      }
      String[] parts = value.split("/", 2);
      String proto = parts.length == 2 ? parts[1].toLowerCase(Locale.ROOT) : "tcp";
      try {
        int[] range = dev.jocker.portmap.PortSpecs.portRange(parts[0]);
        for (int p = range[0]; p <= range[1]; p++) {
          out.add(p + "/" + proto);
        }
      } catch (PortSpecException e) {
        throw new IllegalArgumentException(
            "error while looking up for " + key + " " + value + ": " + e.getMessage());
      }
    }
    return out;
  }

  /** The host ports published for {@code c} now, as {@code 8080/tcp}. */
  private static Set<String> published(ContainerInfo c) {
    Set<String> out = new HashSet<>();
    c.ports()
        .forEach(
            (port, bindings) -> {
              String proto = port.contains("/") ? port.substring(port.indexOf('/') + 1) : "tcp";
              for (HostBinding b : bindings == null ? List.<HostBinding>of() : bindings) {
                out.add(b.hostPort() + "/" + proto);
              }
            });
    return out;
  }

  private String first(String key) {
    return f.get(key).iterator().next();
  }

  private static ContainerInfo find(List<ContainerInfo> all, String ref) {
    for (ContainerInfo c : all) {
      if (c.id().equals(ref)
          || c.name().equals(ref)
          || c.name().equals(ref.replaceFirst("^/", ""))) {
        return c;
      }
    }
    List<ContainerInfo> prefixed = all.stream().filter(c -> c.id().startsWith(ref)).toList();
    if (prefixed.size() == 1) {
      return prefixed.get(0);
    }
    throw EngineException.notFound("container", ref);
  }

  private static long created(ContainerInfo c) {
    return c.created().getEpochSecond() * 1_000_000_000L + c.created().getNano();
  }

  /** Filters on state other than running ({@code status}, {@code exited}) list every container. */
  boolean impliesAll() {
    return f.has("status") || f.has("exited");
  }

  boolean matches(ContainerInfo c) {
    long created = created(c);
    return f.any("id", v -> c.id().startsWith(v))
        && (names.isEmpty()
            || f.get("name").contains(c.name())
            || names.stream()
                .anyMatch(p -> p.matcher("/" + c.name()).find() || p.matcher(c.name()).find()))
        && f.exact("status", c.state().status())
        && (!f.has("exited")
            || c.state().status().equals("exited")
                && f.any("exited", v -> Integer.parseInt(v) == c.state().exitCode()))
        && f.labels("label", labels.apply(c.id()))
        && f.any(
            "ancestor",
            v ->
                v.equals(c.image())
                    || v.equals(c.image() + ":latest")
                    || c.imageId().startsWith(v)
                    || c.imageId().equals("sha256:" + v))
        && f.any(
            "network",
            v ->
                v.equals(c.networkMode())
                    || c.endpoint() != null && c.endpoint().networkId().startsWith(v))
        && f.any("health", v -> v.equals("none"))
        && (publish.isEmpty() || published(c).stream().anyMatch(publish::contains))
        && (expose.isEmpty() || c.exposedPorts().stream().anyMatch(expose::contains))
        && !f.has("volume")
        && f.any("is-task", v -> !Filters.bool("is-task", v))
        && f.any("isolation", v -> v.equals("default"))
        && created < beforeCreated
        && created > sinceCreated;
  }
}

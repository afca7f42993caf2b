package dev.jocker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jocker.doctor.Doctor;
import dev.jocker.doctor.Finding;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Inspect, images, networks, events, system and volume commands, as Docker 20.10's client. */
final class ObjectCommands {
  private final Cli cli;

  ObjectCommands(Cli cli) {
    this.cli = cli;
  }

  // ---------------------------------------------------------------- inspect

  private static final List<String> TYPES = List.of("container", "image", "network");

  int inspect(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "inspect",
            "inspect [OPTIONS] NAME|ID [NAME|ID...]",
            "Return low-level information on jocker objects",
            new Flags()
                .string(
                    "f", "format", "string", null, "Format the output using the given Go template")
                .bool("s", "size", "Display total file sizes if the type is container")
                .string(null, "type", "string", null, "Return JSON for specified type"),
            Cli.Args.atLeast(1));
    Flags.Parsed p = cli.parse(spec, args);
    String type = p.get("type", "");
    if (!type.isEmpty() && !TYPES.contains(type)) {
      throw new Cli.StatusError("\"" + type + "\" is not a valid value for --type", 1);
    }
    return inspectAll(p.args, p.get("format", ""), type.isEmpty() ? null : type, p.on("size"));
  }

  /** {@code container inspect}, {@code image inspect}, {@code network inspect}. */
  int inspectTyped(String path, String type, List<String> args)
      throws IOException, Cli.StatusError, Cli.DaemonError {
    String upper = Character.toUpperCase(type.charAt(0)) + type.substring(1);
    Flags flags =
        new Flags()
            .string("f", "format", "string", null, "Format the output using the given Go template");
    if (type.equals("container")) {
      flags.bool("s", "size", "Display total file sizes");
    }
    if (type.equals("network")) {
      flags.bool("v", "verbose", "Verbose output for diagnostics");
    }
    Cli.Spec spec =
        new Cli.Spec(
            path,
            path
                + " [OPTIONS] "
                + type.toUpperCase(java.util.Locale.ROOT)
                + " ["
                + type.toUpperCase(java.util.Locale.ROOT)
                + "...]",
            "Display detailed information on one or more " + type + "s",
            flags,
            Cli.Args.atLeast(1));
    Flags.Parsed p = cli.parse(spec, args);
    return inspectAll(p.args, p.get("format", ""), type, p.on("size"));
  }

  private int inspectAll(List<String> refs, String format, String type, boolean size)
      throws IOException, Cli.StatusError, Cli.DaemonError {
    GoTemplate template = null;
    if (!format.isEmpty()) {
      try {
        template = GoTemplate.parse(Formatter.templateText(format));
      } catch (GoTemplate.TemplateException e) {
        throw new Cli.StatusError("Template parsing error: " + e.getMessage(), 64);
      }
    }
    ArrayNode found = Json.array();
    StringBuilder text = new StringBuilder();
    List<String> errors = new ArrayList<>();
    for (String ref : refs) {
      JsonNode object = null;
      for (String t : type == null ? TYPES : List.of(type)) {
        object = get(t, ref, size);
        if (object != null) {
          break;
        }
      }
      if (object == null) {
        errors.add(
            type == null ? "Error: No such object: " + ref : "Error: No such " + type + ": " + ref);
        continue;
      }
      if (template == null) {
        found.add(object);
        continue;
      }
      try {
        text.append(template.execute(object)).append('\n');
      } catch (GoTemplate.TemplateException e) {
        errors.add("Template parsing error: " + e.getMessage());
      }
    }
    if (template == null) {
      cli.out.println(Cli.pretty(found));
    } else {
      cli.out.print(text);
    }
    if (!errors.isEmpty()) {
      throw new Cli.StatusError(String.join("\n", errors), 1);
    }
    return 0;
  }

  private JsonNode get(String type, String ref, boolean size) throws IOException, Cli.DaemonError {
    String path =
        switch (type) {
          case "container" -> "/containers/" + Cli.enc(ref) + "/json" + (size ? "?size=1" : "");
          case "image" -> "/images/" + Cli.enc(ref) + "/json";
          default -> "/networks/" + Cli.enc(ref);
        };
    try (DaemonClient.Response r = cli.client.send("GET", path, null)) {
      if (r.status == 404) {
        return null;
      }
      Cli.check(r);
      return Json.parse(r.bytes());
    }
  }

  // ---------------------------------------------------------------- images

  int images(String path, List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            path,
            path + " [OPTIONS] [REPOSITORY[:TAG]]",
            "List images",
            new Flags()
                .bool("a", "all", "Show all images (default hides intermediate images)")
                .bool(null, "digests", "Show digests")
                .list("f", "filter", "filter", "Filter output based on conditions provided")
                .string(null, "format", "string", null, "Pretty-print images using a Go template")
                .bool(null, "no-trunc", "Don't truncate output")
                .bool("q", "quiet", "Only show image IDs"),
            Cli.Args.between(0, 1));
    if (!path.equals("images")) {
      spec = spec.withAliases("ls", "images", "list");
    }
    Flags.Parsed p = cli.parse(spec, args);
    List<String> filterValues = new ArrayList<>(p.all("filter"));
    if (!p.args.isEmpty()) {
      filterValues.add("reference=" + p.args.get(0));
    }
    String filters = Cli.filters(filterValues);
    StringBuilder query = new StringBuilder("/images/json?");
    if (p.on("all")) {
      query.append("all=1&");
    }
    if (filters != null) {
      query.append("filters=").append(Cli.enc(filters));
    }
    JsonNode list = cli.call("GET", query.toString(), null);
    boolean trunc = !p.on("no-trunc");
    Instant now = Instant.now();
    List<Contexts.Image> rows = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (JsonNode i : list) {
      List<String> tags = Cli.strings(i.get("RepoTags"));
      if (tags.isEmpty()) {
        tags = List.of("<none>:<none>");
      }
      for (String t : tags) {
        int colon = t.lastIndexOf(':');
        String repo = colon < 0 ? t : t.substring(0, colon);
        String tag = colon < 0 ? "<none>" : t.substring(colon + 1);
        if (p.on("quiet")) {
          if (seen.contains(i.get("Id").asText())) {
            continue;
          }
          seen.add(i.get("Id").asText());
        }
        rows.add(new Contexts.Image(i, repo, tag, trunc, now));
      }
    }
    String format = p.get("format", null);
    if (format == null) {
      format =
          p.on("quiet")
              ? "{{.ID}}"
              : p.on("digests")
                  ? "table {{.Repository}}\\t{{.Tag}}\\t{{.Digest}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}"
                  : Contexts.IMAGES_TABLE;
    }
    cli.out.print(ContainerCommands.format(format, rows, Contexts.IMAGE_HEADERS));
    return 0;
  }

  int pull(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "pull",
            "pull [OPTIONS] NAME[:TAG|@DIGEST]",
            "Pull an image or a repository from a registry",
            new Flags().bool("q", "quiet", "Suppress verbose output"),
            Cli.Args.exactly(1));
    Flags.Parsed p = cli.parse(spec, args);
    String image = p.args.get(0);
    boolean tagged = image.lastIndexOf(':') > image.lastIndexOf('/') || image.contains("@");
    if (!tagged && !p.on("quiet")) {
      cli.out.println("Using default tag: latest");
    }
    String name = tagged ? image : image + ":latest";
    try (DaemonClient.Response r =
        cli.client.send(
            "POST",
            "/images/create?fromImage=" + Cli.enc(image) + (tagged ? "" : "&tag=latest"),
            null)) {
      Cli.check(r);
      InputStream in = r.body();
      java.io.BufferedReader lines =
          new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode m = Json.parse(line);
        if (m.has("errorDetail") || m.has("error")) {
          throw new Cli.StatusError(
              m.path("error").asText(m.path("errorDetail").path("message").asText()), 1);
        }
        if (!p.on("quiet")) {
          cli.out.println(
              (m.has("id") ? m.get("id").asText() + ": " : "") + m.path("status").asText());
        }
      }
    }
    cli.out.println(qualified(name));
    return 0;
  }

  /** {@code docker.io/library/busybox:latest}, as the client prints the pulled reference. */
  private static String qualified(String name) {
    String first = name.contains("/") ? name.substring(0, name.indexOf('/')) : "";
    if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
      return name;
    }
    return "docker.io/" + (name.contains("/") ? name : "library/" + name);
  }

  int importImage(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "image import",
            "image import DIR|TARBALL NAME",
            "Import a root file system (a directory or a tarball) as an image",
            new Flags(),
            Cli.Args.exactly(2));
    Flags.Parsed p = cli.parse(spec, args);
    String source = java.nio.file.Path.of(p.args.get(0)).toAbsolutePath().toString();
    JsonNode i =
        cli.call(
            "POST",
            "/jocker/images/import?path=" + Cli.enc(source) + "&name=" + Cli.enc(p.args.get(1)),
            null);
    cli.out.println(i.get("Id").asText());
    return 0;
  }

  int pruneImages(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "image prune",
            "image prune [OPTIONS]",
            "Remove unused images",
            new Flags()
                .bool("a", "all", "Remove all unused images, not just dangling ones")
                .list(null, "filter", "filter", "Provide filter values (e.g. 'until=<timestamp>')")
                .bool("f", "force", "Do not prompt for confirmation"),
            Cli.Args.none());
    Flags.Parsed p = cli.parse(spec, args);
    String warning =
        p.on("all")
            ? "WARNING! This will remove all images without at least one container associated to them."
            : "WARNING! This will remove all dangling images.";
    if (!p.on("force")
        && !new ContainerCommands(cli).confirm(warning + "\nAre you sure you want to continue?")) {
      return 0;
    }
    List<String> filterValues = new ArrayList<>(p.all("filter"));
    filterValues.add("dangling=" + !p.on("all"));
    JsonNode r =
        cli.call("POST", "/images/prune?filters=" + Cli.enc(Cli.filters(filterValues)), null);
    long space = 0;
    if (r.path("ImagesDeleted").size() > 0) {
      StringBuilder b = new StringBuilder("Deleted Images:\n");
      for (JsonNode d : r.get("ImagesDeleted")) {
        if (d.has("Untagged")) {
          b.append("untagged: ").append(d.get("Untagged").asText()).append('\n');
        }
        if (d.has("Deleted")) {
          b.append("deleted: ").append(d.get("Deleted").asText()).append('\n');
        }
      }
      space = r.path("SpaceReclaimed").asLong();
      cli.out.println(b);
    }
    cli.out.println("Total reclaimed space: " + Units.humanSize(space));
    return 0;
  }

  // ---------------------------------------------------------------- networks

  int networks(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
                "network ls",
                "network ls [OPTIONS]",
                "List networks",
                new Flags()
                    .list("f", "filter", "filter", "Provide filter values (e.g. 'driver=bridge')")
                    .string(
                        null, "format", "string", null, "Pretty-print networks using a Go template")
                    .bool(null, "no-trunc", "Do not truncate the output")
                    .bool("q", "quiet", "Only display network IDs"),
                Cli.Args.none())
            .withAliases("ls", "list");
    Flags.Parsed p = cli.parse(spec, args);
    String filters = Cli.filters(p.all("filter"));
    JsonNode list =
        cli.call(
            "GET", "/networks" + (filters == null ? "" : "?filters=" + Cli.enc(filters)), null);
    List<JsonNode> sorted = new ArrayList<>();
    list.forEach(sorted::add);
    sorted.sort((a, b) -> naturalCompare(a.path("Name").asText(), b.path("Name").asText()));
    boolean trunc = !p.on("no-trunc");
    List<Contexts.Network> rows = new ArrayList<>();
    for (JsonNode n : sorted) {
      rows.add(new Contexts.Network(n, trunc));
    }
    String format = p.get("format", p.on("quiet") ? "{{.ID}}" : Contexts.NETWORKS_TABLE);
    cli.out.print(ContainerCommands.format(format, rows, Contexts.NETWORK_HEADERS));
    return 0;
  }

  /** Docker's {@code sortorder.NaturalLess}: runs of digits compare as numbers. */
  static int naturalCompare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char x = a.charAt(i);
      char y = b.charAt(j);
      if (Character.isDigit(x) && Character.isDigit(y)) {
        int si = i;
        int sj = j;
        while (i < a.length() && Character.isDigit(a.charAt(i))) {
          i++;
        }
        while (j < b.length() && Character.isDigit(b.charAt(j))) {
          j++;
        }
        String na = a.substring(si, i).replaceFirst("^0+(?=.)", "");
        String nb = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
        if (na.length() != nb.length()) {
          return na.length() - nb.length();
        }
        int c = na.compareTo(nb);
        if (c != 0) {
          return c;
        }
        continue;
      }
      if (x != y) {
        return x - y;
      }
      i++;
      j++;
    }
    return (a.length() - i) - (b.length() - j);
  }

  int createNetwork(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "network create",
            "network create [OPTIONS] NETWORK",
            "Create a network",
            new Flags()
                .bool(null, "attachable", "Enable manual container attachment")
                .list(
                    null,
                    "aux-address",
                    "map",
                    "Auxiliary IPv4 or IPv6 addresses used by Network driver")
                .string(
                    null,
                    "config-from",
                    "string",
                    null,
                    "The network from which to copy the configuration")
                .bool(null, "config-only", "Create a configuration only network")
                .string("d", "driver", "string", "\"bridge\"", "Driver to manage the Network")
                .list(null, "gateway", "strings", "IPv4 or IPv6 Gateway for the master subnet")
                .bool(null, "ingress", "Create swarm routing-mesh network")
                .bool(null, "internal", "Restrict external access to the network")
                .list(null, "ip-range", "strings", "Allocate container ip from a sub-range")
                .string(
                    null, "ipam-driver", "string", "\"default\"", "IP Address Management Driver")
                .list(null, "ipam-opt", "map", "Set IPAM driver specific options")
                .bool(null, "ipv6", "Enable IPv6 networking")
                .list(null, "label", "list", "Set metadata on a network")
                .list("o", "opt", "map", "Set driver specific options")
                .string(null, "scope", "string", null, "Control the network's scope")
                .list(
                    null,
                    "subnet",
                    "strings",
                    "Subnet in CIDR format that represents a network segment"),
            Cli.Args.exactly(1));
    Flags.Parsed p = cli.parse(spec, args);
    ObjectNode body = Json.object();
    body.put("Name", p.args.get(0));
    body.put("CheckDuplicate", true);
    body.put("Driver", p.get("driver", "bridge"));
    body.put("Scope", p.get("scope", ""));
    body.put("EnableIPv6", p.on("ipv6"));
    ObjectNode ipam = body.putObject("IPAM");
    ipam.put("Driver", p.get("ipam-driver", "default"));
    List<String> subnets = p.all("subnet");
    List<String> gateways = p.all("gateway");
    List<String> ranges = p.all("ip-range");
    if (subnets.isEmpty() && (!gateways.isEmpty() || !ranges.isEmpty())) {
      throw new Cli.StatusError("every ip-range or gateway must have a corresponding subnet", 1);
    }
    ArrayNode configs = ipam.putArray("Config");
    for (int i = 0; i < subnets.size(); i++) {
      ObjectNode c = configs.addObject();
      c.put("Subnet", subnets.get(i));
      if (i < ranges.size()) {
        c.put("IPRange", ranges.get(i));
      }
      if (i < gateways.size()) {
        c.put("Gateway", gateways.get(i));
      }
    }
    ipam.set("Options", map(p.all("ipam-opt")));
    body.put("Internal", p.on("internal"));
    body.put("Attachable", p.on("attachable"));
    body.put("Ingress", p.on("ingress"));
    body.put("ConfigOnly", p.on("config-only"));
    if (p.has("config-from")) {
      body.putObject("ConfigFrom").put("Network", p.get("config-from", ""));
    }
    body.set("Options", map(p.all("opt")));
    body.set("Labels", map(p.all("label")));
    cli.out.println(cli.call("POST", "/networks/create", Json.bytes(body)).get("Id").asText());
    return 0;
  }

  /** {@code k=v} flags as a JSON object ({@code k} alone: an empty value). */
  private static ObjectNode map(List<String> values) {
    ObjectNode m = Json.object();
    for (String v : values) {
      int eq = v.indexOf('=');
      m.put(eq < 0 ? v : v.substring(0, eq), eq < 0 ? "" : v.substring(eq + 1));
    }
    return m;
  }

  int removeNetworks(List<String> args) throws IOException, Cli.StatusError {
    Cli.Spec spec =
        new Cli.Spec(
                "network rm",
                "network rm NETWORK [NETWORK...]",
                "Remove one or more networks",
                new Flags(),
                Cli.Args.atLeast(1))
            .withAliases("rm", "remove");
    Flags.Parsed p = cli.parse(spec, args);
    int status = 0;
    for (String n : p.args) {
      try {
        cli.call("DELETE", "/networks/" + Cli.enc(n), null);
        cli.out.println(n);
      } catch (Cli.DaemonError e) {
        cli.err.println(e.status == 404 ? "Error: No such network: " + n : e.text());
        status = 1;
      }
    }
    if (status != 0) {
      throw new Cli.StatusError("", status);
    }
    return 0;
  }

  int pruneNetworks(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "network prune",
            "network prune [OPTIONS]",
            "Remove all unused networks",
            new Flags()
                .list(null, "filter", "filter", "Provide filter values (e.g. 'until=<timestamp>')")
                .bool("f", "force", "Do not prompt for confirmation"),
            Cli.Args.none());
    Flags.Parsed p = cli.parse(spec, args);
    if (!p.on("force")
        && !new ContainerCommands(cli)
            .confirm(
                "WARNING! This will remove all custom networks not used by at least one container.\n"
                    + "Are you sure you want to continue?")) {
      return 0;
    }
    String deleted = pruneNetworks(Cli.filters(p.all("filter")));
    if (!deleted.isEmpty()) {
      cli.out.println(deleted);
    }
    return 0;
  }

  private String pruneNetworks(String filters) throws IOException, Cli.DaemonError {
    JsonNode r =
        cli.call(
            "POST",
            "/networks/prune" + (filters == null ? "" : "?filters=" + Cli.enc(filters)),
            null);
    if (r.path("NetworksDeleted").size() == 0) {
      return "";
    }
    StringBuilder b = new StringBuilder("Deleted Networks:\n");
    r.get("NetworksDeleted").forEach(n -> b.append(n.asText()).append('\n'));
    return b.toString();
  }

  int topology(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "network topology",
            "network topology [OPTIONS] [NETWORK]",
            "Draw the network as the kernel holds it",
            new Flags().string(null, "format", "string", "\"text\"", "text, dot or mermaid"),
            Cli.Args.between(0, 1));
    Flags.Parsed p = cli.parse(spec, args);
    String network = p.args.isEmpty() ? "bridge" : p.args.get(0);
    cli.out.print(
        cli.text(
            "GET",
            "/jocker/networks/"
                + Cli.enc(network)
                + "/topology?format="
                + Cli.enc(p.get("format", "text"))));
    return 0;
  }

  int trace(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "network trace",
            "network trace CONTAINER DEST\n\tjocker network trace SOURCE HOST-ADDRESS:PORT[/udp]",
            "Explain the path of a packet from a container to a destination, or from outside to a"
                + " published port, hop by hop",
            new Flags(),
            Cli.Args.exactly(2));
    Flags.Parsed p = cli.parse(spec, args);
    cli.out.print(
        cli.text(
            "GET",
            "/jocker/containers/"
                + Cli.enc(p.args.get(0))
                + "/trace?destination="
                + Cli.enc(p.args.get(1))));
    return 0;
  }

  // ---------------------------------------------------------------- events

  int events(String path, List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            path,
            path + " [OPTIONS]",
            "Get real time events from the server",
            new Flags()
                .list("f", "filter", "filter", "Filter output based on conditions provided")
                .string(
                    null, "format", "string", null, "Format the output using the given Go template")
                .string(null, "since", "string", null, "Show all events created since timestamp")
                .string(null, "until", "string", null, "Stream events until this timestamp"),
            Cli.Args.none());
    Flags.Parsed p = cli.parse(spec, args);
    GoTemplate template = null;
    if (p.has("format")) {
      try {
        template = GoTemplate.parse(Formatter.templateText(p.get("format", "")));
      } catch (GoTemplate.TemplateException e) {
        throw new Cli.StatusError("Error parsing format: " + e.getMessage(), 64);
      }
    }
    StringBuilder query = new StringBuilder("/events?");
    Instant now = Instant.now();
    if (p.has("since")) {
      query.append("since=").append(Cli.enc(Timestamps.query(p.get("since", ""), now))).append('&');
    }
    if (p.has("until")) {
      query.append("until=").append(Cli.enc(Timestamps.query(p.get("until", ""), now))).append('&');
    }
    String filters = Cli.filters(p.all("filter"));
    if (filters != null) {
      query.append("filters=").append(Cli.enc(filters));
    }
    try (DaemonClient.Response r = cli.client.send("GET", query.toString(), null)) {
      Cli.check(r);
      java.io.BufferedReader lines =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(r.body(), StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode e = Json.parse(line);
        if (template != null) {
          try {
            cli.out.println(template.execute(e));
          } catch (GoTemplate.TemplateException x) {
            throw new Cli.StatusError(x.getMessage(), 1);
          }
        } else {
          cli.out.println(event(e));
        }
        cli.out.flush();
      }
    }
    return 0;
  }

  private static final DateTimeFormatter RFC3339_NANO_FIXED =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSXXX");

  /** Docker's {@code prettyPrintEvent}: time, type, action, actor and sorted attributes. */
  static String event(JsonNode e) {
    StringBuilder b = new StringBuilder();
    long nanos = e.path("timeNano").asLong();
    Instant t =
        nanos != 0
            ? Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L)
            : Instant.ofEpochSecond(e.path("time").asLong());
    b.append(RFC3339_NANO_FIXED.format(t.atZone(ZoneId.systemDefault()))).append(' ');
    b.append(e.path("Type").asText())
        .append(' ')
        .append(e.path("Action").asText())
        .append(' ')
        .append(e.path("Actor").path("ID").asText());
    Map<String, String> attrs = new TreeMap<>();
    e.path("Actor")
        .path("Attributes")
        .fields()
        .forEachRemaining(a -> attrs.put(a.getKey(), a.getValue().asText()));
    if (!attrs.isEmpty()) {
      List<String> parts = new ArrayList<>();
      attrs.forEach((k, v) -> parts.add(k + "=" + v));
      b.append(" (").append(String.join(", ", parts)).append(')');
    }
    return b.toString();
  }

  // ---------------------------------------------------------------- system

  int info(String path, List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            path,
            path + " [OPTIONS]",
            "Display system-wide information",
            new Flags()
                .string(
                    "f", "format", "string", null, "Format the output using the given Go template"),
            Cli.Args.none());
    Flags.Parsed p = cli.parse(spec, args);
    JsonNode i = cli.call("GET", "/info", null);
    if (p.has("format")) {
      ObjectNode data = ((ObjectNode) i).deepCopy();
      data.putObject("ClientInfo").put("Debug", cli.debug).put("Context", "default");
      cli.out.println(Cli.template(p.get("format", ""), data));
      return 0;
    }
    StringBuilder b = new StringBuilder();
    b.append("Client:\n Context:    default\n Debug Mode: ").append(cli.debug).append("\n\n");
    b.append("Server:\n");
    b.append(" Containers: ").append(i.path("Containers").asLong()).append('\n');
    b.append("  Running: ").append(i.path("ContainersRunning").asLong()).append('\n');
    b.append("  Paused: ").append(i.path("ContainersPaused").asLong()).append('\n');
    b.append("  Stopped: ").append(i.path("ContainersStopped").asLong()).append('\n');
    b.append(" Images: ").append(i.path("Images").asLong()).append('\n');
    b.append(" Server Version: ").append(i.path("ServerVersion").asText()).append('\n');
    b.append(" Storage Driver: ").append(i.path("Driver").asText()).append('\n');
    b.append(" Logging Driver: ").append(i.path("LoggingDriver").asText()).append('\n');
    b.append(" Cgroup Driver: ").append(i.path("CgroupDriver").asText()).append('\n');
    b.append(" Cgroup Version: ").append(i.path("CgroupVersion").asText()).append('\n');
    b.append(" Plugins:\n");
    for (String kind : List.of("Volume", "Network", "Log")) {
      b.append("  ").append(kind).append(": ");
      b.append(String.join(" ", Cli.strings(i.path("Plugins").path(kind)))).append('\n');
    }
    b.append(" Swarm: inactive\n");
    b.append(" Default Bridge: ").append(i.path("DefaultBridge").asText()).append('\n');
    b.append(" IPTables: ").append(i.path("IPTables").asBoolean()).append('\n');
    b.append(" Kernel Version: ").append(i.path("KernelVersion").asText()).append('\n');
    b.append(" Operating System: ").append(i.path("OperatingSystem").asText()).append('\n');
    b.append(" OSType: ").append(i.path("OSType").asText()).append('\n');
    b.append(" Architecture: ").append(i.path("Architecture").asText()).append('\n');
    b.append(" CPUs: ").append(i.path("NCPU").asLong()).append('\n');
    b.append(" Total Memory: ").append(Units.bytesSize(i.path("MemTotal").asDouble())).append('\n');
    b.append(" Name: ").append(i.path("Name").asText()).append('\n');
    b.append(" ID: ").append(i.path("ID").asText()).append('\n');
    b.append(" Jocker Root Dir: ").append(i.path("DockerRootDir").asText()).append('\n');
    b.append(" Jocker Version: ").append(i.path("JockerVersion").asText()).append('\n');
    b.append(" Debug Mode: ").append(i.path("Debug").asBoolean()).append('\n');
    b.append(" Labels:\n");
    for (String l : Cli.strings(i.path("Labels"))) {
      b.append("  ").append(l).append('\n');
    }
    b.append(" Experimental: ").append(i.path("ExperimentalBuild").asBoolean()).append('\n');
    b.append(" Live Restore Enabled: ")
        .append(i.path("LiveRestoreEnabled").asBoolean())
        .append('\n');
    cli.out.println(b);
    return 0;
  }

  /** Docker 20.10's version template, run through a tabwriter (minimum 20, padding 1). */
  private static final String VERSION_TEMPLATE =
      """
      {{with .Client -}}
      Client:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
       Version:\t{{.Version}}
       API version:\t{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
       Java version:\t{{.GoVersion}}
       Git commit:\t{{.GitCommit}}
       Built:\t{{.BuildTime}}
       OS/Arch:\t{{.Os}}/{{.Arch}}
       Context:\t{{.Context}}
       Experimental:\t{{.Experimental}}
      {{- end}}

      {{- if .ServerOK}}{{with .Server}}

      Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
       {{- range $component := .Components}}
       {{$component.Name}}:
        {{- if eq $component.Name "Engine" }}
        Version:\t{{.Version}}
        API version:\t{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
        Java version:\t{{index .Details "GoVersion"}}
        Git commit:\t{{index .Details "GitCommit"}}
        Built:\t{{index .Details "BuildTime"}}
        OS/Arch:\t{{index .Details "Os"}}/{{index .Details "Arch"}}
        Experimental:\t{{index .Details "Experimental"}}
        {{- else }}
        Version:\t{{$component.Version}}
        {{- end}}
       {{- end}}
       {{- end}}{{- end}}""";

  int version(List<String> args) throws IOException, Cli.StatusError {
    Cli.Spec spec =
        new Cli.Spec(
            "version",
            "version [OPTIONS]",
            "Show the jocker version information",
            new Flags()
                .string(
                    "f", "format", "string", null, "Format the output using the given Go template"),
            Cli.Args.none());
    Flags.Parsed p = cli.parse(spec, args);
    ObjectNode data = Json.object();
    ObjectNode client = data.putObject("Client");
    client.putObject("Platform").put("Name", "");
    client.put("Version", Version.VERSION);
    client.put("APIVersion", "1.41");
    client.put("DefaultAPIVersion", "1.41");
    client.put("GoVersion", "java" + System.getProperty("java.version"));
    client.put("GitCommit", "");
    client.put("BuildTime", "");
    client.put("Os", "linux");
    String arch = System.getProperty("os.arch");
    client.put("Arch", arch.equals("x86_64") ? "amd64" : arch.equals("aarch64") ? "arm64" : arch);
    client.put("Context", "default");
    client.put("Experimental", true);
    String failure = null;
    try {
      JsonNode server = cli.call("GET", "/version", null);
      ObjectNode s = ((ObjectNode) server).deepCopy();
      s.put("APIVersion", server.path("ApiVersion").asText());
      data.set("Server", s);
      data.put("ServerOK", true);
    } catch (DaemonClient.Unreachable | Cli.DaemonError e) {
      failure = e instanceof Cli.DaemonError d ? d.text() : e.getMessage();
      data.putNull("Server");
      data.put("ServerOK", false);
    }
    String text;
    if (p.has("format")) {
      text = Cli.template(p.get("format", ""), data) + "\n";
    } else {
      try {
        text = TabWriter.format(GoTemplate.parse(VERSION_TEMPLATE).execute(data) + "\n", 20, 1);
      } catch (GoTemplate.TemplateException e) {
        throw new IllegalStateException("the version template is broken: " + e.getMessage(), e);
      }
    }
    cli.out.print(text);
    if (failure != null) {
      throw new Cli.StatusError(failure, 1);
    }
    return 0;
  }

  int df(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "system df",
            "system df [OPTIONS]",
            "Show jocker disk usage",
            new Flags()
                .string(null, "format", "string", null, "Pretty-print images using a Go template")
                .bool("v", "verbose", "Show detailed information on space usage"),
            Cli.Args.none());
    Flags.Parsed p = cli.parse(spec, args);
    JsonNode df = cli.call("GET", "/system/df", null);
    long layers = df.path("LayersSize").asLong();
    long imageActive = 0;
    long imageUsed = 0;
    for (JsonNode i : df.path("Images")) {
      if (i.path("Containers").asLong() > 0) {
        imageActive++;
        imageUsed += i.path("Size").asLong() - Math.max(0, i.path("SharedSize").asLong());
      }
    }
    long containersTotal = 0;
    long containersActive = 0;
    long containersSize = 0;
    long containersReclaimable = 0;
    for (JsonNode c : df.path("Containers")) {
      containersTotal++;
      long rw = c.path("SizeRw").asLong();
      containersSize += rw;
      if (c.path("State").asText().equals("running")) {
        containersActive++;
      } else {
        containersReclaimable += rw;
      }
    }
    List<GoTemplate.Context> rows = new ArrayList<>();
    rows.add(
        dfRow(
            "Images",
            df.path("Images").size(),
            imageActive,
            Units.humanSize(layers),
            reclaimable(layers - imageUsed, layers)));
    rows.add(
        dfRow(
            "Containers",
            containersTotal,
            containersActive,
            Units.humanSize(containersSize),
            reclaimable(containersReclaimable, containersSize)));
    rows.add(dfRow("Local Volumes", df.path("Volumes").size(), 0, "0B", "0B"));
    rows.add(dfRow("Build Cache", df.path("BuildCache").size(), 0, "0B", "0B"));
    String format =
        p.get(
            "format",
            "table {{.Type}}\\t{{.TotalCount}}\\t{{.Active}}\\t{{.Size}}\\t{{.Reclaimable}}");
    cli.out.print(
        ContainerCommands.format(
            format,
            rows,
            Map.of(
                "Type", "TYPE",
                "TotalCount", "TOTAL",
                "Active", "ACTIVE",
                "Size", "SIZE",
                "Reclaimable", "RECLAIMABLE")));
    return 0;
  }

  private static String reclaimable(long reclaimable, long total) {
    return total > 0
        ? Units.humanSize(reclaimable) + " (" + reclaimable * 100 / total + "%)"
        : Units.humanSize(reclaimable);
  }

  private static GoTemplate.Context dfRow(
      String type, long total, long active, String size, String reclaimable) {
    return new Contexts.Fields("*formatter.diskUsageContext") {
      {
        put("Type", () -> type);
        put("TotalCount", () -> Long.toString(total));
        put("Active", () -> Long.toString(active));
        put("Size", () -> size);
        put("Reclaimable", () -> reclaimable);
      }
    };
  }

  int pruneSystem(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "system prune",
            "system prune [OPTIONS]",
            "Remove unused data",
            new Flags()
                .bool("a", "all", "Remove all unused images not just dangling ones")
                .list(
                    null, "filter", "filter", "Provide filter values (e.g. 'label=<key>=<value>')")
                .bool("f", "force", "Do not prompt for confirmation")
                .bool(null, "volumes", "Prune volumes"),
            Cli.Args.none());
    Flags.Parsed p = cli.parse(spec, args);
    if (!p.on("force")
        && !new ContainerCommands(cli)
            .confirm(
                "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n"
                    + (p.on("volumes")
                        ? "  - all volumes not used by at least one container\n"
                        : "")
                    + (p.on("all")
                        ? "  - all images without at least one container associated to them\n"
                        : "  - all dangling images\n")
                    + "\nAre you sure you want to continue?")) {
      return 0;
    }
    String filters = Cli.filters(p.all("filter"));
    String q = filters == null ? "" : "?filters=" + Cli.enc(filters);
    JsonNode containers = cli.call("POST", "/containers/prune" + q, null);
    if (containers.path("ContainersDeleted").size() > 0) {
      StringBuilder b = new StringBuilder("Deleted Containers:\n");
      containers.get("ContainersDeleted").forEach(id -> b.append(id.asText()).append('\n'));
      cli.out.println(b);
    }
    String networks = pruneNetworks(filters);
    if (!networks.isEmpty()) {
      cli.out.println(networks);
    }
    cli.call("POST", "/images/prune" + q, null);
    cli.out.println("Total reclaimed space: 0B");
    return 0;
  }

  int volumes(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
                "volume ls",
                "volume ls [OPTIONS]",
                "List volumes",
                new Flags()
                    .list("f", "filter", "filter", "Provide filter values (e.g. 'dangling=true')")
                    .string(
                        null, "format", "string", null, "Pretty-print volumes using a Go template")
                    .bool("q", "quiet", "Only display volume names"),
                Cli.Args.none())
            .withAliases("ls", "list");
    Flags.Parsed p = cli.parse(spec, args);
    JsonNode v = cli.call("GET", "/volumes", null);
    List<GoTemplate.Context> rows = new ArrayList<>();
    for (JsonNode vol : v.path("Volumes")) {
      rows.add(
          new Contexts.Fields("*formatter.volumeContext") {
            {
              put("Driver", () -> vol.path("Driver").asText());
              put("Name", () -> vol.path("Name").asText());
              put("Mountpoint", () -> vol.path("Mountpoint").asText());
              put("Scope", () -> vol.path("Scope").asText());
            }
          });
    }
    String format = p.get("format", p.on("quiet") ? "{{.Name}}" : "table {{.Driver}}\\t{{.Name}}");
    cli.out.print(
        ContainerCommands.format(
            format,
            rows,
            Map.of(
                "Driver",
                "DRIVER",
                "Name",
                "VOLUME NAME",
                "Mountpoint",
                "MOUNTPOINT",
                "Scope",
                "SCOPE")));
    return 0;
  }

  int pruneVolumes(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "volume prune",
            "volume prune [OPTIONS]",
            "Remove all unused local volumes",
            new Flags()
                .list(null, "filter", "filter", "Provide filter values (e.g. 'label=<label>')")
                .bool("f", "force", "Do not prompt for confirmation"),
            Cli.Args.none());
    Flags.Parsed p = cli.parse(spec, args);
    if (!p.on("force")
        && !new ContainerCommands(cli)
            .confirm(
                "WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?")) {
      return 0;
    }
    cli.call("POST", "/volumes/prune", null);
    cli.out.println("Total reclaimed space: 0B");
    return 0;
  }

  // ---------------------------------------------------------------- jocker's own

  int reconcile(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "reconcile",
            "reconcile",
            "Restore the bridge, rules and sysctls and remove leftovers",
            new Flags(),
            Cli.Args.none());
    cli.parse(spec, args);
    JsonNode r = cli.call("POST", "/jocker/reconcile", null);
    if (r.get("Fixed").isEmpty()) {
      cli.out.println("Nothing to fix: the bridge, its rules and its endpoints match the records.");
    }
    r.get("Fixed").forEach(f -> cli.out.println("fixed: " + f.asText()));
    return 0;
  }

  int doctor(List<String> args) throws IOException, Cli.StatusError, Cli.DaemonError {
    Cli.Spec spec =
        new Cli.Spec(
            "doctor",
            "doctor",
            "Check what container networking needs on this host, with a fix for each problem",
            new Flags(),
            Cli.Args.none());
    cli.parse(spec, args);
    List<Finding> findings = new ArrayList<>();
    try {
      for (JsonNode f : cli.call("GET", "/jocker/doctor", null).get("Findings")) {
        findings.add(
            new Finding(
                Finding.Status.valueOf(f.get("Status").asText()),
                f.get("Check").asText(),
                f.get("Detail").asText(),
                f.path("Fix").isTextual() ? f.get("Fix").asText() : null));
      }
    } catch (DaemonClient.Unreachable e) {
      findings.add(
          new Finding(
              Finding.Status.FAIL,
              "jockerd",
              e.getMessage(),
              "start it: sudo systemctl start jockerd (the lab's unit), or sudo jockerd &"));
    }
    cli.out.print(Doctor.render(findings));
    return Doctor.healthy(findings) ? 0 : 1;
  }
}

package dev.jocker.cli;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What every command shares: the daemon client, the output streams, parsing of a command's flags
 * and arguments with Docker's usage texts, calls to the API, and the failures that end a command
 * with Docker's wording and exit status (as Docker's 20.10 client words them, under jocker's name).
 */
final class Cli {
  final DaemonClient client;
  final PrintStream out;
  final PrintStream err;
  final boolean debug;

  Cli(DaemonClient client, PrintStream out, PrintStream err, boolean debug) {
    this.client = client;
    this.out = out;
    this.err = err;
    this.debug = debug;
  }

  // ---------------------------------------------------------------- failures

  /** Ends the command: {@code message} (if any) on stderr and exit status {@code code}. */
  static final class StatusError extends Exception {
    private static final long serialVersionUID = 1L;

    final int code;

    StatusError(String message, int code) {
      super(message);
      this.code = code;
    }
  }

  /** The daemon answered with an error status. */
  static final class DaemonError extends Exception {
    private static final long serialVersionUID = 1L;

    final int status;

    DaemonError(int status, String message) {
      super(message);
      this.status = status;
    }

    /** The client's text: {@code Error response from daemon: ...}. */
    String text() {
      return "Error response from daemon: " + getMessage();
    }
  }

  /** Thrown after printing help, to end the command with status 0. */
  static final class HelpShown extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HelpShown() {
      super(null, null, false, false);
    }
  }

  // ---------------------------------------------------------------- commands

  /** How many arguments a command takes, as Docker's {@code cli.RequiresMinArgs} and friends. */
  record Args(int min, int max) {
    static Args none() {
      return new Args(0, 0);
    }

    static Args exactly(int n) {
      return new Args(n, n);
    }

    static Args atLeast(int n) {
      return new Args(n, Integer.MAX_VALUE);
    }

    static Args between(int min, int max) {
      return new Args(min, max);
    }
  }

  /**
   * A command's description.
   *
   * @param path e.g. {@code network ls}
   * @param use the usage line after {@code jocker}, e.g. {@code network ls [OPTIONS]}
   * @param description the short description
   * @param aliases e.g. {@code ls, list}, or empty
   * @param flags its flags
   * @param interspersed whether flags may follow arguments ({@code run} and {@code exec} stop at
   *     the first argument)
   * @param args how many arguments it takes
   * @param more text after the description (Docker's long help), or null
   */
  record Spec(
      String path,
      String use,
      String description,
      List<String> aliases,
      Flags flags,
      boolean interspersed,
      Args args,
      String more) {
    Spec(String path, String use, String description, Flags flags, Args args) {
      this(path, use, description, List.of(), flags, true, args, null);
    }

    Spec withAliases(String... a) {
      return new Spec(path, use, description, List.of(a), flags, interspersed, args, more);
    }

    Spec stoppingAtArguments() {
      return new Spec(path, use, description, aliases, flags, false, args, more);
    }

    Spec withMore(String text) {
      return new Spec(path, use, description, aliases, flags, interspersed, args, text);
    }

    /** The help Docker prints for {@code --help} (a blank line first). */
    String help() {
      StringBuilder b = new StringBuilder();
      b.append("\nUsage:  jocker ").append(use).append("\n\n").append(description).append('\n');
      if (more != null) {
        b.append('\n').append(more).append('\n');
      }
      if (!aliases.isEmpty()) {
        b.append("\nAliases:\n  ").append(String.join(", ", aliases)).append('\n');
      }
      if (!flags.all().isEmpty()) {
        b.append("\nOptions:\n").append(flags.usage());
      }
      return b.toString();
    }
  }

  /**
   * Parses a command's arguments: {@code --help} prints its help and ends it; a flag error is
   * Docker's {@code unknown flag: --x\nSee 'jocker ps --help'.} with status 125; a wrong number of
   * arguments is Docker's {@code "jocker ps" accepts no arguments.} with the usage and status 1.
   */
  Flags.Parsed parse(Spec spec, List<String> args) throws StatusError {
    Flags.Parsed p;
    try {
      p = spec.flags().parse(args, spec.interspersed());
    } catch (Flags.FlagError e) {
      throw flagError(spec, e.getMessage());
    }
    if (p.help) {
      out.print(spec.help());
      throw new HelpShown();
    }
    int n = p.args.size();
    Args a = spec.args();
    String problem = null;
    if (a.max() == 0 && n > 0) {
      problem = "accepts no arguments.";
    } else if (a.min() == a.max() && n != a.min()) {
      problem = "requires exactly " + a.min() + " " + plural("argument", a.min()) + ".";
    } else if (a.max() == Integer.MAX_VALUE && n < a.min()) {
      problem = "requires at least " + a.min() + " " + plural("argument", a.min()) + ".";
    } else if (a.min() != a.max() && a.max() != Integer.MAX_VALUE && (n < a.min() || n > a.max())) {
      problem =
          "requires at least "
              + a.min()
              + " and at most "
              + a.max()
              + " "
              + plural("argument", a.max())
              + ".";
    }
    if (problem != null) {
      throw new StatusError(
          "\"jocker "
              + spec.path()
              + "\" "
              + problem
              + "\nSee 'jocker "
              + spec.path()
              + " --help'.\n\nUsage:  jocker "
              + spec.use()
              + "\n\n"
              + spec.description(),
          1);
    }
    return p;
  }

  /** A flag's value was wrong: Docker's flag error shape, status 125. */
  static StatusError flagError(Spec spec, String message) {
    return new StatusError(message + "\nSee 'jocker " + spec.path() + " --help'.", 125);
  }

  private static String plural(String word, int n) {
    return n == 1 ? word : word + "s";
  }

  // ---------------------------------------------------------------- the API

  /** A request whose JSON answer is returned (an empty object for an empty body). */
  JsonNode call(String method, String path, byte[] body) throws IOException, DaemonError {
    try (DaemonClient.Response r = client.send(method, path, body)) {
      check(r);
      byte[] bytes = r.bytes();
      return bytes.length == 0 ? Json.object() : Json.parse(bytes);
    }
  }

  void post(String path) throws IOException, DaemonError {
    call("POST", path, null);
  }

  String text(String method, String path) throws IOException, DaemonError {
    try (DaemonClient.Response r = client.send(method, path, null)) {
      check(r);
      return r.text();
    }
  }

  /** A 4xx or 5xx answer becomes a {@link DaemonError} with the daemon's {@code message}. */
  static void check(DaemonClient.Response r) throws IOException, DaemonError {
    if (r.status >= 400) {
      String text = r.text();
      String message = text.strip();
      try {
        JsonNode n = Json.parse(text);
        if (n != null && n.has("message")) {
          message = n.get("message").asText();
        }
      } catch (IOException notJson) {
        message = text.strip();
      }
      throw new DaemonError(r.status, message);
    }
  }

  /**
   * The inspect of container {@code ref}; a missing one is the client's own {@code Error: No such
   * container: ref} (the 20.10 client words 404s of inspect and removal so).
   */
  JsonNode inspectContainer(String ref) throws IOException, DaemonError, StatusError {
    try {
      return call("GET", "/containers/" + enc(ref) + "/json", null);
    } catch (DaemonError e) {
      if (e.status == 404) {
        throw new StatusError("Error: No such container: " + ref, 1);
      }
      throw e;
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Docker's {@code filters} query value from {@code --filter k=v} flags. */
  static String filters(List<String> given) throws StatusError {
    if (given.isEmpty()) {
      return null;
    }
    com.fasterxml.jackson.databind.node.ObjectNode f = Json.object();
    for (String kv : given) {
      int eq = kv.indexOf('=');
      if (eq < 0) {
        throw new StatusError(
            "invalid argument \""
                + kv
                + "\" for \"-f, --filter\" flag: bad format of filter (expected name=value)",
            125);
      }
      String key = kv.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT);
      String value = kv.substring(eq + 1);
      com.fasterxml.jackson.databind.node.ObjectNode values =
          f.has(key)
              ? (com.fasterxml.jackson.databind.node.ObjectNode) f.get(key)
              : f.putObject(key);
      values.put(value, true);
    }
    try {
      return new String(Json.bytes(f), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StatusError(e.getMessage(), 1);
    }
  }

  /**
   * JSON as Docker's CLI prints it: 4-space indent, {@code "Key": value}, {@code []} and {@code
   * {}}.
   */
  static String pretty(JsonNode node) throws IOException {
    Separators separators =
        Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("")
            .withArrayEmptySeparator("");
    DefaultPrettyPrinter printer = new DefaultPrettyPrinter(separators);
    DefaultIndenter indenter = new DefaultIndenter("    ", "\n");
    printer.indentObjectsWith(indenter);
    printer.indentArraysWith(indenter);
    return Json.text(node, printer);
  }

  static List<String> strings(JsonNode array) {
    List<String> list = new ArrayList<>();
    if (array != null) {
      array.forEach(n -> list.add(n.asText()));
    }
    return list;
  }

  /** Runs a template for the user: a template error is Docker's status-1 message. */
  static String template(String format, Object data) throws StatusError {
    try {
      return GoTemplate.parse(Formatter.templateText(format)).execute(data);
    } catch (GoTemplate.TemplateException e) {
      throw new StatusError("Template parsing error: " + e.getMessage(), 64);
    }
  }
}

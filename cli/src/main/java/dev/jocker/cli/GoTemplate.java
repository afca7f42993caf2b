package dev.jocker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The part of Go's text/template that Docker users type in {@code --format} and {@code inspect -f}:
 * fields ({@code .Config.Labels}), variables, literals, pipes, function calls, parentheses, {@code
 * if}/{@code else}/{@code range}/{@code with}, trim markers and comments, with Docker's functions
 * ({@code json}, {@code join}, {@code split}, {@code upper}, {@code lower}, {@code title}, {@code
 * pad}, {@code truncate}) and Go's ({@code index}, {@code len}, {@code eq}, {@code ne}, {@code lt},
 * {@code le}, {@code gt}, {@code ge}, {@code and}, {@code or}, {@code not}, {@code print}, {@code
 * printf}, {@code println}, {@code slice}). Values print as Go's fmt prints them ({@code map[a:b]},
 * {@code [a b]}, {@code <no value>}), and errors read as Go's ({@code template: :1:2: executing ""
 * at <.Nope>: can't evaluate field Nope in type *formatter.ContainerContext}).
 *
 * <p>Data is JSON as the daemon sent it (a missing key is Go's {@code <no value>}, as Docker's raw
 * fallback for inspect gives it), or a {@link Context}: the typed objects of Docker's formatters,
 * which know their fields and refuse others.
 */
final class GoTemplate {

  /** A typed value of Docker's formatters: the fields it has and how it prints as JSON. */
  interface Context {
    /** The Go type named in errors, e.g. {@code *formatter.ContainerContext}. */
    String typeName();

    /** The field's value, or {@link #NO_FIELD} when the type has none of that name. */
    Object field(String name, List<Object> args);

    /** What {@code {{json .}}} prints: every field by name. */
    Map<String, Object> json();
  }

  /** What a {@link Context} answers for a field it does not have. */
  static final Object NO_FIELD = new Object();

  /** Go's missing value: a map's absent key. Prints as {@code <no value>}. */
  static final Object NO_VALUE =
      new Object() {
        @Override
        public String toString() {
          return "<no value>";
        }
      };

  /** A parse or execution error, worded as Go's. */
  static final class TemplateException extends Exception {
    private static final long serialVersionUID = 1L;

    TemplateException(String message) {
      super(message);
    }
  }

  /** A function: its arguments evaluated, the piped value last. */
  interface Function {
    Object apply(List<Object> args) throws TemplateException;
  }

  private final String source;
  private final List<Node> root;
  private final Map<String, Function> functions;

  private GoTemplate(String source, List<Node> root, Map<String, Function> functions) {
    this.source = source;
    this.root = root;
    this.functions = functions;
  }

  /** Parses {@code text} with Docker's functions. */
  static GoTemplate parse(String text) throws TemplateException {
    return parse(text, functions(false));
  }

  /** Parses with the given functions ({@link #functions}). */
  static GoTemplate parse(String text, Map<String, Function> functions) throws TemplateException {
    Parser p = new Parser(text, functions);
    List<Node> nodes = p.list(false);
    return new GoTemplate(text, nodes, functions);
  }

  /** The same template with other functions (Docker's header functions for a table's head). */
  GoTemplate withFunctions(Map<String, Function> other) {
    return new GoTemplate(source, root, other);
  }

  /** Runs the template on {@code data}. */
  String execute(Object data) throws TemplateException {
    StringBuilder out = new StringBuilder();
    Exec exec = new Exec(data, out);
    exec.run(root, data, new ArrayList<>(List.of(new Var("$", data))));
    return out.toString();
  }

  // ---------------------------------------------------------------- functions

  /**
   * Docker's template functions and Go's builtins; with {@code header}, Docker's header variants
   * (json, join, split, title, lower, upper, truncate return their first argument as it is).
   */
  static Map<String, Function> functions(boolean header) {
    Map<String, Function> f = new HashMap<>();
    f.put("json", a -> header ? a.get(0) : json(one(a, "json")));
    f.put(
        "join",
        a -> {
          if (header) {
            return a.get(0);
          }
          need(a, 2, "join");
          List<String> parts = new ArrayList<>();
          for (Object o : elements(a.get(0))) {
            parts.add(print(o));
          }
          return String.join(print(a.get(1)), parts);
        });
    f.put(
        "split",
        a -> {
          if (header) {
            return a.get(0);
          }
          need(a, 2, "split");
          String s = print(a.get(0));
          String sep = print(a.get(1));
          List<Object> parts = new ArrayList<>();
          if (sep.isEmpty()) {
            s.codePoints().forEach(c -> parts.add(new String(Character.toChars(c))));
            return parts;
          }
          int from = 0;
          for (int i = s.indexOf(sep); i >= 0; i = s.indexOf(sep, from)) {
            parts.add(s.substring(from, i));
            from = i + sep.length();
          }
          parts.add(s.substring(from));
          return parts;
        });
    f.put("upper", a -> header ? a.get(0) : print(one(a, "upper")).toUpperCase(Locale.ROOT));
    f.put("lower", a -> header ? a.get(0) : print(one(a, "lower")).toLowerCase(Locale.ROOT));
    f.put("title", a -> header ? a.get(0) : title(print(one(a, "title"))));
    f.put(
        "truncate",
        a -> {
          if (header) {
            return a.get(0);
          }
          need(a, 2, "truncate");
          String s = print(a.get(0));
          int n = (int) integer(a.get(1));
          return s.codePointCount(0, s.length()) > n
              ? s.substring(0, s.offsetByCodePoints(0, n))
              : s;
        });
    f.put(
        "pad",
        a -> {
          need(a, 3, "pad");
          return " ".repeat((int) integer(a.get(1)))
              + print(a.get(0))
              + " ".repeat((int) integer(a.get(2)));
        });
    f.put("len", a -> (long) length(one(a, "len")));
    f.put(
        "index",
        a -> {
          if (a.isEmpty()) {
            throw new TemplateException("wrong number of args for index: want at least 1 got 0");
          }
          Object v = a.get(0);
          for (Object key : a.subList(1, a.size())) {
            v = index(v, key);
          }
          return v;
        });
    f.put(
        "slice",
        a -> {
          if (a.isEmpty()) {
            throw new TemplateException("wrong number of args for slice: want at least 1 got 0");
          }
          Object v = a.get(0);
          int from = a.size() > 1 ? (int) integer(a.get(1)) : 0;
          if (v instanceof String s) {
            int to = a.size() > 2 ? (int) integer(a.get(2)) : s.length();
            return s.substring(from, to);
          }
          List<Object> list = elements(v);
          int to = a.size() > 2 ? (int) integer(a.get(2)) : list.size();
          return new ArrayList<>(list.subList(from, to));
        });
    f.put("not", a -> !truth(one(a, "not")));
    f.put(
        "and",
        a -> {
          Object last = null;
          for (Object o : a) {
            last = o;
            if (!truth(o)) {
              return o;
            }
          }
          return last;
        });
    f.put(
        "or",
        a -> {
          Object last = null;
          for (Object o : a) {
            last = o;
            if (truth(o)) {
              return o;
            }
          }
          return last;
        });
    f.put(
        "eq",
        a -> {
          if (a.size() < 2) {
            throw new TemplateException("missing argument for comparison");
          }
          Object x = scalar(a.get(0));
          for (Object y : a.subList(1, a.size())) {
            if (same(x, scalar(y))) {
              return true;
            }
          }
          return false;
        });
    f.put("ne", a -> !same(scalar(two(a).get(0)), scalar(a.get(1))));
    f.put("lt", a -> compare(two(a)) < 0);
    f.put("le", a -> compare(two(a)) <= 0);
    f.put("gt", a -> compare(two(a)) > 0);
    f.put("ge", a -> compare(two(a)) >= 0);
    f.put("print", a -> sprint(a));
    f.put("println", a -> sprintln(a));
    f.put(
        "printf",
        a -> {
          if (a.isEmpty()) {
            throw new TemplateException("wrong number of args for printf: want at least 1 got 0");
          }
          return printf(print(a.get(0)), a.subList(1, a.size()));
        });
    return f;
  }

  private static Object one(List<Object> a, String name) throws TemplateException {
    need(a, 1, name);
    return a.get(0);
  }

  private static List<Object> two(List<Object> a) throws TemplateException {
    if (a.size() != 2) {
      throw new TemplateException("missing argument for comparison");
    }
    return a;
  }

  private static void need(List<Object> a, int n, String name) throws TemplateException {
    if (a.size() != n) {
      throw new TemplateException(
          "wrong number of args for " + name + ": want " + n + " got " + a.size());
    }
  }

  private static String title(String s) {
    StringBuilder b = new StringBuilder();
    boolean start = true;
    for (char c : s.toCharArray()) {
      b.append(start ? Character.toTitleCase(c) : c);
      start = !Character.isLetter(c) && !Character.isDigit(c) && c != '_' && c != '\'';
    }
    return b.toString();
  }

  // ---------------------------------------------------------------- values

  /** A JSON scalar as a Java value, for comparisons and printing. */
  private static Object scalar(Object v) {
    if (v instanceof JsonNode n) {
      if (n.isTextual()) {
        return n.textValue();
      }
      if (n.isIntegralNumber()) {
        return n.longValue();
      }
      if (n.isNumber()) {
        return n.doubleValue();
      }
      if (n.isBoolean()) {
        return n.booleanValue();
      }
      if (n.isNull() || n.isMissingNode()) {
        return null;
      }
    }
    if (v instanceof Integer i) {
      return i.longValue();
    }
    return v;
  }

  private static boolean same(Object x, Object y) {
    if (x instanceof Number a && y instanceof Number b) {
      return a.doubleValue() == b.doubleValue();
    }
    return java.util.Objects.equals(x, y);
  }

  @SuppressWarnings("unchecked")
  private static int compare(List<Object> a) throws TemplateException {
    Object x = scalar(a.get(0));
    Object y = scalar(a.get(1));
    if (x instanceof Number p && y instanceof Number q) {
      return Double.compare(p.doubleValue(), q.doubleValue());
    }
    if (x instanceof String p && y instanceof String q) {
      return p.compareTo(q);
    }
    throw new TemplateException("incompatible types for comparison");
  }

  private static long integer(Object v) throws TemplateException {
    Object s = scalar(v);
    if (s instanceof Number n) {
      return n.longValue();
    }
    throw new TemplateException("expected an integer; found " + print(v));
  }

  /** Go's truth: false, 0, nil and empty strings, lists and maps are false. */
  static boolean truth(Object v) {
    Object s = scalar(v);
    if (s == null || s == NO_VALUE) {
      return false;
    }
    if (s instanceof Boolean b) {
      return b;
    }
    if (s instanceof Number n) {
      return n.doubleValue() != 0;
    }
    if (s instanceof String str) {
      return !str.isEmpty();
    }
    if (s instanceof JsonNode n) {
      return n.size() > 0;
    }
    if (s instanceof Collection<?> c) {
      return !c.isEmpty();
    }
    if (s instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    return true;
  }

  private static int length(Object v) throws TemplateException {
    Object s = scalar(v);
    if (s instanceof String str) {
      return str.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
    if (s instanceof JsonNode n && (n.isArray() || n.isObject())) {
      return n.size();
    }
    if (s instanceof Collection<?> c) {
      return c.size();
    }
    if (s instanceof Map<?, ?> m) {
      return m.size();
    }
    throw new TemplateException("len of type " + goType(v));
  }

  private static Object index(Object v, Object key) throws TemplateException {
    Object k = scalar(key);
    if (v instanceof JsonNode n) {
      if (n.isObject()) {
        JsonNode x = n.get(print(k));
        return x == null ? "" : x;
      }
      if (n.isArray()) {
        return n.get((int) integer(k));
      }
    }
    if (v instanceof Map<?, ?> m) {
      Object x = m.get(print(k));
      return x == null ? "" : x;
    }
    if (v instanceof List<?> l) {
      return l.get((int) integer(k));
    }
    if (v == null || v == NO_VALUE) {
      throw new TemplateException("index of untyped nil");
    }
    throw new TemplateException("can't index item of type " + goType(v));
  }

  /** Elements of a list, or a map's values in key order, as Go's range visits them. */
  private static List<Object> elements(Object v) throws TemplateException {
    List<Object> out = new ArrayList<>();
    if (v instanceof JsonNode n) {
      if (n.isArray()) {
        n.forEach(out::add);
        return out;
      }
      if (n.isObject()) {
        for (String k : sortedKeys(n)) {
          out.add(n.get(k));
        }
        return out;
      }
      if (n.isNull()) {
        return out;
      }
    }
    if (v instanceof Collection<?> c) {
      out.addAll(c);
      return out;
    }
    if (v instanceof Map<?, ?> m) {
      new TreeMap<>(m).values().forEach(out::add);
      return out;
    }
    if (v == null || v == NO_VALUE) {
      return out;
    }
    throw new TemplateException("range can't iterate over " + print(v));
  }

  private static List<String> sortedKeys(JsonNode n) {
    List<String> keys = new ArrayList<>();
    n.fieldNames().forEachRemaining(keys::add);
    keys.sort(null);
    return keys;
  }

  private static String goType(Object v) {
    Object s = scalar(v);
    if (s instanceof String) {
      return "string";
    }
    if (s instanceof Long || s instanceof Integer) {
      return "int";
    }
    if (s instanceof Double) {
      return "float64";
    }
    if (s instanceof Boolean) {
      return "bool";
    }
    if (s instanceof Context c) {
      return c.typeName();
    }
    if (s instanceof JsonNode n) {
      return n.isArray() ? "[]interface {}" : "map[string]interface {}";
    }
    return "interface {}";
  }

  /** A value as Go's fmt prints it with {@code %v}. */
  static String print(Object v) {
    StringBuilder b = new StringBuilder();
    print(b, v);
    return b.toString();
  }

  private static void print(StringBuilder b, Object v) {
    Object s = scalar(v);
    if (s == NO_VALUE) {
      b.append("<no value>");
    } else if (s == null) {
      b.append("<nil>");
    } else if (s instanceof Double d) {
      b.append(goFloat(d));
    } else if (s instanceof JsonNode n && n.isArray()) {
      b.append('[');
      boolean first = true;
      for (JsonNode e : n) {
        if (!first) {
          b.append(' ');
        }
        first = false;
        print(b, e);
      }
      b.append(']');
    } else if (s instanceof JsonNode n && n.isObject()) {
      b.append("map[");
      boolean first = true;
      for (String k : sortedKeys(n)) {
        if (!first) {
          b.append(' ');
        }
        first = false;
        b.append(k).append(':');
        print(b, n.get(k));
      }
      b.append(']');
    } else if (s instanceof Collection<?> c) {
      b.append('[');
      boolean first = true;
      for (Object e : c) {
        if (!first) {
          b.append(' ');
        }
        first = false;
        print(b, e);
      }
      b.append(']');
    } else if (s instanceof Map<?, ?> m) {
      b.append("map[");
      boolean first = true;
      for (Map.Entry<?, ?> e : new TreeMap<>(m).entrySet()) {
        if (!first) {
          b.append(' ');
        }
        first = false;
        b.append(e.getKey()).append(':');
        print(b, e.getValue());
      }
      b.append(']');
    } else if (s instanceof Context c) {
      b.append('{');
      boolean first = true;
      for (Object e : c.json().values()) {
        if (!first) {
          b.append(' ');
        }
        first = false;
        print(b, e);
      }
      b.append('}');
    } else {
      b.append(s);
    }
  }

  /** Go's {@code %v} of a float64: the shortest form, exponent past 1e21. */
  private static String goFloat(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e21) {
      return Long.toString((long) d);
    }
    String s = Double.toString(d);
    if (s.contains("E")) {
      String[] parts = s.split("E");
      int exp = Integer.parseInt(parts[1]);
      String mantissa =
          parts[0].endsWith(".0") ? parts[0].substring(0, parts[0].length() - 2) : parts[0];
      return mantissa + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
    }
    return s;
  }

  /** Go's fmt.Sprint: spaces between operands when neither is a string. */
  private static String sprint(List<Object> args) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < args.size(); i++) {
      boolean isString = scalar(args.get(i)) instanceof String;
      if (i > 0 && !isString && !(scalar(args.get(i - 1)) instanceof String)) {
        b.append(' ');
      }
      b.append(print(args.get(i)));
    }
    return b.toString();
  }

  /** Go's fmt.Sprintln: spaces between all operands, a newline at the end. */
  private static String sprintln(List<Object> args) {
    List<String> parts = new ArrayList<>();
    for (Object a : args) {
      parts.add(print(a));
    }
    return String.join(" ", parts) + "\n";
  }

  /** Go's Sprintf for the verbs people use in templates: %s %v %d %q %f %%, with widths. */
  private static String printf(String format, List<Object> args) throws TemplateException {
    StringBuilder b = new StringBuilder();
    int arg = 0;
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%') {
        b.append(c);
        continue;
      }
      int j = i + 1;
      while (j < format.length() && "-+ #0123456789.".indexOf(format.charAt(j)) >= 0) {
        j++;
      }
      if (j >= format.length()) {
        b.append("%!(NOVERB)");
        break;
      }
      String flags = format.substring(i + 1, j);
      char verb = format.charAt(j);
      i = j;
      if (verb == '%') {
        b.append('%');
        continue;
      }
      if (arg >= args.size()) {
        b.append("%!").append(verb).append("(MISSING)");
        continue;
      }
      Object v = scalar(args.get(arg++));
      String text =
          switch (verb) {
            case 'd' -> v instanceof Number n ? Long.toString(n.longValue()) : print(v);
            case 'q' -> json(print(v));
            case 'f' ->
                v instanceof Number n
                    ? String.format(Locale.ROOT, "%.6f", n.doubleValue())
                    : print(v);
            default -> print(v);
          };
      if (verb == 'f' && flags.contains(".") && v instanceof Number n) {
        text = String.format(Locale.ROOT, "%" + flags + "f", n.doubleValue());
      } else if (!flags.isEmpty() && flags.matches("-?\\d+")) {
        int width = Integer.parseInt(flags.replace("-", ""));
        String padding = " ".repeat(Math.max(0, width - text.length()));
        text = flags.startsWith("-") ? text + padding : padding + text;
      }
      b.append(text);
    }
    return b.toString();
  }

  /** Docker's {@code json} function: compact, HTML characters unescaped, no trailing newline. */
  static String json(Object v) throws TemplateException {
    StringWriter w = new StringWriter();
    try {
      writeJson(w, v);
    } catch (IOException e) {
      throw new TemplateException(e.getMessage());
    }
    return w.toString();
  }

  private static void writeJson(StringWriter w, Object v) throws IOException {
    Object s = v instanceof JsonNode n && (n.isObject() || n.isArray()) ? v : scalar(v);
    if (s == null || s == NO_VALUE) {
      w.write("null");
    } else if (s instanceof String str) {
      w.write(quote(str));
    } else if (s instanceof Double d) {
      w.write(goFloat(d));
    } else if (s instanceof Number || s instanceof Boolean) {
      w.write(s.toString());
    } else if (s instanceof JsonNode n && n.isArray()) {
      w.write('[');
      boolean first = true;
      for (JsonNode e : n) {
        if (!first) {
          w.write(',');
        }
        first = false;
        writeJson(w, e);
      }
      w.write(']');
    } else if (s instanceof JsonNode n && n.isObject()) {
      w.write('{');
      boolean first = true;
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!first) {
          w.write(',');
        }
        first = false;
        w.write(quote(e.getKey()));
        w.write(':');
        writeJson(w, e.getValue());
      }
      w.write('}');
    } else if (s instanceof Collection<?> c) {
      w.write('[');
      boolean first = true;
      for (Object e : c) {
        if (!first) {
          w.write(',');
        }
        first = false;
        writeJson(w, e);
      }
      w.write(']');
    } else if (s instanceof Map<?, ?> m) {
      writeMap(w, new TreeMap<>(m));
    } else if (s instanceof Context c) {
      writeMap(w, new TreeMap<>(c.json()));
    } else {
      w.write(quote(s.toString()));
    }
  }

  private static void writeMap(StringWriter w, Map<?, ?> m) throws IOException {
    w.write('{');
    boolean first = true;
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (!first) {
        w.write(',');
      }
      first = false;
      w.write(quote(String.valueOf(e.getKey())));
      w.write(':');
      writeJson(w, e.getValue());
    }
    w.write('}');
  }

  /** A JSON string as Go's encoder writes it with HTML escaping off. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  // ---------------------------------------------------------------- syntax tree

  private sealed interface Node permits Text, Action, If, Range, With {}

  private record Text(String text) implements Node {}

  private record Action(Pipeline pipe) implements Node {}

  private record If(Pipeline cond, List<Node> then, List<Node> otherwise) implements Node {}

  private record Range(Pipeline over, List<Node> body, List<Node> otherwise) implements Node {}

  private record With(Pipeline value, List<Node> body, List<Node> otherwise) implements Node {}

  /** {@code $a, $b := cmd | cmd}. */
  private record Pipeline(List<String> decl, List<Command> commands) {}

  /** One command of a pipeline: operands, the first possibly a function. */
  private record Command(List<Operand> operands, int pos, String text) {}

  private sealed interface Operand permits Field, Literal, Ident, Sub {}

  /** {@code .A.B} ({@code variable} null), {@code $x.A}, or {@code .} (an empty chain). */
  private record Field(String variable, List<String> chain, int pos, String text)
      implements Operand {}

  private record Literal(Object value) implements Operand {}

  private record Ident(String name, int pos) implements Operand {}

  /** A parenthesised pipeline, with an optional field chain after it. */
  private record Sub(Pipeline pipe, List<String> chain, int pos, String text) implements Operand {}

  // ---------------------------------------------------------------- parser

  private static final class Parser {
    private final String src;
    private final Map<String, Function> functions;
    private int pos;

    /** The action being parsed: its end (the {@code }}}), and whether it trims what follows. */
    private int actionEnd;

    private boolean trimNext;

    Parser(String src, Map<String, Function> functions) {
      this.src = src;
      this.functions = functions;
    }

    private TemplateException error(String message) {
      return new TemplateException("template: :" + line(pos) + ": " + message);
    }

    private int line(int at) {
      int n = 1;
      for (int i = 0; i < at && i < src.length(); i++) {
        if (src.charAt(i) == '\n') {
          n++;
        }
      }
      return n;
    }

    /**
     * Nodes up to the end of input, or (in a block) up to {@code {{end}}} or {@code {{else}}}:
     * {@link #ended} says which.
     */
    private String ended;

    List<Node> list(boolean inBlock) throws TemplateException {
      List<Node> nodes = new ArrayList<>();
      while (pos < src.length()) {
        int open = src.indexOf("{{", pos);
        String text = open < 0 ? src.substring(pos) : src.substring(pos, open);
        if (trimNext) {
          text = text.stripLeading();
          trimNext = false;
        }
        boolean trimBefore = open >= 0 && src.startsWith("{{- ", open);
        if (trimBefore) {
          text = text.stripTrailing();
        }
        if (!text.isEmpty()) {
          nodes.add(new Text(text));
        }
        if (open < 0) {
          pos = src.length();
          break;
        }
        pos = open + (trimBefore ? 4 : 2);
        if (src.startsWith("/*", pos)) {
          int close = src.indexOf("*/", pos);
          if (close < 0) {
            throw error("unclosed comment");
          }
          pos = close + 2;
          skipSpaces();
          closeAction();
          continue;
        }
        skipSpaces();
        String word = peekWord();
        switch (word) {
          case "end", "else" -> {
            if (!inBlock) {
              throw error("unexpected {{" + word + "}}");
            }
            pos += word.length();
            skipSpaces();
            if (word.equals("else") && !src.startsWith("}}", pos) && !src.startsWith("-}}", pos)) {
              // {{else if ...}}: the rest is parsed by the caller.
              ended = "else-chain";
              return nodes;
            }
            closeAction();
            ended = word;
            return nodes;
          }
          case "if", "range", "with" -> {
            pos += word.length();
            nodes.add(block(word));
          }
          default -> {
            Pipeline p = pipeline(false);
            closeAction();
            nodes.add(new Action(p));
          }
        }
      }
      if (inBlock) {
        throw error("unexpected EOF");
      }
      return nodes;
    }

    private Node block(String kind) throws TemplateException {
      Pipeline p = pipeline(kind.equals("range"));
      closeAction();
      List<Node> body = list(true);
      List<Node> otherwise = List.of();
      if (ended.equals("else")) {
        otherwise = list(true);
        if (!ended.equals("end")) {
          throw error("expected end; found " + ended);
        }
      } else if (ended.equals("else-chain")) {
        String word = peekWord();
        if (!word.equals("if") && !word.equals("with")) {
          throw error("unexpected " + word + " in else");
        }
        pos += word.length();
        otherwise = List.of(block(word));
      }
      return switch (kind) {
        case "if" -> new If(p, body, otherwise);
        case "range" -> new Range(p, body, otherwise);
        default -> new With(p, body, otherwise);
      };
    }

    private void closeAction() throws TemplateException {
      skipSpaces();
      if (src.startsWith("-}}", pos)) {
        pos += 3;
        trimNext = true;
      } else if (src.startsWith("}}", pos)) {
        pos += 2;
      } else if (pos >= src.length()) {
        throw error("unclosed action");
      } else {
        throw error("unexpected \"" + src.charAt(pos) + "\" in command");
      }
    }

    private void skipSpaces() {
      while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) {
        // A space before -}} is part of the trim marker, not of the action.
        pos++;
      }
    }

    private String peekWord() {
      int i = pos;
      while (i < src.length()
          && (Character.isLetterOrDigit(src.charAt(i)) || src.charAt(i) == '_')) {
        i++;
      }
      return src.substring(pos, i);
    }

    private boolean atActionEnd() {
      return pos >= src.length() || src.startsWith("}}", pos) || src.startsWith("-}}", pos);
    }

    private Pipeline pipeline(boolean rangeDecl) throws TemplateException {
      skipSpaces();
      List<String> decl = new ArrayList<>();
      int save = pos;
      if (src.startsWith("$", pos)) {
        List<String> vars = new ArrayList<>();
        while (true) {
          String v = variableName();
          vars.add(v);
          skipSpaces();
          if (rangeDecl && src.startsWith(",", pos) && vars.size() == 1) {
            pos++;
            skipSpaces();
            if (!src.startsWith("$", pos)) {
              break;
            }
            continue;
          }
          break;
        }
        if (src.startsWith(":=", pos) || src.startsWith("=", pos) && !src.startsWith("==", pos)) {
          pos += src.startsWith(":=", pos) ? 2 : 1;
          decl = vars;
        } else {
          pos = save;
        }
      }
      List<Command> commands = new ArrayList<>();
      while (true) {
        skipSpaces();
        commands.add(command());
        skipSpaces();
        if (src.startsWith("|", pos)) {
          pos++;
          continue;
        }
        break;
      }
      return new Pipeline(decl, commands);
    }

    private String variableName() {
      int start = pos;
      pos++;
      while (pos < src.length()
          && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
        pos++;
      }
      return src.substring(start, pos);
    }

    private Command command() throws TemplateException {
      int start = pos;
      List<Operand> operands = new ArrayList<>();
      while (true) {
        skipSpaces();
        if (atActionEnd() || src.startsWith("|", pos) || src.startsWith(")", pos)) {
          break;
        }
        operands.add(operand());
      }
      if (operands.isEmpty()) {
        throw error("missing value for command");
      }
      return new Command(operands, start, src.substring(start, pos).strip());
    }

    private Operand operand() throws TemplateException {
      int start = pos;
      char c = src.charAt(pos);
      if (c == '.') {
        List<String> chain = chain();
        return new Field(null, chain, start, src.substring(start, pos));
      }
      if (c == '$') {
        String v = variableName();
        List<String> chain = src.startsWith(".", pos) ? chain() : List.of();
        return new Field(v, chain, start, src.substring(start, pos));
      }
      if (c == '"' || c == '`') {
        return new Literal(string());
      }
      if (c == '\'') {
        int close = src.indexOf('\'', pos + 1);
        if (close < 0) {
          throw error("unterminated character constant");
        }
        String ch = src.substring(pos + 1, close);
        pos = close + 1;
        return new Literal((long) ch.codePointAt(0));
      }
      if (c == '(') {
        pos++;
        Pipeline p = pipeline(false);
        skipSpaces();
        if (!src.startsWith(")", pos)) {
          throw error("unclosed left paren");
        }
        pos++;
        List<String> chain = src.startsWith(".", pos) ? chain() : List.of();
        return new Sub(p, chain, start, src.substring(start, pos));
      }
      if (Character.isDigit(c) || c == '-' || c == '+') {
        int end = pos + 1;
        while (end < src.length()
            && (Character.isLetterOrDigit(src.charAt(end)) || src.charAt(end) == '.')) {
          end++;
        }
        String n = src.substring(pos, end);
        pos = end;
        try {
          return new Literal(
              n.contains(".") || n.contains("e")
                  ? (Object) Double.parseDouble(n)
                  : (Object) Long.decode(n));
        } catch (NumberFormatException e) {
          throw error("bad number syntax: \"" + n + "\"");
        }
      }
      if (Character.isLetter(c) || c == '_') {
        String word = peekWord();
        pos += word.length();
        switch (word) {
          case "true" -> {
            return new Literal(true);
          }
          case "false" -> {
            return new Literal(false);
          }
          case "nil" -> {
            return new Literal(null);
          }
          default -> {
            if (!functions.containsKey(word)) {
              throw error("function \"" + word + "\" not defined");
            }
            return new Ident(word, start);
          }
        }
      }
      throw error("unexpected \"" + c + "\" in operand");
    }

    private List<String> chain() throws TemplateException {
      List<String> chain = new ArrayList<>();
      while (src.startsWith(".", pos)) {
        pos++;
        int start = pos;
        while (pos < src.length()
            && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
          pos++;
        }
        if (start == pos) {
          if (chain.isEmpty()) {
            return chain;
          }
          throw error("unexpected . after term");
        }
        chain.add(src.substring(start, pos));
      }
      return chain;
    }

    private String string() throws TemplateException {
      char quote = src.charAt(pos);
      StringBuilder b = new StringBuilder();
      int i = pos + 1;
      while (i < src.length() && src.charAt(i) != quote) {
        char c = src.charAt(i);
        if (c == '\\' && quote == '"' && i + 1 < src.length()) {
          char e = src.charAt(++i);
          switch (e) {
            case 'n' -> b.append('\n');
            case 't' -> b.append('\t');
            case 'r' -> b.append('\r');
            case '\\' -> b.append('\\');
            case '"' -> b.append('"');
            default -> b.append('\\').append(e);
          }
        } else {
          b.append(c);
        }
        i++;
      }
      if (i >= src.length()) {
        throw error("unterminated quoted string");
      }
      pos = i + 1;
      return b.toString();
    }
  }

  // ---------------------------------------------------------------- execution

  private record Var(String name, Object value) {}

  private final class Exec {
    private final StringBuilder out;

    Exec(Object data, StringBuilder out) {
      this.out = out;
    }

    private TemplateException error(int at, String node, String message) {
      int line = 1;
      int lastNewline = -1;
      for (int i = 0; i < at && i < source.length(); i++) {
        if (source.charAt(i) == '\n') {
          line++;
          lastNewline = i;
        }
      }
      int col = at - lastNewline - 1;
      return new TemplateException(
          "template: :" + line + ":" + col + ": executing \"\" at <" + node + ">: " + message);
    }

    void run(List<Node> nodes, Object dot, List<Var> vars) throws TemplateException {
      for (Node n : nodes) {
        int mark = vars.size();
        if (n instanceof Text t) {
          out.append(t.text());
        } else if (n instanceof Action a) {
          Object v = pipeline(a.pipe(), dot, vars);
          if (a.pipe().decl().isEmpty()) {
            out.append(GoTemplate.print(v));
          }
          // A declaration's variable lives until the end of the enclosing block.
          mark = vars.size();
        } else if (n instanceof If i) {
          run(truth(pipeline(i.cond(), dot, vars)) ? i.then() : i.otherwise(), dot, vars);
        } else if (n instanceof With w) {
          Object v = pipeline(w.value(), dot, vars);
          if (truth(v)) {
            run(w.body(), v, vars);
          } else {
            run(w.otherwise(), dot, vars);
          }
        } else if (n instanceof Range r) {
          range(r, dot, vars);
        }
        while (vars.size() > mark) {
          vars.remove(vars.size() - 1);
        }
      }
    }

    private void range(Range r, Object dot, List<Var> vars) throws TemplateException {
      Pipeline over = new Pipeline(List.of(), r.over().commands());
      Object v = pipeline(over, dot, vars);
      List<Object[]> items = new ArrayList<>();
      Object s = scalar(v);
      if (s instanceof JsonNode n && n.isObject()) {
        for (String k : sortedKeys(n)) {
          items.add(new Object[] {k, n.get(k)});
        }
      } else if (s instanceof Map<?, ?> m) {
        for (Map.Entry<?, ?> e : new TreeMap<>(m).entrySet()) {
          items.add(new Object[] {e.getKey(), e.getValue()});
        }
      } else {
        long i = 0;
        for (Object e : elements(v)) {
          items.add(new Object[] {i++, e});
        }
      }
      if (items.isEmpty()) {
        run(r.otherwise(), dot, vars);
        return;
      }
      for (Object[] item : items) {
        int mark = vars.size();
        List<String> decl = r.over().decl();
        if (decl.size() == 1) {
          vars.add(new Var(decl.get(0), item[1]));
        } else if (decl.size() == 2) {
          vars.add(new Var(decl.get(0), item[0]));
          vars.add(new Var(decl.get(1), item[1]));
        }
        run(r.body(), item[1], vars);
        while (vars.size() > mark) {
          vars.remove(vars.size() - 1);
        }
      }
    }

    private Object pipeline(Pipeline p, Object dot, List<Var> vars) throws TemplateException {
      Object value = null;
      boolean piped = false;
      for (Command c : p.commands()) {
        value = command(c, dot, vars, piped ? value : null, piped);
        piped = true;
      }
      for (String d : p.decl()) {
        vars.add(new Var(d, value));
      }
      return value;
    }

    private Object command(Command c, Object dot, List<Var> vars, Object piped, boolean hasPiped)
        throws TemplateException {
      Operand first = c.operands().get(0);
      List<Operand> rest = c.operands().subList(1, c.operands().size());
      if (first instanceof Ident f) {
        List<Object> args = new ArrayList<>();
        for (Operand o : rest) {
          args.add(evaluate(o, dot, vars, List.of()));
        }
        if (hasPiped) {
          args.add(piped);
        }
        try {
          return functions.get(f.name()).apply(args);
        } catch (TemplateException e) {
          throw error(c.pos(), c.text(), "error calling " + f.name() + ": " + e.getMessage());
        }
      }
      List<Object> args = new ArrayList<>();
      for (Operand o : rest) {
        args.add(evaluate(o, dot, vars, List.of()));
      }
      if (hasPiped) {
        args.add(piped);
      }
      if (!args.isEmpty() && !(first instanceof Field)) {
        throw error(c.pos(), c.text(), "can't give argument to non-function " + c.text());
      }
      return evaluate(first, dot, vars, args);
    }

    private Object evaluate(Operand o, Object dot, List<Var> vars, List<Object> args)
        throws TemplateException {
      if (o instanceof Literal l) {
        return l.value();
      }
      if (o instanceof Ident f) {
        try {
          return functions.get(f.name()).apply(args);
        } catch (TemplateException e) {
          throw error(f.pos(), f.name(), "error calling " + f.name() + ": " + e.getMessage());
        }
      }
      if (o instanceof Field f) {
        Object base = dot;
        if (f.variable() != null) {
          base = lookup(vars, f.variable(), f);
        }
        return walk(base, f.chain(), args, f.pos(), f.text());
      }
      Sub s = (Sub) o;
      return walk(pipeline(s.pipe(), dot, vars), s.chain(), args, s.pos(), s.text());
    }

    private Object lookup(List<Var> vars, String name, Field f) throws TemplateException {
      for (int i = vars.size() - 1; i >= 0; i--) {
        if (vars.get(i).name().equals(name)) {
          return vars.get(i).value();
        }
      }
      throw error(f.pos(), f.text(), "undefined variable: " + name);
    }

    private Object walk(Object base, List<String> chain, List<Object> args, int pos, String text)
        throws TemplateException {
      Object v = base;
      for (int i = 0; i < chain.size(); i++) {
        String name = chain.get(i);
        boolean last = i == chain.size() - 1;
        v = field(v, name, last ? args : List.of(), pos, text);
      }
      if (chain.isEmpty() && !args.isEmpty()) {
        throw error(pos, text, "can't give argument to non-function " + text);
      }
      return v;
    }

    private Object field(Object v, String name, List<Object> args, int pos, String text)
        throws TemplateException {
      if (v instanceof Context c) {
        Object r = c.field(name, args);
        if (r == NO_FIELD) {
          throw error(pos, text, "can't evaluate field " + name + " in type " + c.typeName());
        }
        return r;
      }
      if (v instanceof JsonNode n && n.isObject()) {
        JsonNode x = n.get(name);
        if (x == null) {
          // Docker runs the template on its Go types first, whose field names differ from the
          // JSON keys in case only (ID and Id, APIVersion and ApiVersion).
          for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (key.equalsIgnoreCase(name)) {
              return n.get(key);
            }
          }
        }
        return x == null ? NO_VALUE : x;
      }
      if (v instanceof Map<?, ?> m) {
        return m.containsKey(name) ? m.get(name) : NO_VALUE;
      }
      if (v == null || v == NO_VALUE || v instanceof JsonNode n && n.isNull()) {
        throw error(pos, text, "nil pointer evaluating interface {}." + name);
      }
      throw error(pos, text, "can't evaluate field " + name + " in type " + goType(v));
    }
  }

  /** An ordered map for contexts' JSON. */
  static Map<String, Object> orderedMap() {
    return new LinkedHashMap<>();
  }
}

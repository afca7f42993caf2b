package dev.jocker.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command's flags, parsed and described as Docker's CLI does it (spf13/pflag under cobra): {@code
 * -a}, {@code -aq}, {@code -n 2}, {@code -n2}, {@code --name x}, {@code --name=x}, {@code --} ends
 * the flags; a command either takes flags anywhere among its arguments or, like {@code run} and
 * {@code exec}, stops at its first argument. Errors carry pflag's texts.
 */
final class Flags {
  /**
   * One flag.
   *
   * @param shorthand one letter, or null
   * @param name the long name
   * @param type the value's name in the help ({@code string}, {@code list}, {@code int}...), null
   *     for a boolean
   * @param defaultText printed as {@code (default ...)} when not null
   * @param help the description
   * @param repeated whether each use adds a value (a list) rather than replacing it
   */
  record Flag(
      String shorthand,
      String name,
      String type,
      String defaultText,
      String help,
      boolean repeated) {
    boolean bool() {
      return type == null;
    }
  }

  /** A flag error: pflag's message, shown with the command's help pointer, exit status 125. */
  static final class FlagError extends Exception {
    private static final long serialVersionUID = 1L;

    FlagError(String message) {
      super(message);
    }
  }

  private final List<Flag> flags = new ArrayList<>();

  Flags bool(String shorthand, String name, String help) {
    flags.add(new Flag(shorthand, name, null, null, help, false));
    return this;
  }

  Flags string(String shorthand, String name, String type, String defaultText, String help) {
    flags.add(new Flag(shorthand, name, type, defaultText, help, false));
    return this;
  }

  /** A flag given any number of times ({@code -e A -e B}, {@code --filter x --filter y}). */
  Flags list(String shorthand, String name, String type, String help) {
    flags.add(new Flag(shorthand, name, type, null, help, true));
    return this;
  }

  List<Flag> all() {
    return flags;
  }

  private Flag byName(String name) {
    for (Flag f : flags) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return null;
  }

  private Flag byShorthand(char c) {
    for (Flag f : flags) {
      if (f.shorthand() != null && f.shorthand().charAt(0) == c) {
        return f;
      }
    }
    return null;
  }

  /** The flags and arguments of one invocation. */
  static final class Parsed {
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    final List<String> args = new ArrayList<>();
    boolean help;

    boolean has(String name) {
      return values.containsKey(name);
    }

    /** A boolean flag: given (and not {@code =false}). */
    boolean on(String name) {
      List<String> v = values.get(name);
      return v != null && !v.get(v.size() - 1).equals("false");
    }

    /** The last value given, or {@code fallback}. */
    String get(String name, String fallback) {
      List<String> v = values.get(name);
      return v == null ? fallback : v.get(v.size() - 1);
    }

    /** Every value given, in order. */
    List<String> all(String name) {
      return values.getOrDefault(name, List.of());
    }

    /** An integer flag, with pflag's error for a value that is not one. */
    long integer(String name, String shorthand, long fallback) throws FlagError {
      String v = get(name, null);
      if (v == null) {
        return fallback;
      }
      try {
        return Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new FlagError(
            "invalid argument \""
                + v
                + "\" for \""
                + (shorthand == null ? "" : "-" + shorthand + ", ")
                + "--"
                + name
                + "\" flag: strconv.ParseInt: parsing \""
                + v
                + "\": invalid syntax");
      }
    }

    private void put(String name, String value) {
      values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
  }

  /**
   * Parses {@code args}; {@code interspersed} false stops at the first argument (what follows is
   * the container's command). {@code --help} is always known.
   */
  Parsed parse(List<String> args, boolean interspersed) throws FlagError {
    Parsed p = new Parsed();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--")) {
        p.args.addAll(args.subList(i + 1, args.size()));
        break;
      }
      if (a.startsWith("--")) {
        String name = a.substring(2);
        String value = null;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (name.equals("help")) {
          p.help = true;
          continue;
        }
        Flag f = byName(name);
        if (f == null) {
          throw new FlagError("unknown flag: --" + name);
        }
        if (f.bool()) {
          p.put(f.name(), value == null ? "true" : boolValue(value, f));
        } else {
          if (value == null) {
            if (i + 1 >= args.size()) {
              throw new FlagError("flag needs an argument: --" + name);
            }
            value = args.get(++i);
          }
          p.put(f.name(), value);
        }
        continue;
      }
      if (a.startsWith("-") && a.length() > 1) {
        for (int j = 1; j < a.length(); j++) {
          char c = a.charAt(j);
          if (c == 'h' && byShorthand('h') == null) {
            p.help = true;
            continue;
          }
          Flag f = byShorthand(c);
          if (f == null) {
            throw new FlagError("unknown shorthand flag: '" + c + "' in " + a);
          }
          if (f.bool()) {
            if (j + 1 < a.length() && a.charAt(j + 1) == '=') {
              p.put(f.name(), boolValue(a.substring(j + 2), f));
              break;
            }
            p.put(f.name(), "true");
            continue;
          }
          String value;
          if (j + 1 < a.length()) {
            value = a.substring(j + 1);
            if (value.startsWith("=")) {
              value = value.substring(1);
            }
          } else if (i + 1 < args.size()) {
            value = args.get(++i);
          } else {
            throw new FlagError("flag needs an argument: '" + c + "' in -" + c);
          }
          p.put(f.name(), value);
          break;
        }
        continue;
      }
      if (!interspersed) {
        p.args.addAll(args.subList(i, args.size()));
        break;
      }
      p.args.add(a);
    }
    return p;
  }

  private static String boolValue(String v, Flag f) throws FlagError {
    return switch (v) {
      case "1", "t", "T", "TRUE", "true", "True" -> "true";
      case "0", "f", "F", "FALSE", "false", "False" -> "false";
      default ->
          throw new FlagError(
              "invalid argument \""
                  + v
                  + "\" for \""
                  + (f.shorthand() == null ? "" : "-" + f.shorthand() + ", ")
                  + "--"
                  + f.name()
                  + "\" flag: strconv.ParseBool: parsing \""
                  + v
                  + "\": invalid syntax");
    };
  }

  /** The {@code Options:} lines as pflag writes them: sorted by name, descriptions aligned. */
  String usage() {
    List<Flag> sorted = new ArrayList<>(flags);
    sorted.sort(Comparator.comparing(Flag::name));
    List<String[]> lines = new ArrayList<>();
    int max = 0;
    for (Flag f : sorted) {
      String left =
          f.shorthand() != null ? "  -" + f.shorthand() + ", --" + f.name() : "      --" + f.name();
      if (f.type() != null) {
        left += " " + f.type();
      }
      max = Math.max(max, left.length() + 1);
      String help = f.help();
      if (f.defaultText() != null) {
        help += " (default " + f.defaultText() + ")";
      }
      lines.add(new String[] {left, help});
    }
    StringBuilder b = new StringBuilder();
    for (String[] l : lines) {
      b.append(l[0]).append(" ".repeat(max - l[0].length() + 2)).append(l[1]).append('\n');
    }
    return b.toString();
  }
}

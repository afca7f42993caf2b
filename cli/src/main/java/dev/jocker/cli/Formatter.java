package dev.jocker.cli;

import java.util.List;
import java.util.Map;

/**
 * Docker's output formatting ({@code cli/command/formatter}): a {@code --format} is a Go template,
 * run once per object with a newline after each; {@code table ...} lays the results out with a
 * tabwriter under a header row made by running the same template on the header context (each
 * field's column title); {@code \t} and {@code \n} typed in the format become a tab and a newline.
 */
final class Formatter {
  private Formatter() {}

  /** Whether {@code format} asks for a table. */
  static boolean isTable(String format) {
    return format.startsWith("table");
  }

  /** The template text Docker runs for {@code format}. */
  static String templateText(String format) {
    String f = isTable(format) ? format.substring(5) : format;
    f = f.strip();
    return f.replace("\\t", "\t").replace("\\n", "\n");
  }

  /**
   * Runs {@code format} over {@code items}; {@code headers} names each field's column title for a
   * table's head.
   */
  static String format(
      String format, List<? extends GoTemplate.Context> items, Map<String, String> headers)
      throws GoTemplate.TemplateException {
    GoTemplate template = GoTemplate.parse(templateText(format));
    StringBuilder body = new StringBuilder();
    for (GoTemplate.Context item : items) {
      body.append(template.execute(item)).append('\n');
    }
    if (!isTable(format)) {
      return body.toString();
    }
    String head = template.withFunctions(GoTemplate.functions(true)).execute(new Header(headers));
    return TabWriter.format(head + "\n" + body);
  }

  /** The header context: each field's title, empty for a field it does not know. */
  private record Header(Map<String, String> titles) implements GoTemplate.Context {
    @Override
    public String typeName() {
      return "formatter.SubHeaderContext";
    }

    @Override
    public Object field(String name, List<Object> args) {
      if (name.equals("Label") && !args.isEmpty()) {
        return "LABEL " + GoTemplate.print(args.get(0)).toUpperCase(java.util.Locale.ROOT);
      }
      return titles.getOrDefault(name, "");
    }

    @Override
    public Map<String, Object> json() {
      return Map.copyOf(titles);
    }
  }
}

package dev.jocker.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Go's text/tabwriter as Docker's tables use it ({@code NewWriter(out, 10, 1, 3, ' ', 0)} by
 * default): a cell is text ended by a tab; the cells of one column in consecutive lines form a
 * block padded to its widest cell plus 3, at least 10; the text after a line's last tab is not a
 * column and is not padded. Widths count characters (runes), not bytes.
 */
final class TabWriter {

  private TabWriter() {}

  /** Lays out {@code text} (lines ending in newline, cells ending in tab). */
  static String format(String text) {
    return format(text, 10, 3);
  }

  /** The same with another minimum width and padding ({@code top}: 20 and 3, version: 20 and 1). */
  static String format(String text, int minWidth, int padding) {
    List<List<String>> lines = new ArrayList<>();
    boolean endsWithNewline = text.endsWith("\n");
    String body = endsWithNewline ? text.substring(0, text.length() - 1) : text;
    for (String line : body.split("\n", -1)) {
      List<String> cells = new ArrayList<>(List.of(line.split("\t", -1)));
      lines.add(cells);
    }
    if (text.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    format(out, lines, new ArrayList<>(), 0, lines.size(), minWidth, padding);
    if (endsWithNewline) {
      out.append('\n');
    }
    return out.toString();
  }

  private static void format(
      StringBuilder out,
      List<List<String>> lines,
      List<Integer> widths,
      int line0,
      int line1,
      int minWidth,
      int padding) {
    int column = widths.size();
    for (int at = line0; at < line1; at++) {
      if (column >= lines.get(at).size() - 1) {
        continue;
      }
      writeLines(out, lines, widths, line0, at);
      line0 = at;
      int width = minWidth;
      for (; at < line1; at++) {
        List<String> line = lines.get(at);
        if (column >= line.size() - 1) {
          break;
        }
        width = Math.max(width, runes(line.get(column)) + padding);
      }
      widths.add(width);
      format(out, lines, widths, line0, at, minWidth, padding);
      widths.remove(widths.size() - 1);
      line0 = at;
      at--;
    }
    writeLines(out, lines, widths, line0, line1);
  }

  private static void writeLines(
      StringBuilder out, List<List<String>> lines, List<Integer> widths, int line0, int line1) {
    for (int i = line0; i < line1; i++) {
      List<String> line = lines.get(i);
      for (int j = 0; j < line.size(); j++) {
        String cell = line.get(j);
        out.append(cell);
        if (j < widths.size() && j < line.size() - 1) {
          out.append(" ".repeat(Math.max(0, widths.get(j) - runes(cell))));
        }
      }
      if (i + 1 < lines.size()) {
        out.append('\n');
      }
    }
  }

  private static int runes(String s) {
    return s.codePointCount(0, s.length());
  }
}

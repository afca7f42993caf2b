package dev.jocker.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Columns laid out as Go's tabwriter lays out Docker's tables (minimum width 10, padding 3, the
 * last column unpadded).
 */
final class Table {
  private final List<String[]> rows = new ArrayList<>();

  Table(String... header) {
    rows.add(header);
  }

  void add(String... row) {
    rows.add(row);
  }

  String render() {
    int columns = rows.get(0).length;
    int[] width = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < columns - 1; i++) {
        width[i] = Math.max(width[i], Math.max(10, row[i].length() + 3));
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        line.append(row[i]);
        if (i < columns - 1) {
          line.append(" ".repeat(width[i] - row[i].length()));
        }
      }
      sb.append(line).append('\n');
    }
    return sb.toString();
  }
}

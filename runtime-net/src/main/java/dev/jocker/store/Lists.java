package dev.jocker.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Lists of strings in one column, each item length-prefixed so that no character is special: how
 * schema 1 kept a command and its environment, read once by the migration to schema 2.
 */
final class Lists {
  private Lists() {}

  static List<String> decode(String text) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      int colon = text.indexOf(':', i);
      int len = Integer.parseInt(text.substring(i, colon));
      out.add(text.substring(colon + 1, colon + 1 + len));
      i = colon + 1 + len;
    }
    return out;
  }
}

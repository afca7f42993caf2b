package dev.jocker.daemon;

/**
 * Shell-style patterns ({@code *}, {@code ?}) as Docker's reference filter matches them. Matched by
 * returning to the last star only, so a hostile pattern costs at most length times length.
 */
final class Glob {
  private Glob() {}

  static boolean matches(String p, String t) {
    int pi = 0;
    int ti = 0;
    int star = -1;
    int mark = 0;
    while (ti < t.length()) {
      if (pi < p.length() && (p.charAt(pi) == '?' || p.charAt(pi) == t.charAt(ti))) {
        pi++;
        ti++;
      } else if (pi < p.length() && p.charAt(pi) == '*') {
        star = pi++;
        mark = ti;
      } else if (star >= 0) {
        pi = star + 1;
        ti = ++mark;
      } else {
        return false;
      }
    }
    while (pi < p.length() && p.charAt(pi) == '*') {
      pi++;
    }
    return pi == p.length();
  }
}

package dev.jocker.engine;

import java.util.List;

/**
 * Signal names as {@code docker kill -s} accepts them: {@code KILL}, {@code SIGTERM}, {@code 9}.
 */
final class Signals {
  private static final List<String> NAMES =
      List.of(
          "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
          "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
          "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

  private Signals() {}

  static int number(String signal) {
    String s = signal.toUpperCase(java.util.Locale.ROOT);
    if (s.chars().allMatch(Character::isDigit) && !s.isEmpty()) {
      int n = Integer.parseInt(s);
      if (n > 0 && n < 65) {
        return n;
      }
    }
    int i = NAMES.indexOf(s.startsWith("SIG") ? s.substring(3) : s);
    if (i <= 0) {
      throw new EngineException(EngineException.Kind.INVALID, "Invalid signal: " + signal);
    }
    return i;
  }
}

package dev.jocker.engine;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logs a repeated background task's failures once per change of state: the first failure, a
 * different failure, and the return to working order; a pass that fails as the one before did is
 * not logged again (a full disk would otherwise fill the log every pass).
 */
final class Health {
  private final Map<String, String> failing = new ConcurrentHashMap<>();

  /** Records that {@code task} failed with {@code message}; logs it if that is news. */
  void failed(String task, String message) {
    String before = failing.put(task, message);
    if (!message.equals(before)) {
      Events.warn(task + " failed: " + message, null, null);
    }
  }

  /** Records that {@code task} worked; logs it if it had been failing. */
  void worked(String task) {
    if (failing.remove(task) != null) {
      Events.info(task + " works again", null, null);
    }
  }
}

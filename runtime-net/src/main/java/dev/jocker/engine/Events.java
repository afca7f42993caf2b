package dev.jocker.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.logging.log4j.CloseableThreadContext;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The engine's log of what happened to containers and networks: each message with the container,
 * its network and further fields as log4j context, so JSON logs get them as fields of their own and
 * text logs print them after the message.
 */
final class Events {
  static final Logger LOG = LogManager.getLogger("dev.jocker.engine");

  private Events() {}

  /** Logs at INFO; a null container is left out. */
  static void info(String message, String container, String network, String... more) {
    log(LOG::info, message, container, network, more);
  }

  /** Logs at WARN; a null container is left out. */
  static void warn(String message, String container, String network, String... more) {
    log(LOG::warn, message, container, network, more);
  }

  @SuppressWarnings("try") // the context is in force while the resource is open; nothing reads it
  private static void log(
      Consumer<String> level, String message, String container, String network, String... more) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (container != null) {
      fields.put("container", container);
    }
    if (network != null) {
      fields.put("network", network);
    }
    for (int i = 0; i + 1 < more.length; i += 2) {
      fields.put(more[i], more[i + 1]);
    }
    try (CloseableThreadContext.Instance context = CloseableThreadContext.putAll(fields)) {
      level.accept(message);
    }
  }
}

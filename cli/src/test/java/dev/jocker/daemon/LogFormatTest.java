package dev.jocker.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.CloseableThreadContext;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jockerd's two log formats, loaded as jockerd loads them: the container is a field of its own. */
class LogFormatTest {
  @TempDir Path dir;

  @SuppressWarnings("try") // the context is in force while the resource is open; nothing reads it
  private List<String> logOneEvent(String config, String file) throws Exception {
    System.setProperty("jocker.log.dir", dir.toString());
    System.setProperty("jocker.log.level", "info");
    LoggerContext context = Configurator.initialize(config, getClass().getClassLoader(), config);
    try (CloseableThreadContext.Instance fields =
        CloseableThreadContext.putAll(Map.of("container", "test1", "network", "bridge"))) {
      context.getLogger("dev.jocker.engine.DefaultEngine").info("container started");
    } finally {
      Configurator.shutdown(context);
      System.clearProperty("jocker.log.dir");
      System.clearProperty("jocker.log.level");
    }
    return Files.readAllLines(dir.resolve(file));
  }

  @Test
  void textLogsPrintTheFieldsAfterTheMessage() throws Exception {
    String line = logOneEvent("jockerd-log4j2.xml", "jockerd.log").get(0);
    assertTrue(
        line.endsWith(
            "INFO  [main] DefaultEngine container started {container=test1, network=bridge}"),
        line);
  }

  @Test
  void jsonLogsCarryTheFieldsAsFields() throws Exception {
    JsonNode event =
        new ObjectMapper()
            .readTree(logOneEvent("jockerd-log4j2-json.xml", "jockerd.json.log").get(0));
    assertEquals("container started", event.get("message").asText());
    assertEquals("test1", event.get("container").asText());
    assertEquals("bridge", event.get("network").asText());
    assertEquals("INFO", event.get("log.level").asText());
  }
}

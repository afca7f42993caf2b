package dev.jocker.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ExitWatchTest {
  @Test
  void reportsOnlyTheProcessesThatEnded() throws Exception {
    Process stays = new ProcessBuilder("sleep", "30").start();
    Process ends = new ProcessBuilder("sleep", "30").start();
    try (ExitWatch watch = new ExitWatch()) {
      assertTrue(watch.watch("stays", stays.pid()));
      assertTrue(watch.watch("ends", ends.pid()));
      assertEquals(Set.of(), watch.ended());

      ends.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      assertEquals(Set.of("ends"), watch.ended());

      watch.forget("ends");
      assertFalse(watch.watching("ends"));
      assertEquals(Set.of(), watch.ended());
    } finally {
      stays.destroyForcibly();
    }
  }

  @Test
  void aProcessThatIsGoneCannotBeWatched() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    try (ExitWatch watch = new ExitWatch()) {
      assertFalse(watch.watch("gone", p.pid()));
      assertFalse(watch.watching("gone"));
    }
  }
}

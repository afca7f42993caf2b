package dev.jocker.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ExitWatchTest {
  @Test
  void reportsEachEndAtOnceAndOnlyTheProcessesThatEnded() throws Exception {
    BlockingQueue<String> ended = new LinkedBlockingQueue<>();
    Process stays = new ProcessBuilder("sleep", "30").start();
    Process ends = new ProcessBuilder("sleep", "30").start();
    try (ExitWatch watch = new ExitWatch(ended::add)) {
      assertTrue(watch.watch("stays", stays.pid()));
      assertTrue(watch.watch("ends", ends.pid()));
      assertEquals(null, ended.poll(100, TimeUnit.MILLISECONDS));

      long before = System.nanoTime();
      ends.destroyForcibly();
      assertEquals("ends", ended.poll(5, TimeUnit.SECONDS));
      long millis = (System.nanoTime() - before) / 1_000_000;
      assertTrue(millis < 200, "reported after " + millis + " ms");
      assertFalse(watch.watching("ends"), "an ended process is no longer watched");
      assertTrue(watch.watching("stays"));
      assertEquals(null, ended.poll(100, TimeUnit.MILLISECONDS));

      watch.forget("stays");
      stays.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      assertEquals(null, ended.poll(200, TimeUnit.MILLISECONDS), "a forgotten process is quiet");
    } finally {
      stays.destroyForcibly();
    }
  }

  @Test
  void signalsGoThroughThePidfdAndNotToAnEndedProcess() throws Exception {
    BlockingQueue<String> ended = new LinkedBlockingQueue<>();
    Process p = new ProcessBuilder("sleep", "30").start();
    try (ExitWatch watch = new ExitWatch(ended::add)) {
      assertTrue(watch.watch("p", p.pid()));
      assertTrue(watch.signal("p", 15));
      assertEquals("p", ended.poll(5, TimeUnit.SECONDS));
      assertEquals(143, p.waitFor());
      assertFalse(watch.signal("p", 15), "no longer watched");
    }
  }

  @Test
  void aProcessThatIsGoneCannotBeWatchedAndIsNotAwaited() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    try (ExitWatch watch = new ExitWatch(key -> {})) {
      assertFalse(watch.watch("gone", p.pid()));
      assertFalse(watch.watching("gone"));
    }
    assertTrue(ExitWatch.awaitEnd(p.pid(), 10_000));
    Process running = new ProcessBuilder("sleep", "30").start();
    try {
      assertFalse(ExitWatch.awaitEnd(running.pid(), 50));
    } finally {
      running.destroyForcibly();
    }
  }
}

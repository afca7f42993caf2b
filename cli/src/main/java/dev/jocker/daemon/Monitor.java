package dev.jocker.daemon;

import dev.jocker.engine.ContainerInfo;
import dev.jocker.engine.Engine;
import dev.jocker.engine.EngineException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Container runs as the API sees them over time: Docker's wait conditions, the end of an attach,
 * the {@code create}/{@code start}/{@code die}/{@code destroy} events, and {@code AutoRemove} with
 * the exit code kept for whoever waits on the removal. It polls the engine, every 10 ms while
 * someone waits and twice a second otherwise; the engine's own wait and events (#19) replace the
 * polling.
 */
final class Monitor implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(Monitor.class);

  /** Docker's {@code condition} of {@code POST /containers/{id}/wait}. */
  enum Condition {
    NOT_RUNNING("not-running"),
    NEXT_EXIT("next-exit"),
    REMOVED("removed");

    final String query;

    Condition(String query) {
      this.query = query;
    }

    static Condition parse(String v) {
      if (v == null || v.isEmpty()) {
        return NOT_RUNNING;
      }
      for (Condition c : values()) {
        if (c.query.equals(v)) {
          return c;
        }
      }
      throw new IllegalArgumentException(
          "invalid condition: \"" + v + "\": use not-running, next-exit or removed");
    }
  }

  private final Engine engine;
  private final Events events;
  private final Set<String> autoRemove = ConcurrentHashMap.newKeySet();

  /** Exit codes of removed containers, for waiters that look after the removal; the last 1000. */
  private final Map<String, Integer> exitOfRemoved =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>() {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
              return size() > 1000;
            }
          });

  private final Object tick = new Object();
  private Map<String, ContainerInfo> last = new LinkedHashMap<>();
  private int waiters;
  private final Thread thread;
  private volatile boolean closed;

  Monitor(Engine engine, Events events) {
    this.engine = engine;
    this.events = events;
    this.thread = new Thread(this::loop, "monitor");
    thread.setDaemon(true);
  }

  Monitor start() {
    synchronized (this) {
      for (ContainerInfo c : engine.containers(true)) {
        last.put(c.id(), c);
      }
    }
    thread.start();
    return this;
  }

  /** Removes {@code id} once it exits, as Docker's {@code AutoRemove} (the CLI's --rm). */
  void removeOnExit(String id) {
    autoRemove.add(id);
    hurry();
  }

  /** Wakes the polling thread: someone needs a look soon. */
  private void hurry() {
    synchronized (tick) {
      tick.notifyAll();
    }
  }

  boolean autoRemoves(String id) {
    return autoRemove.contains(id);
  }

  private void loop() {
    while (!closed) {
      try {
        poll();
        boolean busy;
        synchronized (this) {
          busy = waiters > 0 || !autoRemove.isEmpty();
        }
        synchronized (tick) {
          tick.wait(busy ? 10 : 500);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("container monitor: {}", e.getMessage());
      }
    }
  }

  /**
   * One look at every container: events for what changed since the last look, removal of exited
   * auto-remove containers, and a wake-up for every waiter.
   */
  synchronized void poll() {
    Map<String, ContainerInfo> now = new LinkedHashMap<>();
    for (ContainerInfo c : engine.containers(true)) {
      now.put(c.id(), c);
    }
    Map<String, ContainerInfo> before = last;
    for (ContainerInfo c : now.values()) {
      ContainerInfo b = before.get(c.id());
      if (b == null) {
        events.container("create", c, Map.of());
      }
      if (c.state().startedAt() != null
          && (b == null || !Objects.equals(b.state().startedAt(), c.state().startedAt()))) {
        events.container("start", c, Map.of());
      }
      if (c.state().finishedAt() != null
          && !c.state().running()
          && (b == null || !Objects.equals(b.state().finishedAt(), c.state().finishedAt()))) {
        events.container("die", c, Map.of("exitCode", Integer.toString(c.state().exitCode())));
      }
    }
    last = now;
    for (ContainerInfo b : before.values()) {
      if (!now.containsKey(b.id())) {
        gone(b);
      }
    }
    for (ContainerInfo c : List.copyOf(now.values())) {
      if (!c.state().running() && c.state().finishedAt() != null && autoRemove.contains(c.id())) {
        try {
          engine.remove(c.id(), true);
        } catch (EngineException e) {
          LOG.warn("auto-remove container {}: {}", c.name(), e.getMessage());
          continue;
        }
        last.remove(c.id());
        gone(c);
      }
    }
    notifyAll();
  }

  private void gone(ContainerInfo c) {
    exitOfRemoved.put(c.id(), c.state().exitCode());
    autoRemove.remove(c.id());
    events.container("destroy", c, Map.of());
  }

  /** A container's record as of the last look, or null once it is gone. */
  synchronized ContainerInfo current(String id) {
    return last.get(id);
  }

  /**
   * Blocks until {@code condition} holds for container {@code ref} and returns its exit code, or -1
   * when {@code cancelled} says the client went away. A missing container is a 404 before the wait
   * starts.
   */
  int await(String ref, Condition condition, BooleanSupplier cancelled)
      throws InterruptedException {
    String id = engine.container(ref).id();
    poll();
    ContainerInfo first = current(id);
    Instant firstExit = first == null ? null : first.state().finishedAt();
    synchronized (this) {
      waiters++;
      hurry();
      try {
        while (true) {
          ContainerInfo c = last.get(id);
          if (c == null) {
            return exitOfRemoved.getOrDefault(id, 0);
          }
          boolean holds =
              switch (condition) {
                case NOT_RUNNING -> !c.state().running();
                case NEXT_EXIT ->
                    !c.state().running() && !Objects.equals(c.state().finishedAt(), firstExit);
                case REMOVED -> false;
              };
          if (holds) {
            return c.state().exitCode();
          }
          if (cancelled.getAsBoolean()) {
            return -1;
          }
          wait(1000);
        }
      } finally {
        waiters--;
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}

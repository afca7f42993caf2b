package dev.jocker.engine;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What runs in the background, on a bounded number of threads whatever the number of containers:
 * the exit watch's one thread hands each ended process to two exit workers, which record the end
 * and release the sandbox at once; one timer thread retries what failed (a full disk), times the
 * restart policies' delays (the restarts themselves run on the exit workers), and every check
 * interval heals the kernel state. Failures are logged once per change of state.
 */
final class Supervisor implements AutoCloseable {
  private static final Duration RETRY = Duration.ofSeconds(1);

  private final ContainerService containers;
  private final Reconciler reconciler;
  private final Health health = new Health();
  private final ExecutorService exitWorkers;
  private final ScheduledExecutorService timer =
      new ScheduledThreadPoolExecutor(1, named("jocker-supervisor-"));

  /** Containers whose end could not be recorded yet (a full disk): retried every second. */
  private final Set<String> pending = ConcurrentHashMap.newKeySet();

  Supervisor(ContainerService containers, Reconciler reconciler) {
    this.containers = containers;
    this.reconciler = reconciler;
    this.exitWorkers =
        new ThreadPoolExecutor(
            2, 2, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), named("jocker-exit-"));
  }

  /**
   * Starts the timer, once recovery is done: retries every second, and heals every {@code
   * checkInterval} (zero: never), so whatever changed behind jocker's back is put back within one
   * interval.
   */
  void start(Duration checkInterval) {
    timer.scheduleWithFixedDelay(
        this::retry, RETRY.toMillis(), RETRY.toMillis(), TimeUnit.MILLISECONDS);
    long interval = checkInterval.toMillis();
    if (interval > 0) {
      timer.scheduleAtFixedRate(this::heal, interval, interval, TimeUnit.MILLISECONDS);
    }
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** The exit watch's callback: on its thread, so it only hands the work on. */
  void exited(String containerId) {
    containers.processEnded(containerId);
    exitWorkers.execute(() -> record(containerId));
  }

  private void record(String containerId) {
    try {
      containers.handleExit(containerId);
      pending.remove(containerId);
      health.worked("recording exits");
    } catch (RuntimeException e) {
      pending.add(containerId);
      health.failed("recording exits", Errors.describe(e));
    }
  }

  private void retry() {
    for (String id : Set.copyOf(pending)) {
      record(id);
    }
  }

  /** Runs {@code task} on an exit worker after {@code delay} (a restart policy's back-off). */
  Future<?> schedule(Runnable task, Duration delay) {
    return timer.schedule(() -> exitWorkers.execute(task), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void heal() {
    try {
      reconciler.heal();
      health.worked("the periodic check of bridges, forwarding and rules");
    } catch (RuntimeException e) {
      health.failed("the periodic check of bridges, forwarding and rules", Errors.describe(e));
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    exitWorkers.shutdownNow();
    try {
      exitWorkers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

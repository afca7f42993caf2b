package dev.jocker.portmap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One event loop of the userland proxy: a selector, the sockets registered with it, and the buffers
 * its relays copy through. Everything registered here is touched by this loop's thread only; other
 * threads hand it work through {@link #execute} and {@link #call}.
 */
final class ProxyLoop implements Runnable {
  private static final Logger LOG = LogManager.getLogger(ProxyLoop.class);

  /**
   * Bytes moved per read: large enough that a fast stream costs few system calls, and to hold any
   * UDP datagram (at most 65,507 bytes of payload).
   */
  static final int BUFFER_SIZE = 128 * 1024;

  private static final int SPARE_BUFFERS = 16;
  private static final long SWEEP_MILLIS = 1000;

  /** Something registered with the selector: it handles its key's ready operations. */
  interface Handler {
    void ready(SelectionKey key);

    /** Closes what the handler owns (the loop is ending or its listener closed). */
    void close();
  }

  /** Something to look at once a second: UDP flows that expire. */
  interface Sweeper {
    void sweep(long nowMillis);
  }

  final Selector selector;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>();
  private final Set<Handler> owned = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Set<Sweeper> sweepers = Collections.newSetFromMap(new IdentityHashMap<>());
  private volatile Thread thread;
  private volatile boolean stopping;
  private long lastSweep;
  private ByteBuffer scratch;

  ProxyLoop() {
    try {
      selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("userland proxy: cannot open a selector", e);
    }
  }

  @Override
  public void run() {
    thread = Thread.currentThread();
    while (!stopping) {
      try {
        selector.select(this::dispatch, SWEEP_MILLIS);
      } catch (IOException | RuntimeException e) {
        LOG.error("userland proxy: select failed: {}", e.toString());
      }
      wakeupPending.set(false);
      runTasks();
      long now = System.currentTimeMillis();
      if (now - lastSweep >= SWEEP_MILLIS) {
        lastSweep = now;
        for (Sweeper s : List.copyOf(sweepers)) {
          s.sweep(now);
        }
      }
    }
    runTasks();
    for (Handler h : List.copyOf(owned)) {
      h.close();
    }
    try {
      selector.close();
    } catch (IOException e) {
      LOG.debug("userland proxy: closing a selector: {}", e.toString());
    }
  }

  private void dispatch(SelectionKey key) {
    Handler h = (Handler) key.attachment();
    try {
      h.ready(key);
    } catch (RuntimeException e) {
      LOG.error("userland proxy: {} failed: {}", h, e.toString());
      h.close();
    }
  }

  private void runTasks() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.error("userland proxy: task failed: {}", e.toString());
      }
    }
  }

  /**
   * Runs {@code task} on this loop's thread, soon; from the loop itself, after the current work.
   */
  void execute(Runnable task) {
    tasks.add(task);
    if (Thread.currentThread() != thread && wakeupPending.compareAndSet(false, true)) {
      selector.wakeup();
    }
  }

  /** Runs {@code task} on this loop's thread and waits for its result. */
  <T> T call(Callable<T> task) {
    if (Thread.currentThread() == thread) {
      try {
        return task.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    execute(
        () -> {
          try {
            result.complete(task.call());
          } catch (Throwable t) {
            result.completeExceptionally(t);
          }
        });
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the userland proxy", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** The buffer reads go into; {@link #takeScratch} hands it over when it must keep its data. */
  ByteBuffer scratch() {
    if (scratch == null) {
      scratch = buffer();
    }
    return scratch;
  }

  /** Gives the scratch buffer (holding data not yet written) away; the next read gets another. */
  ByteBuffer takeScratch() {
    ByteBuffer taken = scratch();
    scratch = null;
    return taken;
  }

  /** Returns a buffer once its data is written. */
  void recycle(ByteBuffer buffer) {
    if (spare.size() < SPARE_BUFFERS) {
      buffer.clear();
      spare.push(buffer);
    }
  }

  private ByteBuffer buffer() {
    ByteBuffer b = spare.poll();
    return b != null ? b : ByteBuffer.allocateDirect(BUFFER_SIZE);
  }

  void own(Handler h) {
    owned.add(h);
  }

  void disown(Handler h) {
    owned.remove(h);
  }

  /** Handlers of this loop that {@code filter} selects, for closing a listener's connections. */
  List<Handler> owned(java.util.function.Predicate<Handler> filter) {
    List<Handler> out = new ArrayList<>();
    for (Handler h : owned) {
      if (filter.test(h)) {
        out.add(h);
      }
    }
    return out;
  }

  void addSweeper(Sweeper s) {
    sweepers.add(s);
  }

  void removeSweeper(Sweeper s) {
    sweepers.remove(s);
  }

  /** Stops the loop; it closes everything it owns on its way out. */
  void stop() {
    stopping = true;
    selector.wakeup();
  }
}

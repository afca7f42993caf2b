package dev.jocker.portmap;

import dev.jocker.kernel.Epoll;
import dev.jocker.kernel.Sockets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One event loop of the userland proxy: an epoll instance, the handlers of the descriptors it
 * watches (edge-triggered: a handler works until the kernel says "would block", or asks to run
 * {@link #again}), and the pipes and buffers its relays move bytes through. Only its own thread
 * touches its state; other threads hand it work through {@link #execute} and {@link #call}.
 */
final class ProxyLoop implements Runnable {
  private static final Logger LOG = LogManager.getLogger(ProxyLoop.class);

  /** Pipe size for splice, as Go's (1 MiB): fewer system calls per megabyte moved. */
  static final int PIPE_SIZE = 1 << 20;

  /** Holds any UDP datagram (at most 65,507 bytes of payload). */
  static final int DATAGRAM_BUFFER = 1 << 16;

  /** Enough that many busy connections reuse pipes instead of making and closing them. */
  private static final int SPARE_PIPES = 256;

  private static final int SWEEP_MILLIS = 1000;

  /** What a registered descriptor's events go to. */
  interface Handler {
    void ready(int events);
  }

  /** Something looked at once a second: UDP flows that expire. */
  interface Sweeper {
    void sweep(long nowMillis);
  }

  /** Something that belongs to a listener and closes with it: relays, flows. */
  interface Owned {
    Object owner();

    void close();
  }

  final Epoll epoll = new Epoll(256);
  final ByteBuffer datagram =
      ByteBuffer.allocateDirect(DATAGRAM_BUFFER).order(ByteOrder.nativeOrder());
  final Sockets.Sender sender = new Sockets.Sender();
  private Handler[] handlers = new Handler[256];
  private final ArrayDeque<Integer> freeTokens = new ArrayDeque<>();
  private final List<Integer> releasedTokens = new ArrayList<>();
  private int nextToken = Epoll.WAKE_TOKEN + 1;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakePending = new AtomicBoolean();
  private ArrayDeque<Runnable> again = new ArrayDeque<>();
  private ArrayDeque<Runnable> running = new ArrayDeque<>();
  private final ArrayDeque<int[]> pipes = new ArrayDeque<>();
  private final Set<Owned> owned = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Set<Sweeper> sweepers = Collections.newSetFromMap(new IdentityHashMap<>());
  private volatile Thread thread;
  private volatile boolean stopping;
  private long lastSweep;

  @Override
  public void run() {
    thread = Thread.currentThread();
    while (!stopping) {
      int n;
      try {
        n = epoll.await(again.isEmpty() ? SWEEP_MILLIS : 0);
      } catch (RuntimeException e) {
        LOG.error("userland proxy: {}", e.getMessage());
        n = 0;
      }
      for (int i = 0; i < n; i++) {
        int token = epoll.token(i);
        if (token == Epoll.WAKE_TOKEN) {
          wakePending.set(false);
          continue;
        }
        Handler h = handlers[token];
        if (h != null) {
          try {
            h.ready(epoll.events(i));
          } catch (RuntimeException e) {
            LOG.error("userland proxy: {} failed: {}", h, e.toString());
          }
        }
      }
      // A descriptor closed during the batch may have events later in it: its token is reused
      // only after the batch.
      freeTokens.addAll(releasedTokens);
      releasedTokens.clear();
      runTasks();
      ArrayDeque<Runnable> now = again;
      again = running;
      running = now;
      Runnable r;
      while ((r = now.poll()) != null) {
        r.run();
      }
      long t = System.currentTimeMillis();
      if (t - lastSweep >= SWEEP_MILLIS) {
        lastSweep = t;
        for (Sweeper s : List.copyOf(sweepers)) {
          s.sweep(t);
        }
      }
    }
    runTasks();
    for (Owned o : List.copyOf(owned)) {
      o.close();
    }
    for (int[] p : pipes) {
      Sockets.close(p[0]);
      Sockets.close(p[1]);
    }
    epoll.close();
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

  /** Watches {@code fd} for {@code events}, sending them to {@code handler}; returns the token. */
  int register(int fd, int events, Handler handler) {
    Integer free = freeTokens.poll();
    int token = free != null ? free : nextToken++;
    if (token >= handlers.length) {
      handlers = java.util.Arrays.copyOf(handlers, handlers.length * 2);
    }
    handlers[token] = handler;
    epoll.add(fd, events, token);
    return token;
  }

  /**
   * Forgets {@code token}; its descriptor must be closed or deleted from the epoll by the caller.
   */
  void unregister(int token) {
    handlers[token] = null;
    releasedTokens.add(token);
  }

  /** Runs {@code r} after the current batch of events, without waiting for a new one. */
  void again(Runnable r) {
    again.add(r);
  }

  /** Runs {@code r} at the next once-a-second sweep. */
  void later(Runnable r) {
    Sweeper once =
        new Sweeper() {
          @Override
          public void sweep(long nowMillis) {
            sweepers.remove(this);
            r.run();
          }
        };
    sweepers.add(once);
  }

  /** Runs {@code task} on this loop's thread, soon. */
  void execute(Runnable task) {
    tasks.add(task);
    if (Thread.currentThread() != thread && wakePending.compareAndSet(false, true)) {
      epoll.wake();
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

  /** An empty pipe for splicing, from the spares or new. */
  int[] pipe() {
    int[] p = pipes.poll();
    return p != null ? p : Sockets.pipe(PIPE_SIZE);
  }

  /** Gives back an empty pipe. */
  void recycle(int[] pipe) {
    if (pipes.size() < SPARE_PIPES) {
      pipes.push(pipe);
    } else {
      Sockets.close(pipe[0]);
      Sockets.close(pipe[1]);
    }
  }

  void own(Owned o) {
    owned.add(o);
  }

  void disown(Owned o) {
    owned.remove(o);
  }

  /** Closes what this loop holds for {@code owner}. */
  void closeOwnedBy(Object owner) {
    Predicate<Owned> mine = o -> o.owner() == owner;
    for (Owned o : List.copyOf(owned)) {
      if (mine.test(o)) {
        o.close();
      }
    }
  }

  void addSweeper(Sweeper s) {
    sweepers.add(s);
  }

  void removeSweeper(Sweeper s) {
    sweepers.remove(s);
  }

  /** Stops the loop; it closes everything it holds on its way out. */
  void stop() {
    stopping = true;
    epoll.wake();
  }
}

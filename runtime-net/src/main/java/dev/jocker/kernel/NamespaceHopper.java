package dev.jocker.kernel;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One dedicated platform thread that enters a namespace for a task and always returns to the
 * namespace it started in. setns is per thread, so no other thread ever changes namespace. A thread
 * that cannot return is discarded and the next task gets a fresh one. Tasks must not start threads
 * or processes: those would be born inside the namespace and pin it.
 */
final class NamespaceHopper {
  private static final NamespaceHopper INSTANCE = new NamespaceHopper();

  private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
  private final ThreadLocal<Integer> homeFd = new ThreadLocal<>();
  private final ThreadLocal<Boolean> lost = ThreadLocal.withInitial(() -> false);
  private Thread thread;

  private NamespaceHopper() {}

  static NamespaceHopper get() {
    return INSTANCE;
  }

  /** Runs {@code task} inside the namespace of {@code nsFd} (or at home when -1). */
  <T> T call(int nsFd, String nsName, Callable<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    submit(
        () -> {
          boolean entered = false;
          try {
            if (nsFd >= 0) {
              Syscalls.setns(nsFd, nsName);
              entered = true;
            }
            result.complete(task.call());
          } catch (Throwable t) {
            result.completeExceptionally(t);
          } finally {
            if (entered) {
              returnHome();
            }
          }
        });
    return await(result);
  }

  /**
   * Runs {@code task} in a brand-new namespace; the task names it (bind mount) before returning.
   */
  <T> T callInNewNamespace(Callable<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    submit(
        () -> {
          boolean left = false;
          try {
            Syscalls.unshareNet();
            left = true;
            result.complete(task.call());
          } catch (Throwable t) {
            result.completeExceptionally(t);
          } finally {
            if (left) {
              returnHome();
            }
          }
        });
    return await(result);
  }

  private void returnHome() {
    try {
      Syscalls.setns(homeFd.get(), "home namespace");
    } catch (RuntimeException e) {
      lost.set(true);
    }
  }

  private synchronized void submit(Runnable job) {
    queue.add(job);
    if (thread == null) {
      thread = new Thread(this::loop, "jocker-netns-hopper");
      thread.setDaemon(true);
      thread.start();
    }
  }

  private synchronized void retire() {
    thread = null;
    if (!queue.isEmpty()) {
      submit(queue.poll());
    }
  }

  private void loop() {
    // The thread is born in its creator's namespace; that is where it must always come back to.
    homeFd.set(Syscalls.open("/proc/thread-self/ns/net"));
    while (!lost.get()) {
      Runnable job;
      try {
        job = queue.take();
      } catch (InterruptedException e) {
        break;
      }
      job.run();
    }
    Syscalls.close(homeFd.get());
    retire();
  }

  private static <T> T await(CompletableFuture<T> result) {
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a namespace task", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }
}

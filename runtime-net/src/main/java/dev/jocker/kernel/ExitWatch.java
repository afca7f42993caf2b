package dev.jocker.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Notices processes' exits through pidfds: a pidfd refers to one process, not to a PID that may be
 * reused, and turns readable when that process ends. One thread sits in poll(2) over every watched
 * pidfd and an eventfd that wakes it when the set changes, so an exit is reported the moment it
 * happens, with no thread per process and no periodic pass. Processes are watched by a key of the
 * caller's (a container ID); an ended process is reported once and is no longer watched.
 */
public final class ExitWatch implements AutoCloseable {
  /** {@code struct pollfd}: int fd, short events, short revents. */
  private static final int POLLFD_SIZE = 8;

  private static final short POLLIN = 1;
  private static final Logger LOG = LogManager.getLogger(ExitWatch.class);

  private final Consumer<String> onExit;
  private final int wakeUp;
  private final Map<String, Integer> pidfds = new HashMap<>();

  /**
   * Descriptors no longer watched, closed by the poll thread between two polls: closed while it
   * polls them, their number could be reused by a descriptor it must not watch.
   */
  private final List<Integer> retired = new ArrayList<>();

  private final Thread thread;
  private boolean closed;

  /**
   * Starts the watching thread; {@code onExit} gets the key of each process that ends, on that
   * thread, and must hand any lengthy work to another.
   */
  public ExitWatch(Consumer<String> onExit) {
    this.onExit = onExit;
    this.wakeUp = Syscalls.eventfd();
    this.thread = new Thread(this::loop, "jocker-exits");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Watches process {@code pid} under {@code key}, replacing an earlier watch of that key. Returns
   * false if there is no such process, or if it cannot be watched (no pidfds before Linux 5.3, no
   * descriptor left): the caller then checks that one another way.
   */
  public boolean watch(String key, long pid) {
    int fd;
    try {
      fd = Syscalls.pidfdOpen(pid);
    } catch (KernelException e) {
      return false;
    }
    synchronized (this) {
      if (closed) {
        Syscalls.close(fd);
        return false;
      }
      Integer before = pidfds.put(key, fd);
      if (before != null) {
        retired.add(before);
      }
      Syscalls.eventfdSignal(wakeUp);
    }
    return true;
  }

  /** Whether {@code key} is watched (its process has not been reported ended). */
  public synchronized boolean watching(String key) {
    return pidfds.containsKey(key);
  }

  /** Stops watching {@code key}, if it was. */
  public synchronized void forget(String key) {
    Integer fd = pidfds.remove(key);
    if (fd != null && !closed) {
      retired.add(fd);
      Syscalls.eventfdSignal(wakeUp);
    }
  }

  /**
   * Sends {@code signal} to the process watched under {@code key}: through its pidfd, so never to
   * another process that reuses its PID. Returns false when it is not watched or has ended.
   */
  public synchronized boolean signal(String key, int signal) {
    Integer fd = pidfds.get(key);
    if (fd == null) {
      return false;
    }
    try {
      Syscalls.pidfdSendSignal(fd, signal, key);
      return true;
    } catch (NotFoundException ended) {
      return false;
    }
  }

  /**
   * Waits until process {@code pid} has ended, at most {@code timeoutMillis}, in one poll(2) on a
   * pidfd of its own; true when it has ended (or was gone already).
   */
  public static boolean awaitEnd(long pid, int timeoutMillis) {
    int fd;
    try {
      fd = Syscalls.pidfdOpen(pid);
    } catch (KernelException gone) {
      return true;
    }
    try {
      byte[] pollfd = pollfds(new int[] {fd});
      return Syscalls.poll(pollfd, 1, timeoutMillis) > 0;
    } finally {
      Syscalls.close(fd);
    }
  }

  private void loop() {
    while (true) {
      List<String> keys;
      int[] fds;
      synchronized (this) {
        retired.forEach(Syscalls::close);
        retired.clear();
        if (closed) {
          pidfds.values().forEach(Syscalls::close);
          pidfds.clear();
          Syscalls.close(wakeUp);
          return;
        }
        keys = new ArrayList<>(pidfds.keySet());
        fds = new int[keys.size() + 1];
        fds[0] = wakeUp;
        for (int i = 0; i < keys.size(); i++) {
          fds[i + 1] = pidfds.get(keys.get(i));
        }
      }
      byte[] pollfds = pollfds(fds);
      Syscalls.poll(pollfds, fds.length, -1);
      ByteBuffer ready = ByteBuffer.wrap(pollfds).order(ByteOrder.nativeOrder());
      if (ready.getShort(6) != 0) {
        Syscalls.eventfdDrain(wakeUp);
      }
      List<String> ended = new ArrayList<>();
      synchronized (this) {
        for (int i = 0; i < keys.size(); i++) {
          String key = keys.get(i);
          Integer fd = pidfds.get(key);
          // Only if the key still names the descriptor polled: a new watch may have replaced it.
          if (ready.getShort((i + 1) * POLLFD_SIZE + 6) != 0 && fd != null && fd == fds[i + 1]) {
            pidfds.remove(key);
            retired.add(fd);
            ended.add(key);
          }
        }
      }
      for (String key : ended) {
        try {
          onExit.accept(key);
        } catch (RuntimeException e) {
          LOG.error("handling the end of {} failed", key, e);
        }
      }
    }
  }

  private static byte[] pollfds(int[] fds) {
    ByteBuffer b = ByteBuffer.allocate(fds.length * POLLFD_SIZE).order(ByteOrder.nativeOrder());
    for (int fd : fds) {
      b.putInt(fd).putShort(POLLIN).putShort((short) 0);
    }
    return b.array();
  }

  /** Stops the watching thread and closes every descriptor. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      Syscalls.eventfdSignal(wakeUp);
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.jocker.concurrent;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A read-write lock per key (a container or network ID), made on first use and dropped when no
 * thread holds or waits for it, so that a million short-lived containers leave no lock behind.
 * Operations on different keys run in parallel; on one key, exclusive holders run one at a time.
 */
public final class KeyedLocks {
  private static final class Entry {
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    int users;
  }

  /** A held lock, released by {@link #close}. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  private final Map<String, Entry> entries = new HashMap<>();

  /** Takes {@code key}'s lock alone, waiting for every other holder. */
  public Held exclusive(String key) {
    return hold(key, true);
  }

  /** Takes {@code key}'s lock shared with other shared holders. */
  public Held shared(String key) {
    return hold(key, false);
  }

  /** Whether some thread holds or waits for {@code key}'s lock. */
  public synchronized boolean busy(String key) {
    return entries.containsKey(key);
  }

  private Held hold(String key, boolean exclusive) {
    Entry e;
    synchronized (this) {
      e = entries.computeIfAbsent(key, k -> new Entry());
      e.users++;
    }
    Lock lock = exclusive ? e.lock.writeLock() : e.lock.readLock();
    try {
      lock.lock();
    } catch (RuntimeException | Error failed) {
      release(key, e);
      throw failed;
    }
    return () -> {
      lock.unlock();
      release(key, e);
    };
  }

  private synchronized void release(String key, Entry e) {
    if (--e.users == 0) {
      entries.remove(key);
    }
  }
}

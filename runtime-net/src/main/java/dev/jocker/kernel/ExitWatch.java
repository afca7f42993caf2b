package dev.jocker.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Notices processes' exits through pidfds: a pidfd refers to one process, not to a PID that may be
 * reused, and turns readable when that process ends, so one poll(2) answers for every watched
 * process instead of a read of each one's {@code /proc/PID/stat}. Processes are watched by a key of
 * the caller's (a container ID).
 */
public final class ExitWatch implements AutoCloseable {
  /** {@code struct pollfd}: int fd, short events, short revents. */
  private static final int POLLFD_SIZE = 8;

  private static final short POLLIN = 1;

  private final Map<String, Integer> pidfds = new LinkedHashMap<>();

  /**
   * Watches process {@code pid} under {@code key}, replacing an earlier watch of that key. Returns
   * false if there is no such process, or if it cannot be watched (no pidfds before Linux 5.3, no
   * descriptor left): the caller then checks that one another way.
   */
  public synchronized boolean watch(String key, long pid) {
    forget(key);
    try {
      pidfds.put(key, Syscalls.pidfdOpen(pid));
      return true;
    } catch (KernelException e) {
      return false;
    }
  }

  /** Whether {@code key} is watched. */
  public synchronized boolean watching(String key) {
    return pidfds.containsKey(key);
  }

  /** Stops watching {@code key}, if it was. */
  public synchronized void forget(String key) {
    Integer fd = pidfds.remove(key);
    if (fd != null) {
      Syscalls.close(fd);
    }
  }

  /** The watched keys whose process has ended; they stay watched until forgotten. */
  public synchronized Set<String> ended() {
    Set<String> ended = new HashSet<>();
    if (pidfds.isEmpty()) {
      return ended;
    }
    List<String> keys = new ArrayList<>(pidfds.keySet());
    ByteBuffer fds = ByteBuffer.allocate(keys.size() * POLLFD_SIZE).order(ByteOrder.nativeOrder());
    for (String key : keys) {
      fds.putInt(pidfds.get(key)).putShort(POLLIN).putShort((short) 0);
    }
    if (Syscalls.poll(fds.array(), keys.size(), 0) == 0) {
      return ended;
    }
    for (int i = 0; i < keys.size(); i++) {
      if (fds.getShort(i * POLLFD_SIZE + 6) != 0) {
        ended.add(keys.get(i));
      }
    }
    return ended;
  }

  @Override
  public synchronized void close() {
    for (String key : new ArrayList<>(pidfds.keySet())) {
      forget(key);
    }
  }
}

package dev.jocker.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;

/**
 * Who may change a data root's state: one jockerd for as long as it runs (it holds {@code
 * jockerd.pid} locked), or, when none runs, one process of the CNI plugin at a time (its JVM
 * fallback, which opens the network controller itself). The gate, {@code cni.lock}, orders the two:
 * a plugin process holds it for its whole call, and a starting jockerd passes through it before it
 * takes its own lock, so a jockerd never starts under a plugin's open store and a plugin never runs
 * beside a jockerd whose in-memory views it would leave stale. Both are POSIX record locks (fcntl,
 * as FileChannel takes them), released by the kernel when their process dies, however it dies.
 */
public final class DataRootLock implements AutoCloseable {
  /** jockerd's lock, holding its PID. */
  public static final String DAEMON_FILE = "jockerd.pid";

  /** The gate between the plugin's processes and a starting jockerd. */
  public static final String GATE_FILE = "cni.lock";

  private static final long POLL_MILLIS = 10;

  private final FileChannel channel;

  private DataRootLock(FileChannel channel) {
    this.channel = channel;
  }

  /**
   * Waits up to {@code wait} for the gate of {@code root}: until no plugin process is using the
   * data root. Empty when one still is at the end of the wait.
   */
  public static Optional<DataRootLock> gate(Path root, Duration wait) {
    return lock(root.resolve(GATE_FILE), wait);
  }

  /**
   * The daemon's lock of {@code root} if no jockerd holds it (the caller holds the gate); empty
   * when one does.
   */
  public static Optional<DataRootLock> daemon(Path root) {
    return lock(root.resolve(DAEMON_FILE), Duration.ZERO);
  }

  /** The PID the last jockerd wrote into the daemon's lock of {@code root}, or "?". */
  public static String daemonPid(Path root) {
    try {
      String pid = Files.readString(root.resolve(DAEMON_FILE), StandardCharsets.UTF_8).strip();
      return pid.isEmpty() ? "?" : pid;
    } catch (IOException e) {
      return "?";
    }
  }

  private static Optional<DataRootLock> lock(Path file, Duration wait) {
    FileChannel channel;
    try {
      Files.createDirectories(file.getParent());
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new UncheckedIOException("open " + file + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + wait.toNanos();
    try {
      while (true) {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          return Optional.of(new DataRootLock(channel));
        }
        if (System.nanoTime() >= deadline) {
          channel.close();
          return Optional.empty();
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (IOException e) {
      closeQuietly(channel, e);
      throw new UncheckedIOException("lock " + file + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(channel, e);
      throw new IllegalStateException("interrupted while waiting for " + file, e);
    }
  }

  private static void closeQuietly(FileChannel channel, Exception cause) {
    try {
      channel.close();
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }

  /** Releases the lock. */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("release a data root lock: " + e.getMessage(), e);
    }
  }
}

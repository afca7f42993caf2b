package dev.jocker.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Runtime;

/**
 * An epoll instance and an eventfd to wake it from other threads: descriptors registered with a
 * token (an int the caller maps to its handler), and the ready list of the last {@link #await}.
 */
public final class Epoll implements AutoCloseable {
  public static final int IN = 0x1;
  public static final int OUT = 0x4;
  public static final int ERR = 0x8;
  public static final int HUP = 0x10;
  public static final int RDHUP = 0x2000;

  /** Wake one of the epoll instances watching the descriptor, not all (a shared listener). */
  public static final int EXCLUSIVE = 1 << 28;

  /** Edge-triggered: an event when the state changes, not while it lasts. */
  public static final int ET = 1 << 31;

  /** The token of the wake-up eventfd; callers' tokens must differ. */
  public static final int WAKE_TOKEN = 0;

  private static final int EPOLL_CTL_ADD = 1;
  private static final int EPOLL_CTL_DEL = 2;
  private static final int EPOLL_CLOEXEC = 0x80000;
  private static final int EFD_NONBLOCK = 0x800;
  private static final int EFD_CLOEXEC = 0x80000;
  private static final int EINTR = 4;

  /** {@code struct epoll_event} is packed (12 bytes) on x86-64, 16 bytes elsewhere. */
  private static final boolean PACKED =
      System.getProperty("os.arch").equals("amd64")
          || System.getProperty("os.arch").equals("x86_64");

  private static final int EVENT_SIZE = PACKED ? 12 : 16;
  private static final int DATA_OFFSET = PACKED ? 4 : 8;

  private static final LibC LIBC = LibC.INSTANCE;
  private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

  private final int epfd;
  private final int wakeFd;
  private final ByteBuffer events;
  private final ByteBuffer one = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
  private final ByteBuffer counter = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());

  /** What {@link #wake} adds to the eventfd's counter: only ever read, so threads may share it. */
  private final ByteBuffer increment =
      ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1);

  private final int maxEvents;

  /** An instance returning at most {@code maxEvents} events per {@link #await}. */
  public Epoll(int maxEvents) {
    this.maxEvents = maxEvents;
    this.events = ByteBuffer.allocateDirect(maxEvents * EVENT_SIZE).order(ByteOrder.nativeOrder());
    this.epfd = LIBC.epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
      throw KernelException.of("epoll_create1", "event loop", RUNTIME.getLastError(), null);
    }
    this.wakeFd = LIBC.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd < 0) {
      int errno = RUNTIME.getLastError();
      LIBC.close(epfd);
      throw KernelException.of("eventfd", "event loop", errno, null);
    }
    add(wakeFd, IN, WAKE_TOKEN);
  }

  /** Watches {@code fd} for {@code events} ({@link #IN}, {@link #OUT}, {@link #ET}…). */
  public synchronized void add(int fd, int events, int token) {
    one.clear();
    one.putInt(0, events);
    one.putLong(DATA_OFFSET, token);
    if (LIBC.epoll_ctl(epfd, EPOLL_CTL_ADD, fd, one) < 0) {
      throw KernelException.of("epoll_ctl add", "fd " + fd, RUNTIME.getLastError(), null);
    }
  }

  /** Stops watching {@code fd} (closing it does too, when no other descriptor shares its file). */
  public synchronized void delete(int fd) {
    LIBC.epoll_ctl(epfd, EPOLL_CTL_DEL, fd, one);
  }

  /**
   * Waits up to {@code timeoutMillis} (-1: no limit, 0: not at all) for events; returns how many,
   * read with {@link #token} and {@link #events}. Wake-ups are consumed here and show as {@link
   * #WAKE_TOKEN}.
   */
  public int await(int timeoutMillis) {
    int n = LIBC.epoll_wait(epfd, events, maxEvents, timeoutMillis);
    if (n < 0) {
      int errno = RUNTIME.getLastError();
      if (errno == EINTR) {
        return 0;
      }
      throw KernelException.of("epoll_wait", "event loop", errno, null);
    }
    for (int i = 0; i < n; i++) {
      if (token(i) == WAKE_TOKEN) {
        LIBC.read(wakeFd, counter, 8);
      }
    }
    return n;
  }

  /** The token of ready descriptor {@code i}. */
  public int token(int i) {
    return (int) events.getLong(i * EVENT_SIZE + DATA_OFFSET);
  }

  /** The events of ready descriptor {@code i}. */
  public int events(int i) {
    return events.getInt(i * EVENT_SIZE);
  }

  /** Makes a current or the next {@link #await} return; safe from any thread. */
  public void wake() {
    LIBC.write(wakeFd, increment, 8);
  }

  @Override
  public void close() {
    LIBC.close(wakeFd);
    LIBC.close(epfd);
  }
}

package dev.jocker.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;

/**
 * The thin layer over {@link LibC}: a result of -1 becomes a {@link KernelException} carrying errno
 * and the operation; EINTR is retried.
 */
final class Syscalls {
  static final int AF_NETLINK = 16;
  static final int SOCK_RAW = 3;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int NETLINK_ROUTE = 0;
  static final int SOL_SOCKET = 1;
  static final int SO_SNDBUF = 7;
  static final int SO_RCVBUF = 8;
  static final int SOL_NETLINK = 270;
  static final int NETLINK_CAP_ACK = 10;
  static final int NETLINK_EXT_ACK = 11;
  static final int MSG_TRUNC = 0x20;
  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_CLOEXEC = 0x80000;
  static final int O_NONBLOCK = 0x800;
  static final int CLONE_NEWNET = 0x40000000;
  static final long MS_BIND = 4096;
  static final long MS_REC = 16384;
  static final long MS_PRIVATE = 1 << 18;
  static final long MS_SHARED = 1 << 20;
  static final int MNT_DETACH = 2;
  static final int FSOPEN_CLOEXEC = 1;
  static final int FSCONFIG_CMD_CREATE = 6;
  static final int FSMOUNT_CLOEXEC = 1;
  static final int EFD_CLOEXEC = 0x80000;
  static final int EFD_NONBLOCK = 0x800;

  private static final LibC LIBC = LibC.INSTANCE;
  private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

  private Syscalls() {}

  private interface Call {
    long invoke();
  }

  private static long check(String operation, String object, Call call) {
    while (true) {
      long result = call.invoke();
      if (result != -1) {
        return result;
      }
      int errno = RUNTIME.getLastError();
      if (errno != Errno.EINTR) {
        throw KernelException.of(operation, object, errno, null);
      }
    }
  }

  static int socket(int domain, int type, int protocol) {
    return (int) check("socket", "netlink", () -> LIBC.socket(domain, type, protocol));
  }

  static void bind(int fd, byte[] address) {
    check("bind", "netlink socket", () -> LIBC.bind(fd, address, address.length));
  }

  static byte[] getsockname(int fd, int length) {
    byte[] address = new byte[length];
    IntByReference len = new IntByReference(length);
    check("getsockname", "netlink socket", () -> LIBC.getsockname(fd, address, len));
    return address;
  }

  static void setsockopt(int fd, int level, int option, int value) {
    IntByReference v = new IntByReference(value);
    check(
        "setsockopt",
        "option " + level + "/" + option,
        () -> LIBC.setsockopt(fd, level, option, v, 4));
  }

  static void send(int fd, byte[] message) {
    check("sendto", "netlink socket", () -> LIBC.sendto(fd, message, message.length, 0, null, 0));
  }

  static int receive(int fd, ByteBuffer buf, int flags) {
    return (int)
        check(
            "recvfrom",
            "netlink socket",
            () -> LIBC.recvfrom(fd, buf, buf.capacity(), flags, null, null));
  }

  static void close(int fd) {
    check("close", "fd " + fd, () -> LIBC.close(fd));
  }

  static int open(String path) {
    return (int) check("open", path, () -> LIBC.open(path, O_RDONLY | O_CLOEXEC, 0));
  }

  static void setns(int fd, String what) {
    check("setns", what, () -> LIBC.setns(fd, CLONE_NEWNET));
  }

  static void unshareNet() {
    check("unshare", "CLONE_NEWNET", () -> LIBC.unshare(CLONE_NEWNET));
  }

  static void mount(String source, String target, String fstype, long flags) {
    check("mount", target, () -> LIBC.mount(source, target, fstype, flags, null));
  }

  static void umountDetach(String target) {
    check("umount", target, () -> LIBC.umount2(target, MNT_DETACH));
  }

  /**
   * A new procfs instance, mounted nowhere: its descriptor is the root to open files under, and
   * closing it unmounts it. Equivalent to: fsopen(2), fsconfig(2) FSCONFIG_CMD_CREATE, fsmount(2).
   */
  static int procInstance() {
    int fs = (int) check("fsopen", "proc", () -> LIBC.fsopen("proc", FSOPEN_CLOEXEC));
    try {
      check("fsconfig", "proc", () -> LIBC.fsconfig(fs, FSCONFIG_CMD_CREATE, null, null, 0));
      return (int) check("fsmount", "proc", () -> LIBC.fsmount(fs, FSMOUNT_CLOEXEC, 0));
    } finally {
      close(fs);
    }
  }

  /** Writes {@code data} to the existing file {@code path} under directory {@code dirfd}. */
  static void writeAt(int dirfd, String path, byte[] data, String what) {
    int fd = (int) check("open", what, () -> LIBC.openat(dirfd, path, O_WRONLY | O_CLOEXEC, 0));
    try {
      check("write", what, () -> LIBC.write(fd, data, data.length));
    } finally {
      close(fd);
    }
  }

  static int pidfdOpen(long pid) {
    return (int) check("pidfd_open", "pid " + pid, () -> LIBC.pidfd_open((int) pid, 0));
  }

  /** Sends {@code signal} to the process {@code pidfd} refers to, whatever its PID is now. */
  static void pidfdSendSignal(int pidfd, int signal, String what) {
    check("pidfd_send_signal", what, () -> LIBC.pidfd_send_signal(pidfd, signal, null, 0));
  }

  /** kill(2). */
  static void kill(long pid, int signal) {
    check("kill", "pid " + pid, () -> LIBC.kill((int) pid, signal));
  }

  /** mkfifo(2) with mode 0600. */
  static void mkfifo(String path) {
    check("mkfifo", path, () -> LIBC.mkfifo(path, 0600));
  }

  /** Opens {@code path} for reading without blocking (a FIFO without a writer yet). */
  static int openNonBlocking(String path) {
    return (int) check("open", path, () -> LIBC.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0));
  }

  /** read(2) of up to {@code buf.length} bytes; -1 when nothing is there yet (EAGAIN). */
  static int readNonBlocking(int fd, byte[] buf, String what) {
    while (true) {
      long n = LIBC.read(fd, buf, buf.length);
      if (n >= 0) {
        return (int) n;
      }
      int errno = RUNTIME.getLastError();
      if (errno == Errno.EAGAIN) {
        return -1;
      }
      if (errno != Errno.EINTR) {
        throw KernelException.of("read", what, errno, null);
      }
    }
  }

  /** A non-blocking, close-on-exec eventfd(2) counting from 0. */
  static int eventfd() {
    return (int) check("eventfd", "wake-up", () -> LIBC.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  }

  /** Adds 1 to an eventfd's counter, which makes it readable. */
  static void eventfdSignal(int fd) {
    byte[] one = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(1).array();
    check("write", "eventfd", () -> LIBC.write(fd, one, 8));
  }

  /** Reads an eventfd's counter back to 0; nothing to read is no error. */
  static void eventfdDrain(int fd) {
    byte[] buf = new byte[8];
    if (LIBC.read(fd, buf, 8) == -1 && RUNTIME.getLastError() != Errno.EAGAIN) {
      throw KernelException.of("read", "eventfd", RUNTIME.getLastError(), null);
    }
  }

  /**
   * poll(2) over {@code count} {@code struct pollfd} in {@code fds}; returns how many are ready.
   */
  static int poll(byte[] fds, int count, int timeoutMillis) {
    return (int) check("poll", count + " fds", () -> LIBC.poll(fds, count, timeoutMillis));
  }
}

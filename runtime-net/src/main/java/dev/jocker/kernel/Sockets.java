package dev.jocker.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;

/**
 * Non-blocking TCP and UDP sockets and pipes on raw descriptors, for event loops (the userland
 * proxy's): every socket is created with {@code SOCK_NONBLOCK|SOCK_CLOEXEC} in the calling thread's
 * network namespace, and calls return {@code -errno} instead of throwing where a failure is routine
 * ({@code EAGAIN}, {@code EINPROGRESS}, a peer that reset). Addresses are {@code struct sockaddr}
 * bytes from {@link #sockaddr}.
 */
public final class Sockets {
  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;
  public static final int SOCK_STREAM = 1;
  public static final int SOCK_DGRAM = 2;
  public static final int EAGAIN = 11;
  public static final int EINPROGRESS = 115;
  public static final int ECONNREFUSED = 111;
  public static final int ECONNABORTED = 103;

  private static final int SOCK_NONBLOCK = 0x800;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int O_NONBLOCK = 0x800;
  private static final int O_CLOEXEC = 0x80000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_REUSEADDR = 2;
  private static final int SO_ERROR = 4;
  private static final int IPPROTO_TCP = 6;
  private static final int IPPROTO_SCTP = 132;
  private static final int TCP_NODELAY = 1;
  private static final int IPPROTO_IPV6 = 41;
  private static final int IPV6_V6ONLY = 26;
  private static final int SHUT_WR = 1;
  private static final int SPLICE_F_MOVE = 1;
  private static final int SPLICE_F_NONBLOCK = 2;
  private static final int F_SETPIPE_SZ = 1031;
  private static final int EINTR = 4;

  private static final LibC LIBC = LibC.INSTANCE;
  private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

  private Sockets() {}

  private static int errno() {
    return RUNTIME.getLastError();
  }

  /**
   * A non-blocking socket of {@code family} ({@link #AF_INET}, {@link #AF_INET6}) and {@code type}
   * ({@link #SOCK_STREAM}, {@link #SOCK_DGRAM}); a stream socket has {@code TCP_NODELAY}, as Go's
   * sockets do.
   */
  public static int socket(int family, int type) {
    int fd = Syscalls.socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (type == SOCK_STREAM) {
      noDelay(fd);
    }
    return fd;
  }

  /**
   * A non-blocking one-to-one SCTP socket ({@code SOCK_STREAM}, {@code IPPROTO_SCTP}), or {@code
   * -errno} ({@code EPROTONOSUPPORT} where the kernel has no SCTP).
   */
  public static int sctpSocket(int family) {
    int fd = LIBC.socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_SCTP);
    return fd >= 0 ? fd : -errno();
  }

  /**
   * A socket bound to {@code address}, with the options Go's {@code net.Listen} and {@code
   * ListenUDP} give it: {@code SO_REUSEADDR} for TCP, {@code IPV6_V6ONLY} for IPv6; returns its
   * descriptor, or {@code -errno} of the bind (the socket closed).
   */
  public static int bind(int family, int type, byte[] address) {
    return bind(socket(family, type), family, type, address);
  }

  /** As {@link #bind(int, int, byte[])} for socket {@code fd} already made. */
  public static int bind(int fd, int family, int type, byte[] address) {
    if (type == SOCK_STREAM) {
      Syscalls.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    }
    if (family == AF_INET6) {
      Syscalls.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    }
    if (LIBC.bind(fd, address, address.length) < 0) {
      int errno = errno();
      close(fd);
      return -errno;
    }
    return fd;
  }

  /**
   * Makes bound stream socket {@code fd} listen, with the backlog Go asks for (the kernel caps it
   * at {@code net.core.somaxconn}); 0 or {@code -errno}.
   */
  public static int listen(int fd) {
    return LIBC.listen(fd, 65535) == 0 ? 0 : -errno();
  }

  /** A connection accepted on listening socket {@code fd}, non-blocking, or {@code -errno}. */
  public static int accept(int fd) {
    while (true) {
      int c = LIBC.accept4(fd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c >= 0) {
        noDelay(c);
        return c;
      }
      int errno = errno();
      if (errno != EINTR) {
        return -errno;
      }
    }
  }

  /**
   * Starts connecting {@code fd}: 0 when connected, {@code -EINPROGRESS}, or another {@code
   * -errno}.
   */
  public static int connect(int fd, byte[] address) {
    return LIBC.connect(fd, address, address.length) == 0 ? 0 : -errno();
  }

  /** The pending error of {@code fd} ({@code SO_ERROR}): 0 once a connect has succeeded. */
  public static int pendingError(int fd) {
    IntByReference value = new IntByReference(0);
    IntByReference length = new IntByReference(4);
    return LIBC.getsockopt(fd, SOL_SOCKET, SO_ERROR, value, length) < 0
        ? errno()
        : value.getValue();
  }

  /** {@code shutdown(fd, SHUT_WR)}: the peer reads EOF once what was sent is read. */
  public static void shutdownWrite(int fd) {
    LIBC.shutdown(fd, SHUT_WR);
  }

  /** Closes {@code fd}; closing is never retried (Linux frees the descriptor whatever happens). */
  public static void close(int fd) {
    LIBC.close(fd);
  }

  /**
   * A non-blocking pipe {@code {read end, write end}} of {@code size} bytes (or the kernel's
   * default where that is refused), for moving bytes between sockets with {@link #splice}.
   */
  public static int[] pipe(int size) {
    int[] fds = new int[2];
    if (LIBC.pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
      throw KernelException.of("pipe2", "splice pipe", errno(), null);
    }
    LIBC.fcntl(fds[1], F_SETPIPE_SZ, size);
    return fds;
  }

  /**
   * Moves up to {@code length} bytes from {@code in} to {@code out} (one of them a pipe) inside the
   * kernel: how many, 0 at the end of {@code in}, or {@code -errno}.
   */
  public static long splice(int in, int out, long length) {
    while (true) {
      long n = LIBC.splice(in, null, out, null, length, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n >= 0) {
        return n;
      }
      int errno = errno();
      if (errno != EINTR) {
        return -errno;
      }
    }
  }

  /** Where {@link #receiveFrom} leaves a datagram's sender: reusable, one per thread. */
  public static final class Sender {
    private final ByteBuffer storage = ByteBuffer.allocateDirect(32).order(ByteOrder.nativeOrder());
    private final Pointer address = Pointer.wrap(RUNTIME, storage.slice(0, 28));
    private final Pointer length = Pointer.wrap(RUNTIME, storage.slice(28, 4));

    /** The last sender's {@code struct sockaddr}, as {@link #sendTo} takes it. */
    public byte[] sockaddr() {
      byte[] out = new byte[Math.min(28, storage.getInt(28))];
      storage.get(0, out);
      return out;
    }
  }

  /**
   * Receives a datagram into {@code buf} (from position 0), its sender into {@code from}: the
   * datagram's length, or {@code -errno}.
   */
  public static int receiveFrom(int fd, ByteBuffer buf, Sender from) {
    from.storage.putInt(28, 28);
    long n = LIBC.recvfrom(fd, buf, buf.capacity(), 0, from.address, from.length);
    return n < 0 ? -errno() : (int) n;
  }

  /**
   * Sends {@code length} bytes of {@code buf} (from position 0) to {@code address}, or {@code
   * -errno}.
   */
  public static int sendTo(int fd, ByteBuffer buf, int length, byte[] address) {
    long n = LIBC.sendto(fd, buf, length, 0, address, address.length);
    return n < 0 ? -errno() : (int) n;
  }

  /**
   * Sends {@code length} bytes of {@code buf} on connected socket {@code fd}, or {@code -errno}.
   */
  public static int send(int fd, ByteBuffer buf, int length) {
    long n = LIBC.send(fd, buf, length, 0);
    return n < 0 ? -errno() : (int) n;
  }

  /**
   * Reads into {@code buf} (from position 0) from {@code fd}: bytes read, 0 at EOF, or {@code
   * -errno}.
   */
  public static int read(int fd, ByteBuffer buf) {
    long n = LIBC.read(fd, buf, buf.capacity());
    return n < 0 ? -errno() : (int) n;
  }

  /**
   * A {@code struct sockaddr_in} for a 4-byte address, {@code sockaddr_in6} for a 16-byte one
   * (IPv4-mapped ones included).
   */
  public static byte[] sockaddr(byte[] ip, int port) {
    ByteBuffer b;
    if (ip.length == 4) {
      b = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
      b.putShort((short) AF_INET);
      b.order(ByteOrder.BIG_ENDIAN).putShort((short) port).put(ip);
    } else {
      b = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder());
      b.putShort((short) AF_INET6);
      b.order(ByteOrder.BIG_ENDIAN).putShort((short) port).putInt(0).put(ip);
    }
    return b.array();
  }

  /**
   * What the C library says of {@code errno}, lower-cased as Go prints it: "address already in
   * use".
   */
  public static String errorText(int errno) {
    String d = Errno.description(errno);
    return d.isEmpty() ? d : d.substring(0, 1).toLowerCase(Locale.ROOT) + d.substring(1);
  }

  private static void noDelay(int fd) {
    LIBC.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, new IntByReference(1), 4);
  }
}

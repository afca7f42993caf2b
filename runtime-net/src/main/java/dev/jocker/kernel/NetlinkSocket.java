package dev.jocker.kernel;

import dev.jocker.netlink.MessageWriter;
import dev.jocker.netlink.NlMsg;
import dev.jocker.netlink.NlMsgErr;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An {@code AF_NETLINK}/{@code NETLINK_ROUTE} socket. It belongs to the namespace of the thread
 * that opened it, for its whole life. Requests are serialised: one in flight per socket.
 */
final class NetlinkSocket implements AutoCloseable {
  private static final int RECEIVE_BUFFER = 64 * 1024;

  /**
   * Receive buffers shared by all sockets, one per exchange in flight. A container's namespace
   * socket lives for one attach: a buffer of its own was fresh native memory each time, whose
   * zeroing and page faults cost more than the socket itself (the JVM frees a direct buffer only
   * after a garbage collection).
   */
  private static final ConcurrentLinkedQueue<ByteBuffer> RECEIVE_BUFFERS =
      new ConcurrentLinkedQueue<>();

  private final int fd;
  private int seq = (int) (System.nanoTime() & 0x7fffffff);
  private boolean closed;

  private NetlinkSocket(int fd) {
    this.fd = fd;
  }

  /** Opens a socket in the calling thread's network namespace. */
  static NetlinkSocket open() {
    int fd =
        Syscalls.socket(
            Syscalls.AF_NETLINK, Syscalls.SOCK_RAW | Syscalls.SOCK_CLOEXEC, Syscalls.NETLINK_ROUTE);
    try {
      Syscalls.setsockopt(fd, Syscalls.SOL_SOCKET, Syscalls.SO_RCVBUF, 1 << 20);
      Syscalls.setsockopt(fd, Syscalls.SOL_NETLINK, Syscalls.NETLINK_EXT_ACK, 1);
      Syscalls.setsockopt(fd, Syscalls.SOL_NETLINK, Syscalls.NETLINK_CAP_ACK, 1);
      Syscalls.bind(fd, new byte[] {(byte) Syscalls.AF_NETLINK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
      return new NetlinkSocket(fd);
    } catch (RuntimeException e) {
      Syscalls.close(fd);
      throw e;
    }
  }

  /** Sends a request and waits for its acknowledgement; a kernel error becomes an exception. */
  synchronized void execute(MessageWriter request, String operation, String object) {
    exchange(request, operation, object, false);
  }

  /** Sends a request for one object and returns the replies that precede the acknowledgement. */
  synchronized List<NlMsg> query(MessageWriter request, String operation, String object) {
    return exchange(request, operation, object, false);
  }

  /** Sends a dump request and returns every reply message up to {@code NLMSG_DONE}. */
  synchronized List<NlMsg> dump(MessageWriter request, String operation, String object) {
    return exchange(request, operation, object, true);
  }

  private List<NlMsg> exchange(
      MessageWriter request, String operation, String object, boolean isDump) {
    if (closed) {
      throw new IllegalStateException("netlink socket is closed");
    }
    int mySeq = ++seq;
    Syscalls.send(fd, request.seq(mySeq));
    ByteBuffer rx = RECEIVE_BUFFERS.poll();
    if (rx == null) {
      rx = ByteBuffer.allocateDirect(RECEIVE_BUFFER).order(ByteOrder.nativeOrder());
    }
    try {
      return receive(rx, mySeq, operation, object, isDump);
    } finally {
      RECEIVE_BUFFERS.add(rx);
    }
  }

  private List<NlMsg> receive(
      ByteBuffer rx, int mySeq, String operation, String object, boolean isDump) {
    List<NlMsg> replies = new ArrayList<>();
    while (true) {
      rx.clear();
      int n = Syscalls.receive(fd, rx, Syscalls.MSG_TRUNC);
      if (n > rx.capacity()) {
        throw new KernelException(operation, object, 90, "reply of " + n + " bytes was truncated");
      }
      rx.limit(n);
      for (NlMsg msg : NlMsg.parseAll(rx)) {
        if (msg.seq() != mySeq) {
          continue;
        }
        switch (msg.type()) {
          case NlMsg.NLMSG_ERROR -> {
            NlMsgErr err = NlMsgErr.decode(msg.body(), msg.flags());
            if (err.error() != 0) {
              throw KernelException.of(operation, object, -err.error(), err.message());
            }
            if (!isDump) {
              return replies;
            }
          }
          case NlMsg.NLMSG_DONE -> {
            int error = msg.body().remaining() >= 4 ? msg.body().getInt(0) : 0;
            if (error < 0) {
              throw KernelException.of(operation, object, -error, null);
            }
            return replies;
          }
          case NlMsg.NLMSG_NOOP -> {}
          default -> replies.add(copy(msg));
        }
      }
    }
  }

  private static NlMsg copy(NlMsg msg) {
    ByteBuffer body = ByteBuffer.allocate(msg.body().remaining()).order(ByteOrder.nativeOrder());
    body.put(msg.body().duplicate()).flip();
    return new NlMsg(msg.type(), msg.flags(), msg.seq(), msg.pid(), body);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      Syscalls.close(fd);
    }
  }
}

package dev.jocker.kernel;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * A handle on one network namespace: an open file descriptor that keeps it alive, and a netlink
 * socket opened inside it on first use. Safe to share between threads.
 */
public final class Netns implements AutoCloseable {
  private final Path path;
  private final int fd;
  private final boolean current;
  private NetlinkSocket socket;
  private Links links;
  private Addrs addrs;
  private Routes routes;
  private Sysctls sysctls;
  private Neighbours neighbours;
  private Fdb fdb;
  private boolean closed;

  private Netns(Path path, int fd, boolean current) {
    this.path = path;
    this.fd = fd;
    this.current = current;
  }

  /** The calling thread's namespace. */
  public static Netns current() {
    int fd = Syscalls.open("/proc/thread-self/ns/net");
    return new Netns(Path.of("/proc/" + ProcessHandle.current().pid() + "/fd/" + fd), fd, true);
  }

  /** The namespace bound at {@code nsFile}, e.g. {@code /run/netns/jocker-test1}. */
  public static Netns open(Path nsFile) {
    return new Netns(nsFile, Syscalls.open(nsFile.toString()), false);
  }

  /** As {@link #open(Path)}, with a netlink socket already opened inside it. */
  static Netns open(Path nsFile, NetlinkSocket socket) {
    Netns ns = open(nsFile);
    ns.socket = socket;
    return ns;
  }

  /** The namespace of process {@code pid}. */
  public static Netns openPid(long pid) {
    return open(Path.of("/proc/" + pid + "/ns/net"));
  }

  /**
   * A path naming this namespace for other tools ({@code nsenter --net=PATH}), valid while this
   * handle is open.
   */
  public Path path() {
    return path;
  }

  /** Links in this namespace. */
  public synchronized Links links() {
    if (links == null) {
      links = new Links(this);
    }
    return links;
  }

  /** Addresses in this namespace. */
  public synchronized Addrs addrs() {
    if (addrs == null) {
      addrs = new Addrs(this);
    }
    return addrs;
  }

  /** Routes in this namespace. */
  public synchronized Routes routes() {
    if (routes == null) {
      routes = new Routes(this);
    }
    return routes;
  }

  /** Neighbour (ARP) tables in this namespace. */
  public synchronized Neighbours neighbours() {
    if (neighbours == null) {
      neighbours = new Neighbours(this);
    }
    return neighbours;
  }

  /** Forwarding databases of the bridges and VXLAN devices in this namespace. */
  public synchronized Fdb fdb() {
    if (fdb == null) {
      fdb = new Fdb(this);
    }
    return fdb;
  }

  /** Per-namespace sysctls ({@code net.*}). */
  public synchronized Sysctls sysctls() {
    if (sysctls == null) {
      sysctls = new Sysctls(this);
    }
    return sysctls;
  }

  /**
   * Runs {@code task} with a dedicated platform thread inside this namespace (CNI's {@code ns.Do}).
   * The task must not start threads or processes.
   */
  public <T> T call(Callable<T> task) {
    ensureOpen();
    return NamespaceHopper.get().call(fd, path.toString(), task);
  }

  /**
   * A platform thread that enters this namespace before it runs {@code task} and stays in it until
   * the task ends, never returning to another namespace: the sockets it opens belong here. For
   * long-lived workers such as the userland proxy's event loops; the handle must stay open until
   * the thread has started.
   */
  public Thread newThread(String name, Runnable task) {
    ensureOpen();
    return new Thread(
        () -> {
          if (!current) {
            Syscalls.setns(fd, path.toString());
          }
          task.run();
        },
        name);
  }

  int fd() {
    ensureOpen();
    return fd;
  }

  synchronized NetlinkSocket socket() {
    ensureOpen();
    if (socket == null) {
      socket = current ? NetlinkSocket.open() : call(NetlinkSocket::open);
    }
    return socket;
  }

  private synchronized void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("namespace handle " + path + " is closed");
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      if (socket != null) {
        socket.close();
      }
      Syscalls.close(fd);
    }
  }

  @Override
  public String toString() {
    return "netns " + path;
  }
}

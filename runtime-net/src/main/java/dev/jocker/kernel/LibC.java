package dev.jocker.kernel;

import java.nio.ByteBuffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;

/**
 * The libc calls jocker makes; every one saves errno for {@link Syscalls}, its only user. Public
 * only because jnr-ffi generates the implementation in its own class loader, which cannot implement
 * a package-private interface.
 */
@SaveError
public interface LibC {
  LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");

  int socket(int domain, int type, int protocol);

  int bind(int fd, @In byte[] address, int addressLength);

  int getsockname(int fd, @Out byte[] address, IntByReference addressLength);

  int setsockopt(int fd, int level, int option, @In IntByReference value, int valueLength);

  long sendto(int fd, @In byte[] buf, long len, int flags, Pointer address, int addressLength);

  long recvfrom(int fd, ByteBuffer buf, long len, int flags, Pointer address, Pointer length);

  int close(int fd);

  int open(String path, int flags, int mode);

  int setns(int fd, int nstype);

  int unshare(int flags);

  int mount(String source, String target, String fstype, long flags, String data);

  int umount2(String target, int flags);

  int openat(int dirfd, String path, int flags, int mode);

  long write(int fd, @In byte[] buf, long count);

  int fsopen(String fsname, int flags);

  int fsconfig(int fd, int cmd, String key, String value, int aux);

  int fsmount(int fd, int flags, int attrFlags);

  int pidfd_open(int pid, int flags);

  int pidfd_send_signal(int pidfd, int sig, Pointer info, int flags);

  int poll(@In @Out byte[] fds, long count, int timeout);

  // Sockets, pipes and epoll for the userland proxy (see Sockets and Epoll).

  int listen(int fd, int backlog);

  int accept4(int fd, Pointer address, Pointer addressLength, int flags);

  int connect(int fd, @In byte[] address, int addressLength);

  int shutdown(int fd, int how);

  int getsockopt(int fd, int level, int option, @Out IntByReference value, IntByReference length);

  int pipe2(@Out int[] fds, int flags);

  int fcntl(int fd, int cmd, int arg);

  long splice(int fdIn, Pointer offIn, int fdOut, Pointer offOut, long length, int flags);

  long sendto(int fd, ByteBuffer buf, long len, int flags, @In byte[] address, int addressLength);

  long send(int fd, ByteBuffer buf, long len, int flags);

  long read(int fd, ByteBuffer buf, long count);

  int epoll_create1(int flags);

  int epoll_ctl(int epfd, int op, int fd, ByteBuffer event);

  int epoll_wait(int epfd, ByteBuffer events, int maxEvents, int timeout);

  int eventfd(int initval, int flags);

  long write(int fd, ByteBuffer buf, long count);

  long read(int fd, @Out byte[] buf, long count);

  int kill(int pid, int sig);

  int mkfifo(String path, int mode);
}

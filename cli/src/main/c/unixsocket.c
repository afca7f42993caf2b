/*
 * libjocker-cli: the CLI's connection to the daemon's unix socket, for dev.jocker.cli.UnixSocket.
 *
 * The JDK's own unix-domain SocketChannel costs a CLI process 30 to 40 ms the first time, more than
 * the rest of a `jocker ps`: the selector provider is looked up through a ServiceLoader scan of the
 * class path, and sun.nio.ch.UnixDomainSockets builds a SecureRandom (the security providers, their
 * services, reflection) while its class initialises, for temporary names that a client never binds.
 * No class-data or AOT cache holds a class's initialisation, so a cache cannot take that away.
 * These calls are all the CLI needs of a socket: connect, read, write, the end of what it writes
 * (shutdown, when an attached stdin ends) and close; listen and accept serve the stand-in daemon that the start-up cache is recorded against (Training.java).
 *
 * Errors are thrown as java.io.IOException with what failed and the system's reason, as the JDK
 * words them ("Connection reset by peer").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jni.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Bytes copied between the Java array and the kernel per call: reads and writes larger than this
 * are split, as the JDK's streams split them. */
#define CHUNK 16384

static void throw_io(JNIEnv *env, const char *what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s the daemon's socket: %s", what, strerror(err));
  jclass io = (*env)->FindClass(env, "java/io/IOException");
  if (io != NULL) {
    (*env)->ThrowNew(env, io, message);
  }
}

/* Fills addr from the Java path; false (with an IOException thrown) if it does not fit. */
static int address(JNIEnv *env, jbyteArray path, struct sockaddr_un *addr, const char *what) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  jsize n = (*env)->GetArrayLength(env, path);
  if (n <= 0 || (size_t)n >= sizeof addr->sun_path) {
    throw_io(env, what, ENAMETOOLONG);
    return 0;
  }
  (*env)->GetByteArrayRegion(env, path, 0, n, (jbyte *)addr->sun_path);
  return 1;
}

JNIEXPORT jint JNICALL Java_dev_jocker_cli_UnixSocket_connect0(JNIEnv *env, jclass cls,
                                                               jbyteArray path) {
  (void)cls;
  struct sockaddr_un addr;
  if (!address(env, path, &addr, "connect to")) {
    return -1;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_io(env, "connect to", errno);
    return -1;
  }
  while (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    if (errno != EINTR) {
      int err = errno;
      close(fd);
      throw_io(env, "connect to", err);
      return -1;
    }
  }
  return fd;
}

JNIEXPORT jint JNICALL Java_dev_jocker_cli_UnixSocket_listen0(JNIEnv *env, jclass cls,
                                                              jbyteArray path) {
  (void)cls;
  struct sockaddr_un addr;
  if (!address(env, path, &addr, "listen on")) {
    return -1;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 16) < 0) {
    int err = errno;
    if (fd >= 0) {
      close(fd);
    }
    throw_io(env, "listen on", err);
    return -1;
  }
  return fd;
}

JNIEXPORT jint JNICALL Java_dev_jocker_cli_UnixSocket_accept0(JNIEnv *env, jclass cls, jint fd) {
  (void)cls;
  int peer;
  do {
    peer = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
  } while (peer < 0 && errno == EINTR);
  if (peer < 0) {
    throw_io(env, "accept on", errno);
  }
  return peer;
}

JNIEXPORT jint JNICALL Java_dev_jocker_cli_UnixSocket_read0(JNIEnv *env, jclass cls, jint fd,
                                                            jbyteArray buf, jint off, jint len) {
  (void)cls;
  char chunk[CHUNK];
  size_t want = len < CHUNK ? (size_t)len : CHUNK;
  ssize_t got;
  do {
    got = read(fd, chunk, want);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    throw_io(env, "read from", errno);
    return -1;
  }
  if (got == 0) {
    return -1;
  }
  (*env)->SetByteArrayRegion(env, buf, off, (jsize)got, (const jbyte *)chunk);
  return (jint)got;
}

JNIEXPORT void JNICALL Java_dev_jocker_cli_UnixSocket_write0(JNIEnv *env, jclass cls, jint fd,
                                                             jbyteArray buf, jint off, jint len) {
  (void)cls;
  char chunk[CHUNK];
  while (len > 0) {
    jint n = len < CHUNK ? len : CHUNK;
    (*env)->GetByteArrayRegion(env, buf, off, n, (jbyte *)chunk);
    jint done = 0;
    while (done < n) {
      /* MSG_NOSIGNAL: a daemon that went away is an IOException here, not a SIGPIPE that the JVM
       * would ignore anyway. */
      ssize_t w = send(fd, chunk + done, (size_t)(n - done), MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) {
          continue;
        }
        throw_io(env, "write to", errno);
        return;
      }
      done += (jint)w;
    }
    off += n;
    len -= n;
  }
}

JNIEXPORT void JNICALL Java_dev_jocker_cli_UnixSocket_shutdownOutput0(JNIEnv *env, jclass cls,
                                                                     jint fd) {
  (void)cls;
  if (shutdown(fd, SHUT_WR) < 0) {
    throw_io(env, "end what is written to", errno);
  }
}

JNIEXPORT void JNICALL Java_dev_jocker_cli_UnixSocket_close0(JNIEnv *env, jclass cls, jint fd) {
  (void)env;
  (void)cls;
  /* Linux frees the descriptor even when close reports an error: never retry, never throw. */
  close(fd);
}

/*
 * jocker-launcher's entry point, the shim of a started container and the relay of an exec.
 *
 * start: jockerd's child forks the shim, relays its report and exits, so the shim is a child of
 * init (or of the nearest subreaper), in a session of its own, and outlives jockerd. It forks the
 * container's PID 1 after unshare(CLONE_NEWPID) (init.c), reports "ok PID STARTTIME SHIMPID" or
 * "error MESSAGE" on its stdout once PID 1 has exec'd the command or failed to, and then holds the
 * container's stdout and stderr pipes (or its terminal's master), writes the json-file log,
 * serves attach clients on a unix socket, and when PID 1 ends records the exit status and whether
 * the cgroup saw an OOM kill, and removes the container's cgroups.
 *
 * exec: joins the namespaces of a running container's PID 1 (setns on a pidfd), forks the
 * process into its cgroups and PID namespace, and reports "ok PID" or "error MESSAGE" as the
 * first line of its stdout. Without a terminal the process gets jockerd's pipes directly and the
 * launcher only waits; with one it relays between them and the terminal's master.
 *
 * Frames a client writes (attach socket; an exec's stdin with a terminal): a type byte, a 32-bit
 * big-endian length and the payload. 'o' subscribes to the output, 'd' is stdin data, 'c' closes
 * stdin, 'r' resizes the terminal (rows, columns: two 16-bit big-endian numbers). The shim writes
 * output to subscribers in Docker's stream format: stream byte (1 stdout, 2 stderr), three zero
 * bytes, a 32-bit big-endian length, the data.
 */
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 16
#define MAX_FRAME (64 * 1024)
#define MAX_PENDING (1024 * 1024)

static int report_fd = -1;

static void report(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *format, ...) {
  if (report_fd < 0) {
    return;
  }
  char line[4200];
  va_list ap;
  va_start(ap, format);
  int n = vsnprintf(line, sizeof(line) - 1, format, ap);
  va_end(ap);
  if (n < 0) {
    return;
  }
  if ((size_t)n > sizeof(line) - 2) {
    n = (int)sizeof(line) - 2;
  }
  /* One line, whatever the message held. */
  for (int i = 0; i < n; i++) {
    if (line[i] == '\n') {
      line[i] = ' ';
    }
  }
  line[n++] = '\n';
  if (write(report_fd, line, (size_t)n) != n) {
    /* jockerd stopped listening; the container goes on regardless. */
  }
}

static void close_report(void) {
  if (report_fd >= 0) {
    close(report_fd);
    report_fd = -1;
  }
}

static int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static long long start_time(pid_t pid) {
  char path[64], stat[1024];
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return -1;
  }
  ssize_t n = read(fd, stat, sizeof(stat) - 1);
  close(fd);
  if (n <= 0) {
    return -1;
  }
  stat[n] = '\0';
  /* Field 22, counted from the state (field 3) after the last ')' of the command name. */
  char *p = strrchr(stat, ')');
  if (p == NULL) {
    return -1;
  }
  p += 2;
  for (int field = 3; field < 22 && p != NULL; field++) {
    p = strchr(p, ' ');
    if (p != NULL) {
      p++;
    }
  }
  return p == NULL ? -1 : atoll(p);
}

static void write_all(int fd, const char *data, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      return;
    }
    data += w;
    n -= (size_t)w;
  }
}

static void devnull_stdio(void) {
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) {
      close(null);
    }
  }
}

static void set_window(int tty, const char *payload, size_t n) {
  if (tty < 0 || n < 4) {
    return;
  }
  const unsigned char *p = (const unsigned char *)payload;
  struct winsize ws = {0};
  ws.ws_row = (unsigned short)((p[0] << 8) | p[1]);
  ws.ws_col = (unsigned short)((p[2] << 8) | p[3]);
  ioctl(tty, TIOCSWINSZ, &ws);
}

/* Bytes waiting for a process's stdin, which may not be reading. */
struct pending {
  int fd; /* -1 once closed */
  char *buf;
  size_t len;
  int close_when_empty;
};

static void pending_add(struct pending *p, const char *data, size_t n) {
  if (p->fd < 0 || p->len + n > MAX_PENDING) {
    return;
  }
  char *grown = realloc(p->buf, p->len + n);
  if (grown == NULL) {
    return;
  }
  p->buf = grown;
  memcpy(p->buf + p->len, data, n);
  p->len += n;
}

static void pending_flush(struct pending *p, int is_terminal) {
  while (p->fd >= 0 && p->len > 0) {
    ssize_t w = write(p->fd, p->buf, p->len);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w < 0 && errno == EAGAIN) {
      return;
    }
    if (w <= 0) {
      p->len = 0;
      break;
    }
    memmove(p->buf, p->buf + w, p->len - (size_t)w);
    p->len -= (size_t)w;
  }
  if (p->fd >= 0 && p->len == 0 && p->close_when_empty && !is_terminal) {
    close(p->fd);
    p->fd = -1;
  }
}

/* A client's frames, accumulated until whole. */
struct framer {
  char buf[5 + MAX_FRAME];
  size_t len;
};

/* Calls handle for each whole frame in f; returns -1 on a frame too large. */
static int frames(struct framer *f, void (*handle)(void *, char, const char *, size_t),
                  void *ctx) {
  size_t at = 0;
  while (f->len - at >= 5) {
    const unsigned char *h = (const unsigned char *)f->buf + at;
    size_t n = ((size_t)h[1] << 24) | ((size_t)h[2] << 16) | ((size_t)h[3] << 8) | h[4];
    if (n > MAX_FRAME) {
      return -1;
    }
    if (f->len - at < 5 + n) {
      break;
    }
    handle(ctx, (char)h[0], f->buf + at + 5, n);
    at += 5 + n;
  }
  memmove(f->buf, f->buf + at, f->len - at);
  f->len -= at;
  return 0;
}

/* ---------------------------------------------------------------- start: the shim */

struct client {
  int fd;
  int subscribed;
  struct framer in;
};

struct shim {
  const struct spec *spec;
  pid_t pid;
  int terminal; /* the terminal's master, or -1 */
  int out, err; /* output pipes' read ends, or -1 once at end of file */
  struct pending stdin_;
  int log_fd;
  struct log_stream log_out, log_err;
  int listen_fd;
  int reaped; /* PID 1 was waited for before its start was answered */
  struct client clients[MAX_CLIENTS];
  int nclients;
};

static void drop_client(struct shim *s, int i) {
  close(s->clients[i].fd);
  s->clients[i] = s->clients[--s->nclients];
}

static void client_frame(void *ctx, char type, const char *payload, size_t n) {
  void **pair = ctx;
  struct shim *s = pair[0];
  struct client *c = pair[1];
  switch (type) {
    case 'o':
      c->subscribed = 1;
      break;
    case 'd':
      pending_add(&s->stdin_, payload, n);
      break;
    case 'c':
      s->stdin_.close_when_empty = 1;
      break;
    case 'r':
      set_window(s->terminal, payload, n);
      break;
    default:
      break;
  }
}

/* Reads what client i sent; returns -1 when it is gone. */
static int read_client(struct shim *s, int i) {
  struct client *c = &s->clients[i];
  ssize_t n = read(c->fd, c->in.buf + c->in.len, sizeof(c->in.buf) - c->in.len);
  if (n <= 0) {
    return -1;
  }
  c->in.len += (size_t)n;
  void *pair[2] = {s, c};
  return frames(&c->in, client_frame, pair);
}

static void accept_client(struct shim *s) {
  int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0) {
    return;
  }
  if (s->nclients == MAX_CLIENTS) {
    close(fd);
    return;
  }
  /* A client that stops reading must not stop the container's output for long. */
  struct timeval timeout = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  memset(&s->clients[s->nclients], 0, sizeof(struct client));
  s->clients[s->nclients].fd = fd;
  s->nclients++;
}

static void output(struct shim *s, int stream, const char *data, size_t n) {
  log_data(s->log_fd, stream == 1 ? &s->log_out : &s->log_err, data, n);
  unsigned char header[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(n >> 24),
                             (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};
  for (int i = s->nclients - 1; i >= 0; i--) {
    struct client *c = &s->clients[i];
    if (!c->subscribed) {
      continue;
    }
    struct iovec iov[2] = {{header, 8}, {(void *)data, n}};
    struct msghdr msg = {0};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    if (sendmsg(c->fd, &msg, MSG_NOSIGNAL) != (ssize_t)(8 + n)) {
      drop_client(s, i);
    }
  }
}

/* Reads from an output descriptor; returns 0 at its end. */
static int read_output(struct shim *s, int fd, int stream) {
  char buf[8192];
  ssize_t n = read(fd, buf, sizeof(buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
    return 1;
  }
  if (n <= 0) {
    return 0; /* a terminal's master reads EIO once the last slave is closed */
  }
  output(s, stream, buf, (size_t)n);
  return 1;
}

static int oom_killed(const char *file) {
  if (file == NULL) {
    return 0;
  }
  FILE *f = fopen(file, "re");
  if (f == NULL) {
    return 0;
  }
  char line[256];
  long long kills = 0;
  while (fgets(line, sizeof(line), f) != NULL) {
    if (strncmp(line, "oom_kill ", 9) == 0) {
      kills = atoll(line + 9);
    }
  }
  fclose(f);
  return kills > 0;
}

static void remove_cgroups(const struct spec *spec) {
  for (int i = 0; i < spec->ncgroups; i++) {
    /* The kernel lets go of a cgroup a moment after its last task was reaped. */
    for (int attempt = 0; attempt < 200; attempt++) {
      if (rmdir(spec->cgroups[i]) == 0 || errno == ENOENT) {
        break;
      }
      if (errno != EBUSY) {
        break;
      }
      struct timespec pause = {0, 10 * 1000 * 1000};
      nanosleep(&pause, NULL);
    }
  }
}

static void record_exit(const struct spec *spec, int status) {
  int oom = oom_killed(spec->oom_file);
  remove_cgroups(spec);
  if (spec->exit_file == NULL) {
    return;
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  char tmp[4200];
  snprintf(tmp, sizeof(tmp), "%s.tmp", spec->exit_file);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return;
  }
  char line[128];
  int n = snprintf(line, sizeof(line), "%d %d %lld%09ld\n", exit_code(status), oom,
                   (long long)now.tv_sec, now.tv_nsec);
  write_all(fd, line, (size_t)n);
  close(fd);
  rename(tmp, spec->exit_file);
}

/* Records what the start reports, for a jockerd that died before it read the report. */
static void record_pid(const struct spec *spec, pid_t pid, long long started) {
  if (spec->pid_file == NULL) {
    return;
  }
  char tmp[4200];
  snprintf(tmp, sizeof(tmp), "%s.tmp", spec->pid_file);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return;
  }
  char line[128];
  int n = snprintf(line, sizeof(line), "%d %lld %d\n", pid, started, getpid());
  write_all(fd, line, (size_t)n);
  close(fd);
  rename(tmp, spec->pid_file);
}

static void serve(struct shim *s, int sigfd) {
  int exited = 0, status = 0;
  for (;;) {
    if (exited && s->out < 0 && s->err < 0) {
      break;
    }
    struct pollfd fds[5 + MAX_CLIENTS];
    int n = 0;
    int i_sig = n;
    fds[n++] = (struct pollfd){sigfd, POLLIN, 0};
    int i_out = n;
    fds[n++] = (struct pollfd){s->out, POLLIN, 0};
    int i_err = n;
    fds[n++] = (struct pollfd){s->err, POLLIN, 0};
    int i_listen = n;
    fds[n++] = (struct pollfd){s->listen_fd, POLLIN, 0};
    int i_in = n;
    int is_terminal = s->terminal >= 0;
    /* A terminal's master is polled for output already; its writes are retried on each turn. */
    fds[n++] = (struct pollfd){
        s->stdin_.len > 0 && s->stdin_.fd >= 0 && !is_terminal ? s->stdin_.fd : -1, POLLOUT, 0};
    int i_clients = n;
    for (int i = 0; i < s->nclients; i++) {
      fds[n++] = (struct pollfd){s->clients[i].fd, s->stdin_.len < MAX_PENDING ? POLLIN : 0, 0};
    }
    if (poll(fds, (nfds_t)n, is_terminal && s->stdin_.len > 0 ? 20 : -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    if (fds[i_sig].revents) {
      struct signalfd_siginfo info;
      while (read(sigfd, &info, sizeof(info)) == sizeof(info)) {
      }
      if (!exited && waitpid(s->pid, &status, WNOHANG) == s->pid) {
        exited = 1;
      }
    }
    if (fds[i_out].revents && !read_output(s, s->out, 1)) {
      close(s->out);
      s->out = -1;
    }
    if (fds[i_err].revents && !read_output(s, s->err, 2)) {
      close(s->err);
      s->err = -1;
    }
    if (fds[i_listen].revents) {
      accept_client(s);
    }
    for (int i = s->nclients - 1; i >= 0; i--) {
      if (i_clients + i < n && fds[i_clients + i].revents && read_client(s, i) < 0) {
        drop_client(s, i);
      }
    }
    /* A close that came after the data was all written has no POLLOUT to wait for. */
    if (fds[i_in].revents || is_terminal || (s->stdin_.close_when_empty && s->stdin_.len == 0)) {
      pending_flush(&s->stdin_, is_terminal);
    }
  }
  log_flush(s->log_fd, &s->log_out);
  log_flush(s->log_fd, &s->log_err);
  record_exit(s->spec, status);
}

static int listen_unix(const char *path) {
  struct sockaddr_un addr = {0};
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof(addr.sun_path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, path);
  unlink(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 8) < 0) {
    return -1;
  }
  chmod(path, 0600);
  return fd;
}

/* Waits for the first attach client to subscribe, so that it sees the first byte of output. */
static int await_subscriber(struct shim *s, int sync) {
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    struct pollfd fds[2 + MAX_CLIENTS] = {{s->listen_fd, POLLIN, 0}, {sync, POLLIN, 0}};
    for (int i = 0; i < s->nclients; i++) {
      fds[2 + i] = (struct pollfd){s->clients[i].fd, POLLIN, 0};
    }
    if (poll(fds, (nfds_t)(2 + s->nclients), 1000) < 0 && errno != EINTR) {
      return -1;
    }
    if (fds[1].revents) {
      return -1; /* PID 1 is gone */
    }
    if (fds[0].revents) {
      accept_client(s);
    }
    for (int i = s->nclients - 1; i >= 0; i--) {
      if (fds[2 + i].revents && read_client(s, i) < 0) {
        drop_client(s, i);
      }
    }
    for (int i = 0; i < s->nclients; i++) {
      if (s->clients[i].subscribed) {
        return 0;
      }
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 30) {
      return -1;
    }
  }
}

static void abandon(struct shim *s, const char *message) __attribute__((noreturn));
static void abandon(struct shim *s, const char *message) {
  report("error %s", message);
  close_report();
  if (!s->reaped) {
    kill(s->pid, SIGKILL);
    int status;
    waitpid(s->pid, &status, 0);
  }
  remove_cgroups(s->spec);
  if (s->spec->attach != NULL) {
    unlink(s->spec->attach);
  }
  _exit(0);
}

/* Gives up on a start that failed on the shim's side: PID 1's own reason, when it had already
 * failed (a message waits on the sync socket), says more than the shim's. */
static void abandon_after(struct shim *s, int sync, const char *fallback) {
  kill(s->pid, SIGKILL);
  int status;
  waitpid(s->pid, &status, 0);
  s->reaped = 1;
  char msg[4200];
  int n;
  while ((n = recv_msg(sync, msg, sizeof(msg), NULL)) > 0) {
    if (msg[0] == MSG_FAIL) {
      abandon(s, msg + 1);
    }
  }
  abandon(s, fallback);
}

static int run_shim(const struct spec *spec) {
  struct shim s = {0};
  s.spec = spec;
  s.terminal = -1;
  s.listen_fd = -1;
  s.stdin_.fd = -1;
  s.log_out.name = "stdout";
  s.log_err.name = "stderr";
  s.log_fd = spec->log == NULL ? -1
                                : open(spec->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (spec->log != NULL && s.log_fd < 0) {
    report("error open log %s: %s", spec->log, errno_text(errno));
    return 0;
  }
  int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1}, sync[2];
  if (!spec->tty && (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)) {
    report("error create output pipes: %s", errno_text(errno));
    return 0;
  }
  if (!spec->tty && spec->open_stdin && pipe2(in, O_CLOEXEC) < 0) {
    report("error create stdin pipe: %s", errno_text(errno));
    return 0;
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
    report("error create sync socket: %s", errno_text(errno));
    return 0;
  }
  if (spec->attach != NULL && (s.listen_fd = listen_unix(spec->attach)) < 0) {
    report("error listen on %s: %s", spec->attach, errno_text(errno));
    return 0;
  }
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (unshare(CLONE_NEWPID) < 0) {
    report("error unshare the PID namespace: %s", errno_text(errno));
    return 0;
  }
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  s.pid = fork();
  if (s.pid < 0) {
    report("error fork the container's PID 1: %s", errno_text(errno));
    return 0;
  }
  if (s.pid == 0) {
    close(sync[0]);
    container_init(spec, sync[1], in[0] >= 0 ? in[0] : null, out[1], err[1]);
  }
  close(sync[1]);
  close(null);
  /* The shim moves PID 1 into the container's cgroups while PID 1 mounts its root: on v1 the
   * first write to a cgroup.procs waits for an RCU grace period, milliseconds that overlap the
   * mounts this way. PID 1 waits for the word before it drops its capabilities. */
  for (int i = 0; i < spec->ncgroups; i++) {
    char procs[4200], pid[32];
    snprintf(procs, sizeof(procs), "%s/cgroup.procs", spec->cgroups[i]);
    int n = snprintf(pid, sizeof(pid), "%d", s.pid);
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, pid, (size_t)n) != n) {
      char message[4300];
      snprintf(message, sizeof(message), "join cgroup %s: %s", spec->cgroups[i], errno_text(errno));
      abandon_after(&s, sync[0], message);
    }
    close(fd);
  }
  char joined = MSG_JOINED;
  if (spec->ncgroups > 0 && send(sync[0], &joined, 1, MSG_NOSIGNAL) != 1) {
    abandon_after(&s, sync[0], "the container's PID 1 ended before it joined its cgroups");
  }
  if (!spec->tty) {
    close(out[1]);
    close(err[1]);
    s.out = out[0];
    s.err = err[0];
    if (in[0] >= 0) {
      close(in[0]);
      s.stdin_.fd = in[1];
      fcntl(in[1], F_SETFL, O_NONBLOCK);
    }
  }
  char msg[4200];
  int passed = -1;
  int n = recv_msg(sync[0], msg, sizeof(msg), &passed);
  if (n > 0 && msg[0] == MSG_TERMINAL) {
    s.terminal = passed;
    s.out = passed;
    s.stdin_.fd = passed;
    fcntl(passed, F_SETFL, O_NONBLOCK);
    n = recv_msg(sync[0], msg, sizeof(msg), NULL);
  }
  if (n <= 0) {
    abandon(&s, "the container's PID 1 ended before it was ready");
  }
  if (msg[0] == MSG_FAIL) {
    abandon(&s, msg + 1);
  }
  if (spec->wait_attach) {
    report("attach");
    if (await_subscriber(&s, sync[0]) < 0) {
      abandon(&s, "no attach client subscribed within 30 s");
    }
  }
  char go = MSG_GO;
  if (send(sync[0], &go, 1, MSG_NOSIGNAL) != 1) {
    abandon(&s, "the container's PID 1 ended before it could exec");
  }
  /* The socket closes on a successful execve (close-on-exec); a message means it failed. */
  n = recv_msg(sync[0], msg, sizeof(msg), NULL);
  if (n > 0 && msg[0] == MSG_FAIL) {
    abandon(&s, msg + 1);
  }
  close(sync[0]);
  long long started = start_time(s.pid);
  record_pid(spec, s.pid, started);
  report("ok %d %lld %d", s.pid, started, getpid());
  close_report();
  serve(&s, sigfd);
  for (int i = 0; i < s.nclients; i++) {
    close(s.clients[i].fd);
  }
  if (spec->attach != NULL) {
    unlink(spec->attach);
  }
  return 0;
}

static int start(const struct spec *spec) {
  /* jockerd's child only relays the shim's report: it ends as soon as the start is answered, and
   * the shim, orphaned then, is adopted by init. (The JDK reads what is left in a child's stdout
   * when the child exits and closes the pipe, so the child must outlive the report.) */
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
    report_fd = 1;
    report("error create the report pipe: %s", errno_text(errno));
    return 1;
  }
  pid_t shim = fork();
  if (shim < 0) {
    report_fd = 1;
    report("error fork the shim: %s", errno_text(errno));
    return 1;
  }
  if (shim > 0) {
    close(pipe_fds[1]);
    char buf[4200];
    ssize_t n;
    while ((n = read(pipe_fds[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) {
        write_all(1, buf, (size_t)n);
      }
    }
    return 0;
  }
  close(pipe_fds[0]);
  report_fd = pipe_fds[1];
  devnull_stdio();
  setsid();
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  return run_shim(spec);
}

/* ---------------------------------------------------------------- exec */

struct relay {
  struct pending to_terminal;
  int terminal;
};

static void exec_frame(void *ctx, char type, const char *payload, size_t n) {
  struct relay *r = ctx;
  if (type == 'd') {
    pending_add(&r->to_terminal, payload, n);
  } else if (type == 'r') {
    set_window(r->terminal, payload, n);
  }
}

/* With a terminal: stdin frames to the master, the master's output to stdout, until the
 * process has ended and the terminal has nothing more to say. */
static int relay_terminal(pid_t pid, int master, int sigfd) {
  static struct framer in;
  struct relay r = {{master, NULL, 0, 0}, master};
  fcntl(master, F_SETFL, O_NONBLOCK);
  int stdin_open = 1, status = 0, exited = 0;
  for (;;) {
    struct pollfd fds[3] = {{sigfd, POLLIN, 0},
                            {master, POLLIN | (r.to_terminal.len ? POLLOUT : 0), 0},
                            {stdin_open ? 0 : -1, POLLIN, 0}};
    if (poll(fds, 3, -1) < 0 && errno != EINTR) {
      break;
    }
    if (fds[0].revents) {
      struct signalfd_siginfo info;
      while (read(sigfd, &info, sizeof(info)) == sizeof(info)) {
      }
      if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
        exited = 1;
      }
    }
    if (fds[2].revents) {
      ssize_t n = read(0, in.buf + in.len, sizeof(in.buf) - in.len);
      if (n <= 0) {
        stdin_open = 0;
      } else {
        in.len += (size_t)n;
        if (frames(&in, exec_frame, &r) < 0) {
          stdin_open = 0;
        }
      }
    }
    if (fds[1].revents & POLLOUT) {
      pending_flush(&r.to_terminal, 1);
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[8192];
      ssize_t n = read(master, buf, sizeof(buf));
      if (n > 0) {
        write_all(1, buf, (size_t)n);
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        if (exited) {
          break;
        }
        if (waitpid(pid, &status, 0) == pid) {
          exited = 1;
          break;
        }
      }
    }
  }
  if (!exited) {
    waitpid(pid, &status, 0);
  }
  return exit_code(status);
}

static int exec_in(const struct spec *spec) {
  report_fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
  int cgroup_fds[64];
  int ncgroups = 0;
  for (int i = 0; i < spec->ncgroups && ncgroups < 64; i++) {
    char procs[4200];
    snprintf(procs, sizeof(procs), "%s/cgroup.procs", spec->cgroups[i]);
    cgroup_fds[ncgroups] = open(procs, O_WRONLY | O_CLOEXEC);
    if (cgroup_fds[ncgroups] < 0) {
      report("error join cgroup %s: %s", spec->cgroups[i], errno_text(errno));
      return 126;
    }
    ncgroups++;
  }
  int pidfd = (int)syscall(SYS_pidfd_open, spec->pid, 0);
  if (pidfd < 0) {
    report("error container process %d: %s", spec->pid, errno_text(errno));
    return 126;
  }
  if (setns(pidfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID) < 0) {
    report("error join the namespaces of process %d: %s", spec->pid, errno_text(errno));
    return 126;
  }
  int master = -1, slave = -1;
  if (spec->tty) {
    master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    int unlock = 0;
    if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
        (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY)) < 0) {
      report("error allocate a terminal in the container: %s", errno_text(errno));
      return 126;
    }
  }
  int sync[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
    report("error create sync socket: %s", errno_text(errno));
    return 126;
  }
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  pid_t pid = fork();
  if (pid < 0) {
    report("error fork: %s", errno_text(errno));
    return 126;
  }
  if (pid == 0) {
    close(sync[0]);
    join_cgroup_fds(sync[1], cgroup_fds, ncgroups);
    if (spec->cgroupns && setns(pidfd, CLONE_NEWCGROUP) < 0) {
      fail(sync[1], "join the cgroup namespace: %s", errno_text(errno));
    }
    reset_signals();
    setsid();
    if (slave >= 0) {
      if (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
          dup2(slave, 2) < 0) {
        fail(sync[1], "set up the terminal: %s", errno_text(errno));
      }
    }
    close_except(sync[1]);
    become_process(spec, sync[1]);
  }
  close(sync[1]);
  for (int i = 0; i < ncgroups; i++) {
    close(cgroup_fds[i]);
  }
  if (slave >= 0) {
    close(slave);
  }
  char msg[4200];
  int n = recv_msg(sync[0], msg, sizeof(msg), NULL);
  if (n <= 0 || msg[0] != MSG_READY) {
    report("error %s", n > 0 ? msg + 1 : "the process ended before it was ready");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return 126;
  }
  report("ok %d", pid);
  close_report();
  char go = MSG_GO;
  if (send(sync[0], &go, 1, MSG_NOSIGNAL) != 1) {
    return 126;
  }
  n = recv_msg(sync[0], msg, sizeof(msg), NULL);
  if (n > 0 && msg[0] == MSG_FAIL) {
    /* Past the report: the process's own stderr is the place left to say it, and its status
     * the one a shell would give. */
    dprintf(2, "%s\n", msg + 1);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return strstr(msg, "permission denied") != NULL ? 126 : 127;
  }
  close(sync[0]);
  if (master >= 0) {
    return relay_terminal(pid, master, sigfd);
  }
  /* The process holds the pipes now; the launcher must not keep them open after it ends. */
  devnull_stdio();
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return exit_code(status);
}

int main(int argc, char **argv) {
  /* The optional label (jockerd passes the container's state directory) only names the shim in
   * its command line, so that a process listing tells whose it is. */
  if (argc < 2 || argc > 3 || (strcmp(argv[1], "start") != 0 && strcmp(argv[1], "exec") != 0)) {
    fprintf(stderr,
            "usage: jocker-launcher start|exec [LABEL], with the spec on stdin (from jockerd)\n");
    return 2;
  }
  static struct spec spec;
  char error[512];
  if (read_spec(0, &spec, error, sizeof(error)) != 0) {
    report_fd = 1;
    report("error %s", error);
    return 2;
  }
  return strcmp(argv[1], "start") == 0 ? start(&spec) : exec_in(&spec);
}

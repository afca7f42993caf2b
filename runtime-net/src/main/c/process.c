/*
 * What both a container's PID 1 and an exec'd process do last, in runc's order: the bounding set,
 * groups and IDs, the other capability sets, no_new_privs, the working directory, the command
 * looked up in the container's PATH as Go's exec.LookPath does (so the errors read as Docker's),
 * and execve. Every failure before execve goes back over the sync socket.
 */
#include "launcher.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void fail(int sync_fd, const char *format, ...) {
  char msg[4096];
  msg[0] = MSG_FAIL;
  va_list ap;
  va_start(ap, format);
  vsnprintf(msg + 1, sizeof(msg) - 1, format, ap);
  va_end(ap);
  if (send(sync_fd, msg, strlen(msg), MSG_NOSIGNAL) == (ssize_t)strlen(msg)) {
    /* Stay until the launcher has read it: a socket closed with a message of the launcher's still
     * unread in it resets the launcher's end, which could lose this one. The launcher ends this
     * process, or closes its end. */
    char ignored;
    while (recv(sync_fd, &ignored, 1, 0) > 0) {
    }
  }
  _exit(1);
}

/* Go's texts for errno are glibc's with a lower-case first letter ("no such file or directory"). */
const char *errno_text(int err) {
  static char text[256];
  snprintf(text, sizeof(text), "%s", strerror(err));
  text[0] = (char)tolower((unsigned char)text[0]);
  return text;
}

void reset_signals(void) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP) {
      signal(sig, SIG_DFL);
    }
  }
}

/* Closes every descriptor from 3 up but keep: the process must inherit none of the launcher's. */
void close_except(int keep) {
  if (keep > 3) {
    syscall(SYS_close_range, 3, keep - 1, 0);
  }
  syscall(SYS_close_range, keep + 1, ~0U, 0);
}

void join_cgroup_fds(int sync_fd, const int *fds, int n) {
  for (int i = 0; i < n; i++) {
    if (write(fds[i], "0", 1) != 1) {
      fail(sync_fd, "join cgroup: write cgroup.procs: %s", errno_text(errno));
    }
    close(fds[i]);
  }
}

static void set_capabilities(const struct spec *spec, int sync_fd) {
  for (int cap = 0; cap < 64; cap++) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) {
      break; /* past the kernel's last capability */
    }
    if (!(spec->cap_bounding & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      fail(sync_fd, "drop capability %d from the bounding set: %s", cap, errno_text(errno));
    }
  }
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
    fail(sync_fd, "keep capabilities: %s", errno_text(errno));
  }
  if (setgroups((size_t)spec->ngroups, spec->groups) < 0) {
    fail(sync_fd, "setgroups: %s", errno_text(errno));
  }
  if (setresgid(spec->gid, spec->gid, spec->gid) < 0) {
    fail(sync_fd, "setgid %u: %s", (unsigned)spec->gid, errno_text(errno));
  }
  if (setresuid(spec->uid, spec->uid, spec->uid) < 0) {
    fail(sync_fd, "setuid %u: %s", (unsigned)spec->uid, errno_text(errno));
  }
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) {
    fail(sync_fd, "clear keep capabilities: %s", errno_text(errno));
  }
  /* A set cannot grow past what the launcher holds (a machine may withhold a capability from
   * root itself): --privileged means every capability there is to give. */
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &header, data) < 0) {
    fail(sync_fd, "capget: %s", errno_text(errno));
  }
  for (int i = 0; i < 2; i++) {
    uint32_t held = data[i].permitted;
    data[i].effective = (uint32_t)(spec->cap_effective >> (32 * i)) & held;
    data[i].permitted = (uint32_t)(spec->cap_permitted >> (32 * i)) & held;
    data[i].inheritable = (uint32_t)(spec->cap_inheritable >> (32 * i)) & held;
  }
  if (syscall(SYS_capset, &header, data) < 0) {
    fail(sync_fd, "capset: %s", errno_text(errno));
  }
  for (int cap = 0; cap < 64; cap++) {
    if ((spec->cap_ambient & (1ULL << cap)) &&
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) {
      fail(sync_fd, "raise ambient capability %d: %s", cap, errno_text(errno));
    }
  }
}

/* Go's exec.findExecutable: a file with any execute bit; anything else is "permission denied". */
static int find_executable(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) {
    return errno;
  }
  return !S_ISDIR(st.st_mode) && (st.st_mode & 0111) ? 0 : EACCES;
}

static const char *env_value(const struct spec *spec, const char *name) {
  size_t n = strlen(name);
  const char *value = NULL;
  for (int i = 0; i < spec->envc; i++) {
    if (strncmp(spec->env[i], name, n) == 0 && spec->env[i][n] == '=') {
      value = spec->env[i] + n + 1;
    }
  }
  return value;
}

/* Go's exec.LookPath in the container's own PATH, with its error texts. */
static char *look_path(const struct spec *spec, int sync_fd) {
  const char *file = spec->argv[0];
  if (strchr(file, '/') != NULL) {
    int err = find_executable(file);
    if (err == 0) {
      return strdup(file);
    }
    if (err == EACCES) {
      fail(sync_fd, "exec: \"%s\": permission denied", file);
    }
    fail(sync_fd, "exec: \"%s\": stat %s: %s", file, file, errno_text(err));
  }
  /* An empty PATH holds no directory at all (Go's filepath.SplitList), not the current one. */
  const char *path = env_value(spec, "PATH");
  if (path != NULL && *path != '\0') {
    const char *dir = path;
    for (;;) {
      const char *end = strchrnul(dir, ':');
      char candidate[4096];
      if (end == dir) {
        snprintf(candidate, sizeof(candidate), "./%s", file);
      } else {
        snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)(end - dir), dir, file);
      }
      if (find_executable(candidate) == 0) {
        return strdup(candidate);
      }
      if (*end == '\0') {
        break;
      }
      dir = end + 1;
    }
  }
  fail(sync_fd, "exec: \"%s\": executable file not found in $PATH", file);
}

void become_process(const struct spec *spec, int sync_fd) {
  set_capabilities(spec, sync_fd);
  if (spec->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    fail(sync_fd, "set no_new_privs: %s", errno_text(errno));
  }
  if (chdir(spec->cwd) < 0) {
    fail(sync_fd, "chdir to cwd (\"%s\") set in config.json failed: %s", spec->cwd,
         errno_text(errno));
  }
  char *path = look_path(spec, sync_fd);
  char ready = MSG_READY;
  if (send(sync_fd, &ready, 1, MSG_NOSIGNAL) != 1) {
    _exit(1);
  }
  char go;
  if (recv(sync_fd, &go, 1, 0) != 1 || go != MSG_GO) {
    _exit(1); /* the launcher gave up on this process */
  }
  execve(path, spec->argv, spec->env);
  fail(sync_fd, "exec %s: %s", path, errno_text(errno));
}

int send_fd(int sock, int fd) {
  char tag = MSG_TERMINAL;
  struct iovec iov = {&tag, 1};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } control;
  memset(&control, 0, sizeof(control));
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof(control.buf);
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* One message from the sync socket; its length (0 when the peer is gone). A passed descriptor
 * lands in *fd. */
int recv_msg(int sock, char *buf, size_t size, int *fd) {
  struct iovec iov = {buf, size - 1};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } control;
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof(control.buf);
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    return 0;
  }
  buf[n] = '\0';
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c != NULL && c->cmsg_type == SCM_RIGHTS && fd != NULL) {
    memcpy(fd, CMSG_DATA(c), sizeof(int));
  }
  return (int)n;
}

/*
 * jocker-launcher: starts a container's process and stays beside it as its shim, in the spirit of
 * Podman's conmon. jockerd starts it with the spec on stdin and reads one report line on stdout.
 *
 *   jocker-launcher start   the shim: a child of init, not of jockerd; it forks the container's
 *                           PID 1 in new PID, mount, UTS and IPC namespaces, holds its stdio, writes
 *                           the json-file log and records the exit status.
 *   jocker-launcher exec    a process inside a running container, with jockerd's pipes as stdio.
 *
 * The spec is "<length>\n" followed by <length> bytes of "key=value\0" entries (launcher.c lists
 * the keys). Nothing here decides policy: jockerd computes every mount, device, capability set,
 * user and environment variable; this program only performs them, with system calls.
 */
#ifndef JOCKER_LAUNCHER_H
#define JOCKER_LAUNCHER_H

#include <stdint.h>
#include <sys/types.h>

/* Separates the fields of one spec entry (mount, device, symlink). */
#define FIELD_SEP '\x1f'

struct mount_entry {
  char *type;
  char *source;
  char *target; /* inside the container */
  unsigned long flags;
  char *data;
};

struct device_entry {
  char *path; /* inside the container */
  char kind;  /* 'c' or 'b' */
  unsigned major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

struct symlink_entry {
  char *target;
  char *path; /* inside the container */
};

struct spec {
  char **argv;
  int argc;
  char **env;
  int envc;
  char *cwd;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  int ngroups;
  uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
  int no_new_privs;
  int tty;
  char **cgroups; /* cgroup directories to join */
  int ncgroups;
  int cgroupns;

  /* start */
  char *netns;
  char *hostname;
  char *root; /* where the root is mounted, then pivoted into */
  char *lower, *upper, *work;
  char *root_bind; /* instead of an overlay: this directory, bind-mounted */
  struct mount_entry *mounts;
  int nmounts;
  struct device_entry *devices;
  int ndevices;
  struct symlink_entry *symlinks;
  int nsymlinks;
  char **masked;
  int nmasked;
  char **readonly;
  int nreadonly;
  int readonly_root;
  int open_stdin;
  char *log;
  char *exit_file;
  char *pid_file; /* "PID STARTTIME SHIMPID", written once the command runs */
  char *attach;
  int wait_attach;
  char *oom_file;

  /* exec */
  pid_t pid;
};

/* spec.c */
int read_spec(int fd, struct spec *spec, char *error, size_t error_size);

/* process.c: what the container's PID 1 and an exec'd process share */
void fail(int sync_fd, const char *format, ...) __attribute__((noreturn, format(printf, 2, 3)));
void reset_signals(void);
void close_except(int keep);
void join_cgroup_fds(int sync_fd, const int *fds, int n);
void become_process(const struct spec *spec, int sync_fd);
const char *errno_text(int err);

/* init.c */
void container_init(const struct spec *spec, int sync_fd, int stdin_fd, int stdout_fd,
                    int stderr_fd) __attribute__((noreturn));

/* jsonlog.c */
struct log_stream {
  const char *name;
  char buf[16 * 1024];
  size_t len;
};
void log_data(int log_fd, struct log_stream *stream, const char *data, size_t n);
void log_flush(int log_fd, struct log_stream *stream);

/* Messages on the socket between the launcher and the process it forks. */
#define MSG_READY 'R'
#define MSG_GO 'G'
#define MSG_FAIL 'F'
#define MSG_TERMINAL 'T'
#define MSG_JOINED 'J'

int send_fd(int sock, int fd);
int recv_msg(int sock, char *buf, size_t size, int *fd);

#endif

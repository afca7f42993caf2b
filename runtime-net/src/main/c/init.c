/*
 * The container's PID 1 before it becomes the user's command: forked by the shim after
 * unshare(CLONE_NEWPID) (which moves it into the container's cgroups meanwhile), it joins the
 * network namespace, takes new mount, UTS and IPC namespaces, mounts the root and everything in it with mount(2), makes the device nodes,
 * pivots into the root and drops the old one, so the host's mount table never sees any of it and
 * no host path stays reachable (chroot would leave the host's root one "cd .." away from a
 * process with CAP_SYS_CHROOT, which Docker's default set includes).
 */
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int sync_fd;

static char *in_root(const struct spec *spec, const char *path) {
  static char buf[PATH_MAX];
  snprintf(buf, sizeof(buf), "%s%s", spec->root, path);
  return buf;
}

/* mkdir -p of a path inside the root; symlinks are not followed out of it because every
 * component is made relative to the root already mounted. */
static int mkdirs(const char *path, mode_t mode) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof(buf), "%s", path);
  for (char *p = buf + 1; *p != '\0'; p++) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, mode) < 0 && errno != EEXIST) {
        return -1;
      }
      *p = '/';
    }
  }
  if (mkdir(buf, mode) < 0 && errno != EEXIST) {
    return -1;
  }
  struct stat st;
  if (stat(buf, &st) < 0) {
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  return 0;
}

static void ensure_target(const char *target, int directory) {
  struct stat st;
  if (lstat(target, &st) == 0) {
    return;
  }
  if (directory) {
    if (mkdirs(target, 0755) < 0) {
      fail(sync_fd, "create mount point %s: %s", target, errno_text(errno));
    }
    return;
  }
  char parent[PATH_MAX];
  snprintf(parent, sizeof(parent), "%s", target);
  char *slash = strrchr(parent, '/');
  if (slash != NULL && slash != parent) {
    *slash = '\0';
    if (mkdirs(parent, 0755) < 0) {
      fail(sync_fd, "create directory %s: %s", parent, errno_text(errno));
    }
  }
  int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail(sync_fd, "create mount point %s: %s", target, errno_text(errno));
  }
  close(fd);
}

/* The per-mount flags a bind mount's read-only remount must keep, since a remount sets all. */
static unsigned long kept_flags(const char *path) {
  struct statvfs st;
  unsigned long flags = 0;
  if (statvfs(path, &st) == 0) {
    if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  }
  return flags;
}

static void remount_readonly(const char *path, unsigned long extra) {
  if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags(path) | extra, NULL) <
      0) {
    fail(sync_fd, "remount %s read-only: %s", path, errno_text(errno));
  }
}

static void mount_root(const struct spec *spec) {
  if (spec->root_bind != NULL) {
    if (mount(spec->root_bind, spec->root, NULL, MS_BIND | MS_REC, NULL) < 0) {
      fail(sync_fd, "bind %s on %s: %s", spec->root_bind, spec->root, errno_text(errno));
    }
    return;
  }
  char data[PATH_MAX * 3 + 64];
  int n = snprintf(data, sizeof(data), "lowerdir=%s,upperdir=%s,workdir=%s", spec->lower,
                   spec->upper, spec->work);
  if (n >= (int)sizeof(data) || n >= 4096) {
    fail(sync_fd, "mount overlay on %s: the layer paths are too long", spec->root);
  }
  if (mount("overlay", spec->root, "overlay", 0, data) < 0) {
    fail(sync_fd, "mount overlay on %s: %s", spec->root, errno_text(errno));
  }
}

static void mount_entries(const struct spec *spec) {
  for (int i = 0; i < spec->nmounts; i++) {
    const struct mount_entry *m = &spec->mounts[i];
    char target[PATH_MAX];
    snprintf(target, sizeof(target), "%s", in_root(spec, m->target));
    int bind = (m->flags & MS_BIND) != 0;
    struct stat st;
    int directory = !bind || stat(m->source, &st) < 0 || S_ISDIR(st.st_mode);
    ensure_target(target, directory);
    unsigned long flags = bind ? m->flags & ~MS_RDONLY : m->flags;
    if (mount(m->source, target, m->type, flags, m->data) < 0) {
      fail(sync_fd, "mount %s on %s: %s", m->source, m->target, errno_text(errno));
    }
    if (bind && (m->flags & MS_RDONLY)) {
      remount_readonly(target, 0);
    }
  }
}

static void make_devices(const struct spec *spec) {
  for (int i = 0; i < spec->ndevices; i++) {
    const struct device_entry *d = &spec->devices[i];
    const char *path = in_root(spec, d->path);
    mode_t type = d->kind == 'c' ? S_IFCHR : S_IFBLK;
    unlink(path);
    if (mknod(path, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0) {
      fail(sync_fd, "mknod %s: %s", d->path, errno_text(errno));
    }
    if (chown(path, d->uid, d->gid) < 0) {
      fail(sync_fd, "chown %s: %s", d->path, errno_text(errno));
    }
  }
  for (int i = 0; i < spec->nsymlinks; i++) {
    const struct symlink_entry *l = &spec->symlinks[i];
    if (symlink(l->target, in_root(spec, l->path)) < 0 && errno != EEXIST) {
      fail(sync_fd, "symlink %s -> %s: %s", l->path, l->target, errno_text(errno));
    }
  }
}

/* Allocates the terminal from the container's own devpts instance, so that `tty` inside prints
 * /dev/pts/0, binds it on /dev/console, and hands the master to the shim. Returns the slave. */
static int make_terminal(const struct spec *spec) {
  int master = open(in_root(spec, "/dev/pts/ptmx"), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) {
    fail(sync_fd, "open the container's /dev/pts/ptmx: %s", errno_text(errno));
  }
  int unlock = 0;
  unsigned number;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &number) < 0) {
    fail(sync_fd, "unlock the pseudo-terminal: %s", errno_text(errno));
  }
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) {
    fail(sync_fd, "open the pseudo-terminal's slave: %s", errno_text(errno));
  }
  char pts[64];
  snprintf(pts, sizeof(pts), "/dev/pts/%u", number);
  char source[PATH_MAX];
  snprintf(source, sizeof(source), "%s", in_root(spec, pts));
  const char *console = in_root(spec, "/dev/console");
  ensure_target(console, 0);
  if (mount(source, console, NULL, MS_BIND, NULL) < 0) {
    fail(sync_fd, "bind %s on /dev/console: %s", pts, errno_text(errno));
  }
  if (send_fd(sync_fd, master) < 0) {
    fail(sync_fd, "pass the terminal to the shim: %s", errno_text(errno));
  }
  close(master);
  return slave;
}

static void mask_paths(const struct spec *spec) {
  for (int i = 0; i < spec->nmasked; i++) {
    char target[PATH_MAX];
    snprintf(target, sizeof(target), "%s", in_root(spec, spec->masked[i]));
    struct stat st;
    if (stat(target, &st) < 0) {
      continue;
    }
    int r = S_ISDIR(st.st_mode) ? mount("tmpfs", target, "tmpfs", MS_RDONLY, NULL)
                                : mount(in_root(spec, "/dev/null"), target, NULL, MS_BIND, NULL);
    if (r < 0) {
      fail(sync_fd, "mask %s: %s", spec->masked[i], errno_text(errno));
    }
  }
  for (int i = 0; i < spec->nreadonly; i++) {
    char target[PATH_MAX];
    snprintf(target, sizeof(target), "%s", in_root(spec, spec->readonly[i]));
    struct stat st;
    if (stat(target, &st) < 0) {
      continue;
    }
    if (mount(target, target, NULL, MS_BIND | MS_REC, NULL) < 0) {
      fail(sync_fd, "bind %s read-only: %s", spec->readonly[i], errno_text(errno));
    }
    remount_readonly(target, MS_REC);
  }
}

static void make_workdir(const struct spec *spec) {
  char target[PATH_MAX];
  snprintf(target, sizeof(target), "%s", in_root(spec, spec->cwd));
  if (mkdirs(target, 0755) < 0) {
    if (errno == ENOTDIR) {
      fail(sync_fd, "Cannot mkdir: %s is not a directory", spec->cwd);
    }
    fail(sync_fd, "mkdir %s: %s", spec->cwd, errno_text(errno));
  }
}

static void pivot(const struct spec *spec) {
  if (chdir(spec->root) < 0) {
    fail(sync_fd, "chdir %s: %s", spec->root, errno_text(errno));
  }
  if (syscall(SYS_pivot_root, ".", ".") < 0) {
    fail(sync_fd, "pivot_root %s: %s", spec->root, errno_text(errno));
  }
  /* The old root now sits on top of the new one: detach it. */
  if (umount2(".", MNT_DETACH) < 0) {
    fail(sync_fd, "detach the old root: %s", errno_text(errno));
  }
  if (chdir("/") < 0) {
    fail(sync_fd, "chdir /: %s", errno_text(errno));
  }
  if (spec->readonly_root) {
    remount_readonly("/", 0);
  }
}

void container_init(const struct spec *spec, int sync, int stdin_fd, int stdout_fd,
                    int stderr_fd) {
  sync_fd = sync;
  reset_signals();
  umask(0);
  if (spec->netns != NULL) {
    int fd = open(spec->netns, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
      fail(sync_fd, "join network namespace %s: %s", spec->netns, errno_text(errno));
    }
    close(fd);
  }
  /* The shim moves this process into its cgroups meanwhile (a cgroup's namespace is taken once it
   * is in them, after the shim's go). */
  if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) < 0) {
    fail(sync_fd, "unshare mount, UTS and IPC namespaces: %s", errno_text(errno));
  }
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    fail(sync_fd, "make the mount namespace private: %s", errno_text(errno));
  }
  mount_root(spec);
  mount_entries(spec);
  make_devices(spec);
  int slave = spec->tty ? make_terminal(spec) : -1;
  mask_paths(spec);
  make_workdir(spec);
  if (spec->hostname != NULL && sethostname(spec->hostname, strlen(spec->hostname)) < 0) {
    fail(sync_fd, "sethostname %s: %s", spec->hostname, errno_text(errno));
  }
  pivot(spec);
  umask(022);
  if (setsid() < 0) {
    fail(sync_fd, "setsid: %s", errno_text(errno));
  }
  if (slave >= 0) {
    if (ioctl(slave, TIOCSCTTY, 0) < 0) {
      fail(sync_fd, "make /dev/console the controlling terminal: %s", errno_text(errno));
    }
    stdin_fd = stdout_fd = stderr_fd = slave;
  }
  if (dup2(stdin_fd, 0) < 0 || dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) {
    fail(sync_fd, "set up stdio: %s", errno_text(errno));
  }
  close_except(sync_fd);
  /* The shim says when it has moved this process into its cgroups; a cgroup namespace, taken
   * with the capabilities still held, then starts there. */
  if (spec->ncgroups > 0) {
    char joined;
    if (recv(sync_fd, &joined, 1, 0) != 1 || joined != MSG_JOINED) {
      _exit(1);
    }
  }
  if (spec->cgroupns && unshare(CLONE_NEWCGROUP) < 0) {
    fail(sync_fd, "unshare the cgroup namespace: %s", errno_text(errno));
  }
  become_process(spec, sync_fd);
  _exit(1);
}

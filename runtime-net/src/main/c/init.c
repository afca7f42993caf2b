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
#include <linux/openat2.h>
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
static int root_fd = -1; /* the mounted root, which paths inside the container resolve from */

/*
 * Every path inside the container is resolved with openat2(RESOLVE_IN_ROOT) from the mounted
 * root, as if that root were "/": an image or a container's own layer may hold symbolic links
 * (/etc -> /etc, /proc -> /), and a plain path would follow them out onto the host's files.
 * Mounts go onto /proc/self/fd/N of the descriptor so resolved, as runc does.
 */
static int open_in_root(const char *path, int flags) {
  struct open_how how = {0};
  how.flags = (uint64_t)(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  while (*path == '/') {
    path++;
  }
  return (int)syscall(SYS_openat2, root_fd, *path == '\0' ? "." : path, &how, sizeof(how));
}

struct fd_path {
  char path[32];
};

static struct fd_path fd_path(int fd) {
  struct fd_path p;
  snprintf(p.path, sizeof(p.path), "/proc/self/fd/%d", fd);
  return p;
}

/* Splits a container path into its parent and last name, in place. */
static char *split(char *path) {
  char *slash = strrchr(path, '/');
  if (slash == NULL || slash[1] == '\0') {
    return NULL;
  }
  *slash = '\0';
  return slash + 1;
}

/* mkdir -p inside the root, each prefix resolved in it; ENOTDIR when a part is not a directory. */
static int mkdirs(const char *path, mode_t mode) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof(buf), "%s", path);
  size_t len = strlen(buf);
  for (size_t i = 1; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != '\0') {
      continue;
    }
    char saved = buf[i];
    buf[i] = '\0';
    int fd = open_in_root(buf, O_PATH | O_DIRECTORY);
    if (fd < 0 && errno == ENOENT) {
      char parent[PATH_MAX];
      snprintf(parent, sizeof(parent), "%s", buf);
      char *name = split(parent);
      int dir = name == NULL ? -1 : open_in_root(parent, O_PATH | O_DIRECTORY);
      if (dir < 0) {
        return -1;
      }
      int made = mkdirat(dir, name, mode);
      close(dir);
      if (made < 0 && errno != EEXIST) {
        return -1;
      }
      fd = open_in_root(buf, O_PATH | O_DIRECTORY);
    }
    if (fd < 0) {
      return -1;
    }
    close(fd);
    buf[i] = saved;
  }
  return 0;
}

/* The descriptor of a mount point inside the root, made (a directory or an empty file) if
 * missing. */
static int ensure_target(const char *target, int directory) {
  int fd = open_in_root(target, O_PATH);
  if (fd >= 0) {
    return fd;
  }
  char parent[PATH_MAX];
  snprintf(parent, sizeof(parent), "%s", target);
  char *name = split(parent);
  if (name == NULL || mkdirs(parent[0] == '\0' ? "/" : parent, 0755) < 0) {
    fail(sync_fd, "create directory %s: %s", parent, errno_text(errno));
  }
  int dir = open_in_root(parent[0] == '\0' ? "/" : parent, O_PATH | O_DIRECTORY);
  if (dir < 0) {
    fail(sync_fd, "open directory %s: %s", parent, errno_text(errno));
  }
  if (directory) {
    if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST) {
      fail(sync_fd, "create mount point %s: %s", target, errno_text(errno));
    }
  } else {
    int file = openat(dir, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (file < 0) {
      fail(sync_fd, "create mount point %s: %s", target, errno_text(errno));
    }
    close(file);
  }
  close(dir);
  fd = open_in_root(target, O_PATH);
  if (fd < 0) {
    fail(sync_fd, "open mount point %s: %s", target, errno_text(errno));
  }
  return fd;
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

/* Makes the mount now at the container path read-only (opened again: the descriptor taken
 * before the mount names what it covers). */
static void remount_readonly(const char *target, unsigned long extra) {
  int fd = open_in_root(target, O_PATH);
  struct fd_path p = fd_path(fd);
  if (fd < 0 ||
      mount(NULL, p.path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags(p.path) | extra,
            NULL) < 0) {
    fail(sync_fd, "remount %s read-only: %s", target, errno_text(errno));
  }
  close(fd);
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
    int bind = (m->flags & MS_BIND) != 0;
    struct stat st;
    int directory = !bind || stat(m->source, &st) < 0 || S_ISDIR(st.st_mode);
    int target = ensure_target(m->target, directory);
    unsigned long flags = bind ? m->flags & ~MS_RDONLY : m->flags;
    if (mount(m->source, fd_path(target).path, m->type, flags, m->data) < 0) {
      fail(sync_fd, "mount %s on %s: %s", m->source, m->target, errno_text(errno));
    }
    close(target);
    if (bind && (m->flags & MS_RDONLY)) {
      remount_readonly(m->target, 0);
    }
  }
}

/* The directory a container path is in, opened in the root; *name is its last part. */
static int parent_of(const char *path, char *buf, size_t size, char **name) {
  snprintf(buf, size, "%s", path);
  *name = split(buf);
  if (*name == NULL) {
    errno = EINVAL;
    return -1;
  }
  return open_in_root(buf[0] == '\0' ? "/" : buf, O_PATH | O_DIRECTORY);
}

static void make_devices(const struct spec *spec) {
  char buf[PATH_MAX];
  char *name;
  for (int i = 0; i < spec->ndevices; i++) {
    const struct device_entry *d = &spec->devices[i];
    mode_t type = d->kind == 'c' ? S_IFCHR : S_IFBLK;
    int dir = parent_of(d->path, buf, sizeof(buf), &name);
    if (dir < 0) {
      fail(sync_fd, "mknod %s: %s", d->path, errno_text(errno));
    }
    unlinkat(dir, name, 0);
    if (mknodat(dir, name, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0) {
      fail(sync_fd, "mknod %s: %s", d->path, errno_text(errno));
    }
    if (fchownat(dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0) {
      fail(sync_fd, "chown %s: %s", d->path, errno_text(errno));
    }
    close(dir);
  }
  for (int i = 0; i < spec->nsymlinks; i++) {
    const struct symlink_entry *l = &spec->symlinks[i];
    int dir = parent_of(l->path, buf, sizeof(buf), &name);
    if (dir < 0 || (symlinkat(l->target, dir, name) < 0 && errno != EEXIST)) {
      fail(sync_fd, "symlink %s -> %s: %s", l->path, l->target, errno_text(errno));
    }
    close(dir);
  }
}

/* Allocates the terminal from the container's own devpts instance, so that `tty` inside prints
 * /dev/pts/0, binds it on /dev/console, and hands the master to the shim. Returns the slave. */
static int make_terminal(void) {
  int master = open_in_root("/dev/pts/ptmx", O_RDWR | O_NOCTTY);
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
  int console = ensure_target("/dev/console", 0);
  if (mount(fd_path(slave).path, fd_path(console).path, NULL, MS_BIND, NULL) < 0) {
    fail(sync_fd, "bind /dev/pts/%u on /dev/console: %s", number, errno_text(errno));
  }
  close(console);
  if (send_fd(sync_fd, master) < 0) {
    fail(sync_fd, "pass the terminal to the shim: %s", errno_text(errno));
  }
  close(master);
  return slave;
}

static void mask_paths(const struct spec *spec) {
  int null = open_in_root("/dev/null", O_PATH);
  for (int i = 0; i < spec->nmasked; i++) {
    int fd = open_in_root(spec->masked[i], O_PATH);
    if (fd < 0) {
      continue;
    }
    struct stat st;
    int r = fstatat(fd, "", &st, AT_EMPTY_PATH);
    if (r == 0) {
      r = S_ISDIR(st.st_mode)
              ? mount("tmpfs", fd_path(fd).path, "tmpfs", MS_RDONLY, NULL)
              : mount(fd_path(null).path, fd_path(fd).path, NULL, MS_BIND, NULL);
    }
    if (r < 0) {
      fail(sync_fd, "mask %s: %s", spec->masked[i], errno_text(errno));
    }
    close(fd);
  }
  close(null);
  for (int i = 0; i < spec->nreadonly; i++) {
    int fd = open_in_root(spec->readonly[i], O_PATH);
    if (fd < 0) {
      continue;
    }
    struct fd_path p = fd_path(fd);
    if (mount(p.path, p.path, NULL, MS_BIND | MS_REC, NULL) < 0) {
      fail(sync_fd, "bind %s read-only: %s", spec->readonly[i], errno_text(errno));
    }
    close(fd);
    remount_readonly(spec->readonly[i], MS_REC);
  }
}

static void make_workdir(const struct spec *spec) {
  if (mkdirs(spec->cwd, 0755) < 0) {
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
  if (spec->readonly_root &&
      mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags("/"), NULL) < 0) {
    fail(sync_fd, "remount the root read-only: %s", errno_text(errno));
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
  root_fd = open(spec->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    fail(sync_fd, "open the root %s: %s", spec->root, errno_text(errno));
  }
  mount_entries(spec);
  make_devices(spec);
  int slave = spec->tty ? make_terminal() : -1;
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

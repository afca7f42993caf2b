/*
 * Reads the spec jockerd writes on the launcher's stdin: "<length>\n", then <length> bytes of
 * NUL-terminated "key=value" entries. Keys that repeat (arg, env, cgroup, mount, device, symlink,
 * masked, readonly) append in order. An unknown key is an error: jockerd and this program are
 * built together, so it can only mean a mismatch.
 */
#include "launcher.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int errorf(char *error, size_t size, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  vsnprintf(error, size, format, ap);
  va_end(ap);
  return -1;
}

static void *append(void *array, int *count, size_t size) {
  char *grown = realloc(array, (size_t)(*count + 1) * size);
  if (grown == NULL) {
    abort();
  }
  memset(grown + (size_t)*count * size, 0, size);
  (*count)++;
  return grown;
}

/* Splits value at FIELD_SEP into exactly n fields, in place. */
static int fields(char *value, char **out, int n) {
  for (int i = 0; i < n; i++) {
    out[i] = value;
    char *sep = strchr(value, FIELD_SEP);
    if (i == n - 1) {
      return sep == NULL ? 0 : -1;
    }
    if (sep == NULL) {
      return -1;
    }
    *sep = '\0';
    value = sep + 1;
  }
  return 0;
}

static int number(const char *text, int base, unsigned long long *out) {
  char *end;
  errno = 0;
  *out = strtoull(text, &end, base);
  return errno != 0 || end == text || *end != '\0' ? -1 : 0;
}

static int parse_groups(struct spec *spec, char *value) {
  spec->ngroups = 0;
  for (char *g = strtok(value, ","); g != NULL; g = strtok(NULL, ",")) {
    unsigned long long n;
    if (number(g, 10, &n) != 0) {
      return -1;
    }
    spec->groups = append(spec->groups, &spec->ngroups, sizeof(gid_t));
    spec->groups[spec->ngroups - 1] = (gid_t)n;
  }
  return 0;
}

static int entry(struct spec *spec, char *key, char *value, char *error, size_t size) {
  unsigned long long n;
  char *f[7];
  if (strcmp(key, "arg") == 0) {
    spec->argv = append(spec->argv, &spec->argc, sizeof(char *));
    spec->argv[spec->argc - 1] = value;
  } else if (strcmp(key, "env") == 0) {
    spec->env = append(spec->env, &spec->envc, sizeof(char *));
    spec->env[spec->envc - 1] = value;
  } else if (strcmp(key, "cwd") == 0) {
    spec->cwd = value;
  } else if (strcmp(key, "uid") == 0 && number(value, 10, &n) == 0) {
    spec->uid = (uid_t)n;
  } else if (strcmp(key, "gid") == 0 && number(value, 10, &n) == 0) {
    spec->gid = (gid_t)n;
  } else if (strcmp(key, "groups") == 0) {
    if (parse_groups(spec, value) != 0) {
      return errorf(error, size, "spec: bad groups \"%s\"", value);
    }
  } else if (strcmp(key, "cap.bounding") == 0 && number(value, 16, &n) == 0) {
    spec->cap_bounding = n;
  } else if (strcmp(key, "cap.effective") == 0 && number(value, 16, &n) == 0) {
    spec->cap_effective = n;
  } else if (strcmp(key, "cap.permitted") == 0 && number(value, 16, &n) == 0) {
    spec->cap_permitted = n;
  } else if (strcmp(key, "cap.inheritable") == 0 && number(value, 16, &n) == 0) {
    spec->cap_inheritable = n;
  } else if (strcmp(key, "cap.ambient") == 0 && number(value, 16, &n) == 0) {
    spec->cap_ambient = n;
  } else if (strcmp(key, "no_new_privs") == 0) {
    spec->no_new_privs = strcmp(value, "1") == 0;
  } else if (strcmp(key, "tty") == 0) {
    spec->tty = strcmp(value, "1") == 0;
  } else if (strcmp(key, "cgroup") == 0) {
    spec->cgroups = append(spec->cgroups, &spec->ncgroups, sizeof(char *));
    spec->cgroups[spec->ncgroups - 1] = value;
  } else if (strcmp(key, "cgroupns") == 0) {
    spec->cgroupns = strcmp(value, "1") == 0;
  } else if (strcmp(key, "netns") == 0) {
    spec->netns = value;
  } else if (strcmp(key, "hostname") == 0) {
    spec->hostname = value;
  } else if (strcmp(key, "root") == 0) {
    spec->root = value;
  } else if (strcmp(key, "lower") == 0) {
    spec->lower = value;
  } else if (strcmp(key, "upper") == 0) {
    spec->upper = value;
  } else if (strcmp(key, "work") == 0) {
    spec->work = value;
  } else if (strcmp(key, "root_bind") == 0) {
    spec->root_bind = value;
  } else if (strcmp(key, "mount") == 0) {
    if (fields(value, f, 5) != 0 || number(f[3], 16, &n) != 0) {
      return errorf(error, size, "spec: bad mount entry");
    }
    spec->mounts = append(spec->mounts, &spec->nmounts, sizeof(struct mount_entry));
    struct mount_entry *m = &spec->mounts[spec->nmounts - 1];
    m->type = f[0];
    m->source = f[1];
    m->target = f[2];
    m->flags = (unsigned long)n;
    m->data = f[4][0] == '\0' ? NULL : f[4];
  } else if (strcmp(key, "device") == 0) {
    unsigned long long major, minor, mode, uid, gid;
    if (fields(value, f, 7) != 0 || (f[1][0] != 'c' && f[1][0] != 'b') ||
        number(f[2], 10, &major) != 0 || number(f[3], 10, &minor) != 0 ||
        number(f[4], 8, &mode) != 0 || number(f[5], 10, &uid) != 0 ||
        number(f[6], 10, &gid) != 0) {
      return errorf(error, size, "spec: bad device entry");
    }
    spec->devices = append(spec->devices, &spec->ndevices, sizeof(struct device_entry));
    struct device_entry *d = &spec->devices[spec->ndevices - 1];
    d->path = f[0];
    d->kind = f[1][0];
    d->major = (unsigned)major;
    d->minor = (unsigned)minor;
    d->mode = (mode_t)mode;
    d->uid = (uid_t)uid;
    d->gid = (gid_t)gid;
  } else if (strcmp(key, "symlink") == 0) {
    if (fields(value, f, 2) != 0) {
      return errorf(error, size, "spec: bad symlink entry");
    }
    spec->symlinks = append(spec->symlinks, &spec->nsymlinks, sizeof(struct symlink_entry));
    spec->symlinks[spec->nsymlinks - 1].target = f[0];
    spec->symlinks[spec->nsymlinks - 1].path = f[1];
  } else if (strcmp(key, "masked") == 0) {
    spec->masked = append(spec->masked, &spec->nmasked, sizeof(char *));
    spec->masked[spec->nmasked - 1] = value;
  } else if (strcmp(key, "readonly") == 0) {
    spec->readonly = append(spec->readonly, &spec->nreadonly, sizeof(char *));
    spec->readonly[spec->nreadonly - 1] = value;
  } else if (strcmp(key, "readonly_root") == 0) {
    spec->readonly_root = strcmp(value, "1") == 0;
  } else if (strcmp(key, "open_stdin") == 0) {
    spec->open_stdin = strcmp(value, "1") == 0;
  } else if (strcmp(key, "log") == 0) {
    spec->log = value;
  } else if (strcmp(key, "exit_file") == 0) {
    spec->exit_file = value;
  } else if (strcmp(key, "pid_file") == 0) {
    spec->pid_file = value;
  } else if (strcmp(key, "attach") == 0) {
    spec->attach = value;
  } else if (strcmp(key, "wait_attach") == 0) {
    spec->wait_attach = strcmp(value, "1") == 0;
  } else if (strcmp(key, "oom_file") == 0) {
    spec->oom_file = value;
  } else if (strcmp(key, "pid") == 0 && number(value, 10, &n) == 0) {
    spec->pid = (pid_t)n;
  } else {
    return errorf(error, size, "spec: unknown or malformed entry \"%s\"", key);
  }
  return 0;
}

static int read_full(int fd, char *buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = read(fd, buf + done, n - done);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      return -1;
    }
    done += (size_t)r;
  }
  return 0;
}

int read_spec(int fd, struct spec *spec, char *error, size_t size) {
  memset(spec, 0, sizeof(*spec));
  spec->cwd = "/";
  /* The length comes first and is read a byte at a time: what follows the spec on an exec's
   * stdin belongs to the process, so not one byte past it may be consumed here. */
  char header[24];
  size_t h = 0;
  for (;;) {
    if (h == sizeof(header) - 1 || read_full(fd, header + h, 1) != 0) {
      return errorf(error, size, "spec: no length header on stdin");
    }
    if (header[h] == '\n') {
      break;
    }
    h++;
  }
  header[h] = '\0';
  unsigned long long length;
  if (number(header, 10, &length) != 0 || length > 64 * 1024 * 1024) {
    return errorf(error, size, "spec: bad length \"%s\"", header);
  }
  char *buf = malloc(length + 1);
  if (buf == NULL || read_full(fd, buf, length) != 0) {
    return errorf(error, size, "spec: stdin ended before %llu bytes", length);
  }
  buf[length] = '\0';
  for (char *p = buf, *next; p < buf + length; p = next) {
    next = p + strlen(p) + 1;
    char *eq = strchr(p, '=');
    if (eq == NULL) {
      return errorf(error, size, "spec: entry without '=': \"%s\"", p);
    }
    *eq = '\0';
    if (entry(spec, p, eq + 1, error, size) != 0) {
      return -1;
    }
  }
  spec->argv = append(spec->argv, &spec->argc, sizeof(char *));
  spec->argc--;
  spec->env = append(spec->env, &spec->envc, sizeof(char *));
  spec->envc--;
  if (spec->argc == 0) {
    return errorf(error, size, "spec: no arg entries (the command to run)");
  }
  return 0;
}

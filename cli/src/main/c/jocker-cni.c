/*
 * jocker-cni: the `jocker` CNI plugin binary. A runtime starts one per CNI call, so this must cost
 * next to nothing: it sends the call (the CNI_ variables and standard input) to jockerd's
 * POST /jocker/cni over its unix socket and prints the answer, with no JVM on the path. When no
 * jockerd listens on the socket, it execs bin/jocker-cni-jvm beside itself, the same plugin in a JVM
 * of its own, with the same environment and standard input (nothing of stdin is read before).
 *
 * Request body: each CNI_ variable as NAME=VALUE followed by a NUL, an empty entry (one more NUL),
 * then the bytes of standard input. The answer's Jocker-Cni-Exit header carries the plugin's exit
 * code; an answer without it is not the plugin's (an older jockerd, an internal error) and becomes
 * the spec's error result with code 11, as does a jockerd that dies during the call.
 *
 * Static, so that no shared library is mapped per call. The socket is /run/jocker.sock unless
 * JOCKER_CNI_SOCKET names another.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_SOCKET "/run/jocker.sock"
#define TIMEOUT_SECONDS 300

struct buf {
  char *data;
  size_t len, cap;
};

static void grow(struct buf *b, size_t more) {
  if (b->len + more <= b->cap) return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + more) cap *= 2;
  char *data = realloc(b->data, cap);
  if (!data) {
    fputs("jocker-cni: out of memory\n", stderr);
    exit(1);
  }
  b->data = data;
  b->cap = cap;
}

static void append(struct buf *b, const void *p, size_t n) {
  grow(b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

/* The spec's error result on stdout, exit 1: what every failure of the shim itself becomes. */
static void fail(int code, const char *msg, const char *fmt, ...) {
  char details[1024], escaped[2100];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(details, sizeof details, fmt, ap);
  va_end(ap);
  size_t j = 0;
  for (size_t i = 0; details[i] && j < sizeof escaped - 8; i++) {
    unsigned char c = (unsigned char)details[i];
    if (c == '"' || c == '\\') {
      escaped[j++] = '\\';
      escaped[j++] = (char)c;
    } else if (c < 0x20) {
      j += (size_t)snprintf(escaped + j, sizeof escaped - j, "\\u%04x", c);
    } else {
      escaped[j++] = (char)c;
    }
  }
  escaped[j] = 0;
  printf("{\n  \"cniVersion\": \"1.1.0\",\n  \"code\": %d,\n  \"msg\": \"%s\",\n  \"details\": \"%s\"\n}\n",
         code, msg, escaped);
  fflush(stdout);
  exit(1);
}

static void fallback(char **argv) {
  char self[PATH_MAX], jvm[PATH_MAX + 32];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0) fail(11, "try again later", "jockerd does not answer and /proc/self/exe: %s", strerror(errno));
  self[n] = 0;
  char *slash = strrchr(self, '/');
  if (slash) *slash = 0;
  snprintf(jvm, sizeof jvm, "%s/jocker-cni-jvm", self);
  argv[0] = jvm;
  execve(jvm, argv, environ);
  fail(11, "try again later", "jockerd does not answer and %s cannot be run: %s", jvm, strerror(errno));
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) fail(11, "try again later", "sending the call to jockerd: %s", strerror(errno));
    p += w;
    n -= (size_t)w;
  }
}

/* The body of a chunked answer, decoded in place; returns its length. */
static size_t dechunk(char *p, size_t n) {
  size_t in = 0, out = 0;
  while (in < n) {
    char *end;
    unsigned long size = strtoul(p + in, &end, 16);
    char *line = memmem(p + in, n - in, "\r\n", 2);
    if (!line || end > line) break;
    in = (size_t)(line - p) + 2;
    if (size == 0 || in + size > n) break;
    memmove(p + out, p + in, size);
    out += size;
    in += size + 2;
  }
  return out;
}

int main(int argc, char **argv) {
  (void)argc;
  const char *path = getenv("JOCKER_CNI_SOCKET");
  if (!path || !*path) path = DEFAULT_SOCKET;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) fail(4, "invalid environment variables", "JOCKER_CNI_SOCKET=%s is too long", path);
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(11, "try again later", "socket: %s", strerror(errno));
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTDIR) fallback(argv);
    fail(11, "try again later", "connect to jockerd at %s: %s", path, strerror(errno));
  }
  struct timeval timeout = {.tv_sec = TIMEOUT_SECONDS};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

  struct buf body = {0};
  for (char **e = environ; *e; e++) {
    if (strncmp(*e, "CNI_", 4) == 0) append(&body, *e, strlen(*e) + 1);
  }
  append(&body, "", 1);
  for (;;) {
    grow(&body, 65536);
    ssize_t r = read(0, body.data + body.len, body.cap - body.len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail(5, "I/O failure", "reading standard input: %s", strerror(errno));
    if (r == 0) break;
    body.len += (size_t)r;
  }
  char head[256];
  int hn = snprintf(head, sizeof head,
                    "POST /jocker/cni HTTP/1.1\r\nHost: jocker\r\nContent-Type: application/octet-stream\r\n"
                    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                    body.len);
  write_all(fd, head, (size_t)hn);
  write_all(fd, body.data, body.len);

  struct buf answer = {0};
  for (;;) {
    grow(&answer, 65536);
    ssize_t r = read(fd, answer.data + answer.len, answer.cap - answer.len - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail(11, "try again later", "reading jockerd's answer: %s", strerror(errno));
    if (r == 0) break;
    answer.len += (size_t)r;
  }
  answer.data[answer.len] = 0;
  char *end = strstr(answer.data, "\r\n\r\n");
  int status = 0;
  if (!end || sscanf(answer.data, "HTTP/1.%*d %d", &status) != 1) {
    fail(11, "try again later", "jockerd at %s closed the connection without an answer", path);
  }
  *end = 0;
  char *content = end + 4;
  size_t length = answer.len - (size_t)(content - answer.data);
  int exit_code = -1, chunked = 0;
  for (char *line = strstr(answer.data, "\r\n"); line; line = strstr(line, "\r\n")) {
    line += 2;
    if (strncasecmp(line, "Jocker-Cni-Exit:", 16) == 0) exit_code = atoi(line + 16);
    if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 && strstr(line, "chunked")) chunked = 1;
  }
  if (chunked) length = dechunk(content, length);
  if (exit_code < 0) {
    content[length < 400 ? length : 400] = 0;
    fail(11, "try again later", "jockerd answered HTTP %d to POST /jocker/cni: %s", status, content);
  }
  fwrite(content, 1, length, stdout);
  fflush(stdout);
  return exit_code;
}

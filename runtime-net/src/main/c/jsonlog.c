/*
 * Docker's json-file log: one {"log":...,"stream":...,"time":...} object per line of output, as
 * dockerd 20.10 writes it (daemon/logger/jsonfilelog/jsonlog/jsonlogbytes.go): the same escaping
 * (<, > and & as \u00XX, invalid UTF-8 as \ufffd), the time in UTC as Go's RFC3339Nano (trailing
 * zeros of the fraction dropped), and a line longer than 16 KiB written in parts, the last one
 * carrying the newline.
 */
#include "launcher.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct out {
  char *buf;
  size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n) {
  if (o->len + n <= o->cap) {
    memcpy(o->buf + o->len, s, n);
    o->len += n;
  }
}

static void puts_(struct out *o, const char *s) { put(o, s, strlen(s)); }

/* Length of the valid UTF-8 sequence at s (as Go's utf8.DecodeRune), or 0 if invalid. */
static size_t utf8_length(const unsigned char *s, size_t n, unsigned *rune) {
  unsigned c = s[0];
  size_t len;
  unsigned min;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2, min = 0x80, c &= 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3, min = 0x800, c &= 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4, min = 0x10000, c &= 0x07;
  } else {
    return 0;
  }
  if (n < len) {
    return 0;
  }
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) {
      return 0;
    }
    c = (c << 6) | (s[i] & 0x3f);
  }
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
    return 0;
  }
  *rune = c;
  return len;
}

static void put_string(struct out *o, const char *text, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)text;
  put(o, "\"", 1);
  size_t start = 0;
  for (size_t i = 0; i < n;) {
    unsigned char b = s[i];
    if (b < 0x80) {
      if (b >= 0x20 && b != '\\' && b != '"' && b != '<' && b != '>' && b != '&') {
        i++;
        continue;
      }
      put(o, text + start, i - start);
      if (b == '\\' || b == '"') {
        char esc[2] = {'\\', (char)b};
        put(o, esc, 2);
      } else if (b == '\n') {
        put(o, "\\n", 2);
      } else if (b == '\r') {
        put(o, "\\r", 2);
      } else {
        char esc[6] = {'\\', 'u', '0', '0', hex[b >> 4], hex[b & 0xf]};
        put(o, esc, 6);
      }
      start = ++i;
      continue;
    }
    unsigned rune;
    size_t len = utf8_length(s + i, n - i, &rune);
    if (len == 0) {
      put(o, text + start, i - start);
      puts_(o, "\\ufffd");
      start = ++i;
      continue;
    }
    if (rune == 0x2028 || rune == 0x2029) {
      put(o, text + start, i - start);
      char esc[6] = {'\\', 'u', '2', '0', '2', hex[rune & 0xf]};
      put(o, esc, 6);
      i += len;
      start = i;
      continue;
    }
    i += len;
  }
  put(o, text + start, n - start);
  put(o, "\"", 1);
}

static void put_time(struct out *o) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm tm;
  gmtime_r(&now.tv_sec, &tm);
  char text[64];
  size_t n = strftime(text, sizeof(text), "\"%Y-%m-%dT%H:%M:%S", &tm);
  if (now.tv_nsec != 0) {
    char fraction[16];
    snprintf(fraction, sizeof(fraction), ".%09ld", now.tv_nsec);
    size_t f = strlen(fraction);
    while (fraction[f - 1] == '0') {
      f--;
    }
    fraction[f] = '\0';
    n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", fraction);
  }
  snprintf(text + n, sizeof(text) - n, "Z\"");
  puts_(o, text);
}

static void write_entry(int log_fd, const char *stream, const char *line, size_t n) {
  /* Every byte may become \u00XX: six times the line, plus the rest of the object. */
  static char buf[6 * sizeof(((struct log_stream *)0)->buf) + 256];
  struct out o = {buf, 0, sizeof(buf)};
  puts_(&o, "{\"log\":");
  put_string(&o, line, n);
  puts_(&o, ",\"stream\":\"");
  puts_(&o, stream);
  puts_(&o, "\",\"time\":");
  put_time(&o);
  puts_(&o, "}\n");
  for (size_t done = 0; done < o.len;) {
    ssize_t w = write(log_fd, o.buf + done, o.len - done);
    if (w <= 0) {
      return; /* a full disk loses log lines, never the container */
    }
    done += (size_t)w;
  }
}

void log_data(int log_fd, struct log_stream *s, const char *data, size_t n) {
  while (n > 0) {
    size_t room = sizeof(s->buf) - s->len;
    size_t take = n < room ? n : room;
    memcpy(s->buf + s->len, data, take);
    s->len += take;
    data += take;
    n -= take;
    size_t start = 0;
    for (size_t i = 0; i < s->len; i++) {
      if (s->buf[i] == '\n') {
        if (log_fd >= 0) {
          write_entry(log_fd, s->name, s->buf + start, i + 1 - start);
        }
        start = i + 1;
      }
    }
    memmove(s->buf, s->buf + start, s->len - start);
    s->len -= start;
    if (s->len == sizeof(s->buf)) {
      log_flush(log_fd, s);
    }
  }
}

void log_flush(int log_fd, struct log_stream *s) {
  if (s->len > 0 && log_fd >= 0) {
    write_entry(log_fd, s->name, s->buf, s->len);
  }
  s->len = 0;
}

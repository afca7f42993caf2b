/*
 * The kernel's floor for bench/netlink.sh: the per-container plumbing of NetlinkBenchmark.java
 * with the same system calls in the same order, from C, N times (argv[1], default 1000) after 50
 * untimed, in the namespace it runs in (bench/netlink.sh runs it in a throwaway one). What jocker
 * spends above these figures is its own: the JVM, the namespace thread's hops, the codec.
 *
 * Per container, as strace shows jocker doing it:
 *   netns add    open(O_CREAT|O_EXCL) /run/netns/benchN; unshare(CLONE_NEWNET); bind-mount
 *                /proc/thread-self/ns/net there; IPv6 off through a procfs instance of its own
 *                (fsopen, fsconfig, fsmount, openat, write); a netlink socket inside (SO_RCVBUF,
 *                NETLINK_EXT_ACK, NETLINK_CAP_ACK, bind); setns back; open the namespace file
 *   veth add     RTM_NEWLINK veth with its peer eth0 (MAC, MTU, txqueuelen) born in the namespace,
 *                NLM_F_ECHO: the new link comes back with the peer's index
 *   master       RTM_NEWLINK IFLA_MASTER, by name
 *   host end up  RTM_NEWLINK IFF_UP, by name
 *   addr add     RTM_NEWADDR 172.17.x.y/16 with its broadcast, on the peer's index
 *   lo up, eth0 up, route add (default via 172.17.0.1), in the namespace, on its socket
 *   close        the namespace's socket and file
 * jocker makes the namespace on a thread of its own and comes back; here the one thread does both.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/mount.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define STEPS 9
static const char *step_names[STEPS] = {"netns add", "veth add", "master",  "host end up", "addr add",
                                        "lo up",     "eth0 up",  "route add", "close"};

static uint32_t seq = 1;

static void die(const char *what) {
  fprintf(stderr, "netlink-floor: %s: %s\n", what, strerror(errno));
  exit(1);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A request under construction: header, fixed part, attributes. */
struct req {
  char buf[1024];
  struct nlmsghdr *h;
};

static void *begin(struct req *r, int type, int flags, size_t fixed) {
  memset(r->buf, 0, sizeof r->buf);
  r->h = (struct nlmsghdr *)r->buf;
  r->h->nlmsg_type = type;
  r->h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  r->h->nlmsg_len = NLMSG_LENGTH(fixed);
  return NLMSG_DATA(r->h);
}

static struct rtattr *attr(struct req *r, int type, const void *data, size_t len) {
  struct rtattr *a = (struct rtattr *)(r->buf + NLMSG_ALIGN(r->h->nlmsg_len));
  a->rta_type = type;
  a->rta_len = RTA_LENGTH(len);
  if (len) {
    memcpy(RTA_DATA(a), data, len);
  }
  r->h->nlmsg_len = NLMSG_ALIGN(r->h->nlmsg_len) + RTA_ALIGN(a->rta_len);
  return a;
}

static void end_nest(struct req *r, struct rtattr *nest) {
  nest->rta_len = (char *)r->buf + r->h->nlmsg_len - (char *)nest;
}

static void attr_u32(struct req *r, int type, uint32_t v) { attr(r, type, &v, 4); }

static void attr_str(struct req *r, int type, const char *s) { attr(r, type, s, strlen(s) + 1); }

/* Sends the request and reads until its ack; with echo, returns the peer's index from the echo. */
static int exchange(int fd, struct req *r, const char *what) {
  static char in[65536];
  r->h->nlmsg_seq = ++seq;
  if (send(fd, r->buf, r->h->nlmsg_len, 0) < 0) {
    die(what);
  }
  int peer = 0;
  for (;;) {
    ssize_t n = recv(fd, in, sizeof in, 0);
    if (n < 0) {
      die(what);
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)in; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_ERROR) {
        int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
        if (err) {
          errno = -err;
          die(what);
        }
        return peer;
      }
      if (h->nlmsg_type == RTM_NEWLINK) {
        struct ifinfomsg *ifi = NLMSG_DATA(h);
        int len = IFLA_PAYLOAD(h);
        for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
          if (a->rta_type == IFLA_LINK) {
            peer = *(int *)RTA_DATA(a);
          }
        }
      }
    }
  }
}

static int netlink_socket(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  int rcvbuf = 1 << 20, one = 1;
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0 ||
      setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one) < 0 ||
      setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one) < 0 ||
      bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    die("netlink socket");
  }
  return fd;
}

static void link_by_name(int fd, const char *name, unsigned up, int master) {
  struct req r;
  struct ifinfomsg *ifi = begin(&r, RTM_NEWLINK, 0, sizeof *ifi);
  if (up) {
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
  }
  attr_str(&r, IFLA_IFNAME, name);
  if (master) {
    attr_u32(&r, IFLA_MASTER, master);
  }
  exchange(fd, &r, name);
}

static void ipv6_off(void) {
  int fs = syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
  if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
    die("fsopen proc");
  }
  int mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
  if (mnt < 0) {
    die("fsmount proc");
  }
  close(fs);
  int f = openat(mnt, "sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY | O_CLOEXEC);
  if (f < 0 || write(f, "1", 1) != 1) {
    die("disable_ipv6");
  }
  close(f);
  close(mnt);
}

static int host_fd, home_fd, bridge;

/* One plumbing; laps[0] is its start and laps[s + 1] the end of step s. */
static void plumb(int i, double *laps) {
  char path[64], veth[16];
  snprintf(path, sizeof path, "/run/netns/bench%d", i);
  snprintf(veth, sizeof veth, "vb%x", i);
  uint32_t address = htonl(0xac110002u + i); /* 172.17.0.2 + i */
  laps[0] = now_ms();
  int f = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (f < 0) {
    die(path);
  }
  close(f);
  if (unshare(CLONE_NEWNET) < 0 ||
      mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
    die("netns add");
  }
  ipv6_off();
  int ns_sock = netlink_socket();
  if (setns(home_fd, CLONE_NEWNET) < 0) {
    die("setns home");
  }
  int ns_fd = open(path, O_RDONLY | O_CLOEXEC);
  if (ns_fd < 0) {
    die(path);
  }
  laps[1] = now_ms();

  struct req r;
  begin(&r, RTM_NEWLINK, NLM_F_ECHO | NLM_F_EXCL | NLM_F_CREATE, sizeof(struct ifinfomsg));
  attr_str(&r, IFLA_IFNAME, veth);
  attr_u32(&r, IFLA_MTU, 1500);
  attr_u32(&r, IFLA_TXQLEN, 0);
  struct rtattr *info = attr(&r, IFLA_LINKINFO, NULL, 0);
  attr_str(&r, IFLA_INFO_KIND, "veth");
  struct rtattr *data = attr(&r, IFLA_INFO_DATA, NULL, 0);
  struct rtattr *peer = attr(&r, VETH_INFO_PEER, NULL, 0);
  r.h->nlmsg_len += sizeof(struct ifinfomsg);
  attr_str(&r, IFLA_IFNAME, "eth0");
  attr_u32(&r, IFLA_MTU, 1500);
  attr_u32(&r, IFLA_TXQLEN, 0);
  unsigned char mac[6] = {0x02, 0x42};
  memcpy(mac + 2, &address, 4);
  attr(&r, IFLA_ADDRESS, mac, 6);
  attr_u32(&r, IFLA_NET_NS_FD, ns_fd);
  end_nest(&r, peer);
  end_nest(&r, data);
  end_nest(&r, info);
  int eth0 = exchange(host_fd, &r, "veth add");
  laps[2] = now_ms();

  link_by_name(host_fd, veth, 0, bridge);
  laps[3] = now_ms();
  link_by_name(host_fd, veth, 1, 0);
  laps[4] = now_ms();

  struct ifaddrmsg *ifa = begin(&r, RTM_NEWADDR, NLM_F_EXCL | NLM_F_CREATE, sizeof *ifa);
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = 16;
  ifa->ifa_index = eth0;
  uint32_t broadcast = htonl(0xac11ffffu);
  attr(&r, IFA_LOCAL, &address, 4);
  attr(&r, IFA_ADDRESS, &address, 4);
  attr(&r, IFA_BROADCAST, &broadcast, 4);
  exchange(ns_sock, &r, "addr add");
  laps[5] = now_ms();
  link_by_name(ns_sock, "lo", 1, 0);
  laps[6] = now_ms();
  link_by_name(ns_sock, "eth0", 1, 0);
  laps[7] = now_ms();

  struct rtmsg *rt = begin(&r, RTM_NEWROUTE, NLM_F_EXCL | NLM_F_CREATE, sizeof *rt);
  rt->rtm_family = AF_INET;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_scope = RT_SCOPE_UNIVERSE;
  rt->rtm_type = RTN_UNICAST;
  uint32_t gateway = htonl(0xac110001u);
  attr(&r, RTA_GATEWAY, &gateway, 4);
  exchange(ns_sock, &r, "route add");
  laps[8] = now_ms();
  close(ns_sock);
  close(ns_fd);
  laps[9] = now_ms();
}

static void unplumb(int i) {
  char path[64], veth[16];
  snprintf(path, sizeof path, "/run/netns/bench%d", i);
  snprintf(veth, sizeof veth, "vb%x", i);
  struct req r;
  begin(&r, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
  attr_str(&r, IFLA_IFNAME, veth);
  exchange(host_fd, &r, "link del");
  if (umount2(path, MNT_DETACH) < 0 || unlink(path) < 0) {
    die("netns del");
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(const double *v, int n, double p) {
  double *s = malloc(n * sizeof *s);
  memcpy(s, v, n * sizeof *s);
  qsort(s, n, sizeof *s, cmp);
  int k = (int)(p * n + 0.999999) - 1;
  double r = s[k < 0 ? 0 : k >= n ? n - 1 : k];
  free(s);
  return r;
}

static void report(const char *what, const double *v, int n) {
  double total = 0;
  for (int i = 0; i < n; i++) {
    total += v[i];
  }
  printf("%-26s median %.2f ms  p99 %.2f ms  total %.0f ms\n", what, percentile(v, n, 0.5),
         percentile(v, n, 0.99), total);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  host_fd = netlink_socket();
  home_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home_fd < 0) {
    die("home namespace");
  }
  struct req r;
  begin(&r, RTM_NEWLINK, NLM_F_EXCL | NLM_F_CREATE, sizeof(struct ifinfomsg));
  attr_str(&r, IFLA_IFNAME, "docker0");
  attr_u32(&r, IFLA_MTU, 1500);
  struct rtattr *info = attr(&r, IFLA_LINKINFO, NULL, 0);
  attr_str(&r, IFLA_INFO_KIND, "bridge");
  end_nest(&r, info);
  exchange(host_fd, &r, "bridge add");
  bridge = if_nametoindex("docker0");
  struct ifaddrmsg *ifa = begin(&r, RTM_NEWADDR, NLM_F_EXCL | NLM_F_CREATE, sizeof *ifa);
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = 16;
  ifa->ifa_index = bridge;
  uint32_t gateway = htonl(0xac110001u), broadcast = htonl(0xac11ffffu);
  attr(&r, IFA_LOCAL, &gateway, 4);
  attr(&r, IFA_ADDRESS, &gateway, 4);
  attr(&r, IFA_BROADCAST, &broadcast, 4);
  exchange(host_fd, &r, "bridge address");
  link_by_name(host_fd, "docker0", 1, 0);

  double laps[STEPS + 1];
  for (int i = 0; i < 50; i++) {
    plumb(60000 + i, laps);
    unplumb(60000 + i);
  }
  double *total = malloc(n * sizeof *total);
  double *steps = malloc((size_t)STEPS * n * sizeof *steps);
  for (int i = 0; i < n; i++) {
    plumb(i, laps);
    total[i] = laps[STEPS] - laps[0];
    for (int s = 0; s < STEPS; s++) {
      steps[s * n + i] = laps[s + 1] - laps[s];
    }
  }
  for (int i = 0; i < n; i++) {
    unplumb(i);
  }
  report("C floor (same syscalls)", total, n);
  for (int s = 0; s < STEPS; s++) {
    char label[32];
    snprintf(label, sizeof label, "  %s", step_names[s]);
    report(label, steps + s * n, n);
  }
  if (n >= 10) {
    printf("  median by tenth of N:");
    for (int d = 0; d < 10; d++) {
      printf(" %.2f", percentile(total + d * n / 10, n / 10, 0.5));
    }
    printf(" ms\n");
  }
  return 0;
}

#!/usr/bin/env bash
# The embedded DNS under load: queries per second and p99 latency of container-name lookups and of
# forwarded lookups, measured with dnsperf from inside a container's namespace against 127.0.0.11,
# for jocker's resolver and for Docker 20.10's embedded DNS in the same run. Run as root.
#
# Everything happens in a throwaway network, mount and PID namespace (tools/sandbox-run):
#   inet    "the internet": a bridge with dnsmasq on 198.51.100.1 serving w1..w10.example.test
#   (this)  Docker's host: a dockerd with its data in a temp dir, network benchnet, containers
#           n1..nNAMES and a client (--dns 198.51.100.1), uplink 198.51.100.2
#   jhost   jocker's host: dev.jocker.dns.DnsBenchmark as the daemon would run it (jockerd's JVM
#           options), network benchnet with names n1..nNAMES, a client namespace forwarding to
#           198.51.100.1, and CONTAINERS more resolvers served by the same THREADS threads,
#           uplink 198.51.100.3
# Both clients reach dnsmasq the same way: from their namespace, over their bridge, MASQUERADEd.
# Each measurement is dnsperf -l SECS -c CLIENTS -q OUTSTANDING -v (per-query latencies, for p99);
# beside it, the CPU time the serving process (the JVM, dockerd) used per query answered, which a
# busy machine disturbs less than the rates. ROUNDS rounds alternate which side goes first; the
# table shows each figure's median over the rounds. JVM_ARGS replaces jockerd's JVM options.
# Last line: "dns speedup vs docker: names X.Xx qps, forwarded Y.Yx qps".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
self="$root/bench/dns.sh"
SECS=${SECS:-10}
ROUNDS=${ROUNDS:-3}
NAMES=${NAMES:-10}
CONTAINERS=${CONTAINERS:-1000}
THREADS=${THREADS:-1}
CLIENTS=${CLIENTS:-4}
OUTSTANDING=${OUTSTANDING:-100}
export SECS ROUNDS NAMES CONTAINERS THREADS CLIENTS OUTSTANDING

# "QPS P99_MS LOST" of dnsperf -v output $1: p99 by nearest rank over the per-query latencies;
# LOST is the share of queries that never got an answer.
summarise() {
  local qps lost p99
  qps=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$1")
  lost=$(awk '/Queries lost:/ {print $4}' "$1")
  p99=$(awk '/^> / && NF == 5 {print $5 * 1000}' "$1" | sort -g | awk '
    {a[NR] = $1}
    END {
      if (NR == 0) { print "-"; exit }
      i = int(NR * 0.99); if (i < NR * 0.99) i++; if (i < 1) i = 1
      printf "%.3f", a[i]
    }')
  echo "${qps:-0} $p99 ${lost:--}"
}

# The median of each column of file $1 (rows: QPS P99 LOST CPU, one per round); LOST is kept as
# the worst round's.
medians() {
  local col out=""
  for col in 1 2 4; do
    out="$out $(awk -v c=$col '{print $c}' "$1" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')"
  done
  read -r qps p99 cpu <<<"$out"
  echo "$qps $p99 $(awk '{print $3}' "$1" | sort -t'(' -k2 -g | tail -1) $cpu"
}

# CPU time (clock ticks) process $1 has used.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# dnsperf from inside network namespace $1 (a file) with queries $2; output file $3; the server's
# process is $4: the CPU time it used, in microseconds per query answered, goes to $3.cpu.
perf() {
  local before after
  before=$(ticks "$4")
  nsenter --net="$1" dnsperf -s 127.0.0.11 -d "$2" -l "$SECS" -c "$CLIENTS" -q "$OUTSTANDING" \
    -t 2 -v >"$3" 2>&1 || true
  after=$(ticks "$4")
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" '/Queries completed:/ {
    if ($3 > 0) printf "%.1f\n", t / hz * 1e6 / $3 }' "$3" >"$3.cpu"
}

inner() {
  tmp=$(mktemp -d /tmp/jocker-dns-bench.XXXXXX)
  trap cleanup EXIT

  # The internet, and an uplink to it from each host.
  ip netns add inet
  ip -n inet link set lo up
  ip -n inet link add inetbr type bridge
  ip -n inet addr add 198.51.100.1/24 dev inetbr
  ip -n inet link set inetbr up
  ip link add uplink type veth peer name up-docker netns inet
  ip -n inet link set up-docker master inetbr up
  ip addr add 198.51.100.2/24 dev uplink
  ip link set uplink up
  ip route add default via 198.51.100.1
  ip netns add jhost
  ip -n jhost link set lo up
  ip -n jhost link add uplink type veth peer name up-jocker netns inet
  ip -n inet link set up-jocker master inetbr up
  ip -n jhost addr add 198.51.100.3/24 dev uplink
  ip -n jhost link set uplink up
  ip -n jhost route add default via 198.51.100.1
  : >"$tmp/zone"
  for i in $(seq 10); do echo "198.51.100.$((100 + i)) w$i.example.test" >>"$tmp/zone"; done
  ip netns exec inet dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --user=root --pid-file= --bind-interfaces --listen-address=198.51.100.1 --port=53 \
    --addn-hosts="$tmp/zone" --local=/example.test/ >"$tmp/dnsmasq.log" 2>&1 &
  dnsmasq_pid=$!

  : >"$tmp/names"
  for i in $(seq "$NAMES"); do echo "n$i A" >>"$tmp/names"; done
  : >"$tmp/forwarded"
  for i in $(seq 10); do echo "w$i.example.test A" >>"$tmp/forwarded"; done

  # jocker, as the daemon runs: in its own namespace (nsenter keeps this mount namespace, so its
  # /run/netns bind mounts are ours too).
  mkfifo "$tmp/jin"
  # shellcheck disable=SC2086 # JVM_ARGS: one argument per option
  nsenter --net=/run/netns/jhost java ${JVM_ARGS:-@"$dist/lib/jockerd.args"} -cp "$cp" \
    dev.jocker.dns.DnsBenchmark 198.51.100.1 "$NAMES" "$CONTAINERS" "$THREADS" \
    <"$tmp/jin" >"$tmp/jocker.out" 2>"$tmp/jocker.err" &
  jocker_pid=$!
  exec 3>"$tmp/jin"
  for _ in $(seq 1200); do
    grep -q '^ready' "$tmp/jocker.out" && break
    kill -0 "$jocker_pid" 2>/dev/null || break
    sleep 0.5
  done
  if ! grep -q '^ready' "$tmp/jocker.out"; then
    echo "dns.sh: jocker's side did not start:" >&2
    tail -20 "$tmp/jocker.err" >&2
    exit 1
  fi
  grep -v '^SLF4J' "$tmp/jocker.err" >&2 || true
  jocker_ns=$(awk '/^ready/ {print $2}' "$tmp/jocker.out")
  jocker_threads=$(awk '/^ready/ {print $3}' "$tmp/jocker.out")

  start_docker
  docker network create --subnet 172.28.0.0/16 benchnet >/dev/null
  for i in $(seq "$NAMES"); do
    docker run -d --name "n$i" --network benchnet busybox sleep 100000 >/dev/null
  done
  docker run -d --name client --network benchnet --dns 198.51.100.1 busybox sleep 100000 >/dev/null
  docker_ns="/proc/$(docker inspect -f '{{.State.Pid}}' client)/ns/net"
  docker_threads=$(awk '/^Threads:/ {print $2}' "/proc/$(cat /run/docker-bench.pid)/status")

  # Warm-up (the JIT on jocker's side, Docker's first sockets), then the measured runs.
  dockerd_pid=$(cat /run/docker-bench.pid)
  SECS=2 perf "$jocker_ns" "$tmp/names" "$tmp/warm" "$jocker_pid"
  SECS=2 perf "$docker_ns" "$tmp/names" "$tmp/warm" "$dockerd_pid"
  for round in $(seq "$ROUNDS"); do
    for kind in names forwarded; do
      sides="jocker docker"
      [ $((round % 2)) = 1 ] || sides="docker jocker"
      for side in $sides; do
        if [ "$side" = jocker ]; then
          perf "$jocker_ns" "$tmp/$kind" "$tmp/$side-$kind-$round.txt" "$jocker_pid"
        else
          perf "$docker_ns" "$tmp/$kind" "$tmp/$side-$kind-$round.txt" "$dockerd_pid"
        fi
        summarise "$tmp/$side-$kind-$round.txt" | tr '\n' ' ' >>"$tmp/$side-$kind.rounds"
        cat "$tmp/$side-$kind-$round.txt.cpu" >>"$tmp/$side-$kind.rounds"
      done
    done
  done
  jocker_threads_after=$(ps -o nlwp= -p "$jocker_pid" | tr -d ' ')

  printf '%-10s %-10s %10s %10s %10s %10s\n' side lookups qps "p99 ms" lost "cpu us/q"
  for kind in names forwarded; do
    for side in jocker docker; do
      read -r qps p99 lost cpu < <(medians "$tmp/$side-$kind.rounds")
      printf '%-10s %-10s %10s %10s %10s %10s\n' "$side" "$kind" "$qps" "$p99" "$lost" "$cpu"
      eval "${side}_${kind}_qps=$qps ${side}_${kind}_p99=$p99"
    done
  done
  echo "jocker: $((CONTAINERS + 1)) resolvers on $jocker_threads event-loop thread(s)" \
    "($jocker_threads_after JVM threads in all); dockerd: $docker_threads threads"
  # shellcheck disable=SC2154 # set by the eval above
  awk -v jn="$jocker_names_qps" -v dn="$docker_names_qps" -v jf="$jocker_forwarded_qps" \
    -v df="$docker_forwarded_qps" -v jnp="$jocker_names_p99" -v dnp="$docker_names_p99" \
    -v jfp="$jocker_forwarded_p99" -v dfp="$docker_forwarded_p99" 'BEGIN {
      printf "p99 ratio docker/jocker: names %.1fx, forwarded %.1fx\n", \
        (jnp > 0 ? dnp / jnp : 0), (jfp > 0 ? dfp / jfp : 0)
      printf "dns speedup vs docker: names %.1fx qps, forwarded %.1fx qps\n", \
        (dn > 0 ? jn / dn : 0), (df > 0 ? jf / df : 0)
    }'
}

start_docker() {
  # The sandbox's own /sys hides the cgroup hierarchies: mount them again (the same ones), and
  # keep containers under one parent that the caller removes afterwards.
  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
  awk '$3 == "cgroup" || $3 == "cgroup2" {print $2, $3, $4}' /proc/1/mounts | sort -u |
    while read -r dir type opts; do
      case $dir in /sys/fs/cgroup/*) ;; *) continue ;; esac
      mkdir -p "$dir"
      mount -t "$type" -o "$opts" "$type" "$dir" 2>/dev/null || true
    done
  # dockerd writes /etc/docker/key.json: keep it in the sandbox.
  mkdir -p /etc/docker && mount -t tmpfs -o mode=755 etc-docker /etc/docker
  export DOCKER_HOST=unix:///run/docker-bench.sock DOCKER_CONFIG=$tmp/cli
  dockerd --data-root "$tmp/docker" --exec-root /run/docker-bench -H "$DOCKER_HOST" \
    --pidfile /run/docker-bench.pid --cgroup-parent /jocker-bench-dns \
    --exec-opt native.cgroupdriver=cgroupfs >"$tmp/dockerd.log" 2>&1 &
  for _ in $(seq 600); do
    docker version >/dev/null 2>&1 && break
    sleep 0.1
  done
  if ! docker version >/dev/null 2>&1; then
    tail -5 "$tmp/dockerd.log" >&2
    echo "dns.sh: dockerd did not start" >&2
    exit 1
  fi
  mkdir -p "$tmp/rootfs/bin"
  cp /bin/busybox "$tmp/rootfs/bin/"
  ln -s busybox "$tmp/rootfs/bin/sh" && ln -s busybox "$tmp/rootfs/bin/sleep"
  tar -C "$tmp/rootfs" -cf "$tmp/busybox.tar" .
  docker import "$tmp/busybox.tar" busybox:latest >/dev/null
}

docker() { /usr/bin/docker "$@"; }

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local ids pid
  exec 3>&- 2>/dev/null || true
  if [ -n "${jocker_pid:-}" ]; then
    for _ in $(seq 100); do kill -0 "$jocker_pid" 2>/dev/null || break; sleep 0.1; done
    kill "$jocker_pid" 2>/dev/null || true
  fi
  ids=$(docker ps -aq 2>/dev/null) || true
  # shellcheck disable=SC2086 # one argument per ID
  [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
  pid=$(cat /run/docker-bench.pid 2>/dev/null) || true
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  [ -z "${dnsmasq_pid:-}" ] || kill "$dnsmasq_pid" 2>/dev/null || true
  rm -rf "$tmp"
}

if [ "${1:-}" = __inner ]; then
  inner
  exit 0
fi

[ "$(id -u)" -eq 0 ] || {
  echo "dns.sh: run as root" >&2
  exit 1
}
missing=
for tool in dnsperf:/usr/bin/dnsperf dnsmasq-base:/usr/sbin/dnsmasq docker.io:/usr/sbin/dockerd \
  busybox-static:/bin/busybox; do
  [ -e "${tool#*:}" ] || missing="$missing ${tool%%:*}"
done
if [ -n "$missing" ]; then
  echo "dns.sh: installing$missing" >&2
  apt-get update -qq >&2
  made_policy=
  # Never let a package start a service on the host (docker.service would make a host docker0).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  # shellcheck disable=SC2086 # one argument per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
  [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
fi
"$root/jocker" --version >/dev/null
(cd "$root" && ./mvnw -B -q -o -pl runtime-net test-compile -Dspotless.check.skip=true)
dist="$root/cli/target/jocker-dist"
cp="$root/runtime-net/target/test-classes:$root/runtime-net/target/classes:$(find "$dist/lib" -name '*.jar' ! -name 'runtime-net-*' | tr '\n' ':')"
export cp dist
status=0
"$root/tools/sandbox-run" unshare --pid --fork --mount-proc bash "$self" __inner || status=$?
find /sys/fs/cgroup -depth -type d -path '*/jocker-bench-dns*' -exec rmdir {} + 2>/dev/null || true
exit "$status"

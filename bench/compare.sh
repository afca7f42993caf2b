#!/bin/bash
# Benchmarks side by side: sets up the networking of N containers on one bridge (docker0,
# 172.17.0.0/16) and removes it again, with jocker and with each peer, and prints per peer the
# median and p99 per container for setup and for teardown, the wall time for all N, and jocker's
# speedup (peer median / jocker median). Run as root. N defaults to 200; PEERS picks peers (default:
# all of jocker-api jocker-cli iproute2 cni netavark docker); WARMUP containers (default 20) are set
# up and removed untimed before each daemon peer's timed run (JIT, caches). PROFILE=1 records a Java
# Flight Recording of jockerd (jockerd.jfr beside the raw times; read it with `jfr print --events
# jdk.ExecutionSample,jdk.NativeMethodSample`) to see where jocker's time goes; it slows jocker a bit.
#
# Every peer runs in its own tools/sandbox-run (a throwaway network, mount and here also PID
# namespace): its own docker0, iptables and ip_forward, so the machine's network is never touched.
# A peer that cannot run is skipped with the reason.
#
# What is measured, per container:
#   jocker-api  POST /containers/create (netns, veth pair, eth0, address, routes, lo; no process)
#               and DELETE /containers/{id}?force=1, over jockerd's socket. One curl process sends
#               all N requests on one kept-alive connection (--next); the time per container is
#               curl's time_total for that request, so no process start is counted.
#   jocker-cli  `jocker run -d busybox sleep 1000` and `jocker rm -f ID`: a new CLI process (JVM)
#               each time, and a container process started, as a user runs them (bench/cli.sh).
#   iproute2    ip netns add; ip link add veth.. peer eth0 netns; ip link set master docker0 up;
#               ip -n addr add; ip -n link set eth0 up; ip -n link set lo up; ip -n route add
#               default; teardown ip link del + ip netns del. Bridge, address and MASQUERADE rule are
#               made once, untimed.
#   cni         ip netns add + CNI bridge plugin ADD (host-local IPAM, isGateway, ipMasq; it makes
#               docker0 on the first ADD) + loopback plugin ADD; teardown bridge DEL + ip netns del.
#   netavark    ip netns add + `netavark setup` (static address chosen by the script, as podman
#               does); teardown `netavark teardown` + ip netns del.
#   docker      `docker run -d busybox sleep 1000` / `docker rm -f ID` (new CLI process each time,
#               and a process started) against a dockerd inside the sandbox with its data-root,
#               exec-root and socket in a temp dir; compared with jocker-cli, the like-for-like path.
#   jocker-cni  the jocker CNI plugin's ADD / DEL (bin/jocker-cni, a process per call) with jockerd
#               running: the binary hands each call to jockerd's POST /jocker/cni (bench/cni.sh).
#   jocker-cni-curl  the same calls through a POSIX sh shim over `curl --unix-socket` instead of the
#               C binary, the alternative ARCHITECTURE.md weighs.
# The speedup column compares with jocker-api (BASE= names another peer), except docker's, which
# compares with jocker-cli. With PLUGIN_ONLY=1 the CNI peers (cni, netavark, jocker-cni*) time the
# plugin call alone: namespaces are made before and deleted after, untimed, and no loopback plugin
# runs. RESULTS= names the directory the raw times go to.
# The peers' steps are functions that `timed` calls by name.
# shellcheck disable=SC2317
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd -P)
self="$root/bench/$(basename "$0")"
N=${N:-200}
WARMUP=${WARMUP:-20}
PEERS=${PEERS:-jocker-api jocker-cli iproute2 cni netavark docker}
dist="$root/cli/target/jocker-dist"
export N WARMUP dist root

now() { t=${EPOCHREALTIME/./}; }

# The address of container i (0-based): 172.17.0.2 upwards.
addr() { echo "172.17.$((($1 + 2) / 256)).$((($1 + 2) % 256))"; }

# Runs STEP 0 … STEP N-1, appending each one's microseconds to $out/PHASE and the wall time of
# all N to $out/PHASE.total.
timed() {
  local phase=$1 step=$2 i t0 t1
  now && t0=$t
  for ((i = 0; i < N; i++)); do
    now && t1=$t
    "$step" "$i"
    now && echo $((t - t1)) >>"$out/$phase"
  done
  now && echo $((t - t0)) >"$out/$phase.total"
}

skip() {
  echo "$*" >"$out/skipped"
  echo "  skipped: $*" >&2
  exit 0
}

# ---------------------------------------------------------------------------------------------
# Peers. Each runs inside the sandbox, writes microseconds per container to $out/setup and
# $out/teardown and the wall time of the N to $out/setup.total and $out/teardown.total.

start_jockerd() {
  local jfr=
  if [ -n "${PROFILE:-}" ]; then
    jfr="-XX:StartFlightRecording=filename=$out/jockerd.jfr,settings=profile"
  fi
  JDK_JAVA_OPTIONS=$jfr "$dist/bin/jockerd" --data-root "$tmp/state" -H unix:///run/jocker.sock \
    --log-dir "$tmp/log" >"$tmp/jockerd.out" 2>&1 &
  daemon=$!
  "$root/tools/await-jockerd" "$dist/bin/jocker" "$daemon" "$tmp/jockerd.out" ||
    skip "jockerd did not start"
}

stop_jockerd() {
  kill "$daemon" 2>/dev/null || true
  wait "$daemon" 2>/dev/null || true
  cp "$tmp"/log/* "$out/" 2>/dev/null || true
}

# A curl config that sends a $1 request to each URL on stdin, all on one kept-alive connection, and
# writes each response body ($2) followed by "TIME seconds status".
curl_config() {
  local method=$1 body=$2 url sep=
  while read -r url; do
    printf '%sunix-socket = "/run/jocker.sock"\nrequest = "%s"\nsilent\nmax-time = 120\n' "$sep" "$method"
    sep='next
'
    if [ "$body" != - ]; then printf 'output = "%s"\n' "$body"; fi
    if [ "$method" = POST ]; then
      printf 'header = "Content-Type: application/json"\n'
      printf 'data = "{\\"Image\\":\\"busybox\\",\\"Cmd\\":[\\"sleep\\",\\"1000\\"]}"\n'
    fi
    printf 'write-out = "TIME %%{time_total} %%{http_code}\\n"\nurl = "%s"\n' "$url"
  done
}

# Creates $1 containers through the API; their IDs go to $tmp/ids, "seconds status" lines to $2.
api_create() {
  local n=$1 i
  for ((i = 0; i < n; i++)); do echo "http://localhost/containers/create"; done |
    curl_config POST - >"$tmp/create.cfg"
  curl -K "$tmp/create.cfg" >"$tmp/create.out"
  tr -d ' \n' <"$tmp/create.out" | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4 >"$tmp/ids" || true
  grep -o 'TIME [0-9.]* [0-9]*' "$tmp/create.out" | cut -d' ' -f2- >"$2" || true
  [ "$(wc -l <"$tmp/ids")" -eq "$n" ] || {
    head -c 600 "$tmp/create.out" >&2
    return 1
  }
}

api_remove() {
  sed 's|.*|http://localhost/containers/&?force=1|' "$tmp/ids" |
    curl_config DELETE /dev/null >"$tmp/rm.cfg"
  curl -K "$tmp/rm.cfg" | grep -o 'TIME [0-9.]* [0-9]*' | cut -d' ' -f2- >"$1" || true
  [ "$(awk '$2 == 204' "$1" | wc -l)" -eq "$(wc -l <"$tmp/ids")" ]
}

peer_jocker_api() {
  start_jockerd
  if [ "$WARMUP" -gt 0 ]; then
    api_create "$WARMUP" "$tmp/w" && api_remove "$tmp/w"
  fi
  now && t0=$t
  api_create "$N" "$tmp/setup.raw" || skip "POST /containers/create failed"
  now && echo $((t - t0)) >"$out/setup.total"
  now && t0=$t
  api_remove "$tmp/teardown.raw" || skip "DELETE /containers/{id} failed"
  now && echo $((t - t0)) >"$out/teardown.total"
  awk '{printf "%d\n", $1 * 1e6}' "$tmp/setup.raw" >"$out/setup"
  awk '{printf "%d\n", $1 * 1e6}' "$tmp/teardown.raw" >"$out/teardown"
  stop_jockerd
}

peer_jocker_cli() {
  start_jockerd
  time_run_rm "$dist/bin/jocker" jocker
  stop_jockerd
}

# Times `CLI run -d busybox sleep 1000` and `CLI rm -f ID` per container, a new CLI process each time,
# after WARMUP untimed pairs. NAME names the CLI in errors.
time_run_rm() {
  local cli=$1 name=$2 i
  local -a ids=()
  run_one() {
    ids[$1]=$("$cli" run -d busybox sleep 1000 2>"$tmp/err") ||
      skip "$name run failed: $(head -1 "$tmp/err" | cut -c1-160)"
  }
  rm_one() { "$cli" rm -f "${ids[$1]}" >/dev/null || skip "$name rm -f failed"; }
  for ((i = 0; i < WARMUP; i++)); do
    run_one "$i" && rm_one "$i"
  done
  timed setup run_one
  timed teardown rm_one
}

peer_iproute2() {
  ip link add docker0 type bridge
  ip addr add 172.17.0.1/16 dev docker0
  ip link set docker0 up
  echo 1 >/proc/sys/net/ipv4/ip_forward
  iptables -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
  iproute2_up() {
    local ns=c$1 veth
    veth=$(printf 'veth%07x' "$1")
    ip netns add "$ns"
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip link set "$veth" master docker0 up
    ip -n "$ns" addr add "$(addr "$1")/16" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" route add default via 172.17.0.1
  }
  iproute2_down() {
    ip link del "$(printf 'veth%07x' "$1")"
    ip netns del "c$1"
  }
  timed setup iproute2_up
  timed teardown iproute2_down
}

peer_cni() {
  local cni=/usr/lib/cni
  if [ ! -x "$cni/bridge" ] || [ ! -x "$cni/host-local" ]; then skip "no CNI plugins in $cni"; fi
  cat >"$tmp/bridge.conf" <<EOF
{"cniVersion": "1.0.0", "name": "bridge", "type": "bridge", "bridge": "docker0",
 "isGateway": true, "ipMasq": true,
 "ipam": {"type": "host-local", "subnet": "172.17.0.0/16", "gateway": "172.17.0.1",
          "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$tmp/cni"}}
EOF
  echo '{"cniVersion": "1.0.0", "name": "lo", "type": "loopback"}' >"$tmp/lo.conf"
  export CNI_PATH=$cni
  cni_plugin "$cni/bridge" "$tmp/bridge.conf" "CNI bridge"
}

# Times PLUGIN's ADD and DEL with CONF for each container (NAME in errors); with PLUGIN_ONLY unset,
# the namespace's creation, the loopback plugin and the namespace's removal are timed too.
cni_plugin() {
  local plugin=$1 conf=$2 name=$3
  cni_add() {
    [ -n "${PLUGIN_ONLY:-}" ] || ip netns add "c$1"
    CNI_COMMAND=ADD CNI_CONTAINERID="c$1" CNI_NETNS="/run/netns/c$1" CNI_IFNAME=eth0 \
      "$plugin" <"$conf" >"$tmp/result" || {
      cat "$tmp/result" >&2
      skip "$name ADD failed"
    }
    [ -n "${PLUGIN_ONLY:-}" ] ||
      CNI_COMMAND=ADD CNI_CONTAINERID="c$1" CNI_NETNS="/run/netns/c$1" CNI_IFNAME=lo \
        "$CNI_PATH/loopback" <"$tmp/lo.conf" >/dev/null
  }
  cni_del() {
    CNI_COMMAND=DEL CNI_CONTAINERID="c$1" CNI_NETNS="/run/netns/c$1" CNI_IFNAME=eth0 \
      "$plugin" <"$conf" >"$tmp/result" || {
      cat "$tmp/result" >&2
      skip "$name DEL failed"
    }
    [ -n "${PLUGIN_ONLY:-}" ] || ip netns del "c$1"
  }
  untimed_netns add
  timed setup cni_add
  timed teardown cni_del
  untimed_netns del
}

# With PLUGIN_ONLY, makes (add) or removes (del) the N namespaces outside the timed loops.
untimed_netns() {
  local i
  [ -n "${PLUGIN_ONLY:-}" ] || return 0
  for ((i = 0; i < N; i++)); do ip netns "$1" "c$i"; done
}

# The jocker CNI plugin's network: its own bridge and subnet beside jockerd's docker0.
jocker_cni_conf() {
  cat >"$tmp/jocker.conf" <<EOF
{"cniVersion": "1.0.0", "name": "jnet", "type": "jocker", "bridge": "cni-jocker0",
 "subnet": "10.88.0.0/16", "isGateway": true, "ipMasq": true, "dataDir": "$tmp/state"}
EOF
  echo '{"cniVersion": "1.0.0", "name": "lo", "type": "loopback"}' >"$tmp/lo.conf"
  export CNI_PATH=/usr/lib/cni
}

# WARMUP untimed ADD and DEL pairs through PLUGIN, so that jockerd's first calls (class loading,
# compilation) are not timed, as for the API peer.
cni_warmup() {
  local plugin=$1 i
  for ((i = 0; i < WARMUP; i++)); do
    ip netns add "w$i"
    CNI_COMMAND=ADD CNI_CONTAINERID="w$i" CNI_NETNS="/run/netns/w$i" CNI_IFNAME=eth0 \
      "$plugin" <"$tmp/jocker.conf" >"$tmp/result" || {
      cat "$tmp/result" >&2
      skip "jocker CNI ADD failed"
    }
    CNI_COMMAND=DEL CNI_CONTAINERID="w$i" CNI_NETNS="/run/netns/w$i" CNI_IFNAME=eth0 \
      "$plugin" <"$tmp/jocker.conf" >/dev/null
    ip netns del "w$i"
  done
}

peer_jocker_cni() {
  start_jockerd
  jocker_cni_conf
  cni_warmup "$dist/bin/jocker-cni"
  cni_plugin "$dist/bin/jocker-cni" "$tmp/jocker.conf" "jocker CNI"
  stop_jockerd
}

peer_jocker_cni_curl() {
  command -v curl >/dev/null || skip "curl is not installed"
  start_jockerd
  jocker_cni_conf
  # The shim ARCHITECTURE.md weighs against the C binary: the same request, built by sh, sent by
  # curl, the exit code read from the answer's header.
  cat >"$tmp/curl-shim" <<'EOF'
#!/bin/sh
out=/tmp/jocker-cni-curl.$$
code=$({ env | grep '^CNI_' | tr '\n' '\000'; printf '\000'; cat; } |
  curl -s --unix-socket "${JOCKER_CNI_SOCKET:-/run/jocker.sock}" --data-binary @- \
    -H 'Content-Type: application/octet-stream' -o "$out" -w '%header{jocker-cni-exit}' \
    http://jocker/jocker/cni)
cat "$out"
rm -f "$out"
exit "${code:-1}"
EOF
  chmod +x "$tmp/curl-shim"
  cni_warmup "$tmp/curl-shim"
  cni_plugin "$tmp/curl-shim" "$tmp/jocker.conf" "jocker CNI (curl shim)"
  stop_jockerd
}

peer_netavark() {
  local nv i
  nv=$(command -v netavark || echo /usr/lib/podman/netavark)
  [ -x "$nv" ] || skip "netavark is not installed"
  mkdir -p "$tmp/nv" "$tmp/opts"
  for ((i = 0; i < N; i++)); do
    cat >"$tmp/opts/$i.json" <<EOF
{"container_id": "$(printf '%064x' "$i")", "container_name": "c$i",
 "networks": {"bridge": {"interface_name": "eth0", "static_ips": ["$(addr "$i")"]}},
 "network_info": {"bridge": {"name": "bridge", "id": "$(printf 'b%063x' 0)", "driver": "bridge",
   "network_interface": "docker0", "internal": false, "ipv6_enabled": false, "dns_enabled": false,
   "subnets": [{"subnet": "172.17.0.0/16", "gateway": "172.17.0.1"}]}}}
EOF
  done
  netavark_setup() {
    [ -n "${PLUGIN_ONLY:-}" ] || ip netns add "c$1"
    "$nv" --config "$tmp/nv" setup "/run/netns/c$1" <"$tmp/opts/$1.json" >"$tmp/result" 2>&1 || {
      cat "$tmp/result" >&2
      skip "netavark setup failed: $(tail -1 "$tmp/result")"
    }
  }
  netavark_teardown() {
    "$nv" --config "$tmp/nv" teardown "/run/netns/c$1" <"$tmp/opts/$1.json" >"$tmp/result" 2>&1 ||
      skip "netavark teardown failed: $(tail -1 "$tmp/result")"
    [ -n "${PLUGIN_ONLY:-}" ] || ip netns del "c$1"
  }
  untimed_netns add
  timed setup netavark_setup
  timed teardown netavark_teardown
  untimed_netns del
}

peer_docker() {
  if ! command -v dockerd >/dev/null || [ ! -x /usr/bin/docker ]; then skip "docker.io is not installed"; fi
  # The sandbox's own /sys hides the cgroup hierarchies: mount them again (the same ones), and
  # keep containers under one parent that the host side removes afterwards.
  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
  awk '$3 == "cgroup" || $3 == "cgroup2" {print $2, $3, $4}' /proc/self/mounts | sort -u |
    while read -r dir type opts; do
      case $dir in /sys/fs/cgroup/*) ;; *) continue ;; esac
      mkdir -p "$dir"
      mount -t "$type" -o "$opts" "$type" "$dir" 2>/dev/null || true
    done
  mountpoint -q /sys/fs/cgroup/memory || mountpoint -q /sys/fs/cgroup/unified ||
    skip "no cgroup hierarchy for runc"
  # dockerd writes /etc/docker/key.json: keep it in the sandbox.
  mkdir -p /etc/docker && mount -t tmpfs -o mode=755 etc-docker /etc/docker
  export DOCKER_HOST=unix:///run/docker-bench.sock DOCKER_CONFIG=$tmp/cli
  local docker=/usr/bin/docker i
  dockerd --data-root "$tmp/docker" --exec-root /run/docker-bench -H "$DOCKER_HOST" \
    --pidfile /run/docker-bench.pid --cgroup-parent /jocker-bench-docker \
    --exec-opt native.cgroupdriver=cgroupfs --userland-proxy=false \
    >"$tmp/dockerd.log" 2>&1 &
  local daemon=$!
  trap 'docker_cleanup' EXIT
  i=0
  until "$docker" version >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 600 ] || ! kill -0 "$daemon" 2>/dev/null; then
      tail -5 "$tmp/dockerd.log" >&2
      skip "dockerd did not start: $(tail -1 "$tmp/dockerd.log" | cut -c1-160)"
    fi
    sleep 0.1
  done
  mkdir -p "$tmp/rootfs/bin"
  cp /bin/busybox "$tmp/rootfs/bin/" || skip "no /bin/busybox for the image"
  ln -s busybox "$tmp/rootfs/bin/sh" && ln -s busybox "$tmp/rootfs/bin/sleep"
  tar -C "$tmp/rootfs" -cf "$tmp/busybox.tar" .
  "$docker" import "$tmp/busybox.tar" busybox:latest >/dev/null || skip "docker import failed"
  time_run_rm "$docker" docker
}

docker_cleanup() {
  local ids pid
  ids=$(/usr/bin/docker ps -aq 2>/dev/null) || true
  # shellcheck disable=SC2086 # one argument per ID
  [ -z "$ids" ] || /usr/bin/docker rm -f $ids >/dev/null 2>&1 || true
  pid=$(cat /run/docker-bench.pid 2>/dev/null) || true
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  cp "$tmp/dockerd.log" "$out/" 2>/dev/null || true
  rm -rf "$tmp"
}

if [ "${1:-}" = __peer ]; then
  peer=$2 out=$3
  tmp=$(mktemp -d /tmp/jocker-compare.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  : >"$out/setup"
  : >"$out/teardown"
  "peer_${peer//-/_}"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Outside the sandbox: packages, build, one sandbox per peer, the table, and a check of the host.

[ "$(id -u)" -eq 0 ] || {
  echo "compare.sh: run as root" >&2
  exit 1
}

updated=
policy=
install() { # package, then the files that show it is there
  local pkg=$1 f
  shift
  for f in "$@"; do [ -e "$f" ] && return 0; done
  if [ -z "$updated" ]; then
    apt-get update -qq >&2 || true
    updated=1
  fi
  # Never let a package start a service on the host (docker.service would make a host docker0).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >&2 ||
    echo "compare.sh: could not install $pkg" >&2
}
host_state() {
  ip -br link | awk '{print $1}' | sort | tr '\n' ' '
  echo "netns=$(find /run/netns -mindepth 1 2>/dev/null | wc -l) forward=$(cat /proc/sys/net/ipv4/ip_forward)" \
    "docker-rules=$(iptables-save 2>/dev/null | grep -c DOCKER || true)"
}
before=$(host_state)

for peer in $PEERS; do
  case $peer in
    cni) install containernetworking-plugins /usr/lib/cni/bridge ;;
    netavark) install netavark /usr/lib/podman/netavark /usr/bin/netavark ;;
    docker) install docker.io /usr/sbin/dockerd ;;
    jocker-api | jocker-cli) install busybox-static /bin/busybox ;;
    jocker-cni-curl) install curl /usr/bin/curl ;;
  esac
done
if [ -n "$policy" ]; then
  rm -f /usr/sbin/policy-rc.d
fi
"$root/jocker" --version >/dev/null

results=${RESULTS:-$(mktemp -d /tmp/jocker-compare.XXXXXX)}
for peer in $PEERS; do
  echo "== $peer (N=$N)" >&2
  mkdir -p "$results/$peer"
  if ! "$root/tools/sandbox-run" unshare --pid --fork --mount-proc \
    bash "$self" __peer "$peer" "$results/$peer"; then
    [ -e "$results/$peer/skipped" ] || echo "failed (exit status), see stderr" >"$results/$peer/skipped"
  fi
  if [ "$peer" = docker ]; then
    find /sys/fs/cgroup -depth -type d -path '*/jocker-bench-docker*' -exec rmdir {} + 2>/dev/null || true
  fi
done

# median, p99 (nearest rank), in ms, of the microseconds in file $1
stats() { sort -n "$1" | awk '{a[NR] = $1} END {
  if (NR == 0) { print "- -"; exit }
  m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
  r = int(NR * 0.99); if (r < NR * 0.99) r++
  printf "%.2f %.2f\n", m / 1000, a[r] / 1000 }'; }

echo
echo "Container networking, N=$N per peer (ms per container; total s for all N; speedup = peer median / jocker median)"
printf '%-11s | %8s %8s %9s | %8s %8s %9s | %8s %8s\n' peer "setup" "p99" "total" \
  "teardown" "p99" "total" "x setup" "x tear"
printf '%-11s | %8s %8s %9s | %8s %8s %9s | %8s %8s\n' "" median ms s median ms s "" ""
printf -- '-%.0s' $(seq 96)
echo
for peer in $PEERS; do
  d=$results/$peer
  if [ -e "$d/skipped" ]; then
    printf '%-11s | skipped: %s\n' "$peer" "$(cat "$d/skipped")"
    continue
  fi
  read -r sm sp < <(stats "$d/setup")
  read -r tm tp < <(stats "$d/teardown")
  st=$(awk '{printf "%.2f", $1 / 1e6}' "$d/setup.total")
  tt=$(awk '{printf "%.2f", $1 / 1e6}' "$d/teardown.total")
  base=${BASE:-jocker-api}
  [ "$peer" = docker ] && base=jocker-cli
  xs=- xt=-
  if [ "$peer" != "$base" ] && [ -s "$results/$base/setup" ] && [ ! -e "$results/$base/skipped" ]; then
    read -r bs _ < <(stats "$results/$base/setup")
    read -r bt _ < <(stats "$results/$base/teardown")
    xs=$(awk -v p="$sm" -v j="$bs" 'BEGIN {printf "%.1fx", p / j}')
    xt=$(awk -v p="$tm" -v j="$bt" 'BEGIN {printf "%.1fx", p / j}')
    [ "$peer" = docker ] && xs="$xs*" && xt="$xt*"
  fi
  printf '%-11s | %8s %8s %9s | %8s %8s %9s | %8s %8s\n' "$peer" "$sm" "$sp" "$st" "$tm" "$tp" "$tt" "$xs" "$xt"
done
echo "(x: against ${BASE:-jocker-api}; * against jocker-cli. Raw times and daemon logs: $results)"

after=$(host_state)
if [ "$before" != "$after" ]; then
  echo "WARNING: the host's network changed: before: $before; after: $after" >&2
  exit 1
fi

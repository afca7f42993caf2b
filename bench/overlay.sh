#!/bin/sh
# Container-to-container TCP throughput (iperf3) and latency (ping) between two "hosts" over
# jocker's overlay (VXLAN set up from etcd: dev.jocker.cluster.OverlayBench), against the same two
# container namespaces joined by a plain veth: the kernel's cost of encapsulation is the floor any
# overlay pays. Then a jockerd of a third host, joined to the same etcd, starts N containers on an
# overlay network and N on a bridge network, interleaved, through its API (create then start, as
# `docker run -d` sends them; curl on its socket): the overlay's start claims address blocks and
# publishes each endpoint in etcd, the bridge's touches this host only. One run, in a throwaway
# network and mount namespace, as root; needs etcd-server, iperf3 and curl (Debian). Last lines: the
# ratios.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
PINGS=${PINGS:-500}
N=${N:-50}
for tool in etcd iperf3 java curl; do
  command -v "$tool" >/dev/null || { echo "bench/overlay.sh: $tool is missing (apt-get install etcd-server iperf3 curl)" >&2; exit 1; }
done
(cd "$root" && ./mvnw -B -q -o -pl runtime-net test-compile -Dspotless.check.skip=true)
"$root/jocker" --version >/dev/null
dist="$root/cli/target/jocker-dist"
tools="$root/tools"
cpfile=$(mktemp)
(cd "$root" && ./mvnw -B -q -o -pl runtime-net dependency:build-classpath -Dmdep.outputFile="$cpfile" >/dev/null)
cp="$root/runtime-net/target/test-classes:$root/runtime-net/target/classes:$(cat "$cpfile")"
rm -f "$cpfile"
export cp SECONDS_PER_RUN PINGS N dist tools
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
exec "$root/tools/sandbox-run" sh -eu -c '
  data=$(mktemp -d)
  trap "kill \$(cat $data/jockerd.pid 2>/dev/null) 2>/dev/null; kill \$(cat $data/etcd.pid) 2>/dev/null || true; sleep 1; rm -rf $data" EXIT
  ip link add under0 type bridge
  ip addr add 192.0.2.254/24 dev under0
  ip link set under0 up
  etcd --data-dir "$data/etcd" --listen-client-urls http://192.0.2.254:2379 \
    --advertise-client-urls http://192.0.2.254:2379 --listen-peer-urls http://127.0.0.1:2380 \
    >"$data/etcd.log" 2>&1 &
  echo $! >"$data/etcd.pid"
  i=0
  until grep -qs "ready to serve client requests" "$data/etcd.log"; do
    i=$((i + 1)); [ $i -lt 200 ] || { cat "$data/etcd.log" >&2; exit 1; }; sleep 0.1
  done
  set -- $(java -cp "$cp" dev.jocker.cluster.OverlayBench | tail -1)
  c1=$1 c2=$2
  # The same two containers, joined by a plain veth as well.
  ip link add p1 netns bench-c1 type veth peer name p2 netns bench-c2
  ip netns exec bench-c1 ip addr add 10.99.0.1/24 dev p1
  ip netns exec bench-c2 ip addr add 10.99.0.2/24 dev p2
  ip netns exec bench-c1 ip link set p1 up
  ip netns exec bench-c2 ip link set p2 up
  ip netns exec bench-c2 iperf3 -s -D -I "$data/iperf3.pid"
  sleep 0.5
  mbits() {
    ip netns exec bench-c1 iperf3 -c "$1" -t "$SECONDS_PER_RUN" -f m | awk "/receiver/ {print \$(NF-2)}"
  }
  rtt() {
    ip netns exec bench-c1 ping -q -c "$PINGS" -i 0.002 "$1" | awk -F/ "/^rtt/ {print \$5}"
  }
  ip netns exec bench-c1 ping -c 3 -i 0.2 -q "$c2" >/dev/null
  vx_tput=$(mbits "$c2"); veth_tput=$(mbits 10.99.0.2)
  vx_rtt=$(rtt "$c2"); veth_rtt=$(rtt 10.99.0.2)
  kill "$(cat "$data/iperf3.pid")"
  echo "container to container, $SECONDS_PER_RUN s of TCP (iperf3) and $PINGS pings each:"
  printf "  %-34s %10s Mbit/s   rtt %s ms\n" "overlay ($c1 -> $c2, VXLAN)" "$vx_tput" "$vx_rtt"
  printf "  %-34s %10s Mbit/s   rtt %s ms\n" "plain veth (10.99.0.1 -> .2)" "$veth_tput" "$veth_rtt"
  awk -v a="$vx_tput" -v b="$veth_tput" "BEGIN {printf \"overlay throughput vs veth: %.2fx\n\", a / b}"
  awk -v a="$vx_rtt" -v b="$veth_rtt" "BEGIN {printf \"overlay latency vs veth: %.2fx\n\", a / b}"

  # A third host with a jockerd in the same cluster: container starts on overlay vs bridge.
  ip netns add bench-h3
  ip link add up-h3 type veth peer name eth0 netns bench-h3
  ip link set up-h3 master under0 up
  ip netns exec bench-h3 ip addr add 192.0.2.3/24 dev eth0
  ip netns exec bench-h3 ip link set eth0 up
  ip netns exec bench-h3 ip link set lo up
  sock="$data/jocker.sock"
  # An exec root of its own: the reconcile of jockerd finds the processes of containers by that path,
  # and the other processes of the machine are visible from the sandbox. On the sandbox /run, and short:
  # the attach socket of each container lives under it, and a unix socket path has 108 bytes at most.
  nsenter --net=/run/netns/bench-h3 -- "$dist/bin/jockerd" --data-root "$data/jockerd" \
    --exec-root /run/jocker-bench --log-dir "$data/jockerd/log" -H "unix://$sock" \
    --cluster-store etcd://192.0.2.254:2379 \
    --cluster-advertise 192.0.2.3:2376 >"$data/jockerd.out" 2>&1 &
  echo $! >"$data/jockerd.pid"
  JOCKER_HOST="unix://$sock" "$tools/await-jockerd" "$dist/bin/jocker" "$(cat "$data/jockerd.pid")" "$data/jockerd.out"
  jocker() { "$dist/bin/jocker" -H "unix://$sock" "$@"; }
  jocker network create -d overlay --subnet 10.30.0.0/16 ovbench >/dev/null
  jocker network create --subnet 10.31.0.0/16 brbench >/dev/null
  api() { curl -sS --fail-with-body --unix-socket "$sock" -X "$1" "http://jocker/v1.41$2" -H "Content-Type: application/json" ${3:+-d "$3"}; }
  start() {
    id=$(api POST /containers/create "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"1000\"],\"HostConfig\":{\"NetworkMode\":\"$1\"}}" | sed "s/.*\"Id\":\"\([0-9a-f]*\)\".*/\1/")
    api POST "/containers/$id/start" >/dev/null
    echo "$id"
  }
  : >"$data/ovbench"; : >"$data/brbench"
  i=0
  while [ $i -lt $((N + 5)) ]; do
    for net in brbench ovbench; do
      t=$(date +%s%N); id=$(start "$net"); ms=$(( ($(date +%s%N) - t) / 1000 ))
      # The first five of each are the warm-up: the JIT, and the overlay devices made on first use.
      [ $i -lt 5 ] || echo "$ms" >>"$data/$net"
      api DELETE "/containers/$id?force=1" >/dev/null
    done
    i=$((i + 1))
  done
  median() { sort -n "$1" | awk "{a[NR]=\$1} END {printf \"%.1f\", a[int((NR+1)/2)]/1000}"; }
  ov=$(median "$data/ovbench"); br=$(median "$data/brbench")
  echo "container create + start through the API (N=$N, medians; the overlay with its etcd round trips):"
  printf "  %-34s %10s ms\n" "bridge network" "$br" "overlay network" "$ov"
  awk -v a="$ov" -v b="$br" "BEGIN {printf \"overlay container start vs bridge: %.2fx (target <= 2x)\n\", a / b}"
'

#!/bin/sh
# Container-to-container TCP throughput (iperf3) and latency (ping) between two "hosts" over
# jocker's overlay (VXLAN set up from etcd: dev.jocker.cluster.OverlayBench), against the same two
# container namespaces joined by a plain veth: the kernel's cost of encapsulation is the floor any
# overlay pays. One run, in a throwaway network and mount namespace, as root; needs etcd-server and
# iperf3 (Debian). Last lines: the ratios.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
PINGS=${PINGS:-500}
for tool in etcd iperf3 java; do
  command -v "$tool" >/dev/null || { echo "bench/overlay.sh: $tool is missing (apt-get install etcd-server iperf3)" >&2; exit 1; }
done
(cd "$root" && ./mvnw -B -q -o -pl runtime-net test-compile -Dspotless.check.skip=true)
cpfile=$(mktemp)
(cd "$root" && ./mvnw -B -q -o -pl runtime-net dependency:build-classpath -Dmdep.outputFile="$cpfile" >/dev/null)
cp="$root/runtime-net/target/test-classes:$root/runtime-net/target/classes:$(cat "$cpfile")"
rm -f "$cpfile"
export cp SECONDS_PER_RUN PINGS
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
exec "$root/tools/sandbox-run" sh -eu -c '
  data=$(mktemp -d)
  trap "kill \$(cat $data/etcd.pid) 2>/dev/null || true; rm -rf $data" EXIT
  ip link add under0 type bridge
  ip addr add 192.0.2.254/24 dev under0
  ip link set under0 up
  etcd --data-dir "$data/etcd" --listen-client-urls http://192.0.2.254:2379 \
    --advertise-client-urls http://192.0.2.254:2379 --listen-peer-urls http://127.0.0.1:2380 \
    >"$data/etcd.log" 2>&1 &
  echo $! >"$data/etcd.pid"
  i=0
  until grep -q "ready to serve client requests" "$data/etcd.log"; do
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
'

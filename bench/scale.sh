#!/bin/sh
# N containers (default 1000; the Linux bridge takes at most 1024 ports) running on docker0 under one
# jockerd, in a throwaway network and mount namespace: creates and starts them through the API, has
# every one ping the gateway and a sample ping each other (from their namespaces), times `jocker ps`
# with all of them up, prints jockerd's resident memory, then removes them all and checks that the
# kernel is back at its baseline (links, namespaces, iptables). Run as root.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
N=${N:-1000}
"$root/jocker" --version >/dev/null
dist="$root/cli/target/jocker-dist"
tools="$root/tools"
export N dist tools
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
exec "$root/tools/sandbox-run" sh -eu -c '
  state=$(mktemp -d)
  "$dist/bin/jockerd" --data-root "$state" --log-dir "$state/log" >"$state/jockerd.out" 2>&1 &
  daemon=$!
  trap "kill $daemon 2>/dev/null; wait $daemon 2>/dev/null || true; rm -rf $state" EXIT
  "$tools/await-jockerd" "$dist/bin/jocker" "$daemon" "$state/jockerd.out"
  api() { curl -sf --unix-socket /run/jocker.sock -H "Content-Type: application/json" "$@"; }
  snapshot() {
    ip -o link show | awk -F": " "{print \$2}" | sed "s/@.*//" | sort
    ls /run/netns
    iptables-save | grep -v "^#" | sed "s/\[[0-9]*:[0-9]*\]//"
  }
  before=$(snapshot)
  start=$(date +%s%N)
  i=1
  while [ $i -le "$N" ]; do
    api -X POST -d "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100000\"]}" \
      "http://jocker/containers/create?name=s$i" >/dev/null
    api -X POST "http://jocker/containers/s$i/start" >/dev/null
    i=$((i + 1))
  done
  echo "scale: $N containers created and started in $(( ($(date +%s%N) - start) / 1000000 )) ms"
  echo "scale: running: $("$dist/bin/jocker" ps -q | wc -l), bridge ports: $(ip -o link show master docker0 | wc -l)"
  failed=0
  i=1
  while [ $i -le "$N" ]; do
    ip netns exec "jocker-s$i" ping -c 1 -W 2 172.17.0.1 >/dev/null || failed=$((failed + 1))
    i=$((i + 1))
  done
  echo "scale: gateway ping from every container: $((N - failed)) of $N answered"
  sample=0
  failed=0
  step=$((N / 20 > 0 ? N / 20 : 1))
  i=1
  while [ $i -le "$N" ]; do
    j=$(( (i * 37) % N + 1 ))
    peer=$(ip netns exec "jocker-s$j" ip -4 -o addr show eth0 | awk "{print \$4}" | cut -d/ -f1)
    ip netns exec "jocker-s$i" ping -c 1 -W 2 "$peer" >/dev/null || failed=$((failed + 1))
    sample=$((sample + 1))
    i=$((i + step))
  done
  echo "scale: container to container, a sample of $sample pairs: $((sample - failed)) answered"
  : >"$state/ps"
  k=0
  while [ $k -lt 10 ]; do
    t=$(date +%s%N); "$dist/bin/jocker" ps >/dev/null; echo $(( ($(date +%s%N) - t) / 1000 )) >>"$state/ps"
    k=$((k + 1))
  done
  echo "scale: jocker ps with $N running: median $(sort -n "$state/ps" | awk "{a[NR]=\$1} END {printf \"%.1f\", a[int((NR+1)/2)]/1000}") ms (10 runs)"
  echo "scale: jockerd resident memory: $(awk "/VmRSS/ {printf \"%.0f MiB\", \$2/1024}" /proc/$daemon/status)"
  start=$(date +%s%N)
  i=1
  while [ $i -le "$N" ]; do
    api -X DELETE "http://jocker/containers/s$i?force=1" >/dev/null
    i=$((i + 1))
  done
  echo "scale: $N containers removed in $(( ($(date +%s%N) - start) / 1000000 )) ms"
  if [ "$before" = "$(snapshot)" ]; then
    echo "scale: kernel back at its baseline (links, namespaces, iptables)"
  else
    echo "scale: kernel NOT back at its baseline:"
    diff /dev/fd/3 /dev/fd/4 3<<B 4<<A || true
$before
B
$(snapshot)
A
    exit 1
  fi
'

#!/bin/sh
# The Engine API door, timed through the stock docker CLI against jockerd and against a real dockerd
# 20.10 (tools/dockerd-sandbox) in the same run: `docker run --rm busybox true` (attached: create,
# attach's hijack, wait, start, the stream's end, the removal), `docker exec c true` (exec create, the
# hijacked start, inspect), and the stream throughput of `docker exec c cat /dev/zero | head -c 1G`.
# Run as root; N runs each (default 20). Prints medians and jockerd's speedup for each. Both daemons
# live in throwaway namespaces; the machine's own network is never touched.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
N=${N:-20}
SIZE_MB=${SIZE_MB:-1024}
docker=/usr/local/bin/docker
[ -x "$docker" ] || docker=/usr/bin/docker
"$root/jocker" --version >/dev/null
dist="$root/cli/target/jocker-dist"
work=$(mktemp -d /tmp/jocker-bench-api.XXXXXX)
cleanup() {
  "$root/tools/dockerd-sandbox" stop "$work/dockerd" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
dockerd_host=$("$root/tools/dockerd-sandbox" start "$work/dockerd")
# The real dockerd pulls nothing here either: busybox is imported from the host's busybox-static.
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$work/rootfs/bin/$applet"
done
tar -C "$work/rootfs" -c . | DOCKER_HOST=$dockerd_host "$docker" import - busybox:latest >/dev/null
export N SIZE_MB docker dist work dockerd_host root
# Not exec: this shell stays, so that its EXIT trap stops the dockerd and removes the work files.
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
"$root/tools/sandbox-run" sh -eu -c '
  state="$work/jockerd"
  mkdir -p "$state"
  "$dist/bin/jockerd" --data-root "$state" --log-dir "$state/log" -H unix:///run/jocker.sock \
    >"$state/jockerd.log" 2>&1 &
  daemon=$!
  trap "kill $daemon 2>/dev/null; wait $daemon 2>/dev/null || true" EXIT
  "$root/tools/await-jockerd" "$dist/bin/jocker" "$daemon" "$state/jockerd.log"
  jockerd_host=unix:///run/jocker.sock
  median() { sort -n | awk "{a[NR]=\$1} END {printf \"%.1f\", a[int((NR+1)/2)]/1000}"; }
  # times N runs of a command (microseconds) into FILE
  timed() {
    file=$1; shift
    : >"$file"
    i=0
    while [ $i -lt "$N" ]; do
      t=$(date +%s%N); "$@" >/dev/null; echo $(( ($(date +%s%N) - t) / 1000 )) >>"$file"
      i=$((i + 1))
    done
  }
  for side in jockerd dockerd; do
    eval "host=\$${side}_host"
    export DOCKER_HOST=$host
    "$docker" run -d --name bench-c busybox sleep 100000 >/dev/null
    "$docker" run --rm busybox true
    "$docker" exec bench-c true
    timed "$work/$side.run" "$docker" run --rm busybox true
    timed "$work/$side.exec" "$docker" exec bench-c true
    t=$(date +%s%N)
    "$docker" exec bench-c cat /dev/zero | head -c "${SIZE_MB}M" >/dev/null
    ns=$(( $(date +%s%N) - t ))
    echo "$SIZE_MB $ns" | awk "{printf \"%.0f\", \$1 * 1e9 / \$2}" >"$work/$side.mbps"
    "$docker" rm -f bench-c >/dev/null
  done
  for what in run exec; do
    j=$(median <"$work/jockerd.$what")
    d=$(median <"$work/dockerd.$what")
    label="docker run --rm busybox true"
    [ "$what" = exec ] && label="docker exec c true"
    echo "$label: jockerd $j ms, dockerd 20.10 $d ms (medians, N=$N): jockerd speedup $(echo "$d $j" | awk "{printf \"%.1f\", \$1 / \$2}")x"
  done
  jm=$(cat "$work/jockerd.mbps"); dm=$(cat "$work/dockerd.mbps")
  echo "docker exec c cat /dev/zero | head -c ${SIZE_MB}M: jockerd $jm MB/s, dockerd 20.10 $dm MB/s: ratio $(echo "$jm $dm" | awk "{printf \"%.2f\", \$1 / \$2}")x"
'

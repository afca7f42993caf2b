#!/bin/sh
# Times `jocker ps`, `jocker run -d busybox sleep 1000` and `jocker rm -f` as a user runs them (a new
# CLI process each time) against a jockerd in a throwaway network and mount namespace. Run as root.
# N runs each (default 50). The machine's own network is never touched. `jocker --version`, timed in
# the same loop, is the floor every command pays: the launcher and a JVM that answers without the
# daemon.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
N=${N:-50}
"$root/jocker" --version >/dev/null
dist="$root/cli/target/jocker-dist"
tools="$root/tools"
export N dist tools
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
exec "$root/tools/sandbox-run" sh -eu -c '
  state=$(mktemp -d)
  "$dist/bin/jockerd" --data-root "$state" --log-dir "$state/log" -H unix:///run/jocker.sock \
    >"$state/jockerd.log" 2>&1 &
  daemon=$!
  trap "kill $daemon 2>/dev/null; wait $daemon 2>/dev/null || true; rm -rf $state" EXIT
  "$tools/await-jockerd" "$dist/bin/jocker" "$daemon" "$state/jockerd.log"
  ms() { echo $(( ($(date +%s%N) - $1) / 1000 )); }
  median() { sort -n | awk "{a[NR]=\$1} END {m=a[int((NR+1)/2)]; p=a[int(NR*0.99+0.999)]; printf \"median %.1f ms, p99 %.1f ms\", m/1000, p/1000}"; }
  : >"$state/floor"; : >"$state/ps"; : >"$state/run"; : >"$state/rm"
  n=0
  while [ $n -lt "$N" ]; do
    t=$(date +%s%N); "$dist/bin/jocker" --version >/dev/null; ms "$t" >>"$state/floor"
    t=$(date +%s%N); "$dist/bin/jocker" ps >/dev/null; ms "$t" >>"$state/ps"
    t=$(date +%s%N); id=$("$dist/bin/jocker" run -d busybox sleep 1000); ms "$t" >>"$state/run"
    t=$(date +%s%N); "$dist/bin/jocker" rm -f "$id" >/dev/null; ms "$t" >>"$state/rm"
    n=$((n + 1))
  done
  echo "jocker --version (floor): $(median <"$state/floor") (N=$N)"
  echo "jocker ps:     $(median <"$state/ps") (N=$N)"
  echo "jocker run -d: $(median <"$state/run") (N=$N)"
  echo "jocker rm -f:  $(median <"$state/rm") (N=$N)"
  echo "cli run -d median: $(sort -n "$state/run" | awk "{a[NR]=\$1} END {printf \"%.1f\", a[int((NR+1)/2)]/1000}") ms"
'

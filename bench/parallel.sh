#!/bin/sh
# Containers created, started and removed per second through the Engine API with 1, 4 and 16
# concurrent clients (SECONDS each, default 20), against a jockerd in a throwaway network and mount
# namespace. Run as root. Prints each level's rate and ratio to one client's; last line
# `parallel speedup 16 vs 1 clients: X.XXx (target 1.7x)`.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
SECONDS_PER_LEVEL=${SECONDS_PER_LEVEL:-20}
"$root/jocker" --version >/dev/null
(cd "$root" && ./mvnw -B -q -o -pl cli -am test-compile -Dspotless.check.skip=true)
dist="$root/cli/target/jocker-dist"
tools="$root/tools"
cp="$root/cli/target/test-classes:$dist/lib/*:$dist/lib/daemon/*"
export dist tools cp SECONDS_PER_LEVEL
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
exec "$root/tools/sandbox-run" sh -eu -c '
  state=$(mktemp -d)
  "$dist/bin/jockerd" --data-root "$state" --log-dir "$state/log" -H unix:///run/jocker.sock \
    >"$state/jockerd.log" 2>&1 &
  daemon=$!
  trap "kill $daemon 2>/dev/null; wait $daemon 2>/dev/null || true; rm -rf $state" EXIT
  "$tools/await-jockerd" "$dist/bin/jocker" "$daemon" "$state/jockerd.log"
  java -cp "$cp" dev.jocker.cli.ParallelBenchmark /run/jocker.sock "$SECONDS_PER_LEVEL"
  echo "parallel: jockerd threads at the end: $(ls /proc/$daemon/task | wc -l)"
'

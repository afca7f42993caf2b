#!/bin/sh
# Per-container plumbing through jocker's netlink API against the same steps as iproute2 commands,
# N times each (default 1000), and beside it the kernel's floor: bench/netlink-floor.c, built here
# with gcc, making the same system calls in the same order from C, once before and once after the
# Java run. Each run has a throwaway network and mount namespace of its own. Run as root. The Java
# side runs with jockerd's JVM options (lib/jockerd.args), as the API runs in the daemon: with the
# JVM's defaults its optimising compiler takes a core from the kernel workers the plumbing waits for.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
N=${N:-1000}
"$root/jocker" --version >/dev/null
(cd "$root" && ./mvnw -B -q -o -pl runtime-net test-compile -Dspotless.check.skip=true)
dist="$root/cli/target/jocker-dist"
cp="$root/runtime-net/target/test-classes:$root/runtime-net/target/classes:$(find "$dist/lib" -name '*.jar' ! -name 'runtime-net-*' | tr '\n' ':')"
work=$(mktemp -d /tmp/jocker-bench-netlink.XXXXXX)
trap 'rm -rf "$work"' EXIT
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$work/netlink-floor" "$root/bench/netlink-floor.c"
"$root/tools/sandbox-run" "$work/netlink-floor" "$N" | tee "$work/floor-before"
export cp dist N
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
"$root/tools/sandbox-run" sh -eu -c '
  java @"$dist/lib/jockerd.args" -cp "$cp" dev.jocker.kernel.NetlinkBenchmark "$N"
' | tee "$work/java"
"$root/tools/sandbox-run" "$work/netlink-floor" "$N" | tee "$work/floor-after"
median() { awk -v what="$2" 'index($0, what) == 1 {print $(NF - 7)}' "$1"; }
java=$(median "$work/java" "jocker (Java API)")
before=$(median "$work/floor-before" "C floor")
after=$(median "$work/floor-after" "C floor")
# The sum of the steps' medians: on a loaded machine the totals spread over several modes, while
# each step's median holds still.
steps() { awk '/^  [a-z].* median [0-9.]+ ms  p99/ {s += $(NF - 7)} END {printf "%.2f", s}' "$1"; }
echo "sum of the step medians: jocker $(steps "$work/java") ms, C floor $(steps "$work/floor-before") ms" \
  "before and $(steps "$work/floor-after") ms after"
awk -v j="$java" -v b="$before" -v a="$after" -v n="$N" 'BEGIN {
  printf "netlink vs the C floor: %.2fx (jocker median %.2f ms, C floor median %.2f ms before and %.2f ms after, N=%d)\n", j / ((b + a) / 2), j, b, a, n }'

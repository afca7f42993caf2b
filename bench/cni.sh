#!/bin/bash
# CNI plugins side by side, as a runtime calls them (a new process per call): ADD and DEL of N
# containers (default 200) on one bridge with the jocker plugin (bin/jocker-cni with jockerd
# running), Debian's bridge plugin with host-local IPAM, and netavark, in one run; also the jocker
# plugin through a sh + curl shim instead of its C binary (the choice ARCHITECTURE.md argues).
# Only the plugin calls are timed: each container's namespace is made before and removed after.
# Prints bench/compare.sh's table (median and p99 per call, with jocker-cni as the base of the
# ratios), then the two ratios against their targets: ADD >= 3x and DEL >= 2x faster than
# bridge + host-local. Run as root; every peer runs in its own throwaway namespaces.
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd -P)
results=$(mktemp -d /tmp/jocker-cni-bench.XXXXXX)
PEERS=${PEERS:-jocker-cni cni netavark jocker-cni-curl} BASE=jocker-cni PLUGIN_ONLY=1 \
  RESULTS=$results "$root/bench/compare.sh"

median() { sort -n "$1" | awk '{a[NR] = $1} END {
  if (NR == 0) { print 0; exit }
  print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

ratio() { # phase (setup|teardown), peer
  local d=$results/$2 j=$results/jocker-cni
  if [ -e "$d/skipped" ] || [ ! -s "$d/$1" ] || [ -e "$j/skipped" ] || [ ! -s "$j/$1" ]; then
    echo "-"
    return
  fi
  awk -v p="$(median "$d/$1")" -v j="$(median "$j/$1")" 'BEGIN {printf "%.1f", p / j}'
}

echo
add=$(ratio setup cni)
del=$(ratio teardown cni)
echo "jocker CNI ADD vs bridge+host-local: ${add}x (target >= 3x); vs netavark: $(ratio setup netavark)x"
echo "jocker CNI DEL vs bridge+host-local: ${del}x (target >= 2x); vs netavark: $(ratio teardown netavark)x"
echo "C binary vs sh+curl shim: ADD $(ratio setup jocker-cni-curl)x, DEL $(ratio teardown jocker-cni-curl)x"

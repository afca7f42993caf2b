#!/bin/sh
# The README's test command: unit tests, then the privileged kernel tests, each in throwaway network
# namespaces, then the lab's checks (lab/check.sh). Run as root. Afterwards it proves the machine's
# own network is exactly as before.
set -eu
root=$(cd "$(dirname "$0")" && pwd -P)
cd "$root"

snapshot() {
  echo "links:"; ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
  echo "netns:"; ls -A /run/netns 2>/dev/null || true
  echo "chains:"; iptables-save 2>/dev/null | grep -E '^:(DOCKER|JOCKER)' || true
  echo "ip_forward: $(cat /proc/sys/net/ipv4/ip_forward)"
  echo "jockerd:"; pgrep -f 'dev.jocker.cli.Main daemon' || true
}

if [ "$(id -u)" != 0 ]; then
  echo "test.sh: run as root (sudo ./test.sh); privileged tests need to create namespaces" >&2
  exit 1
fi

before=$(snapshot)
status=0
./mvnw -B verify "$@" || status=$?
lab/check.sh || status=$?
after=$(snapshot)

if [ "$before" != "$after" ]; then
  echo "test.sh: the machine's own network changed during the tests:" >&2
  diff -u /dev/fd/3 /dev/fd/4 3<<EOF3 4<<EOF4 >&2 || true
$before
EOF3
$after
EOF4
  exit 1
fi
echo "test.sh: host network unchanged (links, /run/netns, DOCKER/JOCKER chains, ip_forward)"
exit "$status"

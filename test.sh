#!/bin/sh
# The README's test command: unit tests, then the privileged kernel tests, each in throwaway network
# namespaces, then the CLI module's unit tests once more on the JDK 25 or later that bin/jocker runs
# on where one is installed, then the lab's checks (lab/check.sh). Run as root. Afterwards it proves
# the machine's own network is exactly as before.
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
# bin/jocker runs on the newest JDK installed (lib/jvm.sh), so the CLI's own tests run on it too;
# CliOnEachJdkIT, above, runs the distribution itself on this build's JDK and on that one.
newest=$(
  home="$root/cli/target/jocker-dist"
  # shellcheck source-path=SCRIPTDIR source=cli/src/dist/lib/jvm.sh
  . "$root/cli/src/dist/lib/jvm.sh"
  [ "$jdk_feature" -ge 25 ] && echo "$jdk"
) || newest=""
if [ -n "$newest" ]; then
  echo "test.sh: the CLI module's unit tests on $newest"
  ./mvnw -B -o -pl cli -am test -Djvm="$newest/bin/java" -DargLine=--enable-native-access=ALL-UNNAMED \
    -Dtest='dev.jocker.cli.**,dev.jocker.daemon.**' -Dsurefire.failIfNoSpecifiedTests=false ||
    status=$?
else
  echo "test.sh: no JDK 25 or later installed: the CLI's tests ran on the build's JDK only"
fi
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

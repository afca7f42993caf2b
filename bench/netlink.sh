#!/bin/sh
# Per-container plumbing through jocker's netlink API against the same steps as iproute2 commands,
# N times each (default 1000), in a throwaway network and mount namespace. Run as root.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
N=${N:-1000}
"$root/jocker" --version >/dev/null
(cd "$root" && ./mvnw -B -q -o -pl runtime-net test-compile -Dspotless.check.skip=true)
cp="$root/runtime-net/target/test-classes:$root/runtime-net/target/classes:$(find "$root/cli/target/jocker-dist/lib" -name '*.jar' ! -name 'runtime-net-*' | tr '\n' ':')"
export cp N
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
exec "$root/tools/sandbox-run" sh -eu -c '
  java -cp "$cp" dev.jocker.kernel.NetlinkBenchmark "$N"
'

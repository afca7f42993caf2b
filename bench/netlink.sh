#!/bin/sh
# Per-container plumbing through jocker's netlink API against the same steps as iproute2 commands,
# N times each (default 1000), in a throwaway network and mount namespace. Run as root. The Java
# side runs with jockerd's JVM options (lib/jockerd.args), as the API runs in the daemon: with the
# JVM's defaults its optimising compiler takes a core from the kernel workers the plumbing waits for.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
N=${N:-1000}
"$root/jocker" --version >/dev/null
(cd "$root" && ./mvnw -B -q -o -pl runtime-net test-compile -Dspotless.check.skip=true)
dist="$root/cli/target/jocker-dist"
cp="$root/runtime-net/target/test-classes:$root/runtime-net/target/classes:$(find "$dist/lib" -name '*.jar' ! -name 'runtime-net-*' | tr '\n' ':')"
export cp dist N
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
exec "$root/tools/sandbox-run" sh -eu -c '
  java @"$dist/lib/jockerd.args" -cp "$cp" dev.jocker.kernel.NetlinkBenchmark "$N"
'

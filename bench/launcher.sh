#!/bin/sh
# Container starts, daemon side, through today's ProcessRuntime (setsid, nsenter, unshare, a shell
# shim and init script, mount(8) three times, ln, env, chroot) against jocker-launcher (one
# program doing setns, unshare, mount(2), pivot_root, capset and execve), without and with a
# cgroup and limits, N times each (default 200), interleaved, in a throwaway network and mount
# namespace. Run as root. The Java side runs with jockerd's JVM options (lib/jockerd.args).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
N=${N:-200}
"$root/jocker" --version >/dev/null
(cd "$root" && ./mvnw -B -q -pl runtime-net test-compile -Dspotless.check.skip=true)
dist="$root/cli/target/jocker-dist"
cp="$root/runtime-net/target/test-classes:$root/runtime-net/target/classes:$(find "$dist/lib" -name '*.jar' ! -name 'runtime-net-*' | tr '\n' ':')"
export cp dist N
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
exec "$root/tools/sandbox-run" sh -eu -c '
  java @"$dist/lib/jockerd.args" -cp "$cp" dev.jocker.container.LauncherBenchmark "$N"
'

#!/bin/sh
# What Docker's capabilities and a cgroup cost a container's start, in a throwaway network, mount
# and cgroup namespace, N starts each (default 200), interleaved. First the launcher alone
# (jocker-launcher: setns, unshare, mount(2), pivot_root, capset and execve, from the call to the
# answer with the PID), then daemon side (the engine's start: journal, sandbox, /etc files and the
# launcher), each with every capability and no cgroup against Docker's capability set with a cgroup,
# limits and the devices list. Run as root. The Java side runs with jockerd's JVM options
# (lib/jockerd.args). Last line: what they add to a start, daemon side (target <= 2 ms).
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
  java @"$dist/lib/jockerd.args" -cp "$cp" dev.jocker.engine.StartBenchmark "$N"
'

#!/bin/sh
# Fills a /16 with durable IPAM allocations (one SQLite transaction each) and releases them all.
# Needs no privileges and touches no network.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
"$root/jocker" --version >/dev/null
(cd "$root" && ./mvnw -B -q -o -pl runtime-net test-compile -Dspotless.check.skip=true)
cp="$root/runtime-net/target/test-classes:$root/runtime-net/target/classes:$(find "$root/cli/target/jocker-dist/lib" -name '*.jar' ! -name 'runtime-net-*' | tr '\n' ':')"
exec java -cp "$cp" dev.jocker.store.IpamBenchmark

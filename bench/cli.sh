#!/bin/bash
# Every cost of a CLI command beside its floor, in one sitting: a new client process per command, as
# a user runs them, all interleaved in one loop of N rounds (default 50) after WARMUP untimed ones
# (default 3), with the median and p99 of each and the ratios the targets are set in. Run as root.
#
#   java Hello               a hello world on the JDK jocker runs on (lib/jvm.sh), with jocker's own
#                            JVM options (lib/jocker.args) and a start-up cache recorded the same way
#   jocker --version         the JVM floor every command pays: the launcher and a JVM that answers
#                            without the daemon
#   jocker ps, run -d, rm -f against a jockerd in a throwaway network and mount namespace
#   docker ps, run -d, rm -f the stock Go client (/usr/local/bin/docker) against the same jockerd,
#                            and against a real dockerd 20.10 (tools/dockerd-sandbox, its own
#                            namespaces; busybox imported from the host's busybox-static)
#
# run -d is `run -d busybox sleep 1000`, and rm -f removes the container the same round made.
# JOCKER_JAVA_HOME picks the JDK (lib/jvm.sh). Last line `cli run -d median: X ms`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
N=${N:-50}
WARMUP=${WARMUP:-3}
docker=/usr/local/bin/docker
[ -x "$docker" ] || docker=/usr/bin/docker
"$root/jocker" --version >/dev/null
dist="$root/cli/target/jocker-dist"
work=$(mktemp -d /tmp/jocker-bench-cli.XXXXXX)
cleanup() {
  "$root/tools/dockerd-sandbox" stop "$work/dockerd" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The hello world: the JDK, options and kind of cache of bin/jocker, its cache recorded once.
home=$dist
# shellcheck source-path=SCRIPTDIR source=../cli/src/dist/lib/jvm.sh
. "$dist/lib/jvm.sh"
mkdir -p "$work/hello"
echo 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }' \
  >"$work/hello/Hello.java"
"$jdk/bin/javac" --release 17 -d "$work/hello" "$work/hello/Hello.java"
# In a jar, as jocker's classes are: a cache holds no class from a directory.
"$jdk/bin/jar" cf "$work/hello/hello.jar" -C "$work/hello" Hello.class
start_cache "$work/hello/hello" "$work/hello/hello.jar"
# shellcheck disable=SC2046 # one word per option
"$java" $(record_cache "$cache") "@$dist/lib/jocker.args" -cp "$work/hello/hello.jar" Hello >/dev/null 2>&1
start_cache "$work/hello/hello" "$work/hello/hello.jar"
[ -n "$use_cache" ] || { echo "bench/cli.sh: no start-up cache for the hello world" >&2; exit 1; }
hello="$java $use_cache @$dist/lib/jocker.args -cp $work/hello/hello.jar Hello"

dockerd_host=$("$root/tools/dockerd-sandbox" start "$work/dockerd")
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$work/rootfs/bin/$applet"
done
export DOCKER_CONFIG="$work/docker-config"
tar -C "$work/rootfs" -c . | DOCKER_HOST=$dockerd_host "$docker" import - busybox:latest >/dev/null

echo "JDK $jdk_version ($jdk), cache $(basename "$cache" | sed 's/.*\.//'); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
export N WARMUP docker dist work dockerd_host root hello
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
"$root/tools/sandbox-run" bash -euo pipefail -c '
  state="$work/jockerd"
  mkdir -p "$state"
  "$dist/bin/jockerd" --data-root "$state" --log-dir "$state/log" -H unix:///run/jocker.sock \
    >"$state/jockerd.log" 2>&1 &
  daemon=$!
  trap "kill $daemon 2>/dev/null; wait $daemon 2>/dev/null || true" EXIT
  "$root/tools/await-jockerd" "$dist/bin/jocker" "$daemon" "$state/jockerd.log"
  jockerd_host=unix:///run/jocker.sock
  jocker="$dist/bin/jocker"

  # Times one command into file $1 (microseconds, appended), its output in $work/out.
  timed() {
    local file=$1 t
    shift
    t=${EPOCHREALTIME/./}
    if ! "$@" >"$work/out" 2>"$work/err"; then
      echo "bench/cli.sh: $* failed: $(head -3 "$work/err")" >&2
      exit 1
    fi
    [ -z "$file" ] || echo $((${EPOCHREALTIME/./} - t)) >>"$work/t.$file"
  }
  round() {
    local k=$1
    timed "${k:+hello}" $hello
    timed "${k:+version}" "$jocker" --version
    timed "${k:+jocker-ps}" "$jocker" ps
    timed "${k:+docker-ps-jockerd}" env DOCKER_HOST=$jockerd_host "$docker" ps
    timed "${k:+docker-ps-dockerd}" env DOCKER_HOST=$dockerd_host "$docker" ps
    timed "${k:+jocker-run}" "$jocker" run -d busybox sleep 1000
    id=$(cat "$work/out")
    timed "${k:+jocker-rm}" "$jocker" rm -f "$id"
    timed "${k:+docker-run-jockerd}" env DOCKER_HOST=$jockerd_host "$docker" run -d busybox sleep 1000
    id=$(cat "$work/out")
    timed "${k:+docker-rm-jockerd}" env DOCKER_HOST=$jockerd_host "$docker" rm -f "$id"
    timed "${k:+docker-run-dockerd}" env DOCKER_HOST=$dockerd_host "$docker" run -d busybox sleep 1000
    id=$(cat "$work/out")
    timed "${k:+docker-rm-dockerd}" env DOCKER_HOST=$dockerd_host "$docker" rm -f "$id"
  }
  for ((i = 0; i < WARMUP; i++)); do round ""; done
  for ((i = 0; i < N; i++)); do round 1; done

  # median and p99 (nearest rank) in ms of the microseconds in $work/t.$1
  stats() { sort -n "$work/t.$1" | awk "{a[NR] = \$1} END {
    m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    r = int(NR * 0.99); if (r < NR * 0.99) r++
    printf \"%.1f %.1f\\n\", m / 1000, a[r] / 1000 }"; }
  row() {
    local m p
    read -r m p < <(stats "$1")
    printf "%-46s %8s %8s\n" "$2" "$m" "$p"
    eval "m_${1//-/_}=$m"
  }
  printf "%-46s %8s %8s   (ms, N=%d)\n" command median p99 "$N"
  row hello "java Hello (same JDK, options, cache)"
  row version "jocker --version (the JVM floor)"
  row jocker-ps "jocker ps"
  row docker-ps-jockerd "docker ps          -> jockerd"
  row docker-ps-dockerd "docker ps          -> dockerd 20.10"
  row jocker-run "jocker run -d"
  row docker-run-jockerd "docker run -d      -> jockerd"
  row docker-run-dockerd "docker run -d      -> dockerd 20.10"
  row jocker-rm "jocker rm -f"
  row docker-rm-jockerd "docker rm -f       -> jockerd"
  row docker-rm-dockerd "docker rm -f       -> dockerd 20.10"
  echo
  awk -v h="$m_hello" -v v="$m_version" -v p="$m_jocker_ps" -v dp="$m_docker_ps_jockerd" \
    -v r="$m_jocker_run" -v drj="$m_docker_run_jockerd" -v drd="$m_docker_run_dockerd" \
    -v x="$m_jocker_rm" -v dxj="$m_docker_rm_jockerd" -v dxd="$m_docker_rm_dockerd" "BEGIN {
    printf \"jocker --version - java Hello:        %+.1f ms (the launcher and the CLI'"'"'s own start)\n\", v - h
    printf \"jocker ps - jocker --version:         %+.1f ms (target <= 15 ms)\n\", p - v
    printf \"jocker ps / docker ps, same jockerd:  %.2fx\n\", p / dp
    printf \"docker run -d on dockerd / jocker run -d:  %.2fx (target >= 3x)\n\", drd / r
    printf \"docker run -d on jockerd / jocker run -d:  %.2fx (the same daemon: the clients alone)\n\", drj / r
    printf \"docker rm -f on dockerd / jocker rm -f:    %.2fx (target >= 2x)\n\", dxd / x
    printf \"docker rm -f on jockerd / jocker rm -f:    %.2fx\n\", dxj / x }"
  echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"
  echo "cli run -d median: $m_jocker_run ms"
'

#!/bin/sh
# jocker's userland proxy against Docker's docker-proxy (Debian's docker.io, run with the flags
# dockerd gives it), in the same run, on loopback in a throwaway network and mount namespace. Run as
# root. TCP throughput with iperf3, one stream then P streams (default 64); connections per second
# from a Java client with W workers (default 32) against a backend that answers each connection with
# one byte; each directly, through docker-proxy and through jocker's proxy (its JVM under jockerd's
# options, one event loop per core). Beside each rate, the CPU time the proxy process spent (from
# /proc/PID/stat), per GB or per connection: rates depend on what else the machine runs, CPU costs
# much less. Then what publishing a port costs a container's start (median of N=200): its steps
# alone, then a whole engine start with and without -p, the last line the difference.
# Installs iperf3 and docker.io from Debian when they are missing.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
SECONDS_EACH=${SECONDS_EACH:-5}
P=${P:-64}
W=${W:-32}
N=${N:-200}
missing=
command -v iperf3 >/dev/null || missing="$missing iperf3"
[ -x /usr/sbin/docker-proxy ] || missing="$missing docker.io"
if [ -n "$missing" ]; then
  # docker.io must not start a daemon: policy-rc.d forbids service starts while it installs.
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
  [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
fi
"$root/jocker" --version >/dev/null
(cd "$root" && ./mvnw -B -q -o -pl runtime-net test-compile -Dspotless.check.skip=true)
dist="$root/cli/target/jocker-dist"
cp="$root/runtime-net/target/test-classes:$root/runtime-net/target/classes:$(find "$dist/lib" -name '*.jar' ! -name 'runtime-net-*' | tr '\n' ':')"
threads=$(nproc)
export cp dist SECONDS_EACH P W N threads
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
exec "$root/tools/sandbox-run" sh -eu -c '
  work=$(mktemp -d)
  pids=
  cleanup() {
    exec 7>&- 2>/dev/null || true
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
  }
  trap cleanup EXIT
  # Short connections by the hundred thousand: room for their ephemeral ports.
  sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
  # The proxy runs as jockerd runs; the load (client, backend) with the JVM defaults.
  jocker_java() { exec java @"$dist/lib/jockerd.args" -cp "$cp" dev.jocker.portmap.ProxyBenchmark "$@"; }
  load_java() { exec java -cp "$cp" dev.jocker.portmap.ProxyBenchmark "$@"; }
  await() { until grep -q ready "$1" 2>/dev/null; do sleep 0.1; done; }

  iperf3 -s -p 5201 >/dev/null 2>&1 & pids="$pids $!"
  load_java sink 6000 >"$work/sink" & pids="$pids $!"
  /usr/sbin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8001 \
    -container-ip 127.0.0.1 -container-port 5201 3>/dev/null 2>/dev/null &
  docker_bulk=$!
  /usr/sbin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 9001 \
    -container-ip 127.0.0.1 -container-port 6000 3>/dev/null 2>/dev/null &
  docker_conn=$!
  pids="$pids $docker_bulk $docker_conn"
  mkfifo "$work/in"
  jocker_java proxy "$threads" 8002:5201 9002:6000 <"$work/in" >"$work/proxy" & jocker=$!
  pids="$pids $jocker"
  exec 7>"$work/in"
  await "$work/sink"; await "$work/proxy"

  ticks() { awk "{print \$14 + \$15}" "/proc/$1/stat"; }
  hz=$(getconf CLK_TCK)
  gbits() { # PORT STREAMS SECONDS: receiver Gbit/s
    iperf3 -c 127.0.0.1 -p "$1" -P "$2" -t "$3" -f g |
      awk "/receiver/ && (\"$2\" == 1 || /SUM/) {v=\$(NF-2)} END {print v}"
  }
  rate() { (load_java connrate "$1" "$2" "$W") | awk "{print \$1}"; }
  ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
  # Warm-up: the JIT compiles the proxy before anything is measured.
  gbits 8002 4 2 >/dev/null; rate 9002 2 >/dev/null; gbits 8001 4 1 >/dev/null; rate 9001 1 >/dev/null

  bulk() { # PORT STREAMS PID: "Gbit/s ms-of-CPU-per-GB"
    t0=$(ticks "$3"); g=$(gbits "$1" "$2" "$SECONDS_EACH"); t1=$(ticks "$3")
    echo "$g $(awk "BEGIN {printf \"%.0f\", ($t1 - $t0) * 1000 / $hz / ($g / 8 * $SECONDS_EACH)}")"
  }
  for streams in 1 "$P"; do
    direct=$(gbits 5201 "$streams" "$SECONDS_EACH")
    set -- $(bulk 8001 "$streams" "$docker_bulk"); docker=$1; docker_cpu=$2
    set -- $(bulk 8002 "$streams" "$jocker"); jocker_gb=$1; jocker_cpu=$2
    echo "TCP, $streams stream(s): direct $direct Gbit/s; docker-proxy $docker Gbit/s ($docker_cpu ms CPU/GB); jocker $jocker_gb Gbit/s ($jocker_cpu ms CPU/GB)"
    echo "throughput ratio jocker/docker-proxy, $streams stream(s): $(ratio "$jocker_gb" "$docker")x (CPU per GB: $(ratio "$docker_cpu" "$jocker_cpu")x less)"
  done
  conns() { # PORT PID: "connections/s µs-of-CPU-per-connection"
    t0=$(ticks "$2"); r=$(rate "$1" "$SECONDS_EACH"); t1=$(ticks "$2")
    echo "$r $(awk "BEGIN {printf \"%.0f\", ($t1 - $t0) * 1000000 / $hz / ($r * $SECONDS_EACH)}")"
  }
  direct=$(rate 6000 "$SECONDS_EACH")
  set -- $(conns 9001 "$docker_conn"); docker=$1; docker_cpu=$2
  set -- $(conns 9002 "$jocker"); jocker_rate=$1; jocker_cpu=$2
  echo "connections/s ($W workers): direct $direct; docker-proxy $docker ($docker_cpu us CPU each); jocker $jocker_rate ($jocker_cpu us CPU each)"
  echo "connection rate ratio jocker/docker-proxy: $(ratio "$jocker_rate" "$docker")x (CPU per connection: $(ratio "$docker_cpu" "$jocker_cpu")x less)"
  echo "jocker proxy event-loop threads: $(cat /proc/"$jocker"/task/*/comm | grep -c jocker-proxy) (cores: $threads); docker-proxy: one process per published port and address family"
  (jocker_java publish "$N")
  # And through the whole engine: a container start with and without -p 8080:80, in turn.
  java @"$dist/lib/jockerd.args" -cp "$cp" dev.jocker.engine.PublishStartBenchmark "$N"
'

#!/bin/sh
# Provisions the jocker lab (Debian 12, as root): installs what jocker and the lab use, builds jocker
# from the checkout, installs it and runs jockerd as a systemd service. Idempotent: a second run
# changes nothing and says so. --no-system skips the apt and systemd parts, for CI and containers
# without a booted systemd. PREFIX (default /usr/local) and JOCKER_HOME (default /opt/jocker) say
# where jocker goes. For the multi-host lab: --cluster-store and --cluster-advertise go on jockerd's
# command line in its unit (the lab edits daemon.json), and --etcd=ADDRESS runs Debian's etcd on
# ADDRESS:2379 (and localhost).
set -eu

usage() {
  echo "usage: provision.sh [--no-system] [--etcd=ADDRESS] [--cluster-store=etcd://HOST:PORT" \
    "--cluster-advertise=ADDRESS:PORT] [CHECKOUT]" >&2
  exit 2
}

system=1
checkout=
etcd=
cluster_store=
cluster_advertise=
for arg in "$@"; do
  case "$arg" in
    --no-system) system=0 ;;
    --etcd=*) etcd=${arg#--etcd=} ;;
    --cluster-store=*) cluster_store=${arg#--cluster-store=} ;;
    --cluster-advertise=*) cluster_advertise=${arg#--cluster-advertise=} ;;
    -h | --help) usage ;;
    -*)
      echo "provision.sh: unknown option $arg" >&2
      usage
      ;;
    *) checkout=$arg ;;
  esac
done
[ -n "$checkout" ] || checkout=$(cd "$(dirname "$0")/.." && pwd -P)
if [ ! -x "$checkout/jocker" ]; then
  echo "provision.sh: $checkout is not a jocker checkout (it has no ./jocker)" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "provision.sh: run as root (sudo lab/provision.sh)" >&2
  exit 1
fi
if { [ -z "$cluster_store" ] && [ -n "$cluster_advertise" ]; } ||
  { [ -n "$cluster_store" ] && [ -z "$cluster_advertise" ]; }; then
  echo "provision.sh: --cluster-store and --cluster-advertise go together" >&2
  usage
fi
prefix=${PREFIX:-/usr/local}
home=${JOCKER_HOME:-/opt/jocker}
unit=/etc/systemd/system/jockerd.service

say() {
  echo "provision: $*"
}

# Java and a C compiler (the container launcher) to build and run jocker; the tools the lab looks
# through (ip, brctl, iptables, tcpdump).
packages="openjdk-17-jdk-headless gcc libc6-dev iproute2 iptables bridge-utils busybox-static tcpdump
  conntrack util-linux ca-certificates"
# The cluster store of the multi-host chapter, and etcdctl to look into it.
[ -z "$etcd" ] || packages="$packages etcd-server etcd-client"

install_packages() {
  missing=
  for p in $packages; do
    if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing="$missing $p"
    fi
  done
  if [ -z "$missing" ]; then
    say "packages: all present"
    return
  fi
  say "packages: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086 # one word per package
  apt-get install -y -q --no-install-recommends $missing
}

build() {
  # ./jocker rebuilds only when a source is newer than the distribution.
  "$checkout/jocker" --version >/dev/null
  say "build: $("$checkout/jocker" --version)"
}

install_jocker() {
  dist="$checkout/cli/target/jocker-dist"
  # The start-up caches and the JDK found are the installation's own (bin/jocker, lib/jvm.sh).
  if diff -rq --exclude='*.aot' --exclude='*.jsa' --exclude=jdk "$dist" "$home" >/dev/null 2>&1 &&
    [ "$(readlink "$prefix/bin/jocker")" = "$home/bin/jocker" ] &&
    [ "$(readlink "$prefix/bin/jockerd")" = "$home/bin/jockerd" ]; then
    say "install: $prefix/bin/jocker is current"
    return
  fi
  PREFIX=$prefix JOCKER_HOME=$home "$checkout/jocker" install | sed 's/^/provision: install: /'
  installed=1
}

# etcd for the lab's overlay networks: the first VM's private address and localhost, one member.
etcd_text() {
  cat <<ETCD
ETCD_NAME=jocker-lab
ETCD_DATA_DIR=/var/lib/etcd/jocker-lab
ETCD_LISTEN_CLIENT_URLS=http://$etcd:2379,http://127.0.0.1:2379
ETCD_ADVERTISE_CLIENT_URLS=http://$etcd:2379
ETCD
}

etcd_service() {
  if [ -f /etc/default/etcd ] && [ "$(etcd_text)" = "$(cat /etc/default/etcd)" ] &&
    systemctl is-active --quiet etcd; then
    say "etcd: running on $etcd:2379"
    return
  fi
  etcd_text >/etc/default/etcd
  systemctl enable --quiet etcd
  systemctl restart etcd
  say "etcd: (re)started on $etcd:2379"
}

# jockerd's cluster options, when this VM takes part in the multi-host chapter.
cluster_flags=
[ -z "$cluster_store" ] ||
  cluster_flags=" --cluster-store $cluster_store --cluster-advertise $cluster_advertise"

unit_text() {
  cat <<UNIT
[Unit]
Description=jocker daemon: Docker's default bridge networking, rebuilt on rtnetlink
Documentation=file://$checkout/lab/LAB.md
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=$prefix/bin/jockerd$cluster_flags
# Containers outlive a restart of the daemon (live restore), as under Docker: stop only jockerd.
KillMode=process
Restart=on-failure

[Install]
WantedBy=multi-user.target
UNIT
}

service() {
  if [ -f "$unit" ] && [ "$(unit_text)" = "$(cat "$unit")" ]; then
    changed=0
  else
    unit_text >"$unit"
    systemctl daemon-reload
    changed=1
    say "service: wrote $unit"
  fi
  if ! systemctl is-enabled --quiet jockerd; then
    systemctl enable --quiet jockerd
    say "service: enabled jockerd"
  fi
  if ! systemctl is-active --quiet jockerd; then
    systemctl start jockerd
    say "service: started jockerd"
  elif [ "$changed" = 1 ] || [ "$installed" = 1 ]; then
    systemctl restart jockerd
    say "service: restarted jockerd (new unit or new build)"
  else
    say "service: jockerd is running"
  fi
  i=0
  until "$prefix/bin/jocker" ps >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 60 ]; then
      echo "provision.sh: jockerd did not answer in 30 s; see: journalctl -u jockerd" >&2
      exit 1
    fi
    sleep 0.5
  done
}

installed=0
if [ "$system" = 1 ]; then
  install_packages
fi
build
install_jocker
if [ "$system" = 1 ]; then
  [ -z "$etcd" ] || etcd_service
  service
  say "ready: vagrant ssh, then follow $checkout/lab/LAB.md"
else
  say "ready (--no-system: no packages, no service; start $prefix/bin/jockerd yourself)"
fi

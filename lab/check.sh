#!/bin/sh
# The lab's checks, run by test.sh (as root): lints the Vagrantfile and every shell script, runs
# lab/provision.sh twice without its apt and systemd parts into a throwaway prefix and proves that the
# second run changes nothing, then runs the commands of LAB.md's steps 1 to 3 (between its ci:begin
# and ci:end marks) exactly as written, against a jockerd started from that install, inside a
# throwaway network namespace, its exec root a directory of its own (the machine's processes are
# visible from there, and another jockerd takes those under its own exec root path for its own).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"

say() {
  echo "lab/check.sh: $*"
}
fail() {
  echo "lab/check.sh: FAILED: $*" >&2
  exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say "shellcheck (-x: and the files the scripts source)"
shellcheck -x lab/provision.sh lab/check.sh test.sh jocker mvnw .ci/run tools/sandbox-run \
  tools/await-jockerd tools/sandbox-jvm/bin/java tools/dockerd-sandbox tools/record-docker-goldens bench/*.sh \
  cli/src/dist/bin/jocker cli/src/dist/bin/jockerd cli/src/dist/bin/jocker-cni-jvm

say "vagrant validate"
# No call home to HashiCorp, and no ~/.vagrant.d or .vagrant/ left behind.
VAGRANT_CHECKPOINT_DISABLE=1 VAGRANT_HOME="$work/vagrant.d" VAGRANT_DOTFILE_PATH="$work/dot-vagrant" \
  vagrant validate --ignore-provider

export PREFIX="$work/prefix" JOCKER_HOME="$work/opt" CNI_BIN_DIR="$work/cni-bin"
installed() {
  find "$PREFIX" "$JOCKER_HOME" -printf '%p %s %T@ %l\n' | sort
}
say "provision.sh --no-system, twice"
lab/provision.sh --no-system >"$work/first.log" || fail "provisioning: $(cat "$work/first.log")"
first=$(installed)
lab/provision.sh --no-system >"$work/second.log"
[ "$first" = "$(installed)" ] || fail "the second provisioning run changed the installation"
grep -q "is current" "$work/second.log" || fail "second run: $(cat "$work/second.log")"

say "LAB.md steps 1 to 3, against the provisioned jocker"
awk '/<!-- ci:begin/ {on = 1} /<!-- ci:end/ {on = 0}
  on && /^```sh$/ {code = 1; next} /^```/ {code = 0; next} on && code' lab/LAB.md >"$work/steps.sh"
grep -q 'jocker run' "$work/steps.sh" || fail "no commands between the ci marks of lab/LAB.md"
export work
# The exec root on the sandbox's own /run: a container's attach socket lives under it, and a unix
# socket's path has 108 bytes at most.
# shellcheck disable=SC2016 # the script is expanded by the inner shell, in the sandbox
tools/sandbox-run sh -eu -c '
  "$PREFIX/bin/jockerd" --data-root "$work/state" --exec-root /run/jocker-lab --log-dir "$work/log" \
    >"$work/jockerd.out" 2>&1 &
  daemon=$!
  trap "kill $daemon; wait $daemon || true" EXIT
  tools/await-jockerd "$PREFIX/bin/jocker" "$daemon" "$work/jockerd.out"
  PATH="$PREFIX/bin:$PATH"
  sudo() { "$@"; }
  . "$work/steps.sh" >"$work/steps.out" 2>&1 || { cat "$work/steps.out"; exit 1; }
  jocker rm -f test1 test2 >/dev/null
'
for want in "inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0" \
  "link/ether 02:42:ac:11:00:02" "default via 172.17.0.1 dev eth0" \
  "3 packets transmitted, 3 packets received, 0% packet loss"; do
  grep -qF "$want" "$work/steps.out" || fail "LAB.md steps 1 to 3 did not show: $want
$(cat "$work/steps.out")"
done
say "ok: shellcheck, vagrant validate, idempotent provisioning, LAB.md steps 1 to 3"

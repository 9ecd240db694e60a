#!/usr/bin/env bash
# Integration: the Debian package. `cpack -G DEB` builds dpf_VERSION_ARCH.deb; its contents,
# Depends, conffiles and maintainer scripts are checked; then it is installed with a real
# `dpkg -i` into a clean root and run there as its systemd unit would run it.
#
# The clean root is an overlay of this machine's / (a tmpfs takes every write) in a mount, PID
# and network namespace of its own, entered with chroot: dpkg installs into it for real, with this
# machine's installed libraries satisfying Depends, and nothing reaches the host's /; leaving the
# namespaces removes it all. There, the test checks that dpf was not there before, installs the
# package, runs `dpf --version`, formats the installed man pages with man and mandoc, writes a
# one-node cluster file on net_null devices, runs the unit's ExecStartPre and ExecStart (read from
# the installed unit file, %i replaced by the node's name: systemd is not running here), asks the
# node `dpfctl -s info`, reloads it with the unit's ExecReload, stops it with SIGTERM and checks it
# stopped within 2 s with exit 0; then removes and purges the package.
# usage: package.sh BUILD_DIR
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
BUILD=$(cd "$1" && pwd)
LAB_ID=package
[ "$(id -u)" = 0 ] || skip "needs root for mount namespaces and dpkg"
for tool in cpack dpkg-deb unshare chroot mandoc; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup installs what tests need)"
done
LAB_DIR=$(mktemp -d /tmp/dpf-package.XXXXXX)
UNSHARE_PID=""
package_cleanup() {
  local rc=$?
  set +e
  # The namespace's first process: when it goes, the kernel ends every process of the namespace
  # (the node included) and the overlay and its tmpfs go with the mount namespace.
  [ -n "$UNSHARE_PID" ] && kill -KILL "$UNSHARE_PID" 2>/dev/null
  [ -n "$UNSHARE_PID" ] && wait "$UNSHARE_PID" 2>/dev/null
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    for f in "$LAB_DIR"/*.log; do [ -f "$f" ] && { echo "---- $f"; tail -n 40 "$f"; }; done
  fi
  umount -R "$LAB_DIR/root" 2>/dev/null
  rm -rf "$LAB_DIR"
  exit "$rc"
}
trap package_cleanup EXIT
trap 'exit 130' INT TERM

log "cpack -G DEB"
cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$LAB_DIR/pkg" >"$LAB_DIR/cpack.log" 2>&1 ||
  fail "cpack failed: $(tail -n 5 "$LAB_DIR/cpack.log")"
debs=("$LAB_DIR"/pkg/dpf_*_*.deb)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || fail "cpack made no dpf_VERSION_ARCH.deb: $(ls "$LAB_DIR/pkg")"
DEB=${debs[0]}
version=$(sed -nE 's/^project\(dpf VERSION ([0-9.]+).*/\1/p' "$HERE/../../CMakeLists.txt")
[ "$(basename "$DEB")" = "dpf_${version}_$(dpkg --print-architecture).deb" ] ||
  fail "the package is $(basename "$DEB"), not dpf_${version}_$(dpkg --print-architecture).deb"
log "  $(basename "$DEB")"

# Contents: what goes where, and no cluster file of ours in /etc.
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$LAB_DIR/contents"
for f in /usr/sbin/dpf /usr/sbin/dpfctl /usr/share/man/man8/dpf.8.gz /usr/share/man/man8/dpfctl.8.gz \
  /usr/share/man/man5/dpf.yaml.5.gz "/usr/lib/systemd/system/dpf@.service" /etc/dpf/README \
  /usr/share/doc/dpf/examples/router.yaml /usr/share/doc/dpf/examples/router.pf.conf \
  /usr/share/doc/dpf/examples/pfsync-pair.yaml /usr/share/doc/dpf/examples/pfsync-pair.pf.conf; do
  grep -qxF "$f" "$LAB_DIR/contents" || fail "the package has no $f"
done
[ "$(grep -c '^/etc/.*[^/]$' "$LAB_DIR/contents")" = 1 ] ||
  fail "the package puts more than its README in /etc: $(grep '^/etc/' "$LAB_DIR/contents" | tr '\n' ' ')"
grep -q '^/usr/local/' "$LAB_DIR/contents" && fail "the package installs into /usr/local"
depends=$(dpkg-deb -f "$DEB" Depends)
log "  Depends: $depends"
for d in librte-eal23 librte-ethdev23 librte-mempool-ring23 libyaml-cpp0.7 libssl3 libstdc++6 libc6; do
  [[ ", $depends," == *", $d "* || ", $depends," == *", $d,"* ]] || fail "Depends lacks $d: $depends"
done
mkdir "$LAB_DIR/control"
dpkg-deb -e "$DEB" "$LAB_DIR/control"
[ "$(cat "$LAB_DIR/control/conffiles")" = /etc/dpf/README ] ||
  fail "conffiles is not /etc/dpf/README alone: $(cat "$LAB_DIR/control/conffiles")"
for s in postinst prerm postrm; do
  [ -x "$LAB_DIR/control/$s" ] || fail "no executable $s"
  grep -v '^ *#' "$LAB_DIR/control/$s" |
    grep -qE 'systemctl +(start|enable|restart)|deb-systemd-invoke +start' &&
    fail "$s starts or enables a unit: a node needs its cluster file first"
done
grep -q 'systemctl daemon-reload' "$LAB_DIR/control/postinst" || fail "postinst does not reload systemd"

host_state() { ls -d /usr/sbin/dpf /etc/dpf /etc/dpf/* "/usr/lib/systemd/system/dpf@.service" 2>/dev/null || true; }
HOST_BEFORE=$(host_state)

# The clean root. The script below runs as the first process of new mount, PID and network
# namespaces; it builds the overlay and runs the checks inside it with chroot.
mkdir "$LAB_DIR/root"
cp "$DEB" "$LAB_DIR/dpf.deb"
cat >"$LAB_DIR/enter.sh" <<'SH'
set -euo pipefail
R=$1/root
mount -t tmpfs -o size=1g dpf-package "$R"
mkdir "$R/upper" "$R/work" "$R/merged"
M=$R/merged
mount -t overlay overlay -o "lowerdir=/,upperdir=$R/upper,workdir=$R/work" "$M"
mount -t proc proc "$M/proc"
mount --rbind /sys "$M/sys"
mount --rbind /dev "$M/dev"
mount -t tmpfs tmpfs "$M/dev/shm"
mount -t tmpfs tmpfs "$M/run"
mount -t tmpfs tmpfs "$M/tmp"
cp "$1/dpf.deb" "$1/inroot.sh" "$M/tmp/"
ip link set lo up
exec chroot "$M" /bin/bash /tmp/inroot.sh
SH
cat >"$LAB_DIR/inroot.sh" <<'SH'
# Inside the clean root: / is the overlay, dpkg's database its own.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
say() { echo "  $*"; }
cd /tmp
# The root is clean of dpf: no package (one the host has installed is purged here, in the
# overlay only), no binary, no unit.
if dpkg -s dpf >/dev/null 2>&1; then
  say "the host has a dpf package: purged in the clean root first"
  dpkg -P dpf >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; fail "dpkg -P of the host's dpf failed"; }
fi
for f in /usr/sbin/dpf /usr/sbin/dpfctl "/usr/lib/systemd/system/dpf@.service" /etc/dpf; do
  [ ! -e "$f" ] || fail "$f is there before the package is installed"
done
dpkg -i /tmp/dpf.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; fail "dpkg -i failed"; }
[ "$(dpkg-query -W -f='${db:Status-Status}' dpf)" = installed ] || fail "dpf is not installed after dpkg -i"
say "dpkg -i: installed; /etc/dpf: $(ls /etc/dpf | tr '\n' ' ')"
[ "$(ls /etc/dpf)" = README ] || fail "/etc/dpf holds more than the README"
# Nothing was started: no dpf process in this PID namespace.
pgrep -x dpf >/dev/null && fail "installing the package started dpf"

out=$(/usr/sbin/dpf --version) || fail "dpf --version exited with an error"
[[ "$out" =~ ^dpf\ [0-9]+\.[0-9]+\.[0-9]+\ \(DPDK\ 22\.11 ]] || fail "dpf --version printed: $out"
say "$out"
[[ "$(/usr/sbin/dpfctl --version)" =~ ^dpfctl\ [0-9.]+$ ]] || fail "dpfctl --version: $(/usr/sbin/dpfctl --version)"
for page in /usr/share/man/man8/dpf.8.gz /usr/share/man/man8/dpfctl.8.gz /usr/share/man/man5/dpf.yaml.5.gz; do
  mandoc -T lint -W warning "$page" || fail "mandoc finds problems in the installed $page"
  name=$(basename "$page" .gz)
  name=${name%.*}
  # Whole outputs first: grep -q leaving a pipe early would fail it under pipefail.
  text=$(man -l "$page" 2>/dev/null | col -b)
  grep -q "^NAME" <<<"$text" || fail "man -l $page prints no NAME section"
  text=$(mandoc -T ascii "$page" | col -b)
  grep -qE "^ +$name " <<<"$text" || fail "the installed $page does not name $name"
done
say "man pages: mandoc lint clean, man -l formats them"

# A one-node cluster file on null devices, as an operator would write it.
cat >/etc/dpf/dpf.yaml <<'YAML'
cluster: { name: pkg, rules: fw.pf.conf }
nodes:
  fw-a:
    eal: [-l, "0-1", --no-huge, -m, "256", --no-pci, --file-prefix, dpf-package, --log-level, "*:warning"]
    lcores: { workers: 1 }
    interfaces:
      sis0: { device: "net_null0", address: 10.0.0.254/24 }
      sis1: { device: "net_null1", address: 192.168.0.254/24 }
    api: { listen: "127.0.0.1:9080" }
YAML
printf 'block all\npass out keep state\n' >/etc/dpf/fw.pf.conf

# The unit's commands, as systemd would run them for dpf@fw-a.
unit=/usr/lib/systemd/system/dpf@.service
line() { sed -nE "s/^$1=//p" "$unit" | sed 's/%i/fw-a/g'; }
pre=$(line ExecStartPre)
start=$(line ExecStart)
reload=$(line ExecReload)
[ -n "$pre" ] && [ -n "$start" ] && [ -n "$reload" ] || fail "the unit lacks ExecStartPre, ExecStart or ExecReload"
grep -qx 'KillSignal=SIGTERM' "$unit" || fail "the unit does not stop dpf with SIGTERM"
say "ExecStartPre=$pre"
$pre || fail "ExecStartPre failed"
say "ExecStart=$start"
$start >/tmp/dpf.out 2>/tmp/dpf.err &
pid=$!
ok=""
for _ in $(seq 100); do
  kill -0 "$pid" 2>/dev/null || break
  if info=$(/usr/sbin/dpfctl -s info 2>/dev/null); then ok=1; break; fi
  sleep 0.2
done
[ -n "$ok" ] || { cat /tmp/dpf.out /tmp/dpf.err; fail "the node did not answer dpfctl -s info within 20 s"; }
grep -q "Node: fw-a" <<<"$info" || fail "dpfctl -s info does not name node fw-a: $info"
say "dpfctl -s info: $(head -n 1 <<<"$info")"
rules=$(/usr/sbin/dpfctl -s rules)
[ "$(wc -l <<<"$rules")" = 2 ] && grep -q '^block drop all$' <<<"$rules" ||
  fail "dpfctl -s rules does not show /etc/dpf/fw.pf.conf: $rules"

# ExecReload: SIGHUP reloads the ruleset from /etc/dpf.
printf 'block all\npass out keep state\npass in on sis1 keep state\n' >/etc/dpf/fw.pf.conf
MAINPID=$pid
eval "$reload"
for _ in $(seq 50); do
  [ "$(/usr/sbin/dpfctl -s rules | wc -l)" = 3 ] && break
  sleep 0.1
done
[ "$(/usr/sbin/dpfctl -s rules | wc -l)" = 3 ] || { cat /tmp/dpf.err; fail "ExecReload did not load the new ruleset"; }
grep -q "ruleset /etc/dpf/fw.pf.conf reloaded" /tmp/dpf.err || fail "the reload is not logged"
say "ExecReload: ruleset reloaded"

# KillSignal=SIGTERM: stopped within 2 s, exit 0.
t0=$(date +%s%N)
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" = 0 ] || { cat /tmp/dpf.err; fail "dpf exited $rc on SIGTERM"; }
[ "$ms" -le 2000 ] || fail "dpf took $ms ms to stop on SIGTERM"
grep -q "dpf\[fw-a\] notice: node fw-a stopped" /tmp/dpf.err || fail "dpf did not say it stopped"
say "SIGTERM: stopped in $ms ms, exit 0"

# Removal keeps the operator's files and the conffile; purge removes the conffile only.
dpkg -r dpf >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; fail "dpkg -r failed"; }
[ ! -e /usr/sbin/dpf ] && [ ! -e "$unit" ] || fail "dpkg -r left the binary or the unit"
[ -f /etc/dpf/README ] && [ -f /etc/dpf/dpf.yaml ] || fail "dpkg -r removed files from /etc/dpf"
dpkg -P dpf >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; fail "dpkg -P failed"; }
[ ! -e /etc/dpf/README ] || fail "dpkg -P left the conffile /etc/dpf/README"
[ -f /etc/dpf/dpf.yaml ] || fail "dpkg -P removed the operator's cluster file"
say "dpkg -r, dpkg -P: the operator's /etc/dpf/dpf.yaml stays"
SH

log "dpkg -i into a clean root (overlay of / in its own namespaces)"
unshare --mount --pid --net --fork --propagation private bash "$LAB_DIR/enter.sh" "$LAB_DIR" \
  >"$LAB_DIR/root.log" 2>&1 &
UNSHARE_PID=$!
rc=0
wait "$UNSHARE_PID" || rc=$?
UNSHARE_PID=""
sed 's/^/  /' "$LAB_DIR/root.log"
[ "$rc" = 0 ] || fail "the checks in the clean root failed (exit $rc)"
# Nothing of it reached the host.
[ "$(host_state)" = "$HOST_BEFORE" ] || fail "the host's dpf files changed: $(host_state)"
log "PASS"

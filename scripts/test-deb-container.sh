#!/usr/bin/env bash
# Installs the Debian package on a clean Debian 12 and runs the kiosk under
# a real systemd: a minimal bookworm made by debootstrap from Debian's
# archive (cached), booted with systemd-nspawn in its own network
# namespace. Checks, in order:
#   - apt-get install ./meshcall_*.deb pulls in its dependencies; the
#     meshcall system user exists; the unit is not enabled by the install;
#     systemd-analyze verify accepts the unit;
#   - systemctl start meshcall-kiosk returns once meshcall said READY=1
#     (Type=notify); the unit is active with the STATUS line meshcall sent
#     and runs as meshcall; GET /health answers 200 from inside the container;
#   - a stuck main loop (SIGSTOP, with WatchdogSec=4 in a drop-in) is killed
#     by the watchdog and the kiosk restarted and in the call again;
#   - meshcall-record@container\x2dtest.service (the call id has a '-')
#     records the kiosk's call as rec-container-test, runs as meshcall, and
#     systemctl stop finalizes its file;
#   - systemctl stop leaves the call; dpkg --purge removes the package.
#
#   scripts/test-deb-container.sh [DEB]   (default: scripts/build-deb.sh's)
# Needs root, debootstrap and systemd-container (scripts/setup.sh --deps),
# network access to Debian's archive the first time (the clean root is kept
# in $MESHCALL_CONTAINER_CACHE, default /var/tmp/meshcall-container) and for
# the package's dependencies. Takes 1-3 minutes after the first run.
set -euo pipefail
cd "$(dirname "$0")/.."

deb=${1:-}
if [ -z "$deb" ]; then
  deb=$(scripts/build-deb.sh | tail -n 1)
fi
[ -f "$deb" ] || { echo "container: no package at $deb" >&2; exit 1; }
for tool in debootstrap systemd-nspawn nsenter; do
  command -v "$tool" >/dev/null || { echo "container: $tool is missing (scripts/setup.sh --deps)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "container: needs root (debootstrap, systemd-nspawn)" >&2; exit 1; }

cache=${MESHCALL_CONTAINER_CACHE:-/var/tmp/meshcall-container}
base=$cache/bookworm
run=$cache/run.$$
leader=""
nspawn_pid=""
mkdir -p "$cache"

log() { echo "[$(date +%T)] $*"; }
fail() {
  echo "FAIL: $*" >&2
  [ -n "$leader" ] && nsenter -t "$leader" -a journalctl --no-pager -n 60 -u meshcall-kiosk >&2 || true
  exit 1
}
cleanup() {
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -TERM "$nspawn_pid" 2>/dev/null || true   # nspawn powers the container off
    for _ in $(seq 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$nspawn_pid" 2>/dev/null || true
  fi
  rm -rf "$run"
}
trap cleanup EXIT

if [ ! -x "$base/usr/lib/systemd/systemd" ]; then
  log "debootstrap: a minimal bookworm with systemd into $base (once)"
  rm -rf "$base.tmp"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm "$base.tmp" \
    http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 || { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
  mv "$base.tmp" "$base"
fi
log "a fresh copy of the clean root"
cp -a "$base" "$run"
cp /etc/resolv.conf "$run/etc/resolv.conf"
mkdir -p "$run/root/deb"
cp "$deb" "$run/root/deb/"
debname=$(basename "$deb")

# (nspawn's "Attempted to remove disk file system under /run/systemd/nspawn/..."
# at exit is about its own bookkeeping: left out.)
in_root() {
  systemd-nspawn -q --register=no --keep-unit -D "$run" --pipe "$@" 2> >(grep -v 'Attempted to remove disk' >&2)
}

log "apt-get install ./$debname"
in_root sh -c "apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  --no-install-recommends /root/deb/$debname" >"$cache/install.log" 2>&1 ||
  { tail -n 30 "$cache/install.log" >&2; fail "the package did not install"; }
in_root getent passwd meshcall | grep -Eq '^meshcall:x:[0-9]+:[0-9]+:meshcall kiosk[,]*:/var/lib/meshcall:/usr/sbin/nologin$' ||
  fail "no meshcall system user: $(in_root getent passwd meshcall || true)"
[ ! -e "$run/etc/systemd/system/multi-user.target.wants/meshcall-kiosk.service" ] ||
  fail "installing the package enabled the kiosk"
# --man=no: minbase has no man(1) to look the Documentation= pages up with.
in_root systemd-analyze verify --man=no /lib/systemd/system/meshcall-kiosk.service >"$cache/verify.log" 2>&1 ||
  { cat "$cache/verify.log" >&2; fail "systemd-analyze verify rejects the unit"; }
log "installed: user meshcall, unit not enabled, systemd-analyze verify clean"

# No screen, camera or microphone in here: headless with test sources, and a
# status port; a short watchdog for the stuck-loop check.
cat >"$run/etc/default/meshcall-kiosk" <<'CONF'
MESHCALL_CALL_ID=container-test
MESHCALL_ARGS=--headless --video test --audio test --status-listen 127.0.0.1:9100
CONF
mkdir -p "$run/etc/systemd/system/meshcall-kiosk.service.d"
printf '[Service]\nWatchdogSec=4\n' >"$run/etc/systemd/system/meshcall-kiosk.service.d/test.conf"

log "booting it under systemd (systemd-nspawn -b, private network)"
systemd-nspawn -b -q --register=no --keep-unit --private-network -D "$run" --console=passive \
  >"$cache/boot.log" 2>&1 &
nspawn_pid=$!
for _ in $(seq 300); do
  leader=$(pgrep -P "$nspawn_pid" -x systemd || true)
  [ -n "$leader" ] && break
  sleep 0.1
done
[ -n "$leader" ] || fail "the container's systemd did not start: $(cat "$cache/boot.log")"
inside() { nsenter -t "$leader" -a "$@"; }
for _ in $(seq 300); do
  state=$(inside systemctl is-system-running 2>/dev/null || true)
  case "$state" in running|degraded) break ;; esac
  sleep 0.1
done
log "systemd is $state"

show() { inside systemctl show -p "$1" --value meshcall-kiosk; }
health() { nsenter -t "$leader" -n curl -s -o /dev/null -w '%{http_code}' --max-time 3 http://127.0.0.1:9100/health; }

timeout 60 nsenter -t "$leader" -a systemctl start meshcall-kiosk || fail "systemctl start meshcall-kiosk failed"
[ "$(show ActiveState)/$(show SubState)" = active/running ] || fail "the kiosk is $(show ActiveState)/$(show SubState)"
status=$(show StatusText)
[ "$status" = "in call container-test: waiting for others" ] || fail "StatusText is '$status'"
user=$(inside ps -o user= -p "$(show MainPID)")
[ "$user" = meshcall ] || fail "the kiosk runs as '$user', not meshcall"
[ "$(health)" = 200 ] || fail "GET /health answered $(health)"
log "systemctl start: active, STATUS '$status', user $user, /health 200"

pid=$(show MainPID)
restarts=$(show NRestarts)
inside kill -STOP "$pid"
log "main loop stopped (SIGSTOP $pid); waiting for the watchdog"
for _ in $(seq 200); do
  new=$(show MainPID)
  [ "$new" != "$pid" ] && [ "$new" != 0 ] && [ "$(show ActiveState)" = active ] && break
  sleep 0.1
done
[ "$new" != "$pid" ] && [ "$new" != 0 ] || fail "the stuck kiosk was not restarted within 20 s"
inside journalctl --no-pager -u meshcall-kiosk | grep -q 'Watchdog timeout' || fail "the journal shows no watchdog timeout"
[ "$(show NRestarts)" -gt "$restarts" ] || fail "NRestarts did not grow"
for _ in $(seq 100); do [ "$(health)" = 200 ] && break; sleep 0.1; done
[ "$(health)" = 200 ] || fail "after the restart /health answered $(health)"
log "watchdog: killed the stuck process, restarted (pid $pid -> $new), in the call again"

# The recorder's unit, for a call id with a '-' (named as systemd-escape
# names it), records the kiosk (whose own server it finds on 127.0.0.1:7300).
rec_unit=$(systemd-escape --template meshcall-record@.service container-test)
rec_show() { inside systemctl show -p "$1" --value "$rec_unit"; }
rec_manifest=$run/var/lib/meshcall/recordings/container-test/manifest.json
rec_exec=$(rec_show ExecStart)
grep -q -- '--peer-id rec-container-test .* container-test ;' <<<"$rec_exec" ||
  fail "$rec_unit does not record container-test as rec-container-test: $rec_exec"
timeout 30 nsenter -t "$leader" -a systemctl start "$rec_unit" || fail "systemctl start $rec_unit failed"
for _ in $(seq 300); do
  grep -q '"state" : "recording"' "$rec_manifest" 2>/dev/null && break
  sleep 0.1
done
grep -q '"state" : "recording"' "$rec_manifest" 2>/dev/null ||
  { inside journalctl --no-pager -n 30 -u "$rec_unit" >&2; fail "$rec_unit records no file of the kiosk within 30 s"; }
[ "$(rec_show ActiveState)/$(rec_show SubState)" = active/running ] || fail "$rec_unit is $(rec_show ActiveState)"
[ "$(inside ps -o user= -p "$(rec_show MainPID)")" = meshcall ] || fail "$rec_unit does not run as meshcall"
sleep 2   # a few seconds recorded (nothing to wait for)
inside systemctl stop "$rec_unit"
[ "$(rec_show ActiveState)" = inactive ] && [ "$(rec_show Result)" = success ] ||
  fail "after stop $rec_unit is $(rec_show ActiveState) ($(rec_show Result))"
grep -q '"state" : "finished"' "$rec_manifest" && ! grep -q '"end" : null' "$rec_manifest" ||
  fail "SIGTERM did not finalize the recording: $(cat "$rec_manifest")"
log "$rec_unit: recorded the kiosk as rec-container-test, stopped with every file finalized"

inside systemctl stop meshcall-kiosk
[ "$(show ActiveState)" = inactive ] || fail "after stop the kiosk is $(show ActiveState)"
inside journalctl --no-pager -u meshcall-kiosk | grep -q 'Stopped meshcall-kiosk.service' || fail "no clean stop in the journal"
log "systemctl stop: inactive"

inside dpkg --purge meshcall >"$cache/purge.log" 2>&1 || { cat "$cache/purge.log" >&2; fail "dpkg --purge failed"; }
[ ! -e "$run/usr/bin/meshcall" ] && [ ! -e "$run/etc/meshcall/meshcall.conf" ] || fail "purge left files"
log "dpkg --purge: gone"
log "PASS"

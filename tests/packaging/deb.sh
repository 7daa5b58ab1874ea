# The Debian package (label "packaging"): scripts/build-deb.sh builds it and
# fails on any lintian error; then its file list (exact, but for further
# meshcall-*.service units), control fields, conffiles, maintainer scripts,
# the unit's notify/watchdog settings, the binary's libsystemd link, and man
# pages that render without warnings and document every option of `join`
# and `serve` and every key of conf/meshcall.conf. Installing it on a clean
# system under systemd is scripts/test-deb-container.sh.
set -u
set -o pipefail
: "${MESHCALL_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${MESHCALL_BUILD_DIR:=$MESHCALL_SOURCE_DIR/build}"
: "${MESHCALL_BIN:=$MESHCALL_BUILD_DIR/meshcall}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/meshcall-deb-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
log() { echo "[$(date +%T.%3N)] $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

deb=$("$MESHCALL_SOURCE_DIR/scripts/build-deb.sh" "$MESHCALL_BUILD_DIR/deb" | tee "$WORK/build.out" | tail -n 1)
[ -f "$deb" ] || fail "scripts/build-deb.sh made no package: $(cat "$WORK/build.out")"
log "built $(basename "$deb"); lintian: no errors"
sed -n '/^  [WI]: /p' "$WORK/build.out"

dpkg-deb -c "$deb" | awk '{ print $1 " " $6 }' | sed 's| \./| /|; s|/$||' | grep -v ' /$' | sort -k2 >"$WORK/files"
grep -v ' /lib/systemd/system/meshcall-[a-z@-]*\.service$' "$WORK/files" | awk '$1 !~ /^d/ { print $2 }' >"$WORK/got"
for p in "$MESHCALL_SOURCE_DIR"/pipelines/*.pipeline; do echo "/usr/share/meshcall/pipelines/$(basename "$p")"; done >"$WORK/want"
cat >>"$WORK/want" <<'LIST'
/etc/default/meshcall-kiosk
/etc/meshcall/meshcall.conf
/usr/bin/meshcall
/usr/share/doc/meshcall/README.kiosk.md
/usr/share/doc/meshcall/changelog.Debian.gz
/usr/share/doc/meshcall/copyright
/usr/share/doc/meshcall/recording.md
/usr/share/man/man1/meshcall-join.1.gz
/usr/share/man/man1/meshcall-record.1.gz
/usr/share/man/man1/meshcall-serve.1.gz
/usr/share/man/man1/meshcall.1.gz
/usr/share/man/man5/meshcall.conf.5.gz
LIST
sort -o "$WORK/want" "$WORK/want"
diff -u "$WORK/want" "$WORK/got" || fail "the package's files differ from the list above (- wanted, + in the package)"
grep -q '^-rwxr-xr-x /usr/bin/meshcall$' "$WORK/files" || fail "/usr/bin/meshcall is not 0755"
grep -q '^-rw-r--r-- /lib/systemd/system/meshcall-kiosk.service$' "$WORK/files" || fail "no meshcall-kiosk.service"
grep -q '^-rw-r--r-- /lib/systemd/system/meshcall-record@.service$' "$WORK/files" || fail "no meshcall-record@.service"
log "file list as expected"

dpkg-deb -R "$deb" "$WORK/root"
ctl=$WORK/root/DEBIAN
[ "$(dpkg-deb -f "$deb" Package)" = meshcall ] || fail "Package is not meshcall"
for dep in adduser init-system-helpers libsystemd0 gstreamer1.0-plugins-bad gstreamer1.0-nice; do
  dpkg-deb -f "$deb" Depends | tr ',' '\n' | grep -q "^ *$dep\b" || fail "Depends lacks $dep: $(dpkg-deb -f "$deb" Depends)"
done
printf '/etc/meshcall/meshcall.conf\n/etc/default/meshcall-kiosk\n' | diff -u - "$ctl/conffiles" || fail "conffiles differ"
for s in postinst prerm postrm; do
  [ -x "$ctl/$s" ] || fail "$s is missing or not executable"
  sh -n "$ctl/$s" || fail "$s is not valid sh"
done
grep -q 'adduser --system' "$ctl/postinst" || fail "postinst creates no system user"
readelf -d "$WORK/root/usr/bin/meshcall" | grep -q 'NEEDED.*libsystemd\.so' || fail "meshcall does not link libsystemd"
unit=$WORK/root/lib/systemd/system/meshcall-kiosk.service
for line in Type=notify NotifyAccess=main 'WatchdogSec=[0-9]+' Restart=always User=meshcall; do
  grep -Eq "^$line\$" "$unit" || fail "meshcall-kiosk.service lacks $line"
done
# The recorder's unit: the call id unescaped (%I) for the call and its peer id
# (%i, the escaped instance, would give 'rec-stand\x2dup' for a call 'stand-up').
unit=$WORK/root/lib/systemd/system/meshcall-record@.service
grep -Eq '^ExecStart=/usr/bin/meshcall record .*--peer-id rec-%I .*%I$' "$unit" ||
  fail "meshcall-record@.service does not record the call %I as rec-%I: $(grep ExecStart "$unit")"
if grep -Eq '^[^#]*%i' "$unit"; then fail "meshcall-record@.service uses the escaped instance %i"; fi
for line in User=meshcall Restart=on-failure RestartPreventExitStatus=2 KillSignal=SIGTERM; do
  grep -Eq "^$line\$" "$unit" || fail "meshcall-record@.service lacks $line"
done
log "control, conffiles, maintainer scripts, units and libsystemd link as expected"

man_text() { MANWIDTH=100 man --warnings -E UTF-8 -l "$1" 2>"$WORK/man.err" | col -b; }
for page in "$WORK"/root/usr/share/man/man*/*.gz; do
  man_text "$page" >/dev/null
  [ ! -s "$WORK/man.err" ] || fail "$(basename "$page") renders with warnings: $(cat "$WORK/man.err")"
  zcat "$page" | grep -q '@VERSION@' && fail "$(basename "$page") still says @VERSION@"
done
# Every long option --help lists is in the command's page.
for cmd in join record serve; do
  page=$WORK/root/usr/share/man/man1/meshcall-$cmd.1.gz
  man_text "$page" >"$WORK/$cmd.txt"
  "$MESHCALL_BIN" "$cmd" --help | grep -oE '^ +(-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | grep -v -- '--help' |
    while read -r opt; do grep -q -- "$opt" "$WORK/$cmd.txt" || echo "$opt"; done >"$WORK/missing"
  [ ! -s "$WORK/missing" ] || fail "meshcall-$cmd(1) does not document: $(tr '\n' ' ' <"$WORK/missing")"
done
# Every key of the sample config is in meshcall.conf(5), in its group's section.
man_text "$WORK/root/usr/share/man/man5/meshcall.conf.5.gz" >"$WORK/conf.txt"
awk '/^\[[a-z]+\]$/ { group = $0 } /^#?[a-z-]+ =( |$)/ { sub(/^#/, ""); print group " " $1 }' \
  "$MESHCALL_SOURCE_DIR/conf/meshcall.conf" | while read -r group key; do
  awk -v g="$group" -v k="$key" '$0 == g { on = 1; next } /^\[[a-z]+\]$/ { on = 0 }
    on && index($0, k) { found = 1 } END { exit !found }' "$WORK/conf.txt" || echo "$group $key"
done >"$WORK/missing"
[ ! -s "$WORK/missing" ] || fail "meshcall.conf(5) does not document: $(tr '\n' ' ' <"$WORK/missing")"
log "man pages render cleanly and document every option and config key"

# The packaged binary carries the call page and socket.io-client's bundle (a GResource).
bin=$WORK/root/usr/bin/meshcall
"$bin" serve --listen 127.0.0.1:0 --port-file "$WORK/port" >"$WORK/serve.log" 2>&1 &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || fail "the packaged meshcall serve did not start: $(cat "$WORK/serve.log")"
page_url="http://127.0.0.1:$(cat "$WORK/port")"
# Read whole before matching (a grep -q that stops early fails curl under pipefail).
curl -sSf -o "$WORK/page.html" "$page_url/" && grep -q '<script src="/call.js"' "$WORK/page.html" ||
  fail "the packaged meshcall serves no call page at /"
curl -sSf -o "$WORK/bundle.js" "$page_url/vendor/socket.io.min.js" && head -n 3 "$WORK/bundle.js" | grep -q 'Socket.IO v4' ||
  fail "the packaged meshcall serves no socket.io-client bundle"
kill "$serve_pid"
wait "$serve_pid" 2>/dev/null
log "the packaged binary serves the call page and socket.io-client's bundle"
log "PASS"

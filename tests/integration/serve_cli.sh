#!/bin/bash
# meshcall serve's command line: --help, usage errors (exit 2), a busy port
# (exit 1), config values and flags overriding them, clean exit on SIGTERM.
source "$(dirname "$0")/serve_lib.bash"

"$MESHCALL_BIN" serve --help >"$WORK/help.txt" || fail "serve --help exited non-zero"
for opt in --listen --token --max-participants --max-calls --max-connections --max-payload \
           --ping-interval --ping-timeout --rate-limit --port-file --config 7300; do
  grep -q -- "$opt" "$WORK/help.txt" || fail "serve --help does not mention $opt"
done

expect_exit() {   # expect_exit CODE MESSAGE-REGEX ARGS...
  local want=$1 re=$2 rc=0
  shift 2
  timeout 10 "$MESHCALL_BIN" serve "$@" >"$WORK/out.txt" 2>&1 || rc=$?
  [ "$rc" -eq "$want" ] || fail "serve $* exited $rc, expected $want: $(cat "$WORK/out.txt")"
  grep -Eq "$re" "$WORK/out.txt" || fail "serve $* printed '$(cat "$WORK/out.txt")', expected /$re/"
  log "serve $* -> $rc: $(head -1 "$WORK/out.txt")"
}
expect_exit 2 "not an IP address" --listen example.com:80
expect_exit 2 "not a port number" --listen 127.0.0.1:99999
expect_exit 2 "max-participants 1 is out of range" --max-participants 1
expect_exit 2 "ping-timeout 10 is out of range" --ping-timeout 10
expect_exit 2 "Unknown option" --frobnicate
expect_exit 2 "unexpected argument" extra

# Config values apply; flags override them.
cat >"$WORK/meshcall.conf" <<CONF
[serve]
ping-interval = 4321
max-payload = 20000
CONF
open_packet() {
  node -e 'fetch(`http://127.0.0.1:${process.argv[1]}/socket.io/?EIO=4&transport=polling`)
           .then(r => r.text()).then(t => console.log(t))' "$1"
}
start_server cfg --config "$WORK/meshcall.conf" --max-payload 30000
open=$(open_packet "$PORT")
log "open packet: $open"
echo "$open" | grep -q '"pingInterval":4321' || fail "config ping-interval not applied: $open"
echo "$open" | grep -q '"maxPayload":30000' || fail "--max-payload did not override the config: $open"

# The same port again: a runtime failure naming the address.
expect_exit 1 "cannot listen on 127.0.0.1:$PORT" --listen "127.0.0.1:$PORT"
stop_server cfg
log "PASS"

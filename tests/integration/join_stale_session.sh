#!/usr/bin/env bash
# A re-join that meets its own stale session (issue 14). a's path to the
# server dies on its side only (a relay closes a's connection and keeps the
# server's side open, silent), and the server knows nothing of resume
# secrets (stock socket.io with --no-resume), so a's re-join is refused
# duplicate-peer: the server still holds a's old connection until its ping
# timeout (here 3 + 3 s). meshcall join says so in one line, stays alive,
# gets back in once the old connection is gone, and the call goes on: media
# both ways between a and b. (With meshcall serve the resume secret takes
# the seat back at once instead: net_rejoin.)
source "$(dirname "$0")/client_lib.bash"

start_stock_server srv 0 --no-resume --ping-interval 3000 --ping-timeout 3000
node "$MESHCALL_SOURCE_DIR/tests/node/tcp_cut_proxy.js" "$WORK/proxy.port" "$SERVER_PORT" >"$WORK/proxy.log" 2>&1 &
PIDS[proxy]=$!
wait_until 10 "the relay to listen" test -s "$WORK/proxy.port"

# join_bg NAME URL: a headless participant of call c1; output in $WORK/NAME.log.
join_bg() {
  "$MESHCALL_BIN" join c1 --signal "$2" --peer-id "$1" --name "$1" --headless --video test --audio test \
    --size 160x120 --fps 10 --no-audio-processing --stats-json "$WORK/$1.json" </dev/null >"$WORK/$1.log" 2>&1 &
  PIDS[$1]=$!
}
media_both_ways() {
  node "$MESHCALL_SOURCE_DIR/tests/node/media_check.js" --timeout "$1" --peers 1 --min-frames 5 --min-audio 5 \
    --rising --signaling joined "$WORK/a.json" "$WORK/b.json" || fail "no media both ways between a and b ($2)"
}
alive() { kill -0 "${PIDS[$1]}" 2>/dev/null || fail "$1 exited: $(tail -n 5 "$WORK/$1.log")"; }
said() { [ "$(grep -cF -- "$2" "$WORK/$1.log")" -ge "${3:-1}" ]; }

join_bg a "ws://127.0.0.1:$(cat "$WORK/proxy.port")"
join_bg b "ws://127.0.0.1:$SERVER_PORT"
media_both_ways 30 "before the cut"
log "a and b in the call"

kill -USR1 "${PIDS[proxy]}"
cut_ms=$(( $(date +%s%N) / 1000000 ))
wait_until 10 "a to be refused its own stale session" said a "peer id a is already in call c1"
log "a refused duplicate-peer $(( $(date +%s%N) / 1000000 - cut_ms )) ms after the cut"
alive a
wait_until 20 "a to get back in once the server lets its old connection go" said a "in call c1 as a" 2
log "a back in the call $(( $(date +%s%N) / 1000000 - cut_ms )) ms after the cut"
alive a
media_both_ways 30 "after the re-join"
alive a
n=$(grep -c "already in call" "$WORK/a.log")
[ "$n" -eq 1 ] || fail "a said $n times that its peer id was taken, expected once: $(grep "^meshcall: " "$WORK/a.log")"
kill_process a
[ "$LAST_RC" -eq 0 ] || fail "a exited $LAST_RC on SIGTERM, expected 0"
kill_process b
kill_process proxy
kill_process srv
log "PASS"

#!/usr/bin/env bash
# Names that would mislead (issue 14): bidirectional overrides that reorder
# what is shown around them, and names with nothing visible. meshcall serve
# refuses them at join-call; meshcall join refuses them on its command line;
# and a client shows the peer id for such a name from a server that does not
# check (the stock one).
source "$(dirname "$0")/client_lib.bash"

start_meshcall_serve srv 0
log "meshcall serve refuses them as malformed, with the reason"
node "$MESHCALL_SOURCE_DIR/tests/node/names_check.js" "$SERVER_PORT" || fail "names_check.js failed"
kill_process srv

log "meshcall join refuses them before any set-up (exit 2)"
for name in $'evil\u202egnp' $'\u200b\u200b'; do
  rc=0
  "$MESHCALL_BIN" join c1 --name "$name" --headless </dev/null >"$WORK/name.out" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || fail "join --name with a misleading name exited $rc, expected 2: $(cat "$WORK/name.out")"
  grep -Eq "bidirectional|visible" "$WORK/name.out" || fail "join does not say why: $(cat "$WORK/name.out")"
done

log "a client shows the peer id for a misleading name a stock server let through"
start_stock_server stock 0
node "$MESHCALL_SOURCE_DIR/tests/node/names_check.js" "$SERVER_PORT" --spoof room >"$WORK/spoof.log" 2>&1 &
PIDS[spoof]=$!
wait_until 10 "the spoofing client to join" grep -q "joined as spoof" "$WORK/spoof.log"
start_probe watcher --signal "ws://127.0.0.1:$SERVER_PORT" --call room --peer watcher
expect watcher '"event":"peer-joined","peerId":"spoof","name":"spoof"'
node "$MESHCALL_SOURCE_DIR/tests/node/names_check.js" "$SERVER_PORT" --spoof room invisible >"$WORK/ghost.log" 2>&1 &
PIDS[ghost]=$!
expect watcher '"event":"peer-joined","peerId":"ghost","name":"ghost"'
kill_process watcher
kill_process ghost
kill_process spoof
kill_process stock

log "terminal escape codes in a name from a server that does not check: no raw control byte anywhere"
start_stock_server hostile 0 --hostile
"$MESHCALL_BIN" join room --signal "ws://127.0.0.1:$SERVER_PORT" --peer-id viewer --headless --video test \
  --audio test --size 160x120 --fps 10 --no-audio-processing --stats-json "$WORK/viewer.json" \
  </dev/null >"$WORK/viewer.log" 2>&1 &
PIDS[viewer]=$!
wait_until 15 "viewer to join" grep -q "in call room as viewer" "$WORK/viewer.log"
node "$MESHCALL_SOURCE_DIR/tests/node/names_check.js" "$SERVER_PORT" --escape room >"$WORK/escape.log" 2>&1 &
PIDS[escape]=$!
wait_until 15 "viewer to see the newcomer" grep -q "escape joined" "$WORK/viewer.log"
wait_until 15 "viewer's stats to list it" grep -q '"peerId" : "escape"' "$WORK/viewer.json"
for f in viewer.log viewer.json; do
  if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/$f"; then
    fail "$f holds raw control bytes: $(LC_ALL=C grep -n $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/$f" | cat -v | head -n 3)"
  fi
done
kill_process escape
kill_process viewer

log "meshcall serve's log quotes a hostile event name without its control bytes"
start_meshcall_serve srv2 0
node "$MESHCALL_SOURCE_DIR/tests/node/names_check.js" "$SERVER_PORT" --escape room2 >"$WORK/escape2.log" 2>&1 &
PIDS[escape2]=$!
wait_until 15 "the server to refuse the escape name" grep -q "join-call refused" "$WORK/srv2.log"
grep -q "unknown event" "$WORK/srv2.log" || fail "the server did not log the hostile event"
kill_process escape2
kill_process srv2
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/srv2.log"; then
  fail "the server log holds raw control bytes: $(LC_ALL=C grep $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/srv2.log" | cat -v | head -n 3)"
fi
grep -q 'x1b\]0;PWNED' "$WORK/srv2.log" || fail "the server did not quote the hostile event name (escaped)"
log "PASS"

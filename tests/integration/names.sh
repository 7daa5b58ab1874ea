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
log "PASS"

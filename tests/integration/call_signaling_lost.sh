# Signaling lost mid-call: `meshcall serve` is killed during a 3-party call
# and restarted on the same port a few seconds later. Media keeps flowing
# during the outage; afterwards every client has re-joined (signaling joined,
# 3 participants) WITHOUT touching its peer connections: no connection ever
# leaves "connected", none is re-established (connectedAt unchanged), frame
# counts never restart, and no new offer is made.
source "$(dirname "$0")/call_lib.bash"

start_server
PORT=$(cat "$WORK/port")
for n in p1 p2 p3; do start_join "$n"; done
expect_stats 30 --peers 2 --participants 3 --signaling joined --min-frames 10 --min-audio 10 --rising \
  $(stats_files p1 p2 p3)
log "three-party call up"
offers_before=$(cat "$WORK"/p?.log | grep -c 'sending offer' || true)

node "$NODE_DIR/media_watch.js" --stop-file "$WORK/stop" --max-seconds 90 $(stats_files p1 p2 p3) \
  >"$WORK/watch.out" 2>&1 &
PIDS[watch]=$!
# Let the watcher take its baseline before anything happens.
for _ in $(seq 50); do [ -s "$WORK/p1.json" ] && kill -0 "${PIDS[watch]}" 2>/dev/null && break; sleep 0.1; done
expect_stats 5 --peers 2 --rising $(stats_files p1 p2 p3)

kill -KILL "${PIDS[serve]}"
wait "${PIDS[serve]}" 2>/dev/null
unset 'PIDS[serve]'
log "signaling server killed"
expect_stats 10 --peers 2 --signaling reconnecting $(stats_files p1 p2 p3)
log "all three noticed and are reconnecting"
expect_stats 10 --peers 2 --signaling reconnecting --rising $(stats_files p1 p2 p3)
log "media keeps flowing while the server is down"

"$MESHCALL_BIN" serve --listen "127.0.0.1:$PORT" >"$WORK/serve2.log" 2>&1 &
PIDS[serve]=$!
log "signaling server restarted on port $PORT"
expect_stats 25 --peers 2 --participants 3 --signaling joined $(stats_files p1 p2 p3)
log "all three re-joined"
expect_stats 10 --peers 2 --participants 3 --signaling joined --rising $(stats_files p1 p2 p3)

touch "$WORK/stop"
wait "${PIDS[watch]}"
rc=$?
unset 'PIDS[watch]'
cat "$WORK/watch.out"
[ "$rc" = 0 ] || fail "peer connections were disturbed by the signaling outage"
offers_after=$(cat "$WORK"/p?.log | grep -c 'sending offer' || true)
[ "$offers_after" = "$offers_before" ] || fail "new offers were made after the outage ($offers_before -> $offers_after)"
grep -h 're-joined' "$WORK"/p?.log | head -n 3
log "PASS"

# The signaling server dies mid-call (kill -9) and a new one starts on the
# same address (issue 11), in network namespaces. Media between the three
# participants never stops (no connection is disturbed); everyone re-joins
# the new server within 5 s of it listening; then a fourth participant joins
# the new server and reaches all three.
source "$(dirname "$0")/call_lib.bash"
source "$(dirname "$0")/wait.bash"
source "$(dirname "$0")/netlab.bash"

lab_start
for n in a b c d; do lab_add "$n"; done
lab_serve
for n in a b c; do lab_join "$n"; done
expect_stats 40 --peers 2 --participants 3 --signaling joined --min-frames 10 --min-audio 10 --rising \
  $(stats_files a b c)
log "three-party call up"

node "$NODE_DIR/media_watch.js" --stop-file "$WORK/stop" --max-seconds 90 $(stats_files a b c) \
  >"$WORK/watch.out" 2>&1 &
PIDS[watch]=$!
sleep 1.5   # the watcher's baseline

kill -KILL "${PIDS[serve]}"
wait "${PIDS[serve]}" 2>/dev/null
unset 'PIDS[serve]'
log "signaling server killed"
expect_stats 15 --peers 2 --signaling reconnecting $(stats_files a b c)
expect_stats 10 --peers 2 --signaling reconnecting --rising $(stats_files a b c)
log "everyone noticed; media keeps flowing"

rm -f "$WORK/port"
lab_serve
back_ms=$(now_ms)
# Within 5 s of the server (stats are written once a second: 1 s more).
expect_stats 6 --peers 2 --participants 3 --signaling joined $(stats_files a b c)
log "all three re-joined $(( $(now_ms) - back_ms )) ms after the new server listened"

lab_join d
expect_stats 40 --peers 3 --participants 4 --min-frames 10 --min-audio 10 --rising $(stats_files a b c d)
log "d, who joined the new server, reaches everyone"

touch "$WORK/stop"
wait "${PIDS[watch]}" || { cat "$WORK/watch.out"; fail "connections were disturbed by the signaling restart"; }
unset 'PIDS[watch]'
log "PASS"

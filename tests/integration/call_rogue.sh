# A rogue socket.io client in the call sends garbage SDP and candidates (and
# answers offers with garbage): every meshcall participant drops it with a log
# line saying what was wrong, and keeps its call with the others.
source "$(dirname "$0")/call_lib.bash"

start_server
start_join alice
start_join bob
expect_stats 20 --peers 1 --min-frames 5 $(stats_files alice bob)

node "$NODE_DIR/media_rogue.js" "$SIGNAL_URL" call1 rogue >"$WORK/rogue.log" 2>&1 &
PIDS[rogue]=$!
for _ in $(seq 100); do grep -q '^sent' "$WORK/rogue.log" && break; sleep 0.05; done
grep -q '^sent' "$WORK/rogue.log" || fail "rogue did not join"
log "rogue joined and sent garbage"

for n in alice bob; do
  for _ in $(seq 100); do grep -q 'dropping rogue\|ignoring an offer from rogue' "$WORK/$n.log" && break; sleep 0.05; done
  grep -q 'dropping rogue\|ignoring an offer from rogue' "$WORK/$n.log" || fail "$n did not report dropping the rogue"
  kill -0 "${PIDS[$n]}" 2>/dev/null || fail "$n died"
done
grep -h 'rogue' "$WORK/alice.log" "$WORK/bob.log" | grep -v DEBUG | head -n 8
expect_stats 10 --peers 1 --absent rogue --min-frames 20 --rising $(stats_files alice bob)
log "alice and bob still in the call with each other, rogue dropped"
log "PASS"

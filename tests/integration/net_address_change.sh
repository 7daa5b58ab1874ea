# A changed network address mid-call (issue 11; a DHCP lease that moved, a
# laptop from cable to Wi-Fi), in network namespaces: a's address is
# replaced by another one. a notices the change (rtnetlink), takes its
# signaling seat back at once over a new connection (resume secret: nobody
# sees it leave), and makes its connection to b anew on the new address
# (webrtcbin 1.22's libnice gathers once per connection, so a new address
# needs a new one: docs/architecture.md, "ICE restart on webrtcbin 1.22").
# b keeps a's tile throughout (listed, never left), and media flows again
# both ways.
source "$(dirname "$0")/call_lib.bash"
source "$(dirname "$0")/wait.bash"
source "$(dirname "$0")/netlab.bash"

lab_start
lab_add a
lab_add b
lab_serve
lab_join a
lab_join b
expect_stats 30 --peers 1 --min-frames 10 --min-audio 10 --rising $(stats_files a b)
log "a and b decode each other"
old=${LAB_ADDR[a]}

rm -f "$WORK/stop"
node "$NODE_DIR/media_watch.js" --stop-file "$WORK/stop" --max-seconds 60 --interrupted a "$WORK/b.json" \
  >"$WORK/watch.out" 2>&1 &
PIDS[watch]=$!
sleep 1.5   # the watcher's baseline

lab_readdress a
moved_ms=$(now_ms)
wait_until 10 "a to see its address go and make its connection to b anew" \
  grep -q "lost b: our network address changed" "$WORK/a.log"
wait_until 10 "a to take its signaling seat back" grep -q "took our place in call call1 back" "$WORK/a.log"
expect_stats 15 --peers 1 --min-frames 1 $(stats_files a b)
log "media flows again $(( $(now_ms) - moved_ms )) ms after the address changed (stats every 1 s)"
expect_stats 10 --rising $(stats_files a b)
# a's connection to b uses the new address now.
wait_until 10 "a's stats to show its new address on the pair to b" node -e '
  const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
  const p = d.peers.find((q) => q.peerId === "b");
  process.exit(p && p.localAddress === process.argv[2] && p.connections >= 2 ? 0 : 1);
' "$WORK/a.json" "${LAB_ADDR[a]}"

touch "$WORK/stop"
# The tile stays: a listed throughout (its connection is new: connectedAt
# and the frame count restart, which the watcher reports and is expected).
if ! wait "${PIDS[watch]}"; then
  grep DISTURBED "$WORK/watch.out" | grep -qv "reconnected at\|frame count went back" &&
    { cat "$WORK/watch.out"; fail "b lost a's tile, or its other connections were disturbed"; }
fi
unset 'PIDS[watch]'
! grep -q "a left" "$WORK/b.log" || fail "b was told a left"
grep -q "duplicate-peer" "$WORK/a.log" && fail "a met its own old seat (duplicate-peer) instead of taking it back"
log "a moved from $old to ${LAB_ADDR[a]}; PASS"

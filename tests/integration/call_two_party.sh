# Two `meshcall join --headless` processes through `meshcall serve`: each
# decodes the other's video (at the size sent) and audio, counts rising; a
# clean leave (SIGTERM) exits 0 and the other side drops the peer.
source "$(dirname "$0")/call_lib.bash"

start_server
start_join alice
start_join bob
expect_stats 20 --peers 1 --min-frames 15 --min-audio 20 --width 320 --height 240 --rising $(stats_files alice bob)
log "both decode each other"

kill -TERM "${PIDS[bob]}"
for _ in $(seq 100); do kill -0 "${PIDS[bob]}" 2>/dev/null || break; sleep 0.05; done
kill -0 "${PIDS[bob]}" 2>/dev/null && fail "bob did not exit within 5 s of SIGTERM"
wait "${PIDS[bob]}"
rc=$?
unset 'PIDS[bob]'
[ "$rc" = 0 ] || fail "bob exited with $rc after SIGTERM, want 0"
expect_stats 5 --peers 0 $(stats_files alice)
log "alice dropped bob after his clean leave"
grep -q '"peerId" : "alice"' "$WORK/bob.json" || fail "bob's final stats do not list alice"
log "PASS"

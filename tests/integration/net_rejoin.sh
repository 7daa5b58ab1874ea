# Instant rejoin (issue 11), in network namespaces: a's cable is out for 3 s.
# Its signaling connection dies with it (a checks it when its link goes
# down, and nothing answers), while the server still holds the old
# connection (its ping timeout is 20 s). When the cable is back, a
# reconnects at once and takes its seat back with its resume secret: no
# duplicate-peer wait, and b hears nothing (no left, no joined). Then a
# stranger presenting a's peer id, without the secret and with a wrong one,
# is refused duplicate-peer, and a stays in the call.
source "$(dirname "$0")/call_lib.bash"
source "$(dirname "$0")/wait.bash"
source "$(dirname "$0")/netlab.bash"

lab_start
lab_add a
lab_add b
lab_add s
lab_serve --ping-interval 25000 --ping-timeout 20000
lab_join a
lab_join b
expect_stats 30 --peers 1 --min-frames 10 --min-audio 10 --rising $(stats_files a b)
log "a and b in the call"

lab_cable a down
wait_until 10 "a to notice its signaling connection is dead" grep -q "connection check within 2 s" "$WORK/a.log"
sleep 3   # the length of the outage is the stimulus
lab_cable a up
up_ms=$(now_ms)
wait_until 10 "a to take its seat back" grep -q "took our place in call call1 back" "$WORK/a.log"
log "a back in its seat $(( $(now_ms) - up_ms )) ms after the cable"
! grep -q "duplicate-peer\|already in call" "$WORK/a.log" || fail "a was refused its own peer id"
expect_stats 10 --peers 1 --signaling joined --rising $(stats_files a b)
stats=$(ip netns exec "$LAB_SWITCH" curl -s "http://10.77.0.1:$LAB_PORT/stats")
echo "$stats" | grep -q '"resumed" *: *1' || fail "the server does not count the resumed seat: $stats"
[ "$(grep -c "a joined\|a is in the call" "$WORK/b.log")" = 1 ] || fail "b was told a joined again"
! grep -q "a left" "$WORK/b.log" || fail "b was told a left"
log "b heard nothing of it; media flows both ways"

# A stranger with a's peer id: refused, without the secret and with a wrong one.
for args in "" "--resume wrong-secret-0123456789"; do
  out=$(ip netns exec "$(lab_ns s)" node "$NODE_DIR/join_as.js" "$SIGNAL_URL" call1 a $args) ||
    fail "the stranger could not reach the server"
  echo "$out" | grep -q '"error":"duplicate-peer"' || fail "a stranger ($args) was not refused: $out"
done
log "a stranger presenting a's peer id is refused"
expect_stats 10 --peers 1 --signaling joined --rising $(stats_files a b)
! grep -q "a left" "$WORK/b.log" || fail "the stranger's attempt made a leave"
log "PASS"

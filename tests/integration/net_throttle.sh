#!/bin/bash
# Token guessing (issue 11), in network namespaces: x floods the server with
# wrong tokens from 20 parallel connections for 12 s. Its address is held
# back and then blocked, while a and b, from their own addresses with the
# right token, join at once and get each other's media; nothing of x's got
# in, and /stats counts the refusals.
source "$(dirname "$0")/call_lib.bash"
source "$(dirname "$0")/wait.bash"
source "$(dirname "$0")/netlab.bash"

lab_start
lab_add x
lab_add a
lab_add b
lab_serve --token 'the-r1ght-token'
stats() { ip netns exec "$LAB_SWITCH" curl -s -H 'Authorization: Bearer the-r1ght-token' "$SIGNAL_URL/stats"; }
x_blocked() { stats | grep -q '"blockedAddresses" *: *1'; }
flood_over() { ! kill -0 "${PIDS[flood]}" 2>/dev/null; }

ip netns exec "$(lab_ns x)" node "$NODE_DIR/auth_flood.js" "$SIGNAL_URL" 20 12 >"$WORK/flood.json" 2>"$WORK/flood.err" &
PIDS[flood]=$!
WAIT_POLL=0.2 wait_until 10 "x's address to be blocked" x_blocked
log "x (${LAB_ADDR[x]}) is blocked; a and b join with the right token"

t0=$(now_ms)
lab_join a --token 'the-r1ght-token'
lab_join b --token 'the-r1ght-token'
wait_until 15 "a and b to be in the call together" grep -q "b joined\|b is in the call" "$WORK/a.log"
log "a and b in the call $(( $(now_ms) - t0 )) ms after they started, during the flood"
flood_over && fail "the flood ended before a and b were in the call: the test proves nothing"
expect_stats 30 --peers 1 --min-frames 10 --min-audio 10 --rising $(stats_files a b)

WAIT_POLL=0.2 wait_until 30 "the flood to end" flood_over
flood=$(cat "$WORK/flood.json")
log "flood: $flood"
echo "$flood" | grep -q '"connected":0' || fail "a wrong token got in: $flood"
attempts=$(echo "$flood" | sed -n 's/.*"attempts":\([0-9]*\).*/\1/p')
limited=$(echo "$flood" | sed -n 's/.*"rateLimited":\([0-9]*\).*/\1/p')
[ "${attempts:-0}" -ge 100 ] || fail "the flood made only ${attempts:-0} attempts: not a flood"
[ "$limited" -ge $((attempts * 9 / 10)) ] || fail "only $limited of $attempts attempts were refused unchecked"
s=$(stats)
log "/stats: $(echo "$s" | grep -o '"auth[A-Za-z]*" *: *[0-9]*\|"blockedAddresses" *: *[0-9]*' | tr '\n' ' ')"
echo "$s" | grep -q '"authFailures" *: *10[,}]' || fail "expected 10 failures counted before the block: $s"
expect_stats 10 --peers 1 --signaling joined --rising $(stats_files a b)
log "PASS"

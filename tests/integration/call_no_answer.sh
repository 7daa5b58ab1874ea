# A participant that never answers an offer: the offer times out (shortened
# here with the hidden --answer-timeout flag; 15 s by default), is made once
# more with a fresh session, and after the second timeout the peer is dropped
# while the rest of the call goes on.
source "$(dirname "$0")/call_lib.bash"

TIMEOUT_MS=2000
start_server
start_join alice --answer-timeout $TIMEOUT_MS
start_join bob --answer-timeout $TIMEOUT_MS
expect_stats 20 --peers 1 --min-frames 5 $(stats_files alice bob)

node "$NODE_DIR/media_silent.js" "$SIGNAL_URL" call1 silent >"$WORK/silent.log" 2>&1 &
PIDS[silent]=$!
for _ in $(seq 100); do grep -q '^joined' "$WORK/silent.log" && break; sleep 0.05; done
grep -q '^joined' "$WORK/silent.log" || fail "the silent participant did not join"
log "silent joined; it will never answer"

# Both existing participants offer, time out, offer again, time out, drop it.
for n in alice bob; do
  for _ in $(seq 200); do grep -q 'lost silent' "$WORK/$n.log" && break; sleep 0.05; done
  grep -q 'lost silent' "$WORK/$n.log" || fail "$n did not drop silent within 10 s"
done
dropped_at=$(date +%s%N)
expect_stats 5 --peers 1 --absent silent $(stats_files alice bob)
log "both dropped silent"

for n in alice bob; do
  retries=$(grep -c 'silent: no answer to our offer.*offering again' "$WORK/$n.log")
  [ "$retries" = 1 ] || fail "$n retried the offer to silent $retries times, want 1"
  grep 'lost silent' "$WORK/$n.log" | grep -q 'no answer to our offer' || fail "$n dropped silent for another reason"
  offers=$(grep -c "^offer $n " "$WORK/silent.log")
  [ "$offers" = 2 ] || fail "silent got $offers offers from $n, want 2"
  # The retry is a fresh session (new ICE credentials), made after the timeout.
  read -r _ _ _ ufrag1 t1 < <(grep "^offer $n 1 " "$WORK/silent.log")
  read -r _ _ _ ufrag2 t2 < <(grep "^offer $n 2 " "$WORK/silent.log")
  [ "$ufrag1" != "$ufrag2" ] || fail "$n's second offer reuses the first one's ICE credentials"
  gap=$(( t2 - t1 ))
  [ "$gap" -ge $(( TIMEOUT_MS - 200 )) ] && [ "$gap" -le $(( TIMEOUT_MS + 1500 )) ] ||
    fail "$n offered again after $gap ms, want about $TIMEOUT_MS"
  log "$n: offer, retry after $gap ms, dropped after the second timeout"
done

# No third offer, and alice and bob are untouched.
while [ $(( ($(date +%s%N) - dropped_at) / 1000000 )) -lt $(( TIMEOUT_MS + 500 )) ]; do sleep 0.2; done
[ "$(grep -c '^offer ' "$WORK/silent.log")" = 4 ] || fail "silent got more offers after being dropped"
expect_stats 10 --peers 1 --absent silent --min-frames 20 --rising $(stats_files alice bob)
log "alice and bob still in the call with each other"
log "PASS"

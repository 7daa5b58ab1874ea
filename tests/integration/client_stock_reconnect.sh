#!/usr/bin/env bash
# Reconnection of meshcall's signaling client, against a stock Node socket.io
# server that is killed mid-call and restarted on the same port:
# - every client goes joined -> reconnecting -> joined and re-joins with the
#   same peerId; the retries follow socket.io-client's back-off (first attempt
#   0.5-1.5 s after the loss, then 1-3 s, then 2-4 s);
# - peers that come back are not reported again (no peer-left / peer-joined
#   churn), signals flow again, and a peer that died while the server was down
#   is reported as peer-left once the grace period after the re-join is over.
source "$(dirname "$0")/client_lib.bash"

start_stock_server srv 0
PORT=$SERVER_PORT
URL="ws://127.0.0.1:$PORT"

for p in a b c; do
  start_probe $p --signal "$URL" --call room --peer $p
  expect $p '"state":"joined"'
done
expect a '"event":"peer-joined","peerId":"c"'
expect b '"event":"peer-joined","peerId":"c"'
probe_cmd b 'burst a 5'
expect a '"event":"signal","from":"b"' 5

log "kill the server (SIGKILL), then c while the server is down"
kill_process srv KILL
for p in a b c; do expect $p '"state":"reconnecting"' 1 5; done
kill_process c KILL

log "a retries with back-off: wait for 3 failed attempts"
# One connect error at the loss, then one per failed attempt.
expect a '"event":"error","code":"connect"' 4 15
t_loss=$(time_of a '"state":"reconnecting"')
t0=$(time_of a '"code":"connect"' 1)
t1=$(time_of a '"code":"connect"' 2)
t2=$(time_of a '"code":"connect"' 3)
t3=$(time_of a '"code":"connect"' 4)
d1=$((t1 - t0)); d2=$((t2 - t1)); d3=$((t3 - t2))
log "loss at $t_loss; attempts failed after ${d1} ms, ${d2} ms, ${d3} ms"
[ $((t0 - t_loss)) -le 100 ] || fail "the loss was reported $((t0 - t_loss)) ms after the reconnecting state"
# 1000 ms +-50 %, 2000 ms +-50 %, 4000 ms +-50 % capped at 4000 ms (+ up to 0.5 s of scheduling slack on a busy machine).
[ "$d1" -ge 450 ] && [ "$d1" -le 2000 ] || fail "first retry after $d1 ms, expected 500..1500"
[ "$d2" -ge 950 ] && [ "$d2" -le 3500 ] || fail "second retry after $d2 ms, expected 1000..3000"
[ "$d3" -ge 1950 ] && [ "$d3" -le 4500 ] || fail "third retry after $d3 ms, expected 2000..4000"
grep -F '"code":"connect"' "$WORK/a.out" | sed -n 2p | grep -qF 'retrying in' ||
  fail "the connect error does not announce the next retry"

log "restart the server on the same port"
start_stock_server srv2 "$PORT"
[ "$SERVER_PORT" = "$PORT" ] || fail "the server came back on $SERVER_PORT instead of $PORT"
for p in a b; do expect $p '"state":"joined"' 2 12; done
for p in a b; do
  states=$(grep -oE '"state":"[a-z]+"' "$WORK/$p.out" | sed -E 's/"state":"([a-z]+)"/\1/' | uniq | tr '\n' ' ')
  [ "$states" = "connecting joined reconnecting joined " ] || fail "$p went through states [$states]"
done
grep -q "a joined room" "$WORK/srv2.log" || fail "a did not re-join with peerId a"
grep -q "b joined room" "$WORK/srv2.log" || fail "b did not re-join with peerId b"

log "signals flow again after the re-join"
probe_cmd b 'burst a 5'
probe_cmd a 'send b {"type":"offer","sdp":"v=0 after-reconnect"}'
expect a '"event":"signal","from":"b"' 10
check_in_order a b 1 10
expect b '"sdp":"v=0 after-reconnect"'

log "c, who died while the server was down, is reported as left after the grace period"
expect a '"event":"peer-left","peerId":"c"' 1 15
expect b '"event":"peer-left","peerId":"c"' 1 15
for p in a b; do
  other=$([ $p = a ] && echo b || echo a)
  expect_none $p "\"event\":\"peer-left\",\"peerId\":\"$other\""
  [ "$(count $p "\"event\":\"peer-joined\",\"peerId\":\"$other\"")" -eq 1 ] ||
    fail "$p reported $other joined more than once"
done
echo "PASS"

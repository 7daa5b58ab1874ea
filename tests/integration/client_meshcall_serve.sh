#!/usr/bin/env bash
# meshcall's signaling client (mc-sigprobe) against meshcall's own server
# (`meshcall serve`): three clients see each other with the right `existing`
# flags, signals are relayed in order, leave / death produce peer-left, a
# wrong token is final, a full call is refused, and after the server is
# killed and restarted on the same port the clients re-join and signal again.
source "$(dirname "$0")/client_lib.bash"

start_meshcall_serve srv 0 --token s3cret --max-participants 3 --ping-interval 300 --ping-timeout 300
PORT=$SERVER_PORT
URL="http://127.0.0.1:$PORT"

log "a, b, c join"
start_probe a --signal "$URL" --call room --peer a --name Alice --token s3cret
expect a '"state":"joined"'
start_probe b --signal "ws://127.0.0.1:$PORT" --call room --peer b --name Bob --token s3cret --send-to a --count 50
probe_cmd b 'send a {"type":"offer","sdp":"v=0 queued-before-join"}'
expect b '"state":"joined"'
expect b '"event":"peer-joined","peerId":"a","name":"Alice","existing":true'
expect a '"event":"peer-joined","peerId":"b","name":"Bob","existing":false'
expect a '"event":"signal","from":"b"' 51
first=$(grep -F '"event":"signal"' "$WORK/a.out" | head -n1)
case "$first" in *queued-before-join*) ;; *) fail "the queued signal was not delivered first: $first" ;; esac
check_in_order a b 1 50
start_probe c --signal "$URL" --call room --peer c --name Carol --token s3cret
expect c '"state":"joined"'
expect c '"event":"peer-joined","peerId":"a","name":"Alice","existing":true'
expect c '"event":"peer-joined","peerId":"b","name":"Bob","existing":true'
expect a '"event":"peer-joined","peerId":"c","name":"Carol","existing":false'
expect b '"event":"peer-joined","peerId":"c","name":"Carol","existing":false'

log "rejections: a fourth joiner (call-full), a wrong token (bad-token), a signal outside the call"
start_probe d --signal "$URL" --call room --peer d --token s3cret
wait_exit d
[ "$LAST_RC" -eq 1 ] || fail "the fourth joiner exited with $LAST_RC, expected 1"
has d '"event":"error","code":"call-full"' || fail "no call-full for the fourth joiner"
start_probe w --signal "$URL" --call room2 --peer w --token wrong
wait_exit w
[ "$LAST_RC" -eq 1 ] || fail "a wrong token exited with $LAST_RC, expected 1"
has w '"event":"error","code":"bad-token"' || fail "no bad-token for a wrong token"
has w '"state":"failed"' || fail "no failed state for a wrong token"
probe_cmd a 'send zz {"type":"offer","sdp":"v=0"}'
expect a '"event":"error","code":"not-in-call"'

log "signals to c, in order"
probe_cmd a 'burst c 20'
expect c '"event":"signal","from":"a"' 20
check_in_order c a 1 20

log "c leaves, b dies: a sees both leave"
kill_process c TERM
[ "$LAST_RC" -eq 0 ] || fail "c exited with $LAST_RC after SIGTERM"
expect a '"event":"peer-left","peerId":"c"'
expect b '"event":"peer-left","peerId":"c"'
kill_process b KILL
expect a '"event":"peer-left","peerId":"b"' 1 5

log "b comes back; the server is killed and restarted on the same port"
start_probe b2 --signal "$URL" --call room --peer b --name Bob --token s3cret
expect b2 '"state":"joined"'
expect a '"event":"peer-joined","peerId":"b","name":"Bob","existing":false'
kill_process srv KILL
expect a '"state":"reconnecting"' 1 5
expect b2 '"state":"reconnecting"' 1 5
start_meshcall_serve srv2 "$PORT" --token s3cret --max-participants 3 --ping-interval 300 --ping-timeout 300
expect a '"state":"joined"' 2 12
expect b2 '"state":"joined"' 2 12
probe_cmd b2 'burst a 5'
expect a '"event":"signal","from":"b"' 56
[ "$(count a '"event":"peer-joined","peerId":"b"')" -eq 2 ] || fail "a reported b's re-join as a new peer"
[ "$(count a '"event":"peer-left","peerId":"b"')" -eq 1 ] || fail "a reported b as left after the server restart"
echo "PASS"

#!/usr/bin/env bash
# meshcall's signaling client (through mc-sigprobe) against a stock Node
# socket.io server running the call protocol: three clients join one call and
# see each other with the right `existing` flags, signals are relayed in order
# (also ones queued before the join), rejections come back as errors, and
# leaving / dying produces peer-left for the others.
source "$(dirname "$0")/client_lib.bash"

start_stock_server srv 0 --ping-interval 400 --ping-timeout 400
URL="ws://127.0.0.1:$SERVER_PORT"

log "a joins"
start_probe a --signal "$URL" --call room1 --peer a --name "Alice Ä"
expect a '"state":"joined"'
has a '"state":"connecting"' || fail "a did not report state connecting before joined"
expect_none a '"event":"peer-joined"'

log "b joins (over http://, which maps to ws://), queues a signal before its join and bursts 50 to a"
start_probe b --signal "http://127.0.0.1:$SERVER_PORT" --call room1 --peer b --name Bob --send-to a --count 50
probe_cmd b 'send a {"type":"offer","sdp":"v=0 queued-before-join"}'
expect b '"state":"joined"'
expect b '"event":"peer-joined","peerId":"a","name":"Alice Ä","existing":true'
expect a '"event":"peer-joined","peerId":"b","name":"Bob","existing":false'
expect a '"sdp":"v=0 queued-before-join"'
expect a '"event":"signal","from":"b"' 51
# The queued offer went out first, then the burst, in order.
first=$(grep -F '"event":"signal"' "$WORK/a.out" | head -n1)
case "$first" in *queued-before-join*) ;; *) fail "the queued signal was not delivered first: $first" ;; esac
check_in_order a b 1 50

log "c joins over the http:// URL with a trailing slash"
start_probe c --signal "http://127.0.0.1:$SERVER_PORT/" --call room1 --peer c --name Carol
expect c '"state":"joined"'
expect c '"event":"peer-joined","peerId":"a","name":"Alice Ä","existing":true'
expect c '"event":"peer-joined","peerId":"b","name":"Bob","existing":true'
expect a '"event":"peer-joined","peerId":"c","name":"Carol","existing":false'
expect b '"event":"peer-joined","peerId":"c","name":"Carol","existing":false'

log "signals both ways and to c"
probe_cmd a 'burst c 20'
probe_cmd c 'send a {"type":"answer","sdp":"v=0 from-c"}'
probe_cmd c 'send a {"type":"candidate","candidate":null}'
expect c '"event":"signal","from":"a"' 20
check_in_order c a 1 20
expect a '"sdp":"v=0 from-c"'
expect a '"from":"c","signal":{"type":"candidate","candidate":null}'

log "a signal to a peer outside the call is refused by the server"
probe_cmd a 'send zz {"type":"offer","sdp":"v=0"}'
expect a '"event":"error","code":"not-in-call"'
log "a malformed signal is refused locally"
probe_cmd a 'send b {"type":"bogus"}'
expect a '"event":"error","code":"send-failed"'
expect_none b '"type":"bogus"'

log "c leaves (SIGTERM): exit 0, a and b see peer-left"
kill_process c TERM
[ "$LAST_RC" -eq 0 ] || fail "c exited with $LAST_RC after SIGTERM, expected 0"
has c '"event":"left"' || fail "c did not print left"
has c '"state":"idle"' || fail "c did not go idle"
expect a '"event":"peer-left","peerId":"c"'
expect b '"event":"peer-left","peerId":"c"'
grep -q "c left room1 (leave-call)" "$WORK/srv.log" || fail "the server did not see c's leave-call before the disconnect"

log "b dies (SIGKILL): a sees peer-left within pingInterval + pingTimeout"
kill_process b KILL
expect a '"event":"peer-left","peerId":"b"' 1 5

log "a leaves via the 'leave' command"
probe_cmd a leave
wait_exit a
[ "$LAST_RC" -eq 0 ] || fail "a exited with $LAST_RC after leave, expected 0"
[ "$(count a '"event":"peer-joined"')" -eq 2 ] || fail "a reported $(count a '"event":"peer-joined"') peer-joined events, expected 2"
echo "PASS"

# ICE restart in place with a real browser (issue 11), both ways:
#   1. the browser offered; it restarts ICE (restartIce(), as a page does on
#      "failed" or a network change): meshcall takes the restart in place:
#      the same connection (connections 1, connectedAt unchanged), its
#      iceRestarts counts it, and media flows both ways afterwards;
#   2. meshcall offered; the browser stops sending for 4 s (a frozen sender):
#      meshcall marks it reconnecting, restarts ICE itself, Chrome answers
#      the restart, and media flows again on the same connection.
# Neither side reports an SDP or candidate error.
source "$(dirname "$0")/browser_lib.bash"

start_server
SIGNAL_URL="ws://127.0.0.1:$(cat "$WORK/port")"

mc_field() {   # mc_field FILE PEER FIELD
  node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
           const p = d.peers.find((q) => q.peerId === process.argv[2]);
           console.log(p ? p[process.argv[3]] : "absent");' "$1" "$2" "$3"
}

# 1. The browser offers, then restarts ICE.
CALL_ID=browser-restarts
start_browser web1 --signal "$SIGNAL_URL" --peer web1 --stats-file "$WORK/web1.json" --control "$WORK/web1.ctl"
wait_event web1 20 '"event":"join-ack","ack":\{"ok":true' "joined the call"
start_join mc1
expect_stats 25 --peers 1 --min-frames 15 --min-audio 20 --rising "$WORK/web1.json" "$WORK/mc1.json"
connected_at=$(mc_field "$WORK/mc1.json" web1 connectedAt)
echo restart-ice >"$WORK/web1.ctl"
wait_event web1 10 '"event":"ice-restart-sent","remote":"mc1"' "the browser's ICE restart offer"
wait_event web1 10 '"event":"answer-received","remote":"mc1"' "meshcall's answer to the restart"
grep -q "ICE restart by the remote: taking it in place" "$WORK/mc1.log" || fail "meshcall did not take the restart in place"
restart_counted() { [ "$(mc_field "$WORK/mc1.json" web1 iceRestarts)" = 1 ]; }   # read anew each try
wait_until 10 "meshcall to count the restart" restart_counted
expect_stats 15 --peers 1 --rising "$WORK/web1.json" "$WORK/mc1.json"
[ "$(mc_field "$WORK/mc1.json" web1 connections)" = 1 ] || fail "meshcall made a new connection for the restart"
[ "$(mc_field "$WORK/mc1.json" web1 connectedAt)" = "$connected_at" ] || fail "meshcall's connection was re-established"
no_event web1 '"event":"(sdp-error|candidate-rejected|protocol-error|page-error)"' "Chrome refused something in the restart"
log "1: the browser's ICE restart was taken in place; media flows both ways"
stop_proc mc1
stop_proc web1

# 2. meshcall offers; the browser stops sending; meshcall restarts ICE.
CALL_ID=meshcall-restarts
start_join mc2
wait_participants "$CALL_ID" 1 10
start_browser web2 --signal "$SIGNAL_URL" --peer web2 --stats-file "$WORK/web2.json" --control "$WORK/web2.ctl"
expect_stats 25 --peers 1 --min-frames 15 --min-audio 20 --rising "$WORK/web2.json" "$WORK/mc2.json"
connected_at=$(mc_field "$WORK/mc2.json" web2 connectedAt)
echo "pause-media 4" >"$WORK/web2.ctl"
wait_event web2 10 '"event":"media-paused"' "the browser to stop sending"
expect_stats 10 --state web2:reconnecting "$WORK/mc2.json"
wait_until 15 "meshcall's restart to be answered" grep -q "ICE restarted on stream .* (our offer was answered)" "$WORK/mc2.log"
wait_event web2 10 '"event":"offer-received","remote":"mc2","renegotiation":true' "meshcall's restart offer"
expect_stats 15 --peers 1 --rising "$WORK/web2.json" "$WORK/mc2.json"
[ "$(mc_field "$WORK/mc2.json" web2 iceRestarts)" = 1 ] || fail "meshcall does not count its restart"
[ "$(mc_field "$WORK/mc2.json" web2 connections)" = 1 ] || fail "meshcall made a new connection instead of restarting"
[ "$(mc_field "$WORK/mc2.json" web2 connectedAt)" = "$connected_at" ] || fail "meshcall's connection was re-established"
no_event web2 '"event":"(sdp-error|candidate-rejected|protocol-error|page-error)"' "Chrome refused meshcall's restart"
log "2: meshcall restarted ICE in place with the browser; media flows again"
log "PASS"

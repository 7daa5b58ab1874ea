#!/usr/bin/env bash
# Two real browser participants (Debian chromium, fake camera and microphone,
# the stock socket.io-client bundle) in one call through `meshcall serve`:
# each decodes the other's video at the size sent and its audio, counts
# rising. One page connects websocket-only (as a page from another origin
# must), the other with socket.io-client's default transports (long-polling,
# then the upgrade to websocket). A clean browser exit leaves the call.
source "$(dirname "$0")/browser_lib.bash"

CALL_ID=browsers
start_server
WS_URL="ws://127.0.0.1:$(cat "$WORK/port")"

start_browser browsers --signal "$WS_URL" \
  --peer alice --name "Alice (ws)" --transport websocket --stats-file "$WORK/alice.json" \
  --peer bob --name "Bob (polling)" --transport default --stats-file "$WORK/bob.json"

wait_event browsers 20 '"peer":"bob","event":"transport-upgraded","transport":"websocket"' \
  "bob's polling session upgraded to websocket"
expect_stats 25 --peers 1 --min-frames 15 --min-audio 20 --width 320 --height 240 --rising \
  "$WORK/alice.json" "$WORK/bob.json"
log "both browsers decode each other's video and audio"

no_event browsers '"event":"(sdp-error|call-error|signal-refused|protocol-error|page-error|candidate-rejected|proxy-error)"' \
  "unexpected error event"
no_event browsers '"event":"(connect-error|socket-disconnected)"' "a socket dropped (it reconnected) during the call"
grep -q '"peer":"bob","event":"engine-open","transport":"polling"' "$WORK/browsers.log" ||
  fail "bob did not start on long-polling (default transports)"
for who in alice bob; do
  node -e '
    const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const p = d.peers[0];
    if (p.videoCodec !== "video/VP8" && !p.videoCodec) { console.error("no video codec"); process.exit(1); }
    console.log(`${d.peerId}: ${p.videoFramesDecoded} frames ${p.width}x${p.height} ${p.videoCodec} from ${p.peerId}`);
  ' "$WORK/$who.json" || fail "bad stats in $who.json"
done

[ "$(server_participants "$CALL_ID")" = 2 ] || fail "the server does not list 2 participants in $CALL_ID"
stop_proc browsers
wait_participants "$CALL_ID" 0 5
log "PASS"

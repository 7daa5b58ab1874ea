#!/usr/bin/env bash
# A real browser (Debian chromium, fake camera and microphone, stock
# socket.io-client) and a `meshcall join --headless` process in one call
# through `meshcall serve`, in both offer directions:
#   1. the browser joins first, so it offers and meshcall answers;
#   2. meshcall joins first, so it offers and the browser answers.
# Each time the browser decodes meshcall's video (320x240) and audio, and
# meshcall decodes the browser's, counts rising; Chrome accepts meshcall's SDP
# and candidates, and meshcall Chrome's (no errors on either side).
source "$(dirname "$0")/browser_lib.bash"

start_server
SIGNAL_URL="ws://127.0.0.1:$(cat "$WORK/port")"

# check_pair CALL BROWSER_LABEL WEB_PEER MC_PEER: both sides decode each other, no errors.
check_pair() {
  local call=$1 label=$2 web=$3 mc=$4
  expect_stats 25 --peers 1 --min-frames 15 --min-audio 20 --width 320 --height 240 --rising \
    "$WORK/$web.json" "$WORK/$mc.json"
  log "$call: the browser decodes meshcall and meshcall decodes the browser (video 320x240 and audio)"
  no_event "$label" '"event":"(sdp-error|candidate-rejected|call-error|signal-refused|protocol-error|page-error)"' \
    "Chrome refused something meshcall sent, or the server refused the browser"
  no_event "$label" '"event":"(connect-error|socket-disconnected)"' "the browser's socket dropped during the call"
  node -e '
    const fs = require("fs");
    const web = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).peers[0];
    const mc = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    const bad = [];
    if (web.peerId !== process.argv[4]) bad.push(`browser lists ${web.peerId}, want ${process.argv[4]}`);
    if (web.videoCodec !== "video/VP8") bad.push(`browser receives ${web.videoCodec}, want video/VP8 (meshcall default)`);
    if (web.sentVideoCodec !== "video/VP8") bad.push(`browser sends ${web.sentVideoCodec}, want video/VP8`);
    if (String(web.audioCodec).toLowerCase() !== "audio/opus") bad.push(`browser receives audio ${web.audioCodec}, want audio/opus`);
    if (web.offerer !== (process.argv[5] === "browser")) bad.push(`browser offerer=${web.offerer}, want ${process.argv[5]} to offer`);
    if (mc.peers[0].peerId !== process.argv[3]) bad.push(`meshcall lists ${mc.peers[0].peerId}, want ${process.argv[3]}`);
    if (bad.length) { console.error(bad.join("; ")); process.exit(1); }
    console.log(`browser got ${web.videoFramesDecoded} ${web.videoCodec} frames ${web.width}x${web.height}` +
                `, rtt ${web.rttMs} ms; meshcall got ${mc.peers[0].videoFramesDecoded} frames` +
                ` ${mc.peers[0].width}x${mc.peers[0].height}`);
  ' "$WORK/$web.json" "$WORK/$mc.json" "$web" "$mc" "$5" || fail "$call: wrong stats"
  # meshcall's audio and video must arrive as one MediaStream (lip sync).
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
    const tracks = lines.filter((l) => l.includes("\"event\":\"track\"")).map((l) => JSON.parse(l))
      .filter((e) => e.remote === process.argv[2]);
    const ids = new Set(tracks.map((t) => JSON.stringify(t.streams)));
    const kinds = tracks.map((t) => t.kind).sort().join(",");
    if (kinds !== "audio,video" || ids.size !== 1 || tracks[0].streams.length !== 1) {
      console.error(`tracks from ${process.argv[2]}: ${JSON.stringify(tracks)}`); process.exit(1);
    }
    console.log(`audio and video from ${process.argv[2]} share stream ${tracks[0].streams[0]}`);
  ' "$WORK/$label.log" "$mc" || fail "$call: meshcall's audio and video are not in one MediaStream"
}

# 1. The browser is in the call first: it offers to meshcall.
CALL_ID=browser-first
start_browser web1 --signal "$SIGNAL_URL" --peer web1 --name "Chromium 1" --stats-file "$WORK/web1.json"
wait_event web1 20 '"event":"join-ack","ack":\{"ok":true' "joined the call"
start_join mc1
wait_event web1 10 '"event":"offer-sent","remote":"mc1"' "offer to meshcall"
check_pair "$CALL_ID" web1 web1 mc1 browser
stop_proc mc1
wait_event web1 10 '"event":"peer-torn-down","remote":"mc1","why":"peer-left"' "peer-left from meshcall's clean leave"
stop_proc web1

# 2. meshcall is in the call first: it offers to the browser.
CALL_ID=meshcall-first
start_join mc2
wait_participants "$CALL_ID" 1 10
start_browser web2 --signal "$SIGNAL_URL" --peer web2 --name "Chromium 2" --stats-file "$WORK/web2.json"
wait_event web2 20 '"event":"offer-received","remote":"mc2"' "offer from meshcall"
check_pair "$CALL_ID" web2 web2 mc2 meshcall
stop_proc web2
expect_stats 10 --peers 0 "$WORK/mc2.json"
log "meshcall dropped the browser after its clean leave"
stop_proc mc2
log "PASS"

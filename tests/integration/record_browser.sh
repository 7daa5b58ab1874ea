#!/usr/bin/env bash
# A recorder in a call with a real browser and an H.264 sender (issue 10):
#  - Chromium (fake camera and microphone, stock socket.io-client) is told
#    by the recording signal (it reports it, and no protocol error) and
#    keeps working: it still decodes the H.264 participant;
#  - the recorder's file of the browser is WebM with VP8 and Opus as
#    Chromium sent them; the H.264 participant's is Matroska (.mkv) with
#    H.264 and Opus, not re-encoded; both play (gst-discoverer-1.0 and
#    GStreamer's decoders) for about as long as they were recorded.
source "$(dirname "$0")/browser_lib.bash"
source "$(dirname "$0")/record_lib.bash"

start_server
SIGNAL_URL="ws://127.0.0.1:$(cat "$WORK/port")"
start_browser web --signal "$SIGNAL_URL" --peer web --name "Chromium" --stats-file "$WORK/web.json"
wait_event web 20 '"event":"join-ack","ack":\{"ok":true' "the browser to join"
start_party h264 0xff00ff00 880 --video-codec h264
wait_until 20 "h264 to join" joined h264
start_recorder
wait_event web 30 '"event":"recording","remote":"rec","active":true' "the recording signal at the browser"
wait_until 30 "two files being recorded" manifest_true 'file("web").state === "recording" && file("h264").state === "recording"'
t0=$(now_s)
sleep 8
expect_stats 10 --peers 1 --min-frames 30 --rising --state rec:connected "$WORK/web.json"
log "the browser still decodes h264 with the recorder in the call"
no_event web '"event":"protocol-error"' "the browser saw a protocol error"
t_end=$(now_s)
stop_recorder INT || fail "the recorder exited with $?, want 0"

want=$(elapsed "$t0" "$t_end")
for peer in web h264; do
  name=$(manifest_get "file('$peer').file")
  json=$(check_file "$REC_OUT/call1/$name")
  log "$peer: $name $json (expected ~$want s)"
  json_get "$json" "d.video === 1 && d.audio === 1 && Math.abs(d.duration - $want) <= 0.15 * $want && d.frames > 60" |
    grep -qx true || fail "$name: want one video and one audio stream for ~$want s: $json"
done
[ "$(manifest_get "file('web').container + ' ' + file('web').video + ' ' + file('web').audio")" = "webm VP8 Opus" ] ||
  fail "the browser's file should be WebM with VP8 and Opus: $(cat "$(MANIFEST)")"
[ "$(manifest_get "file('h264').container + ' ' + file('h264').video + ' ' + file('h264').audio")" = "matroska H264 Opus" ] ||
  fail "the H.264 participant's file should be Matroska with H264 and Opus: $(cat "$(MANIFEST)")"
[[ $(manifest_get "file('h264').file") == *.mkv ]] || fail "the H.264 file should be .mkv"
# Read whole before matching: `| grep -q` under pipefail fails when grep exits before the last write (SIGPIPE).
info=$(gst-discoverer-1.0 "$REC_OUT/call1/$(manifest_get "file('h264').file")") ||
  fail "gst-discoverer-1.0 failed on the .mkv: $info"
grep -q "H.264" <<<"$info" || fail "gst-discoverer-1.0 does not see H.264 in the .mkv: $info"
log "PASS"

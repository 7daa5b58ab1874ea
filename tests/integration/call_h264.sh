# Two `meshcall join --headless --video-codec h264` processes: each receives
# H.264 (not VP8) from the other and decodes it at the size sent, counts
# rising, keyframes (with SPS/PPS) reaching a late subscriber.
source "$(dirname "$0")/call_lib.bash"

start_server
start_join alice --video-codec h264
start_join bob --video-codec h264
expect_stats 20 --peers 1 --min-frames 15 --min-audio 20 --width 320 --height 240 --rising $(stats_files alice bob)
for n in alice bob; do
  grep -q '"videoCodec" : "h264"' "$WORK/$n.json" || fail "$n's stats do not say videoCodec h264"
  grep -q 'incoming video H264' "$WORK/$n.log" || fail "$n did not receive an H264 stream"
  grep -q 'incoming video VP8' "$WORK/$n.log" && fail "$n received VP8"
done
log "both decode each other's H.264"
log "PASS"

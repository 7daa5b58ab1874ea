#!/usr/bin/env bash
# Keyframe bursts through a shallow bottleneck (issue 9: "pace the send ...
# measure it"). One sender, one receiver in the network lab
# (tests/integration/netlab.bash; needs root); the receiver's downlink gets
# the adaptation bench's cap, tbf rate 600kbit burst 6000 latency 50ms. The
# sender is the tier encoder of pipelines/ at a fixed rate, 500 and 540 kbit/s
# (about 0.9 and 0.96 x the cap on the wire with RTP/UDP/IP: where the
# controller sits under it, between a back-off and the next), 640x480@30
# from the test source (SMPTE bars, what the benches and tests send), a
# keyframe every second (a stress: meshcall forces one per tier move and per
# request, at most one a second), RTP over UDP (rtpvp8pay / rtph264pay, mtu
# 1200). Per variant and rate, over 15 s after 3 s of warm-up, from the network
# (`tc -s -j qdisc`): packets the tbf dropped / packets offered, and the
# delivered rate. Variants: the VP8 encoder's keyframe cap
# (max-intra-bitrate: 0 = none, 300 = meshcall's), x264enc's VBV buffer
# (600 ms = its default and meshcall's, 100 ms), and a simple pacer in front
# of the network: the UDP sink's max-bitrate (GstBaseSink's throttle: one
# packet at a time at that rate), 1.5 x the cap (900 kbit/s).
#   sudo bench/keyframe-burst.sh        writes bench/results/keyframe-burst.json
source "$(dirname "$0")/lab-common.sh"
out=bench/results/keyframe-burst.json
WARM_S=3
RUN_S=15
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

lab_start
lab_add s
lab_add r
read -r R_NS R_DEV <<<"$(lab_dev r down)"
R_ADDR=${LAB_ADDR[r]}

SRC="videotestsrc is-live=true pattern=smpte ! video/x-raw,width=640,height=480,framerate=30/1"
VP8="vp8enc deadline=1 cpu-used=-6 end-usage=cbr keyframe-max-dist=30 lag-in-frames=0
  error-resilient=default buffer-size=1000 buffer-initial-size=500 buffer-optimal-size=600 overshoot=15
  dropframe-threshold=30 threads=2"
H264="x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bframes=0 threads=2 aud=false"

# variant NAME ENCODER PAY SINK_OPTS: prints the figures (JSON).
variant() {
  local name=$1 enc=$2 pay=$3 sink=$4 a b
  ip netns exec "$R_NS_R" gst-launch-1.0 -q udpsrc port=5004 ! fakesink >/dev/null 2>&1 &
  local rx=$!
  # shellcheck disable=SC2086
  ip netns exec "$(lab_ns s)" gst-launch-1.0 -q $SRC ! $enc ! $pay mtu=1200 ! udpsink host="$R_ADDR" port=5004 $sink \
    >"$WORK/$name.log" 2>&1 &
  local tx=$!
  sleep $WARM_S   # the encoder's first seconds (its buffer filling) are not the steady state
  a=$(lab_qdisc r down)
  sleep $RUN_S    # the measured span
  b=$(lab_qdisc r down)
  kill -TERM $tx $rx 2>/dev/null
  wait $tx $rx 2>/dev/null
  node -e '
    const [a, b] = [process.argv[1], process.argv[2]].map((s) => s.split(" ").map(Number));
    const bytes = b[0] - a[0], packets = b[1] - a[1], drops = b[2] - a[2];
    console.log(JSON.stringify({ delivered_kbps: +(bytes * 8 / 1000 / Number(process.argv[3])).toFixed(1),
      packets_offered: packets + drops, queue_drops_pct: +(100 * drops / Math.max(packets + drops, 1)).toFixed(2) }));' \
    "$a" "$b" "$RUN_S"
}

R_NS_R=$(lab_ns r)
lab_shape_down r 600kbit 6000 50ms
results=()
run() {
  local fig
  fig=$(variant "$@")
  log "$1: $fig"
  results+=("{\"variant\": \"$1\", \"figures\": $fig}")
}
for kbps in 500 540; do
  run "vp8-$kbps-no-keyframe-cap" "$VP8 target-bitrate=${kbps}000 max-intra-bitrate=0" rtpvp8pay ""
  run "vp8-$kbps-keyframe-cap-300" "$VP8 target-bitrate=${kbps}000 max-intra-bitrate=300" rtpvp8pay ""
  run "vp8-$kbps-keyframe-cap-300-paced-900k" "$VP8 target-bitrate=${kbps}000 max-intra-bitrate=300" rtpvp8pay \
    "max-bitrate=900000"
  run "h264-$kbps-vbv-600ms" "$H264 bitrate=$kbps" rtph264pay ""
  run "h264-$kbps-vbv-100ms" "$H264 bitrate=$kbps vbv-buf-capacity=100" rtph264pay ""
  run "h264-$kbps-vbv-600ms-paced-900k" "$H264 bitrate=$kbps" rtph264pay "max-bitrate=900000"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

write_results keyframe-burst "sudo bench/keyframe-burst.sh" \
  "one RTP video stream 640x480@30 (SMPTE bars) at 500 and 540 kbit/s, a keyframe a second, into tbf 600kbit burst 6000 latency 50ms; ${RUN_S} s after ${WARM_S} s" \
  "$out"

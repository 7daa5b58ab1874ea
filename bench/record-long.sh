#!/usr/bin/env bash
# The recorder over a long run (issue 10), not a test:
#   - RSS of `meshcall record` every 10 s while it records 3 remotes at
#     640x480@30 (VP8 + Opus) for MINUTES (default 10): the growth after a
#     1-minute warm-up is what must stay flat;
#   - CPU of the recorder (depayload, mux, write: no decoding) against a
#     participant that receives and decodes the same 3 streams, side by side
#     (a headless `meshcall join --video none --audio none`), as % of one core,
#     in all and per stream (a participant's video and audio).
# Usage: bench/record-long.sh [MINUTES]   -> bench/results/record-long.json
source "$(dirname "$0")/call-common.sh"
MINUTES=${1:-10}
OUT=bench/results/record-long.json

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start_server
for n in 1 2 3; do
  "$MESHCALL" join bench --signal "$SIGNAL_URL" --name "p$n" --peer-id "p$n" --headless --video test --audio test \
    --size 640x480 --fps 30 --no-audio-processing >"$WORK/p$n.log" 2>&1 &
  PIDS[p$n]=$!
done
sleep 3
"$MESHCALL" join bench --signal "$SIGNAL_URL" --name decoder --peer-id decoder --headless --video none --audio none \
  >"$WORK/decoder.log" 2>&1 &
PIDS[decoder]=$!
"$MESHCALL" record bench --signal "$SIGNAL_URL" --peer-id rec --out "$WORK/rec" >"$WORK/rec.log" 2>&1 &
PIDS[rec]=$!
sleep 10
grep -c "recording p" "$WORK/rec.log" | grep -qx 3 || die "the recorder is not recording 3 participants: $(cat "$WORK/rec.log")"

hz=$(getconf CLK_TCK)
samples="" t=0
rec0=$(cpu_ticks "${PIDS[rec]}") dec0=$(cpu_ticks "${PIDS[decoder]}") start=$(date +%s.%N)
while [ "$t" -le $((MINUTES * 60)) ]; do
  kill -0 "${PIDS[rec]}" || die "the recorder exited"
  samples="$samples${samples:+,}[$t,$(rss_kb "${PIDS[rec]}"),$(rss_kb "${PIDS[decoder]}")]"
  sleep 10
  t=$((t + 10))
done
rec1=$(cpu_ticks "${PIDS[rec]}") dec1=$(cpu_ticks "${PIDS[decoder]}") end=$(date +%s.%N)
bytes=$(du -sb "$WORK/rec" | cut -f1)
stop rec

secs=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
node -e '
  const [minutes, samples, recT, decT, secs, bytes, machine] = process.argv.slice(1);
  const s = JSON.parse("[" + samples + "]");
  const warm = s.filter(([t]) => t >= 60);
  console.log(JSON.stringify({
    what: "meshcall record, 3 remotes at 640x480@30 VP8 + Opus, beside a participant decoding the same 3 streams",
    machine, minutes: +minutes,
    recorderCpuPercent: +(100 * recT / secs).toFixed(1),
    decoderCpuPercent: +(100 * decT / secs).toFixed(1),
    streams: 3,
    recorderCpuPercentPerStream: +(100 * recT / secs / 3).toFixed(2),
    decoderCpuPercentPerStream: +(100 * decT / secs / 3).toFixed(2),
    recorderRssKb: { first: s[0][1], afterWarmUp: warm.length ? warm[0][1] : null, last: s[s.length - 1][1],
                     growthAfterWarmUpKb: warm.length ? warm[warm.length - 1][1] - warm[0][1] : null },
    decoderRssKb: { first: s[0][2], last: s[s.length - 1][2] },
    recordedBytes: +bytes,
    samples: s.map(([t, r, d]) => ({ t, recorderRssKb: r, decoderRssKb: d })),
  }, null, 2));
' "$MINUTES" "$samples" "$(awk -v a="$rec0" -v b="$rec1" -v h="$hz" 'BEGIN { print (b - a) / h }')" \
  "$(awk -v a="$dec0" -v b="$dec1" -v h="$hz" 'BEGIN { print (b - a) / h }')" "$secs" "$bytes" "$(machine)" >"$OUT"
cat "$OUT"

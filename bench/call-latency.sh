#!/usr/bin/env bash
# Glass-to-glass latency on loopback: two bench/call-latency participants
# (test sources at SIZE@FPS) in one call through `meshcall serve`. Each stamps
# the wall-clock capture time into its pictures as a block code and reads the
# other's back after decoding; both share CLOCK_REALTIME on this machine.
#   bench/call-latency.sh [SECONDS] [SIZE] [FPS] [JITTER_MS] [CODEC]
#                                     (default 20 640x480 30 50 vp8)
# Writes bench/results/call-latency.json (both directions). Summary: docs/bench-call.md.
source "$(dirname "$0")/call-common.sh"
seconds=${1:-20}
size=${2:-640x480}
fps=${3:-30}
jitter=${4:-50}
codec=${5:-vp8}
out=${CALL_LATENCY_OUT:-bench/results/call-latency.json}
tool=$BUILD/bench/call-latency
[ -x "$tool" ] || die "$tool not built"

start_server
for n in a b; do
  "$tool" --signal "$SIGNAL_URL" --call g2g --peer-id "$n" --size "$size" --fps "$fps" --codec "$codec" \
    --jitter-latency "$jitter" --seconds "$seconds" --warmup 3 --out "$WORK/$n.json" >"$WORK/$n.log" 2>&1 &
  PIDS[$n]=$!
done
for n in a b; do
  wait "${PIDS[$n]}" || die "probe $n failed: $(tail -n 5 "$WORK/$n.log")"
  unset "PIDS[$n]"
done

python3 - "$WORK" "$out" "bench/call-latency.sh $*" "$(machine)" "$size" "$fps" "$jitter" "$codec" <<'PY'
import json, sys, time
work, out, command, machine, size, fps, jitter, codec = sys.argv[1:9]
dirs = {f'{s}->{r}': json.load(open(f'{work}/{r}.json')) for s, r in (('b', 'a'), ('a', 'b'))}
result = {
    'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    'machine': machine,
    'command': command,
    'load_average': float(open('/proc/loadavg').read().split()[0]),
    'setup': f'2 participants (bench/call-latency, meshcall_core) on 127.0.0.1, {size}@{fps} {codec} test source, '
             f'jitter buffer {jitter} ms; capture time stamped at the capture tee (before the encoder), '
             'read after the decoder (appsink callback); shared CLOCK_REALTIME',
    'target_p50_ms': 60,
    'p50_ms': max(d['p50_ms'] for d in dirs.values()),
    'p99_ms': max(d['p99_ms'] for d in dirs.values()),
    'directions': dirs,
}
json.dump(result, open(out, 'w'), indent=2)
print(json.dumps({k: result[k] for k in ('p50_ms', 'p99_ms')}), {k: (d['samples'], d['p50_ms'], d['p99_ms']) for k, d in dirs.items()})
PY

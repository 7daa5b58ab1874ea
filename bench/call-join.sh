#!/usr/bin/env bash
# Join time: process start -> first decoded remote frame, 2 participants on
# loopback. "alice" stays in the call; "bob" joins RUNS times as a fresh
# process (640x480@30 test sources, headless) and leaves. For each run:
# signaling joined, connection up, first frame decoded (all from bob's
# --stats-json, wall clock, relative to the moment before exec) and how long
# bob's DTLS key generation took (his log).
#   bench/call-join.sh [RUNS]          (default 10)
# Writes bench/results/call-join.json. Summary: docs/bench-call.md.
source "$(dirname "$0")/call-common.sh"
runs=${1:-10}
out=bench/results/call-join.json
common=(--signal "" --headless --video test --audio test --no-audio-processing)

start_server
common[1]=$SIGNAL_URL
"$MESHCALL" join bench "${common[@]}" --peer-id alice --name alice --stats-json "$WORK/alice.json" \
  >"$WORK/alice.log" 2>&1 &
PIDS[alice]=$!
for _ in $(seq 100); do grep -q '"signalingState" : "joined"' "$WORK/alice.json" 2>/dev/null && break; sleep 0.05; done

for i in $(seq "$runs"); do
  name=bob$i
  t0=$(date +%s.%N)
  GST_DEBUG=${BENCH_GST_DEBUG:-meshcall-media:4} "$MESHCALL" join bench "${common[@]}" --peer-id "$name" --name "$name" \
    --stats-json "$WORK/$name.json" >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  echo "$t0" >"$WORK/$name.t0"
  for _ in $(seq 200); do
    grep -q '"firstFrameAt" : [0-9]' "$WORK/$name.json" 2>/dev/null && break
    sleep 0.05
  done
  grep -q '"firstFrameAt" : [0-9]' "$WORK/$name.json" 2>/dev/null || die "$name decoded no frame within 10 s"
  stop "$name"
  sleep 0.5   # let alice notice the leave before the next join
done

python3 - "$WORK" "$out" "$runs" "bench/call-join.sh $*" "$(machine)" <<'PY'
import json, re, statistics, sys, time
work, out, runs, command, machine = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = []
for i in range(1, runs + 1):
    name = f'bob{i}'
    t0 = float(open(f'{work}/{name}.t0').read())
    doc = json.load(open(f'{work}/{name}.json'))
    peer = next(p for p in doc['peers'] if p['peerId'] == 'alice')
    log = open(f'{work}/{name}.log', errors='replace').read()
    m = re.search(r'warm-up \(DTLS certificate, webrtcbin\) took ([0-9.]+) s', log)
    rows.append({
        'run': i,
        'signaling_joined_s': round(doc['joinedAt'] - t0, 3),
        'connected_s': round(peer['connectedAt'] - t0, 3),
        'first_frame_s': round(peer['firstFrameAt'] - t0, 3),
        'connected_to_first_frame_s': round(peer['firstFrameAt'] - peer['connectedAt'], 3),
        'dtls_keygen_s': float(m.group(1)) if m else None,
    })
def med(key):
    v = [r[key] for r in rows if r[key] is not None]
    return round(statistics.median(v), 3) if v else None
result = {
    'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    'machine': machine,
    'command': command,
    'setup': '2 participants on 127.0.0.1 through meshcall serve; 640x480@30 VP8 test source, headless, '
             'jitter buffer 50 ms; bob starts as a new process each run, alice stays',
    'target_median_first_frame_s': 0.3,
    'median': {k: med(k) for k in ('signaling_joined_s', 'connected_s', 'first_frame_s',
                                   'connected_to_first_frame_s', 'dtls_keygen_s')},
    'min_first_frame_s': min(r['first_frame_s'] for r in rows),
    'max_first_frame_s': max(r['first_frame_s'] for r in rows),
    'runs': rows,
}
json.dump(result, open(out, 'w'), indent=2)
print(json.dumps(result['median']), 'min', result['min_first_frame_s'], 'max', result['max_first_frame_s'])
PY

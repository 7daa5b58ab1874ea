#!/usr/bin/env bash
# Join time: start -> first decoded remote frame, 2 participants on loopback,
# meshcall and Chromium side by side in one run. "alice" (meshcall) stays in
# the call; in each round "bobN" joins as a new `meshcall join --headless`
# process and leaves, then "webN" joins as a new page in a Chromium that
# stays up (bench/browser-join.js) and leaves. Everything sends and decodes
# 640x480@30 VP8 (test sources, Chromium's fake camera).
#   meshcall: from the moment before exec (bash's clock), through bob's
#     --stats-json (wall clock) and log (GStreamer's clock, placed on the
#     wall clock by the "joined" line): gst_init, signaling joined, alice's
#     offer in, our answer out, connected, first frame decoded;
#   Chromium: from the page's navigation start: camera ready, socket
#     connected, joined, offer in, answer out, connected, first frame decoded
#     (getStats polled every 10 ms).
#   bench/call-join.sh [ROUNDS]          (default 10)
#   BENCH_JOIN_ARGS="--jitter-latency 0" bench/call-join.sh   (more options for bob)
# Writes bench/results/call-join.json (p50 and p90 of each, every round, the
# load average). Summary: docs/bench-call.md, "Fast joins".
source "$(dirname "$0")/call-common.sh"
runs=${1:-10}
out=bench/results/call-join.json
: "${NODE_PATH:=$PWD/tests/node/node_modules}"
export NODE_PATH
[ -d "$NODE_PATH/playwright-core" ] || die "playwright-core is not in $NODE_PATH (cd tests/node && npm ci)"
command -v chromium >/dev/null || [ -n "${CHROMIUM_BIN:-}" ] || die "chromium is not installed"
# bob's certificate is kept in the bench's own state directory: the first
# round makes it, the others reuse it (each row says which).
export XDG_STATE_HOME=$WORK/state
unset STATE_DIRECTORY
common=(--signal "" --headless --video test --audio test --no-audio-processing --size 640x480 --fps 30)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

start_server
common[1]=$SIGNAL_URL
"$MESHCALL" join bench "${common[@]}" --peer-id alice --name alice --state-dir "$WORK/alice-state" \
  --stats-json "$WORK/alice.json" >"$WORK/alice.log" 2>&1 &
PIDS[alice]=$!
for _ in $(seq 100); do grep -q '"signalingState" : "joined"' "$WORK/alice.json" 2>/dev/null && break; sleep 0.05; done

coproc WEB { exec node bench/browser-join.js --signal "ws://${SIGNAL_URL#http://}" --call bench --runs "$runs" \
               --out "$WORK/chromium.json" --step 2>"$WORK/chromium.log"; }
PIDS[chromium]=$WEB_PID
read -r -t 60 reply <&"${WEB[0]}" || die "Chromium did not start within 60 s (see $WORK/chromium.log)"
[ "$reply" = ready ] || die "Chromium said '$reply' at start"

# Alice must have dropped the one who left before the next joins.
wait_alice_alone() {
  for _ in $(seq 100); do grep -q '"peers" : \[\]' "$WORK/alice.json" 2>/dev/null && return; sleep 0.05; done
  die "alice still lists a peer 5 s after it left"
}

for i in $(seq "$runs"); do
  name=bob$i
  wait_alice_alone
  t0=$(date +%s.%N)
  GST_DEBUG=${BENCH_GST_DEBUG:-meshcall*:4} GST_DEBUG_NO_COLOR=1 "$MESHCALL" join bench "${common[@]}" --peer-id "$name" --name "$name" \
    --stats-json "$WORK/$name.json" ${BENCH_JOIN_ARGS:-} >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  echo "$t0" >"$WORK/$name.t0"
  for _ in $(seq 200); do
    grep -q '"firstFrameAt" : [0-9]' "$WORK/$name.json" 2>/dev/null && break
    sleep 0.05
  done
  grep -q '"firstFrameAt" : [0-9]' "$WORK/$name.json" 2>/dev/null || die "$name decoded no frame within 10 s"
  stop "$name"
  wait_alice_alone
  echo run >&"${WEB[1]}"
  read -r -t 30 reply <&"${WEB[0]}" || die "Chromium's round $i did not finish within 30 s (see $WORK/chromium.log)"
  [ "$reply" = "done $i" ] || die "Chromium said '$reply' in round $i"
done
eval "exec ${WEB[1]}>&-"   # end of input: browser-join.js finishes
wait "$WEB_PID" || die "bench/browser-join.js failed: $(cat "$WORK/chromium.log")"
unset "PIDS[chromium]"

python3 - "$WORK" "$out" "$runs" "MESHCALL_BUILD_DIR=$BUILD bench/call-join.sh $*" "$(machine)" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, re, statistics, sys, time
work, out, runs, command, machine, load_before, load_after = sys.argv[1:8]
runs = int(runs)

def log_clock(line):
    h, m, s = line.split()[0].split(':')
    return int(h) * 3600 + int(m) * 60 + float(s)

def meshcall_row(i):
    name = f'bob{i}'
    t0 = float(open(f'{work}/{name}.t0').read())
    doc = json.load(open(f'{work}/{name}.json'))
    peer = next(p for p in doc['peers'] if p['peerId'] == 'alice')
    lines = open(f'{work}/{name}.log', errors='replace').read().splitlines()
    joined = next(l for l in lines if 'state connecting -> joined' in l)
    wall0 = doc['joinedAt'] - log_clock(joined)     # the wall-clock time of GStreamer's 0
    def at(pattern):
        l = next((l for l in lines if re.search(pattern, l)), None)
        return round(wall0 + log_clock(l) - t0, 3) if l else None
    warm = next((re.search(r'took ([0-9.]+) s', l) for l in lines if 'warm-up' in l), None)
    cert = next((re.search(r'DTLS certificate sha-256 \S+ \((\S+)', l) for l in lines if 'DTLS certificate sha-256' in l), None)
    return {
        'run': i,
        'gst_init_s': round(wall0 - t0, 3),
        'signaling_joined_s': round(doc['joinedAt'] - t0, 3),
        'offer_received_s': at(r'peer alice: new -> negotiating'),
        'answer_sent_s': at(r'peer alice: sending answer'),
        'connected_s': round(peer['connectedAt'] - t0, 3),
        'first_frame_s': round(peer['firstFrameAt'] - t0, 3),
        'connected_to_first_frame_s': round(peer['firstFrameAt'] - peer['connectedAt'], 3),
        'warm_up_s': float(warm.group(1)) if warm else None,
        'certificate': cert.group(1) if cert else None,
    }

def chromium_row(r):
    t0 = r['pageStart']
    rel = lambda k: round(r[k] - t0, 3) if r.get(k) else None
    return {'run': r['run'], 'camera_ready_s': rel('mediaReady'), 'socket_connected_s': rel('socketConnected'),
            'signaling_joined_s': rel('joined'), 'offer_received_s': rel('offerReceived'),
            'answer_sent_s': rel('answerSent'), 'connected_s': rel('connected'), 'first_frame_s': rel('firstDecoded'),
            'connected_to_first_frame_s': round(r['firstDecoded'] - r['connected'], 3) if r.get('connected') else None}

def summary(rows, keys):
    def pct(key, q):
        v = sorted(r[key] for r in rows if r.get(key) is not None)
        if not v:
            return None
        if len(v) == 1:
            return v[0]
        return round(statistics.quantiles(v, n=100, method='inclusive')[q - 1], 3)
    return {'p50': {k: pct(k, 50) for k in keys}, 'p90': {k: pct(k, 90) for k in keys},
            'min_first_frame_s': min(r['first_frame_s'] for r in rows),
            'max_first_frame_s': max(r['first_frame_s'] for r in rows)}

mc = [meshcall_row(i) for i in range(1, runs + 1)]
web = [chromium_row(r) for r in json.load(open(f'{work}/chromium.json'))]
result = {
    'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    'machine': machine,
    'load_average_before': load_before,
    'load_average_after': load_after,
    'command': command,
    'setup': '2 participants on 127.0.0.1 through meshcall serve; alice (meshcall) stays, each round a new meshcall '
             'process (bobN, --headless, jitter buffer 50 ms) and then a new page in a running Chromium (webN) join '
             'her and leave; 640x480@30 VP8 both ways (test sources / fake camera)',
    'target_p50_first_frame_s': 0.3,
    'meshcall': dict(summary(mc, ('gst_init_s', 'signaling_joined_s', 'offer_received_s', 'answer_sent_s',
                                  'connected_s', 'first_frame_s', 'connected_to_first_frame_s', 'warm_up_s')),
                     start='the moment before exec', runs=mc),
    'chromium': dict(summary(web, ('camera_ready_s', 'socket_connected_s', 'signaling_joined_s', 'offer_received_s',
                                   'answer_sent_s', 'connected_s', 'first_frame_s', 'connected_to_first_frame_s')),
                     start="the page's navigation start, in a Chromium already running", runs=web),
}
json.dump(result, open(out, 'w'), indent=2)
for who in ('meshcall', 'chromium'):
    r = result[who]
    print(f"{who:9s} first frame p50 {r['p50']['first_frame_s']} s, p90 {r['p90']['first_frame_s']} s "
          f"(min {r['min_first_frame_s']}, max {r['max_first_frame_s']}); p50 {json.dumps(r['p50'])}")
print('load average', load_before, '->', load_after)
PY

#!/usr/bin/env bash
# Firestore signaling, measured side by side in one run (docs/firestore.md,
# "Measured"):
#   1. join time through the Firestore emulator: "alice" stays in the call,
#      "bob" joins RUNS times as a fresh `meshcall join --signal firestore://`
#      process and leaves; process start -> first decoded remote frame (bob's
#      --stats-json), 2 participants, 640x480@30 test sources, headless;
#   2. the same through `meshcall serve`;
#   3. two Chromium pages on the official Firebase JS SDK (onSnapshot
#      listeners, tests/node/firestore_peer.html) through the same emulator,
#      RUNS times: page navigation -> first remote frame shown, per page;
#   4. HTTP requests per participant: alice's and bob's requests during each
#      join (each through its own counting proxy, tests/node/firestore_fault_proxy.js),
#      and alice's and one staying bob's over IDLE_S seconds of an idle call,
#      as requests a minute; the two SDK pages' requests to the emulator
#      (Playwright counts them) over the same idle time.
#   bench/firestore-join.sh [RUNS] [IDLE_S]     (default 10 and 60)
# Writes bench/results/firestore-join.json. Run it under the integration lock.
source "$(dirname "$0")/call-common.sh"
runs=${1:-10}
idle_s=${2:-60}
out=bench/results/firestore-join.json
project=demo-meshcall-bench
common=(--headless --video test --audio test --no-audio-processing)
export NODE_PATH=${NODE_PATH:-$PWD/tests/node/node_modules}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {   # wait_for SECONDS WHAT COMMAND...
  local s=$1 what=$2 i
  shift 2
  for ((i = 0; i < s * 20; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
  die "no $what within $s s"
}

# The emulator, in its own process group (bench_cleanup stops the launcher;
# the group goes with this trap).
emu_bin=$(dpkg -L google-cloud-cli-firestore-emulator 2>/dev/null | grep 'cloud_firestore_emulator$' | head -n1)
[ -x "$emu_bin" ] || die "the Firestore emulator is not installed"
emu_port=$(free_port)
setsid "$emu_bin" --host 127.0.0.1 --port "$emu_port" --project_id "$project" >"$WORK/emulator.log" 2>&1 &
EMU_PID=$!
trap 'kill -TERM -- -$EMU_PID 2>/dev/null; bench_cleanup' EXIT
EMU=127.0.0.1:$emu_port
wait_for 30 "Firestore emulator" curl -sf "http://$EMU/"
for _ in 1 2 3 4 5; do   # JIT warm-up, outside the measurement
  curl -sf -X POST "http://$EMU/v1/projects/$project/databases/(default)/documents:runQuery" \
    -H 'Authorization: Bearer owner' -d '{"structuredQuery":{"from":[{"collectionId":"warm"}]}}' -o /dev/null || true
done
for who in alice bob; do
  node tests/node/firestore_fault_proxy.js --target "$EMU" --port-file "$WORK/$who.proxy" >"$WORK/$who-proxy.log" 2>&1 &
  PIDS[$who-proxy]=$!
  wait_for 10 "counting proxy" test -s "$WORK/$who.proxy"
done
count() { curl -sf "http://127.0.0.1:$(cat "$WORK/$1.proxy")/__count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }

# join_runs KIND SIGNAL ALICE_ENV BOB_ENV: alice stays, bob1..RUNS join and leave.
join_runs() {
  local kind=$1 signal=$2 alice_env=$3 bob_env=$4 i name a0 b0
  env $alice_env "$MESHCALL" join "bench-$kind" --signal "$signal" "${common[@]}" --peer-id alice --name alice \
    --stats-json "$WORK/$kind-alice.json" >"$WORK/$kind-alice.log" 2>&1 &
  PIDS[alice]=$!
  wait_for 20 "alice in the call ($kind)" grep -q '"signalingState" : "joined"' "$WORK/$kind-alice.json"
  sleep 4   # alice's fast polling after her own join is over
  for i in $(seq "$runs"); do
    name=bob$i
    a0=$([ "$kind" = firestore ] && count alice || echo 0)
    b0=$([ "$kind" = firestore ] && count bob || echo 0)
    date +%s.%N >"$WORK/$kind-$name.t0"
    env $bob_env GST_DEBUG=${BENCH_GST_DEBUG:-meshcall-media:4} "$MESHCALL" join "bench-$kind" --signal "$signal" \
      "${common[@]}" --peer-id "$name" --name "$name" --stats-json "$WORK/$kind-$name.json" >"$WORK/$kind-$name.log" 2>&1 &
    PIDS[$name]=$!
    wait_for 15 "first frame for $name ($kind)" grep -q '"firstFrameAt" : [0-9]' "$WORK/$kind-$name.json"
    # The join's requests: until both sides' fast polling is over (3 s after the last signal).
    sleep 4
    if [ "$kind" = firestore ]; then
      echo "$(($(count alice) - a0)) $(($(count bob) - b0))" >"$WORK/$kind-$name.requests"
    fi
    if [ "$i" -lt "$runs" ]; then stop "$name"; sleep 1; fi
  done
  if [ "$kind" = firestore ]; then   # idle: alice and the last bob, nothing going on
    a0=$(count alice)
    b0=$(count bob)
    sleep "$idle_s"
    echo "$(($(count alice) - a0)) $(($(count bob) - b0))" >"$WORK/idle.requests"
  fi
  stop "bob$runs"
  stop alice
}

join_runs firestore "firestore://$project" "FIRESTORE_EMULATOR_HOST=127.0.0.1:$(cat "$WORK/alice.proxy")" \
  "FIRESTORE_EMULATOR_HOST=127.0.0.1:$(cat "$WORK/bob.proxy")"
start_server
join_runs serve "$SIGNAL_URL" "" ""

# Two SDK pages per run, one chromium; the last run stays idle for idle_s.
for i in $(seq "$runs"); do
  dur=8
  [ "$i" = "$runs" ] && dur=$((idle_s + 12))
  FIRESTORE_EMULATOR_HOST=$EMU timeout $((dur + 30)) node tests/node/browser_peer.js --signal "firestore://$project" \
    --call "bench-sdk-$i" --size 640x480 --fps 30 --duration "$dur" \
    --peer w1 --stats-file "$WORK/sdk-$i-w1.json" --peer w2 --stats-file "$WORK/sdk-$i-w2.json" \
    >"$WORK/sdk-$i.log" 2>&1 &
  PIDS[sdk]=$!
  if [ "$i" = "$runs" ]; then
    wait_for 30 "SDK pages' first frames" grep -q '"peer":"w2","event":"first-video-frame"' "$WORK/sdk-$i.log"
    sleep 5
    python3 -c 'import json,sys; print(sum(json.load(open(f))["signalingRequests"] for f in sys.argv[1:]))' \
      "$WORK/sdk-$i-w1.json" "$WORK/sdk-$i-w2.json" >"$WORK/sdk-idle.r0"
    sleep "$idle_s"
    python3 -c 'import json,sys; print(sum(json.load(open(f))["signalingRequests"] for f in sys.argv[1:]))' \
      "$WORK/sdk-$i-w1.json" "$WORK/sdk-$i-w2.json" >"$WORK/sdk-idle.r1"
  fi
  wait "${PIDS[sdk]}" || die "the SDK pages of run $i failed (see $WORK/sdk-$i.log)"
  unset 'PIDS[sdk]'
done

python3 - "$WORK" "$out" "$runs" "$idle_s" "bench/firestore-join.sh $*" "$(machine)" <<'PY'
import json, statistics, sys, time
work, out, runs, idle_s, command, machine = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
def med(v):
    v = [x for x in v if x is not None]
    return round(statistics.median(v), 3) if v else None
def joins(kind):
    rows = []
    for i in range(1, runs + 1):
        t0 = float(open(f'{work}/{kind}-bob{i}.t0').read())
        doc = json.load(open(f'{work}/{kind}-bob{i}.json'))
        peer = next(p for p in doc['peers'] if p['peerId'] == 'alice')
        row = {'run': i, 'signaling_joined_s': round(doc['joinedAt'] - t0, 3),
               'connected_s': round(peer['connectedAt'] - t0, 3), 'first_frame_s': round(peer['firstFrameAt'] - t0, 3)}
        if kind == 'firestore':
            a, b = map(int, open(f'{work}/{kind}-bob{i}.requests').read().split())
            row.update({'requests_alice': a, 'requests_bob': b})
        rows.append(row)
    return rows
fs, serve = joins('firestore'), joins('serve')
sdk = []
for i in range(1, runs + 1):
    ev = [json.loads(l) for l in open(f'{work}/sdk-{i}.log') if l.startswith('{')]
    ff = {e['peer']: e['sinceNavigationS'] for e in ev if e.get('event') == 'first-video-frame'}
    sdk.append({'run': i, 'w1_first_frame_s': round(ff['w1'], 3) if 'w1' in ff else None,
                'w2_first_frame_s': round(ff['w2'], 3) if 'w2' in ff else None})
ia, ib = map(int, open(f'{work}/idle.requests').read().split())
sdk_idle = int(open(f'{work}/sdk-idle.r1').read()) - int(open(f'{work}/sdk-idle.r0').read())
per_min = lambda n, parts=1: round(n * 60 / idle_s / parts, 1)
result = {
    'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    'machine': machine,
    'command': command,
    'setup': '2 participants on 127.0.0.1, 640x480@30 VP8 test sources, headless meshcall; alice stays, bob starts '
             'as a new process each run (process start -> first decoded remote frame); the Firestore emulator '
             '(google-cloud-cli-firestore-emulator) with default poll intervals; meshcall serve; two Chromium '
             'pages on the official Firebase JS SDK (tests/node/firestore_peer.html, onSnapshot listeners) through '
             'the same emulator, navigation -> first remote frame shown',
    'targets': {'firestore_median_first_frame_s': 1.0, 'firestore_not_slower_than_sdk': True,
                'idle_requests_per_min_max': 150},
    'median_first_frame_s': {'firestore': med(r['first_frame_s'] for r in fs),
                             'serve': med(r['first_frame_s'] for r in serve),
                             'sdk_second_page': med(r['w2_first_frame_s'] for r in sdk),
                             'sdk_first_page': med(r['w1_first_frame_s'] for r in sdk)},
    'median_signaling_joined_s': {'firestore': med(r['signaling_joined_s'] for r in fs),
                                  'serve': med(r['signaling_joined_s'] for r in serve)},
    'requests': {
        'idle_seconds': idle_s,
        'idle_per_min_alice': per_min(ia), 'idle_per_min_bob': per_min(ib),
        'idle_per_min_sdk_page': per_min(sdk_idle, 2),
        'join_median_joiner': med(r['requests_bob'] for r in fs),
        'join_median_answerer': med(r['requests_alice'] for r in fs),
        'join_window_s': 'from bob\'s start to 4 s after his first frame',
    },
    'firestore_runs': fs, 'serve_runs': serve, 'sdk_runs': sdk,
}
json.dump(result, open(out, 'w'), indent=2)
print(json.dumps({k: result[k] for k in ('median_first_frame_s', 'median_signaling_joined_s', 'requests')}, indent=1))
PY

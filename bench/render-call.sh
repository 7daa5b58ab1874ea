#!/usr/bin/env bash
# Rendering cost in real calls (issue 13). For 2, 3 and 6 participants at
# 640x480@30 (VP8, test camera and tone), one observed participant joins a
# call whose others are meshcall senders that decode nothing (join --no-decode), as:
#   headless     meshcall join --headless (no picture, no audio output)
#   none         meshcall join --render none (audio output, no picture)
#   sdl          the SDL grid, fullscreen on its own 1280x720 Xvfb (software GL), --render-path auto
#   sdl-opengl   the same with --render-path opengl (Mesa llvmpipe): the path before issue 13
#   text         the terminal grid (text:symbols) in a 160x48 tmux
#   chromium     headless Chromium (browser_peer.js --grid): the same number of <video> elements
#                filling a 1280x720 page in the same grid, plus its self view
# Its CPU (% of one core; Chromium: every process of its browser) is measured
# over SECONDS once it decodes every other participant; the display server's
# (Xvfb, tmux) is reported beside it. Then the join time: an observer joins a
# 2-party call RUNS times headless and RUNS times with the SDL grid; exec ->
# first decoded frame (--stats-json) and exec -> first picture on screen (the
# renderer's "first picture" log line, wall clock).
#   bench/render-call.sh [SECONDS] [PARTICIPANTS...]     (default 15 s; 2 3 6)
#   MODES="headless sdl ..." RUNS=5 MESHCALL_BUILD_DIR=build-rel bench/render-call.sh
#   JOIN_ONLY=1 bench/render-call.sh: the join runs alone, replacing only "join" in the JSON
# Writes bench/results/render-call.json. Summary: docs/bench-render.md.
source "$(dirname "$0")/call-common.sh"
invoked="bench/render-call.sh $*"   # as run, for the JSON (before the shift)
seconds=${1:-15}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2 3 6)
read -r -a modes <<<"${MODES:-headless none sdl sdl-opengl text chromium}"
runs=${RUNS:-5}
out=bench/results/render-call.json
NODE_DIR=tests/node
export NODE_PATH=$PWD/$NODE_DIR/node_modules
CHROMIUM_BIN=${CHROMIUM_BIN:-$(command -v chromium || true)}
export CHROMIUM_BIN
media=(--video test --audio test --size 640x480 --fps 30)
for tool in Xvfb tmux node; do command -v "$tool" >/dev/null || die "$tool is not installed (scripts/setup.sh)"; done

start_server

# CPU ticks (utime + stime) of a process, and of its descendants with "tree".
ticks() {
  local pid=$1 tree=${2:-}
  python3 - "$pid" "$tree" <<'PY'
import os, sys
root, tree = int(sys.argv[1]), sys.argv[2] == 'tree'
stats = {}
for d in os.listdir('/proc'):
    if d.isdigit():
        try:
            f = open(f'/proc/{d}/stat').read()
        except OSError:
            continue
        rest = f[f.rindex(')') + 2:].split()
        stats[int(d)] = (int(rest[1]), int(rest[11]) + int(rest[12]))   # ppid, utime + stime
want = {root}
if tree:
    grew = True
    while grew:
        grew = False
        for p, (pp, _) in stats.items():
            if pp in want and p not in want:
                want.add(p); grew = True
    want.discard(root)   # browser_peer.js (node) is the harness, not the browser
print(sum(stats[p][1] for p in want if p in stats))
PY
}
busy_ticks() { awk '/^cpu /{ print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8 }' /proc/stat; }

declare -A XDISPLAY=()
start_xvfb() {
  Xvfb -displayfd 3 -screen 0 1280x720x24 -nolisten tcp 3>"$WORK/display-$1" 2>/dev/null &
  PIDS[xvfb-$1]=$!
  for _ in $(seq 100); do [ -s "$WORK/display-$1" ] && break; sleep 0.05; done
  [ -s "$WORK/display-$1" ] || die "Xvfb did not start"
  XDISPLAY[$1]=":$(head -n1 "$WORK/display-$1")"
}

# join NAME CALL ARGS...: a meshcall participant, stats in $WORK/NAME.json.
join() {
  local name=$1 call=$2
  shift 2
  "$MESHCALL" join "$call" --signal "$SIGNAL_URL" --peer-id "$name" --name "$name" "${media[@]}" \
    --stats-json "$WORK/$name.json" "$@" >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
}

# decodes FILE N [connected]: the stats file lists N peers, each decoding
# video (connected: each connected, for a sender that decodes nothing).
decodes() {
  node -e '
    const fs = require("fs");
    try {
      const d = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      const up = process.argv[3] === "connected"
        ? (p) => p.connectionState === "connected" && (p.audioPacketsReceived || 0) > 0
        : (p) => (p.videoFramesDecoded || 0) > 0;
      process.exit((d.peers || []).filter(up).length >= Number(process.argv[2]) ? 0 : 1);
    } catch (e) { process.exit(1); }' "$1" "$2" "${3:-}"
}
frames() {
  node -e '
    const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log((d.peers || []).map((p) => p.videoFramesDecoded || 0).join(","));' "$1"
}

wait_decoding() {
  local file=$1 n=$2 what=$3 how=${4:-}
  for _ in $(seq 600); do decodes "$file" "$n" "$how" && return 0; sleep 0.1; done
  die "$what: does not ${how:-decode} $n participants within 60 s (see $WORK)"
}

# observe MODE N: one row of results in $WORK/rows.
observe() {
  local mode=$1 n=$2 call="bench-$1-$2" obs=observer side="" tree="" i
  # The senders decode nothing (--no-decode): six participants' decoders
  # would not fit on two cores beside the observer's.
  for ((i = 1; i < n; i++)); do join "s$i" "$call" --no-decode; done
  case $mode in
    headless) join $obs "$call" --headless ;;
    none) join $obs "$call" --render none ;;
    sdl | sdl-opengl)
      start_xvfb "$call"
      side=${PIDS[xvfb-$call]}
      DISPLAY=${XDISPLAY[$call]} join $obs "$call" --render sdl --fullscreen \
        --render-path "$([ "$mode" = sdl ] && echo auto || echo opengl)" ;;
    text)
      tmux -S "$WORK/tmux-$call" new-session -d -x 160 -y 48 \
        "TERM=tmux-256color $MESHCALL join $call --signal $SIGNAL_URL --peer-id $obs --name $obs ${media[*]} \
         --render text:symbols --stats-json $WORK/$obs.json 2>$WORK/$obs.log"
      # The newest match is meshcall itself (tmux runs it through sh -c).
      for _ in $(seq 100); do
        PIDS[$obs]=$(pgrep -n -f -- "join $call --signal .* --peer-id $obs " || true)
        [ -n "${PIDS[$obs]}" ] && break
        sleep 0.05
      done
      [ -n "${PIDS[$obs]}" ] || die "the text observer did not start (see $WORK/$obs.log)"
      side=$(tmux -S "$WORK/tmux-$call" display -p '#{pid}') ;;
    chromium)
      [ -n "$CHROMIUM_BIN" ] || die "chromium is not installed"
      TMPDIR="$WORK" node "$NODE_DIR/browser_peer.js" --signal "ws://127.0.0.1:$(cat "$WORK/port")" --call "$call" \
        --peer $obs --stats-file "$WORK/$obs.json" --size 640x480 --fps 30 --grid >"$WORK/$obs.log" 2>&1 &
      PIDS[$obs]=$!
      tree=tree ;;
  esac
  wait_decoding "$WORK/$obs.json" $((n - 1)) "$mode observer"
  for ((i = 1; i < n; i++)); do wait_decoding "$WORK/s$i.json" $((n - 1)) "sender s$i" connected; done
  sleep 3   # past the start (keyframes, bitrate ramp) before measuring
  local f0 c0 x0=0 b0 t0 f1 c1 x1=0 b1 t1
  f0=$(frames "$WORK/$obs.json"); c0=$(ticks "${PIDS[$obs]}" $tree); b0=$(busy_ticks)
  [ -n "$side" ] && x0=$(ticks "$side")
  t0=$(date +%s.%N)
  sleep "$seconds"
  f1=$(frames "$WORK/$obs.json"); c1=$(ticks "${PIDS[$obs]}" $tree); b1=$(busy_ticks)
  [ -n "$side" ] && x1=$(ticks "$side")
  t1=$(date +%s.%N)
  echo "$mode $n $c0 $c1 $x0 $x1 $t0 $t1 $f0 $f1 $b0 $b1 $(cut -d' ' -f1 /proc/loadavg)" >>"$WORK/rows"
  echo "render-call: $mode, $n participants: $(( (c1 - c0) * 100 / $(getconf CLK_TCK) / ${seconds%.*} ))% of a core" >&2
  stop $obs
  for ((i = 1; i < n; i++)); do stop "s$i"; done
  [ -n "${PIDS[xvfb-$call]:-}" ] && stop "xvfb-$call"
  [ "$mode" = text ] && tmux -S "$WORK/tmux-$call" kill-server 2>/dev/null || true
}

join_only=${JOIN_ONLY:-0}
[ "$join_only" = 1 ] && [ ! -s "$out" ] && die "JOIN_ONLY=1 needs an earlier $out"
touch "$WORK/rows"
if [ "$join_only" != 1 ]; then
  for n in "${sizes[@]}"; do
    for mode in "${modes[@]}"; do observe "$mode" "$n"; done
  done
fi

# Join time: exec -> first decoded frame (headless) / first picture (sdl).
join "alice" "bench-join" --headless
wait_for_joined() { for _ in $(seq 100); do grep -q '"signalingState" : "joined"' "$WORK/$1.json" 2>/dev/null && return; sleep 0.05; done; }
wait_for_joined alice
start_xvfb join
# Interleaved, so that both kinds see the same machine.
for i in $(seq "$runs"); do
  for kind in headless sdl; do
    name=$kind$i
    args=(--headless)
    [ "$kind" = sdl ] && args=(--render sdl --fullscreen)
    t0=$(date +%s.%N)
    DISPLAY=${XDISPLAY[join]} GST_DEBUG=meshcall-render:4 join "$name" bench-join "${args[@]}"
    echo "$t0" >"$WORK/$name.t0"
    for _ in $(seq 200); do
      grep -q '"firstFrameAt" : [0-9]' "$WORK/$name.json" 2>/dev/null &&
        { [ "$kind" = headless ] || grep -q "first picture of alice" "$WORK/$name.log"; } && break
      sleep 0.05
    done
    stop "$name"
    sleep 0.5   # alice notices the leave before the next join
  done
done

python3 - "$WORK" "$out" "$seconds" "$runs" "$invoked" "$(machine)" "$(getconf CLK_TCK)" "$join_only" <<'PY'
import json, re, statistics, sys, time
work, out, seconds, runs, command, machine, hz, join_only = sys.argv[1:9]
runs, hz = int(runs), int(hz)
rows = []
for line in open(f'{work}/rows'):
    mode, n, c0, c1, x0, x1, t0, t1, f0, f1, b0a, b0b, b1a, b1b, load = line.split()
    wall = float(t1) - float(t0)
    fps = [(int(b) - int(a)) / wall for a, b in zip(f0.split(','), f1.split(','))] if f0 and f1 else []
    rows.append({
        'mode': mode, 'participants': int(n), 'tiles': int(n) - 1,
        'cpu_percent': round(100.0 * (int(c1) - int(c0)) / hz / wall, 1),
        'display_server_cpu_percent': round(100.0 * (int(x1) - int(x0)) / hz / wall, 1),
        'decoded_fps_min': round(min(fps), 1) if fps else None,
        'machine_cpu_busy_percent': round(100.0 * (int(b1a) - int(b0a)) / max(1, int(b1b) - int(b0b)), 1),
        'load_average_1m': float(load), 'seconds': round(wall, 1),
    })
def cpu(mode, n):
    return next((r['cpu_percent'] for r in rows if r['mode'] == mode and r['participants'] == n), None)
targets = []
for n in sorted({r['participants'] for r in rows}):
    sdl, chromium, headless = cpu('sdl', n), cpu('chromium', n), cpu('headless', n)
    t = {'participants': n, 'tiles': n - 1}
    if sdl is not None and chromium:
        t['sdl_over_chromium'] = round(sdl / chromium, 2)
        t['sdl_at_most_0.7x_chromium'] = sdl <= 0.7 * chromium
    if sdl is not None and headless is not None:
        t['sdl_minus_headless_per_tile'] = round((sdl - headless) / (n - 1), 1)
        t['sdl_at_most_headless_plus_5_per_tile'] = sdl <= headless + 5 * (n - 1)
    for other in ('sdl-opengl', 'text'):
        if cpu(other, n) is not None and sdl is not None:
            t[f'{other}_cpu_percent'] = cpu(other, n)
    if sdl is not None and cpu('none', n) is not None:
        # none has the same audio output as the grid and no picture: the renderer alone.
        t['sdl_minus_none_per_tile'] = round((sdl - cpu('none', n)) / (n - 1), 1)
    if cpu('text', n) is not None and sdl is not None:
        t['text_below_sdl'] = cpu('text', n) < sdl
    targets.append(t)
joins = []
for kind in ('headless', 'sdl'):
    for i in range(1, runs + 1):
        name = f'{kind}{i}'
        try:
            t0 = float(open(f'{work}/{name}.t0').read())
            doc = json.load(open(f'{work}/{name}.json'))
            peer = next(p for p in doc['peers'] if p['peerId'] == 'alice')
            row = {'kind': kind, 'run': i, 'first_frame_s': round(peer['firstFrameAt'] - t0, 3)}
            m = re.search(r'first picture of alice on screen at ([0-9.]+)', open(f'{work}/{name}.log', errors='replace').read())
            if m:
                row['first_picture_s'] = round(float(m.group(1)) - t0, 3)
                row['picture_after_frame_ms'] = round(1000 * (float(m.group(1)) - peer['firstFrameAt']), 1)
            joins.append(row)
        except (OSError, KeyError, StopIteration, ValueError, TypeError):
            joins.append({'kind': kind, 'run': i, 'error': 'no first frame'})
def med(kind, key):
    v = [j[key] for j in joins if j['kind'] == kind and key in j]
    return round(statistics.median(v), 3) if v else None
join = {
    'median_headless_first_frame_s': med('headless', 'first_frame_s'),
    'median_sdl_first_frame_s': med('sdl', 'first_frame_s'),
    'median_sdl_first_picture_s': med('sdl', 'first_picture_s'),
    'median_sdl_picture_after_frame_ms': med('sdl', 'picture_after_frame_ms'),
    'runs': joins,
}
# Target: the picture on screen adds at most one frame interval (33 ms) to
# the headless join. Run by run (interleaved): first picture of sdl run i
# minus first frame of headless run i, and the median of those.
pairs = []
for i in range(1, runs + 1):
    h = next((j for j in joins if j['kind'] == 'headless' and j['run'] == i and 'first_frame_s' in j), None)
    s_ = next((j for j in joins if j['kind'] == 'sdl' and j['run'] == i and 'first_picture_s' in j), None)
    if h and s_:
        pairs.append(round(1000 * (s_['first_picture_s'] - h['first_frame_s']), 1))
if pairs:
    join['sdl_picture_minus_headless_frame_ms_by_run'] = pairs
    join['sdl_picture_minus_headless_frame_ms'] = round(statistics.median(pairs), 1)
    join['within_one_frame_interval'] = join['sdl_picture_minus_headless_frame_ms'] <= 1000 / 30
result = {
    'benchmark': 'render-call',
    'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    'machine': machine,
    'command': command,
    'setup': ('one observed participant per row in a call of N at 640x480@30 VP8 (test camera and tone); the '
              'others are meshcall senders that decode nothing (join --no-decode). cpu_percent: % of one core of the observed participant '
              '(Chromium: all its processes, not the node harness); display_server_cpu_percent: its Xvfb '
              '(1280x720x24, no GPU: Mesa llvmpipe for GL) or tmux (160x48). Targets (issue 13): sdl <= 0.7x '
              'chromium, sdl <= headless + 5 % per tile.'),
    'rows': rows,
    'targets': targets,
    'join': join,
}
if join_only == '1':
    result = json.load(open(out))
    result['join'] = join
    result['join']['command'] = 'JOIN_ONLY=1 ' + command
    result['join']['date'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
json.dump(result, open(out, 'w'), indent=2)
for r in rows:
    print(f"{r['mode']:11} n={r['participants']} cpu={r['cpu_percent']:5.1f}% display={r['display_server_cpu_percent']:5.1f}% "
          f"fps_min={r['decoded_fps_min']} busy={r['machine_cpu_busy_percent']}% load={r['load_average_1m']}")
print(json.dumps(targets))
print({k: v for k, v in join.items() if k != 'runs'})
PY
echo "wrote $out"

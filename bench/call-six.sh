#!/usr/bin/env bash
# A 6-participant mesh call on this machine: six `meshcall join --headless`
# processes at SIZE@FPS (default 320x240@15, test sources, audio processing
# on as by default) through one `meshcall serve`. Once every participant
# decodes the five others, measures for SECONDS: CPU (% of one core) and RSS
# per participant, the machine's total CPU, the decoded fps per remote, and
# the encoders per participant (tiers[] of each --stats-json: one encoder
# per tier, shared by the five peers).
#   bench/call-six.sh [SECONDS] [SIZE] [FPS]     (default 20 320x240 15)
# Writes bench/results/call-six.json. Summary: docs/bench-call.md.
source "$(dirname "$0")/call-common.sh"
seconds=${1:-20}
size=${2:-320x240}
fps=${3:-15}
out=bench/results/call-six.json
names=(p1 p2 p3 p4 p5 p6)

start_server
for n in "${names[@]}"; do
  "$MESHCALL" join six --signal "$SIGNAL_URL" --peer-id "$n" --name "$n" --headless --video test --audio test \
    --size "$size" --fps "$fps" --stats-json "$WORK/$n.json" >"$WORK/$n.log" 2>&1 &
  PIDS[$n]=$!
done
files=()
for n in "${names[@]}"; do files+=("$WORK/$n.json"); done
NODE_PATH=tests/node/node_modules node tests/node/media_check.js --timeout 60 --peers 5 --min-frames 30 --rising \
  "${files[@]}" >/dev/null || die "the six participants did not all decode each other within 60 s"
pids=""
for n in "${names[@]}"; do pids="$pids $n=${PIDS[$n]}"; done

python3 - "$WORK" "$out" "$seconds" "bench/call-six.sh $*" "$(machine)" "$size" "$fps" $pids <<'PY'
import json, os, statistics, sys, time
work, out, seconds, command, machine, size, fps = sys.argv[1:8]
seconds = float(seconds)
procs = dict(a.split('=') for a in sys.argv[8:])
tick = os.sysconf('SC_CLK_TCK')
page_kb = os.sysconf('SC_PAGE_SIZE') / 1024

def cpu_ticks(pid):
    f = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return int(f[11]) + int(f[12])          # utime + stime
def rss_kb(pid):
    return int(open(f'/proc/{pid}/statm').read().split()[1]) * page_kb
def machine_ticks():
    f = [int(x) for x in open('/proc/stat').readline().split()[1:]]
    return sum(f), f[3] + f[4]              # total, idle + iowait
def stats(name):
    return json.load(open(f'{work}/{name}.json'))

start = {n: cpu_ticks(p) for n, p in procs.items()}
frames0 = {n: {q['peerId']: q['videoFramesDecoded'] for q in stats(n)['peers']} for n in procs}
m0 = machine_ticks()
t0 = time.monotonic()
rss = {n: [] for n in procs}
while time.monotonic() - t0 < seconds:
    for n, p in procs.items():
        rss[n].append(rss_kb(p))
    time.sleep(1)
elapsed = time.monotonic() - t0
m1 = machine_ticks()
rows = []
for n, p in procs.items():
    doc = stats(n)
    tiers = doc['tiers']
    peers = doc['peers']
    rows.append({
        'participant': n,
        'cpu_percent': round(100.0 * (cpu_ticks(p) - start[n]) / tick / elapsed, 1),
        'rss_mb_max': round(max(rss[n]) / 1024, 1),
        'rss_mb_mean': round(statistics.mean(rss[n]) / 1024, 1),
        'encoders': len(tiers),
        'tier_subscribers': [t['subscribers'] for t in tiers],
        'peers_connected': sum(1 for q in peers if q['connectionState'] == 'connected'),
        'decoded_fps_per_remote': round(statistics.mean(
            (q['videoFramesDecoded'] - frames0[n].get(q['peerId'], 0)) / elapsed for q in peers), 1),
    })
total, idle = m1[0] - m0[0], m1[1] - m0[1]
result = {
    'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    'machine': machine,
    'command': command,
    'setup': f'6 meshcall join --headless processes on one machine, {size}@{fps} VP8 + Opus test sources, '
             'audio processing on (webrtcdsp), through meshcall serve on 127.0.0.1; each participant encodes '
             'once per tier and sends to 5 peers, decodes 5 videos and 5 audio streams',
    'seconds': round(elapsed, 1),
    'targets': {'encoders_per_participant': '1 per tier', 'rss_mb_per_participant': 120},
    'machine_cpu_busy_percent': round(100.0 * (total - idle) / total, 1),
    'mean_cpu_percent_per_participant': round(statistics.mean(r['cpu_percent'] for r in rows), 1),
    'max_rss_mb_per_participant': max(r['rss_mb_max'] for r in rows),
    'encoders_per_participant': sorted({r['encoders'] for r in rows}),
    'participants': rows,
}
json.dump(result, open(out, 'w'), indent=2)
print(json.dumps({k: result[k] for k in ('machine_cpu_busy_percent', 'mean_cpu_percent_per_participant',
                                          'max_rss_mb_per_participant', 'encoders_per_participant')}))
for r in rows: print(r)
PY

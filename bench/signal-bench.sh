#!/usr/bin/env bash
# Signaling server benchmark: the same load against `meshcall serve` and, in
# the same run, against a stock Node socket.io server implementing the same
# call protocol (tests/node/stock_server.js).
#   bench/signal-bench.sh [CLIENTS] [PER_CALL] [SECONDS] [RATE]
# Environment: MESHCALL_BUILD_DIR (default build; use a Release or
# RelWithDebInfo build), SIGLOAD_THREADS (load generator threads, default 2).
# Writes bench/results/signal.json (both results side by side, with the load
# average of the machine before each run: other work on the box shows up in
# the tail latencies). Summary and analysis: docs/bench-signal.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${MESHCALL_BUILD_DIR:-build}
clients=${1:-1000}
per_call=${2:-4}
seconds=${3:-20}
rate=${4:-2}
threads=${SIGLOAD_THREADS:-2}
out=bench/results/signal.json
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

for f in "$build/meshcall" "$build/bench/sigload"; do
  [ -x "$f" ] || { echo "signal-bench: $f not built (set MESHCALL_BUILD_DIR)" >&2; exit 2; }
done

wait_port() {
  for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "signal-bench: server did not report its port in $1" >&2; return 1
}

run_one() { # label command...
  local label=$1; shift
  rm -f "$work/port"
  cut -d' ' -f1 /proc/loadavg >"$work/$label.load"
  "$@" &
  pid=$!
  wait_port "$work/port"
  "$build/bench/sigload" --url "ws://127.0.0.1:$(cat "$work/port")" --server-pid "$pid" \
    --clients "$clients" --per-call "$per_call" --seconds "$seconds" --rate "$rate" \
    --threads "$threads" --label "$label" --out "$work/$label.json" >/dev/null
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

# Same heartbeat on both servers; the load decides the rest.
run_one meshcall "$build/meshcall" serve --listen 127.0.0.1:0 --port-file "$work/port" \
  --max-calls 100000 >"$work/meshcall.log" 2>&1
NODE_PATH=tests/node/node_modules run_one node-socket.io \
  node tests/node/stock_server.js --port 0 --port-file "$work/port" >"$work/node.log" 2>&1

python3 - "$work" "$out" "$clients $per_call $seconds $rate" "$threads" <<'PY'
import json, os, platform, sys, time
work, out, args, threads = sys.argv[1:5]
cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.machine())
results = []
for label in ('meshcall', 'node-socket.io'):
    r = json.load(open(os.path.join(work, label + '.json')))
    r['load_average_before'] = float(open(os.path.join(work, label + '.load')).read())
    results.append(r)
doc = {
    'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    'machine': f'{cpu}, {os.cpu_count()} cores, Linux {platform.release()}',
    'command': f'bench/signal-bench.sh {args}   (SIGLOAD_THREADS={threads})',
    'results': results,
}
with open(out, 'w') as f:
    json.dump(doc, f, indent=2)
    f.write('\n')
print(f'signal-bench: wrote {out}')
for r in results:
    print(f'{r["label"]:>15}: {r["clients_joined"]}/{r["clients"]} clients, relay p50 {r["relay_p50_ms"]:.2f} ms '
          f'p99 {r["relay_p99_ms"]:.2f} ms, server CPU {r["server_cpu_percent"]:.1f} %, RSS {r["server_rss_max_mb"]:.1f} MB '
          f'(sigload CPU {r["loadgen_cpu_percent"]:.1f} %, load avg before {r["load_average_before"]})')
PY

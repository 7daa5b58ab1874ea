#!/usr/bin/env bash
# Signaling server benchmark: the same load against `meshcall serve` and, in
# the same run, against a stock Node socket.io server implementing the same
# call protocol (tests/node/stock_server.js).
#   bench/signal-bench.sh [CLIENTS] [PER_CALL] [SECONDS] [RATE]
# Writes bench/results/signal.json (both results side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${MESHCALL_BUILD_DIR:-build}
clients=${1:-1000}
per_call=${2:-4}
seconds=${3:-20}
rate=${4:-2}
out=bench/results/signal.json
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

wait_port() {
  for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "signal-bench: server did not report its port in $1" >&2; return 1
}

run_one() { # label command...
  local label=$1; shift
  rm -f "$work/port"
  "$@" &
  pid=$!
  wait_port "$work/port"
  "$build/bench/sigload" --url "ws://127.0.0.1:$(cat "$work/port")" --server-pid "$pid" \
    --clients "$clients" --per-call "$per_call" --seconds "$seconds" --rate "$rate" \
    --label "$label" --out "$work/$label.json" >/dev/null
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

# Same heartbeat on both servers; the load decides the rest.
run_one meshcall "$build/meshcall" serve --listen 127.0.0.1:0 --port-file "$work/port" \
  --max-calls 100000 >"$work/meshcall.log" 2>&1
NODE_PATH=tests/node/node_modules run_one node-socket.io \
  node tests/node/stock_server.js --port 0 --port-file "$work/port" >"$work/node.log" 2>&1

{
  printf '{\n  "date": "%s",\n  "machine": "%s, %s cores",\n' "$(date -u +%FT%TZ)" "$(uname -m)" "$(nproc)"
  printf '  "command": "bench/signal-bench.sh %s %s %s %s",\n' "$clients" "$per_call" "$seconds" "$rate"
  printf '  "results": [\n'
  sed 's/^/    /' "$work/meshcall.json"; printf '    ,\n'
  sed 's/^/    /' "$work/node-socket.io.json"
  printf '  ]\n}\n'
} >"$out"
echo "signal-bench: wrote $out"
python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    print(f'{r["label"]:>15}: {r["clients_joined"]}/{r["clients"]} clients, relay p50 {r["relay_p50_ms"]:.2f} ms '
          f'p99 {r["relay_p99_ms"]:.2f} ms, server CPU {r["server_cpu_percent"]:.1f} %, RSS {r["server_rss_max_mb"]:.1f} MB')
PY

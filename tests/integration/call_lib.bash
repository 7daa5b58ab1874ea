# Helpers for the call_*.sh integration tests (sourced; ctest only runs *.sh).
# Each test starts its own `meshcall serve` on a free port and its own
# `meshcall join --headless` processes, and stops them by PID on exit.
# Sourced once per test even when several helper files source it.
[ -n "${MC_CALL_LIB_LOADED:-}" ] && return 0
MC_CALL_LIB_LOADED=1

# Once per test, however many helper libraries source it (one work dir, one cleanup).
[ -n "${MC_CALL_LIB_SOURCED:-}" ] && return 0
MC_CALL_LIB_SOURCED=1

set -u
set -o pipefail

: "${MESHCALL_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${MESHCALL_BUILD_DIR:=$MESHCALL_SOURCE_DIR/build}"
: "${MESHCALL_BIN:=$MESHCALL_BUILD_DIR/meshcall}"
: "${NODE_PATH:=$MESHCALL_SOURCE_DIR/tests/node/node_modules}"
export NODE_PATH

NODE_DIR="$MESHCALL_SOURCE_DIR/tests/node"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/meshcall-call-test.XXXXXX")
declare -A PIDS=()
SIGNAL_URL=""

log() { echo "[$(date +%T.%3N)] $*"; }

cleanup() {
  local name
  for name in "${!PIDS[@]}"; do kill -TERM "${PIDS[$name]}" 2>/dev/null || true; done
  for name in "${!PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "${PIDS[$name]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${PIDS[$name]}" 2>/dev/null || true
  done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$WORK"/*.log "$WORK"/*.json; do
    [ -s "$f" ] || continue
    echo "---- $(basename "$f") (last 40 lines)" >&2
    tail -n 40 "$f" >&2
  done
  exit 1
}

[ -x "$MESHCALL_BIN" ] || fail "meshcall not found at $MESHCALL_BIN (build the project first)"
command -v node >/dev/null || fail "node is not on PATH"

# start_server [serve args...]: meshcall serve on 127.0.0.1, free port; sets SIGNAL_URL.
start_server() {
  "$MESHCALL_BIN" serve --listen 127.0.0.1:0 --port-file "$WORK/port" "$@" >"$WORK/serve.log" 2>&1 &
  PIDS[serve]=$!
  for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
  [ -s "$WORK/port" ] || fail "meshcall serve did not report its port within 5 s"
  SIGNAL_URL="http://127.0.0.1:$(cat "$WORK/port")"
  log "server at $SIGNAL_URL"
}

# start_join NAME [extra args...]: a headless participant named NAME with peer id NAME,
# test sources at 320x240@15, stats in $WORK/NAME.json, log in $WORK/NAME.log.
start_join() {
  local name=$1
  shift
  GST_DEBUG="${GST_DEBUG:-meshcall*:4}" "$MESHCALL_BIN" join "${CALL_ID:-call1}" --signal "$SIGNAL_URL" \
    --name "$name" --peer-id "$name" --headless --video test --audio test --size 320x240 --fps 15 \
    --no-audio-processing --stats-json "$WORK/$name.json" "$@" >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  log "started $name (pid ${PIDS[$name]})"
}

# expect_stats TIMEOUT node-check-args... FILES: see tests/node/media_check.js.
expect_stats() {
  node "$NODE_DIR/media_check.js" --timeout "$@" || fail "stats condition not met"
}

stats_files() {
  local n out=""
  for n in "$@"; do out="$out $WORK/$n.json"; done
  echo "$out"
}

# stop_proc LABEL: SIGTERM, wait up to 10 s, require exit status 0.
stop_proc() {
  local label=$1 pid=${PIDS[$1]} rc i
  kill -TERM "$pid"
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && fail "$label did not exit within 10 s of SIGTERM"
  wait "$pid"
  rc=$?
  unset "PIDS[$label]"
  [ "$rc" = 0 ] || fail "$label exited with $rc after SIGTERM, want 0"
  log "$label left cleanly"
}

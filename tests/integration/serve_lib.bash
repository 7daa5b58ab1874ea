# Helpers for the `meshcall serve` integration tests (serve_*.sh); sourced,
# not a test itself (ctest only runs *.sh). Servers are started on a free
# port (--listen 127.0.0.1:0 --port-file), stopped by PID on exit; every wait
# is a bounded poll with a clear message.

set -u
set -o pipefail

: "${MESHCALL_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${MESHCALL_BUILD_DIR:=$MESHCALL_SOURCE_DIR/build}"
: "${MESHCALL_TOOLS_DIR:=$MESHCALL_BUILD_DIR/tests}"
: "${MESHCALL_BIN:=$MESHCALL_BUILD_DIR/meshcall}"
: "${NODE_PATH:=$MESHCALL_SOURCE_DIR/tests/node/node_modules}"
export NODE_PATH

NODE_DIR="$MESHCALL_SOURCE_DIR/tests/node"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/meshcall-serve-test.XXXXXX")
declare -A PIDS=()   # name -> pid

source "$(dirname "${BASH_SOURCE[0]}")/process.bash"   # log, proc_gone, fail

cleanup() {
  local name
  for name in "${!PIDS[@]}"; do
    kill -TERM "${PIDS[$name]}" 2>/dev/null || true
  done
  for name in "${!PIDS[@]}"; do
    for _ in $(seq 30); do proc_gone "${PIDS[$name]}" && break; sleep 0.1; done
    kill -KILL "${PIDS[$name]}" 2>/dev/null || true
  done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

[ -x "$MESHCALL_BIN" ] || fail "meshcall not found at $MESHCALL_BIN (build the project first)"
command -v node >/dev/null || fail "node is not on PATH"

# wait_until SECONDS DESCRIPTION COMMAND...: poll COMMAND every 50 ms.
source "$(dirname "${BASH_SOURCE[0]}")/wait.bash"   # wait_until

# start_server NAME [ARGS...]: meshcall serve on a free loopback port; sets
# PORT. Its stderr goes to $WORK/NAME.log.
start_server() {
  local name=$1
  shift
  rm -f "$WORK/$name.port"
  "$MESHCALL_BIN" serve --listen 127.0.0.1:0 --port-file "$WORK/$name.port" "$@" \
    >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  wait_until 10 "meshcall serve ($name) to write its port file" test -s "$WORK/$name.port"
  PORT=$(cat "$WORK/$name.port")
  log "meshcall serve $name (pid ${PIDS[$name]}) on 127.0.0.1:$PORT"
}

# stop_server NAME: SIGTERM by PID; it must exit 0 within 5 s.
stop_server() {
  local name=$1 pid=${PIDS[$1]} rc=0
  kill -TERM "$pid"
  wait_until 5 "meshcall serve ($name) to exit after SIGTERM" proc_gone "$pid"
  wait "$pid" || rc=$?
  unset "PIDS[$name]"
  [ "$rc" -eq 0 ] || fail "meshcall serve ($name) exited with $rc after SIGTERM"
}

server_alive() {
  proc_gone "${PIDS[$1]}" && fail "meshcall serve ($1) died"
  return 0
}

# run_node SCRIPT ARGS...: a test script from tests/node; fails the test when it does.
run_node() {
  local script=$1
  shift
  log "node $script $*"
  node "$NODE_DIR/$script" "$@" || fail "node $script failed"
}

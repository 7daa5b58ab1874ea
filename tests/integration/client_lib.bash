# Helpers for the signaling-client integration tests (client_*.sh); sourced,
# not a test itself (ctest only runs *.sh). Every process started here is
# stopped by PID on exit; every wait is a bounded poll with a clear message.

set -u
set -o pipefail

: "${MESHCALL_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${MESHCALL_BUILD_DIR:=$MESHCALL_SOURCE_DIR/build}"
: "${MESHCALL_TOOLS_DIR:=$MESHCALL_BUILD_DIR/tests}"
: "${MESHCALL_BIN:=$MESHCALL_BUILD_DIR/meshcall}"
: "${NODE_PATH:=$MESHCALL_SOURCE_DIR/tests/node/node_modules}"
export NODE_PATH

PROBE="$MESHCALL_TOOLS_DIR/mc-sigprobe"
STOCK_SERVER="$MESHCALL_SOURCE_DIR/tests/node/stock_server.js"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/meshcall-client-test.XXXXXX")
declare -A PIDS=()   # name -> pid
declare -A FDS=()    # probe name -> fd of its stdin fifo

source "$(dirname "${BASH_SOURCE[0]}")/process.bash"   # log, proc_gone, fail

cleanup() {
  local name
  for name in "${!FDS[@]}"; do
    eval "exec ${FDS[$name]}>&-" 2>/dev/null || true
  done
  for name in "${!PIDS[@]}"; do
    kill -TERM "${PIDS[$name]}" 2>/dev/null || true
  done
  for name in "${!PIDS[@]}"; do
    # Bounded: a process that ignores SIGTERM gets SIGKILL after 3 s.
    for _ in $(seq 30); do proc_gone "${PIDS[$name]}" && break; sleep 0.1; done
    kill -KILL "${PIDS[$name]}" 2>/dev/null || true
  done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

[ -x "$PROBE" ] || fail "mc-sigprobe not found at $PROBE (build the project first)"
command -v node >/dev/null || fail "node is not on PATH"

source "$(dirname "${BASH_SOURCE[0]}")/wait.bash"   # wait_until

# start_stock_server NAME [PORT] [ARGS...]: starts tests/node/stock_server.js
# (PORT 0 = let it choose) and sets SERVER_PORT.
start_stock_server() {
  local name=$1 port=$2
  shift 2
  rm -f "$WORK/$name.port"
  node "$STOCK_SERVER" --port "$port" --port-file "$WORK/$name.port" --verbose "$@" \
    >>"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  wait_until 15 "stock server $name to listen" test -s "$WORK/$name.port"
  SERVER_PORT=$(cat "$WORK/$name.port")
  log "stock server $name (pid ${PIDS[$name]}) on 127.0.0.1:$SERVER_PORT"
}

# kill_process NAME [SIGNAL]: signal by PID and wait for it; sets LAST_RC.
kill_process() {
  local name=$1 sig=${2:-TERM}
  local pid=${PIDS[$name]}
  kill "-$sig" "$pid" 2>/dev/null || true
  wait_until 10 "$name (pid $pid) to exit after SIG$sig" proc_gone "$pid"
  LAST_RC=0
  wait "$pid" 2>/dev/null || LAST_RC=$?
  unset "PIDS[$name]"
  if [ -n "${FDS[$name]:-}" ]; then
    eval "exec ${FDS[$name]}>&-"
    unset "FDS[$name]"
  fi
}

# start_probe NAME ARGS...: mc-sigprobe with stdin on a fifo (see probe_cmd);
# events in $WORK/NAME.out.
start_probe() {
  local name=$1
  shift
  mkfifo "$WORK/$name.in"
  "$PROBE" "$@" <"$WORK/$name.in" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PIDS[$name]=$!
  local fd
  exec {fd}>"$WORK/$name.in"
  FDS[$name]=$fd
}

probe_cmd() {
  local name=$1
  shift
  echo "$*" >&"${FDS[$name]}"
}

# count NAME FIXED-STRING: lines of NAME.out that contain it.
count() {
  local c
  c=$(grep -cF -- "$2" "$WORK/$1.out" 2>/dev/null)
  echo "${c:-0}"
}
has() { [ "$(count "$1" "$2")" -ge "${3:-1}" ]; }

# expect NAME FIXED-STRING [N] [SECONDS]: wait until NAME printed it N times.
expect() {
  local name=$1 what=$2 n=${3:-1} timeout=${4:-10}
  wait_until "$timeout" "$name to print '$what' ($n times)" has "$name" "$what" "$n"
}

expect_none() {
  local name=$1 what=$2
  [ "$(count "$name" "$what")" -eq 0 ] || fail "$name printed '$what' but should not have"
}

# time_of NAME FIXED-STRING [N]: the t (ms) of the Nth line containing it.
time_of() {
  grep -F -- "$2" "$WORK/$1.out" | sed -n "${3:-1}p" | sed -E 's/.*"t":([0-9]+).*/\1/'
}

# Numbers of the numbered candidates NAME received from FROM, one per line.
received_seqs() {
  grep -F "\"event\":\"signal\",\"from\":\"$2\"" "$WORK/$1.out" | grep -oE '"candidate":"candidate:[0-9]+ ' |
    grep -oE '[0-9]+'
}

# check_in_order NAME FROM FIRST LAST: received exactly FIRST..LAST, in order.
check_in_order() {
  local got want
  got=$(received_seqs "$1" "$2" | tr '\n' ' ')
  want=$(seq "$3" "$4" | tr '\n' ' ')
  [ "$got" = "$want" ] || fail "$1 received signals from $2 as [$got], expected [$want]"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# wait_exit NAME [SECONDS]: wait for a process that should exit by itself; sets LAST_RC.
wait_exit() {
  local name=$1 timeout=${2:-10}
  local pid=${PIDS[$name]}
  wait_until "$timeout" "$name (pid $pid) to exit" proc_gone "$pid"
  LAST_RC=0
  wait "$pid" 2>/dev/null || LAST_RC=$?
  unset "PIDS[$name]"
  if [ -n "${FDS[$name]:-}" ]; then
    eval "exec ${FDS[$name]}>&-"
    unset "FDS[$name]"
  fi
}

# start_meshcall_serve NAME PORT [ARGS...]: `meshcall serve` on 127.0.0.1:PORT
# (0 = any free port); sets SERVER_PORT.
start_meshcall_serve() {
  local name=$1 port=$2
  shift 2
  rm -f "$WORK/$name.port"
  "$MESHCALL_BIN" serve --listen "127.0.0.1:$port" --port-file "$WORK/$name.port" "$@" >>"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  wait_until 15 "meshcall serve $name to listen" test -s "$WORK/$name.port"
  SERVER_PORT=$(tr -d '\n' <"$WORK/$name.port")
  log "meshcall serve $name (pid ${PIDS[$name]}) on 127.0.0.1:$SERVER_PORT"
}

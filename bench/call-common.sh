# Shared by bench/call-*.sh (sourced): build dir, work dir, a `meshcall serve`
# on a free port, participants started and stopped by PID.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${MESHCALL_BUILD_DIR:-build}
MESHCALL=$BUILD/meshcall
export MESHCALL_SOURCE_DIR=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/meshcall-bench.XXXXXX")
declare -A PIDS=()
SIGNAL_URL=""

bench_cleanup() {
  local n
  for n in "${!PIDS[@]}"; do kill -TERM "${PIDS[$n]}" 2>/dev/null || true; done
  for n in "${!PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "${PIDS[$n]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${PIDS[$n]}" 2>/dev/null || true
  done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap bench_cleanup EXIT

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
[ -x "$MESHCALL" ] || die "$MESHCALL not built (set MESHCALL_BUILD_DIR)"

start_server() {
  "$MESHCALL" serve --listen 127.0.0.1:0 --port-file "$WORK/port" >"$WORK/serve.log" 2>&1 &
  PIDS[serve]=$!
  for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
  [ -s "$WORK/port" ] || die "meshcall serve did not report its port"
  SIGNAL_URL="http://127.0.0.1:$(cat "$WORK/port")"
}

# stop NAME: SIGTERM and wait (bounded) for the exit.
stop() {
  local pid=${PIDS[$1]}
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$1]"
}

machine() {
  local cpu
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
  echo "${cpu:-$(uname -m)}, $(nproc) cores"
}

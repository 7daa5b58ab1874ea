# Helpers for the browser_*.sh integration tests (sourced; ctest only runs *.sh).
# Builds on call_lib.bash (meshcall serve / meshcall join helpers, cleanup by
# PID, fail() with log tails) and adds real chromium participants driven by
# tests/node/browser_peer.js.

source "$(dirname "${BASH_SOURCE[0]}")/call_lib.bash"

CHROMIUM_BIN=${CHROMIUM_BIN:-$(command -v chromium || true)}
[ -n "$CHROMIUM_BIN" ] || fail "chromium is not installed (Debian package 'chromium'; scripts/setup.sh installs it)"
export CHROMIUM_BIN
[ -d "$NODE_PATH/playwright-core" ] ||
  fail "playwright-core is not in $NODE_PATH (cd tests/node && npm ci)"

# start_browser LABEL browser_peer.js-args...: one chromium process with the
# participants given by --peer; events in $WORK/LABEL.log (JSON lines), so
# fail() shows their tails. Statistics files are the caller's (--stats-file).
start_browser() {
  local label=$1
  shift
  # TMPDIR: chromium's profile goes into $WORK, so cleanup removes it even after a SIGKILL.
  TMPDIR="$WORK" node "$NODE_DIR/browser_peer.js" --call "${CALL_ID:-call1}" "$@" >"$WORK/$label.log" 2>&1 &
  PIDS[$label]=$!
  log "started browser $label (pid ${PIDS[$label]}): $*"
}

# wait_event LABEL TIMEOUT_S EXTENDED_REGEX WHAT: poll LABEL's event log for a line.
wait_event() {
  local label=$1 timeout=$2 re=$3 what=$4 i
  for ((i = 0; i < timeout * 10; i++)); do
    grep -Eq -- "$re" "$WORK/$label.log" 2>/dev/null && return 0
    kill -0 "${PIDS[$label]}" 2>/dev/null || fail "$label exited while waiting for: $what"
    sleep 0.1
  done
  fail "$label: no '$what' within $timeout s"
}

# no_event LABEL EXTENDED_REGEX WHAT: the event log must not have such a line.
no_event() {
  if grep -Eq -- "$2" "$WORK/$1.log" 2>/dev/null; then
    grep -E -- "$2" "$WORK/$1.log" | head -n 3 | cut -c1-2000 >&2
    fail "$1: $3"
  fi
}

# server_participants CALL: participants in CALL according to GET /stats (0 when absent);
# with SERVER_TOKEN set, /stats is asked with that token.
server_participants() {
  curl -sf "http://127.0.0.1:$(cat "$WORK/port")/stats${SERVER_TOKEN:+?token=$SERVER_TOKEN}" | node -e '
    let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => {
      const c = (JSON.parse(s).perCall || []).find((x) => x.callId === process.argv[1]);
      console.log(c ? c.participants : 0);
    });' "$1"
}

# wait_participants CALL N TIMEOUT_S: poll the server until CALL has N participants.
wait_participants() {
  local i n=
  for ((i = 0; i < $3 * 10; i++)); do
    n=$(server_participants "$1")
    [ "$n" = "$2" ] && return 0
    sleep 0.1
  done
  fail "call $1 has ${n:-?} participants on the server after $3 s, want $2"
}

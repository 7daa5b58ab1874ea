# Helpers for the record_*.sh integration tests (sourced; ctest only runs *.sh):
# everything of join_lib.bash, plus a recorder (`meshcall record`), the
# manifest, and what a recorded file holds (tests/node/record_check.js).
source "$(dirname "${BASH_SOURCE[0]}")/join_lib.bash"
require_tools gst-discoverer-1.0 gst-launch-1.0

REC_OUT="$WORK/rec"

# tone_audio HZ: a live sine of that pitch (10 ms buffers).
tone_audio() { echo "pipeline:audiotestsrc is-live=true wave=sine freq=$1 volume=0.4 samplesperbuffer=480"; }

# start_party NAME COLOR HZ [args...]: a headless participant with its own colour and tone.
start_party() {
  local name=$1 color=$2 hz=$3
  shift 3
  start_join "$name" --video "$(solid_video "$color")" --audio "$(tone_audio "$hz")" "$@"
}

# start_recorder [args...]: meshcall record into $REC_OUT (log rec.log, stats rec.json).
start_recorder() {
  GST_DEBUG="${GST_DEBUG:-meshcall*:4}" "$MESHCALL_BIN" record "${CALL_ID:-call1}" --signal "$SIGNAL_URL" \
    --peer-id rec --out "$REC_OUT" --stats-json "$WORK/rec.json" "$@" >"$WORK/rec.log" 2>&1 &
  PIDS[rec]=$!
  log "started the recorder (pid ${PIDS[rec]})"
}

MANIFEST() { echo "$REC_OUT/${CALL_ID:-call1}/manifest.json"; }

# manifest_true JS: the expression holds for the manifest `m` (file(peer, i): the
# i-th file of that peer, or {}; files(peer): all of them).
manifest_true() {
  node -e '
    const fs = require("fs");
    let m;
    try { m = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch (e) { process.exit(1); }
    const files = (p) => m.files.filter((f) => f.peerId === p);
    const file = (p, i) => files(p)[i || 0] || {};
    process.exit(eval(process.argv[2]) ? 0 : 1);' "$(MANIFEST)" "$1"
}

# manifest_get JS: prints the expression's value.
manifest_get() {
  node -e '
    const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const files = (p) => m.files.filter((f) => f.peerId === p);
    const file = (p, i) => files(p)[i || 0] || {};
    console.log(eval(process.argv[2]));' "$(MANIFEST)" "$1"
}

# check_file FILE: record_check.js's JSON for it.
check_file() { node "$NODE_DIR/record_check.js" "$1"; }

# json_get JSON JS: the expression for the document `d`.
json_get() { node -e 'const d = JSON.parse(process.argv[1]); console.log(eval(process.argv[2]));' "$1" "$2"; }

now_s() { date +%s.%N; }
# elapsed FROM TO: seconds between two now_s readings.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# stop_recorder SIGNAL: send it, wait (bounded) and return the exit status.
stop_recorder() {
  local rc
  kill "-$1" "${PIDS[rec]}"
  for _ in $(seq 150); do kill -0 "${PIDS[rec]}" 2>/dev/null || break; sleep 0.1; done
  kill -0 "${PIDS[rec]}" 2>/dev/null && fail "the recorder did not exit within 15 s of SIG$1"
  wait "${PIDS[rec]}"
  rc=$?
  unset "PIDS[rec]"
  return "$rc"
}

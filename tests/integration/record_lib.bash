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

# Middle-frame colour tests for expect_recorded (c = [r, g, b]).
RED='c[0] > 180 && c[1] < 70 && c[2] < 70'
GREEN='c[1] > 180 && c[0] < 70 && c[2] < 70'
BLUE='c[2] > 180 && c[0] < 70 && c[1] < 70'

# expect_recorded PEER INDEX COLOR-TEST HZ EXPECTED-SECONDS: the INDEX-th file
# of PEER in the manifest has one video and one audio stream, a duration
# within 10 % of EXPECTED-SECONDS, the colour in its middle frame and the tone.
# Prints the file's name.
expect_recorded() {
  local peer=$1 i=$2 color=$3 hz=$4 want=$5 name json
  name=$(manifest_get "file('$peer', $i).file")
  json=$(check_file "$REC_OUT/${CALL_ID:-call1}/$name")
  log "$peer #$i: $name $json (expected ~${want} s)" >&2
  json_get "$json" 'd.video === 1 && d.audio === 1' | grep -qx true || fail "$name: want one video and one audio stream: $json"
  json_get "$json" "Math.abs(d.duration - $want) <= 0.1 * $want" | grep -qx true ||
    fail "$name: duration $(json_get "$json" d.duration) s is not within 10 % of $want s"
  json_get "$json" "((c) => $color)(d.color)" | grep -qx true || fail "$name: the middle frame is not $peer's colour: $json"
  json_get "$json" "Math.abs(d.freq - $hz) <= 0.05 * $hz" | grep -qx true || fail "$name: the tone is not $peer's $hz Hz: $json"
  echo "$name"
}

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

#!/usr/bin/env bash
# A full call recorded (issue 10). Alice (red, 440 Hz), Bob (green, 880 Hz)
# and Carol (blue, 1320 Hz) are in a call; `meshcall record` joins it:
#  - it sends nothing (the others receive no audio or video from it), and
#    each of them is connected to it;
#  - one file per participant; gst-discoverer-1.0 sees one video and one
#    audio stream in each, with a duration within 10 % of the time that
#    participant was recorded (measured here, on the test's clock);
#  - the middle frame of each file is that participant's colour, the middle
#    second of its audio that participant's tone;
#  - Carol leaves (SIGTERM) mid-call: her file is finalized; she comes back
#    and gets a second file, later on the manifest's timeline;
#  - Bob vanishes (SIGKILL): his file is finalized once the call drops him
#    (the server sees his socket close and says he left);
#  - carol's second run says something (--say): it is in the call
#    directory's chat.jsonl, which the manifest names;
#  - SIGINT finalizes the rest, exit 0; the manifest lists every file.
#  - The composed recording (--compose, 640x360@10): at a moment when all
#    three are in the call, its frame shows red, green and blue in the video
#    rectangles the renderers' layout gives three tiles (tests/tools/mc-layout),
#    in the order the recorder was told of them ("NAME is in the call"),
#    with a name drawn in the strip under each.
source "$(dirname "$0")/record_lib.bash"

start_server
start_party alice 0xffff0000 440
start_party bob 0xff00ff00 880
start_party carol 0xff0000ff 1320
all_joined() { joined alice && joined bob && joined carol; }
wait_until 20 "alice, bob and carol to join" all_joined
start_recorder --media-timeout 3 --compose "$WORK/composed.webm" --compose-size 640x360 --compose-fps 10
wait_until 30 "three files being recorded" manifest_true 'm.files.filter((f) => f.state === "recording").length === 3'
t0=$(now_s)
log "recording alice, bob and carol"
[ "$(manifest_get 'm.recorderPeerId')" = rec ] || fail "the manifest does not name the recorder"

sleep 10   # the call goes on (nothing to wait for: this is the recorded time)
json_true "$WORK/alice.json" 'peer("rec").connectionState === "connected" && peer("rec").inboundKbps < 1 && peer("rec").videoFramesDecoded === 0 && peer("rec").audioPacketsReceived === 0' ||
  fail "alice should be connected to the recorder and receive nothing from it"

stop_participant carol
t_carol_left=$(now_s)
wait_until 15 "carol's file to be finalized" manifest_true 'file("carol").state === "finished"'
log "carol left; her file is finalized"
sleep 3
start_party carol 0xff0000ff 1320 --say "carol is back: ../ \"quoted\" ✓"
wait_until 30 "carol's second file" manifest_true 'files("carol").length === 2 && file("carol", 1).state === "recording"'
t_carol_back=$(now_s)
sleep 6

kill -KILL "${PIDS[bob]}"
t_bob_gone=$(now_s)
unset "PIDS[bob]"
# Signaling drops him when his socket closes plus the resume grace (5 s): ~5 s.
wait_until 20 "bob's file to be finalized after he vanished" manifest_true 'file("bob").state === "finished"'
log "bob vanished; his file is finalized $(elapsed "$t_bob_gone" "$(now_s)") s after the SIGKILL"
sleep 2

# The chat goes into the call's directory (issue 12), in --chat-log's format.
CHAT="$REC_OUT/call1/chat.jsonl"
wait_until 10 "carol's chat message in the recording" test -s "$CHAT"
node -e 'const l = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
  const m = l.find((x) => x.from === "carol");
  if (!m || m.text !== "carol is back: ../ \"quoted\" ✓" || m.name !== "carol" || m.local !== false || typeof m.id !== "string")
    { console.error("bad chat log: " + JSON.stringify(l)); process.exit(1); }' "$CHAT" || fail "the recorded chat is wrong"
manifest_true 'm.chat === "chat.jsonl"' || fail "the manifest does not name the chat log: $(cat "$(MANIFEST)")"
log "carol's chat message is in the recording's chat.jsonl, named by the manifest"

t_end=$(now_s)
stop_recorder INT || fail "the recorder exited with $?, want 0"
manifest_true 'm.end !== null && m.files.length === 4 && m.files.every((f) => f.state === "finished")' ||
  fail "the manifest should list 4 finished files: $(cat "$(MANIFEST)")"

# file_checks PEER INDEX COLOR-TEST HZ EXPECTED-SECONDS: expect_recorded, and a WebM named as docs/recording.md says.
file_checks() {
  local name
  name=$(expect_recorded "$@") || exit 1
  [ "$(manifest_get "file('$1', $2).container")" = webm ] || fail "$name: want container webm"
  [[ $name == *"-$1-$1.webm" ]] || fail "$name: want <UTC start>-<name>-<peerId>.webm"
}
file_checks alice 0 "$RED" 440 "$(elapsed $t0 $t_end)"
file_checks bob 0 "$GREEN" 880 "$(elapsed $t0 $t_bob_gone)"
file_checks carol 0 "$BLUE" 1320 "$(elapsed $t0 $t_carol_left)"
file_checks carol 1 "$BLUE" 1320 "$(elapsed $t_carol_back $t_end)"

# One timeline: Carol's second file starts where she came back.
manifest_true "Math.abs(file('carol', 1).offset - file('carol', 0).offset - ($t_carol_back - $t0)) < 1.5" ||
  fail "carol's second file is not placed on the timeline where she came back: $(cat "$(MANIFEST)")"
# The composed grid, 5 s after alice's file starts (bob and carol are there too).
manifest_true 'm.composed && m.composed.state === "finished" && m.composed.error === null' ||
  fail "the manifest should list the composed recording as finished: $(cat "$(MANIFEST)")"
frame=$(manifest_get 'Math.round((file("alice").offset + 5 - m.composed.offset) * 10)')
mapfile -t tiles < <("$MESHCALL_TOOLS_DIR/mc-layout" 640 360 3 6 20)
points="" labels=""
for t in "${tiles[@]}"; do
  read -r _ vx vy vw vh _ lx ly lw lh <<<"$t"
  points="$points$((vx + vw / 2)),$((vy + vh / 2));"
  labels="$labels$lx,$ly,$lw,$lh;"
done
json=$(node "$NODE_DIR/record_check.js" "$WORK/composed.webm" --frame "$frame" --size 640x360 --points "$points" --bright "$labels")
log "composed frame $frame: $json"
declare -A COLOR=([alice]=$RED [bob]=$GREEN [carol]=$BLUE)
mapfile -t order < <(grep -oE '^meshcall: (alice|bob|carol) is in the call' "$WORK/rec.log" | awk '{ print $2 }')
[ "${#order[@]}" = 3 ] || fail "the recorder should have been told of alice, bob and carol: ${order[*]}"
for i in 0 1 2; do
  json_get "$json" "((c) => ${COLOR[${order[$i]}]})(d.points[$i])" | grep -qx true ||
    fail "composed tile $i should be ${order[$i]}'s colour (order ${order[*]}): $json"
done
json_get "$json" 'd.bright.every((b) => b > 150)' | grep -qx true || fail "no name under every composed tile: $json"

json_true "$WORK/rec.json" 'd.recording && d.recording.files.length === 4 && d.recording.failed === 0' ||
  fail "the recorder's stats should list 4 files and no failure"
grep -q "recording alice into" "$WORK/rec.log" || fail "the recorder did not say where alice is recorded"
log "PASS"

#!/usr/bin/env bash
# A call recorded through the Firestore back end (issue 10: "it works with
# either signaling back end"), on the real Firestore emulator under the
# shipped security rules (conf/firestore.rules). Alice (red,
# 440 Hz) and Bob (green, 880 Hz) signal through Firestore; `meshcall record`
# joins the same way:
#  - the recording signal crosses Firestore: alice says "recorder records
#    this call", and "no longer records" once it left;
#  - alice is connected to the recorder and receives nothing from it;
#  - Bob leaves (SIGTERM): his file is finalized while the call goes on;
#  - SIGINT finalizes alice's file, exit 0; each file has one video and one
#    audio stream, a duration within 10 % of the recorded time, the sender's
#    colour in its middle frame and its tone.
source "$(dirname "$0")/record_lib.bash"
source "$(dirname "$0")/firestore_lib.bash"

start_emulator --rules "$MESHCALL_SOURCE_DIR/conf/firestore.rules"
SIGNAL_URL="firestore://$FS_PROJECT"
CALL_ID=fsrec

start_party alice 0xffff0000 440
start_party bob 0xff00ff00 880
both_joined() { joined alice && joined bob; }
wait_until 30 "alice and bob to join through Firestore" both_joined
start_recorder
wait_until 40 "two files being recorded" manifest_true 'm.files.filter((f) => f.state === "recording").length === 2'
t0=$(now_s)
log "recording alice and bob through Firestore signaling"
wait_until 15 "alice told that the recorder records" grep -q "recorder records this call" "$WORK/alice.log"

sleep 12   # the recorded time (nothing to wait for; long enough that the start-up lag is < 5 %)
json_true "$WORK/alice.json" 'peer("rec").connectionState === "connected" && peer("rec").videoFramesDecoded === 0 && peer("rec").audioPacketsReceived === 0' ||
  fail "alice should be connected to the recorder and receive nothing from it"

stop_participant bob
t_bob_left=$(now_s)
wait_until 20 "bob's file to be finalized" manifest_true 'file("bob").state === "finished"'
manifest_true 'file("alice").state === "recording"' || fail "alice's recording stopped when bob left"
sleep 2

t_end=$(now_s)
stop_recorder INT || fail "the recorder exited with $?, want 0"
manifest_true 'm.end !== null && m.files.length === 2 && m.files.every((f) => f.state === "finished")' ||
  fail "the manifest should list 2 finished files: $(cat "$(MANIFEST)")"
wait_until 20 "alice told that the recorder left" grep -q "recorder no longer records this call" "$WORK/alice.log"

expect_recorded alice 0 "$RED" 440 "$(elapsed "$t0" "$t_end")" >/dev/null || exit 1
expect_recorded bob 0 "$GREEN" 880 "$(elapsed "$t0" "$t_bob_left")" >/dev/null || exit 1
log "PASS"

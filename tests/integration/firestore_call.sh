#!/usr/bin/env bash
# Calls signaled through the real Firestore emulator (one for the script,
# data reset between cases; participants sign in with the emulator's
# unsigned tokens, uid = --peer-id):
#  - three `meshcall join` decode each other's video and audio;
#  - a second process with a uid already live in the call is refused with
#    duplicate-peer (exit 1) and the first stays;
#  - one killed with SIGKILL is dropped by the others within 20 s, through
#    its stale heartbeat, and its document is deleted; its media stopping
#    makes the others check their connection to Firestore;
#  - a 7th joiner (six live participants before it) is refused with
#    call-full (exit 1) and removes its own document;
#  - the inbox of a participant that died before reading it is emptied by
#    the others once they drop it: "ghost1", a document dated 10 s back (it
#    joined first and went silent, stale 5 s later), gets the three's
#    offers; they drop it, delete its document, then the messages each of
#    them sent it (only the owner may read an inbox: each deletes its own
#    by id); the killed p3's inbox is empty after it is dropped too.
source "$(dirname "$0")/firestore_lib.bash"

start_emulator
CALL_ID=three

node "$NODE_DIR/firestore_fake_participants.js" --base "$FS_BASE" --call three --count 1 --age 10 --prefix ghost ||
  fail "could not create the ghost participant"
for n in p1 p2 p3; do start_fs_join "$n"; done
wait_until 10 "offers from p1, p2 and p3 in the ghost's inbox" fs_inbox_from ghost1 "p1 p2 p3"
log "the ghost's inbox holds messages of p1 p2 p3"
expect_stats 40 --peers 2 --min-frames 10 --min-audio 10 --width 320 --height 240 --rising $(stats_files p1 p2 p3)
log "all three decode each other through Firestore"
wait_until 15 "the ghost's inbox emptied by the others" fs_inbox_from ghost1 ""
for n in p1 p2 p3; do
  grep -q "ghost1 left: deleting the [0-9]* messages\? we sent it" "$WORK/$n.log" || fail "$n did not delete its messages to ghost1"
done
log "the others dropped the ghost and emptied its inbox"
three_left() { [ "$(fs_participants three)" = "p1 p2 p3" ]; }
wait_until 5 "the ghost's document deleted" three_left

log "a duplicate uid is refused"
rc=0
FIRESTORE_EMULATOR_HOST=$FIRESTORE_EMULATOR_HOST timeout 20 "$MESHCALL_BIN" join three --signal "firestore://$FS_PROJECT" \
  --peer-id p2 --headless --video test --audio test >"$WORK/dup.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "the duplicate exited with $rc, expected 1"
grep -q "peer id p2 is already in call three" "$WORK/dup.log" || fail "the duplicate did not say why: $(cat "$WORK/dup.log")"
expect_stats 10 --peers 2 --rising $(stats_files p1 p2 p3)
log "the duplicate left the call alone"

kill -KILL "${PIDS[p3]}"
unset 'PIDS[p3]'
killed_at=$(date +%s%N)
expect_stats 20 --peers 1 --absent p3 $(stats_files p1 p2)
log "p3 gone from the others' stats $(( ($(date +%s%N) - killed_at) / 1000000 )) ms after SIGKILL"
expect_stats 10 --peers 1 --rising $(stats_files p1 p2)
p3_doc_gone() { case " $(fs_participants three) " in *" p3 "*) return 1 ;; esac; }
wait_until 10 "p3's stale document deleted by the others" p3_doc_gone
wait_until 5 "p3's inbox empty" fs_inbox_from p3 ""
grep -q "p3 left the call" "$WORK/p1.log" || fail "p1 did not log p3 leaving"
# Media from p3 stopped: the others checked their connection to Firestore (new connections, reads at once).
for n in p1 p2; do
  grep -q "checking the connection: new connections, inbox and list read now" "$WORK/$n.log" ||
    fail "$n did not check its connection to Firestore when p3's media stopped"
done

log "a 7th joiner is refused with call-full"
for n in p1 p2; do kill -TERM "${PIDS[$n]}"; wait "${PIDS[$n]}" 2>/dev/null; unset "PIDS[$n]"; done
reset_emulator
node "$NODE_DIR/firestore_fake_participants.js" --base "$FS_BASE" --call full --count 6 || fail "could not create six participants"
rc=0
timeout 20 "$MESHCALL_BIN" join full --signal "firestore://$FS_PROJECT" --peer-id seventh --headless --video test \
  --audio test >"$WORK/seventh.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "the 7th joiner exited with $rc, expected 1"
grep -q "call full is full" "$WORK/seventh.log" || fail "the 7th joiner did not say the call is full: $(cat "$WORK/seventh.log")"
case " $(fs_participants full) " in *" seventh "*) fail "the 7th joiner left its document behind" ;; esac
log "PASS"

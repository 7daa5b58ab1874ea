#!/usr/bin/env bash
# conf/firestore.rules on the real Firestore emulator (--rules): outsiders
# cannot list a call, read an inbox or post to one; a participant cannot
# forge `from` or read another's inbox; the legal operations of
# docs/firestore.md are allowed (tests/node/firestore_rules.js). Then two
# meshcall participants connect under those rules.
source "$(dirname "$0")/firestore_lib.bash"

start_emulator --rules "$MESHCALL_SOURCE_DIR/conf/firestore.rules"
node "$NODE_DIR/firestore_rules.js" --host "$FIRESTORE_EMULATOR_HOST" --project "$FS_PROJECT" ||
  fail "the security rules do not behave as docs/firestore.md says"
reset_emulator
CALL_ID=ruled
for n in r1 r2; do start_fs_join "$n"; done
expect_stats 40 --peers 1 --min-frames 10 --min-audio 10 --rising $(stats_files r1 r2)
if grep -q "security rules refused" "$WORK/r1.log" "$WORK/r2.log"; then fail "meshcall was refused by the rules"; fi
log "PASS"

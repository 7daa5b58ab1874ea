#!/usr/bin/env bash
# conf/firestore.rules on the real Firestore emulator (--rules): outsiders
# cannot list a call, read an inbox or post to one; a participant cannot
# forge `from` or read another's inbox; the legal operations of
# docs/firestore.md are allowed (tests/node/firestore_rules.js). Then two
# meshcall participants connect under those rules. What meshcall says when
# it cannot reach Firestore at all (it keeps retrying, and names the
# emulator), and when its ID token is of another project (the emulator
# takes any; meshcall refuses it itself, naming both projects).
source "$(dirname "$0")/firestore_lib.bash"

start_emulator --rules "$MESHCALL_SOURCE_DIR/conf/firestore.rules"
node "$NODE_DIR/firestore_rules.js" --host "$FIRESTORE_EMULATOR_HOST" --project "$FS_PROJECT" ||
  fail "the security rules do not behave as docs/firestore.md says"
reset_emulator
CALL_ID=ruled
for n in r1 r2; do start_fs_join "$n"; done
expect_stats 40 --peers 1 --min-frames 10 --min-audio 10 --rising $(stats_files r1 r2)
if grep -q "security rules refused" "$WORK/r1.log" "$WORK/r2.log"; then fail "meshcall was refused by the rules"; fi

dead=$(free_port)
rc=0
FIRESTORE_EMULATOR_HOST=127.0.0.1:$dead timeout 3 "$MESHCALL_BIN" join ruled --signal "firestore://$FS_PROJECT" \
  --peer-id r9 --headless --video test --audio test >"$WORK/unreachable.log" 2>&1 || rc=$?
[ "$rc" = 124 ] || fail "meshcall stopped (exit $rc) instead of retrying an unreachable emulator: $(cat "$WORK/unreachable.log")"
grep -q "^meshcall: Firestore at 127.0.0.1:$dead: joining (our participant document) failed (.*); retrying in [0-9.]* s (retry 1)\. Is the Firestore emulator running there" \
  "$WORK/unreachable.log" || fail "no clear message for an unreachable emulator: $(head -c 600 "$WORK/unreachable.log")"
if grep -q "meshcall serve" "$WORK/unreachable.log"; then fail "the hint names meshcall serve, not Firestore"; fi
log "an unreachable emulator: retried, and said so"

python3 -c 'import base64,json,time
b=lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).decode().rstrip("=")
t=int(time.time())
print(b({"alg":"none","typ":"JWT"})+"."+b({"iss":"https://securetoken.google.com/other-project","aud":"other-project",
  "sub":"r8","user_id":"r8","iat":t,"exp":t+3600})+".")' >"$WORK/other.token"
rc=0
timeout 10 "$MESHCALL_BIN" join ruled --signal "firestore://$FS_PROJECT" --id-token-file "$WORK/other.token" \
  --headless --video test --audio test >"$WORK/other-project.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a token of another project: exit $rc, expected 1: $(cat "$WORK/other-project.log")"
grep -q "is for Firebase project other-project, not $FS_PROJECT" "$WORK/other-project.log" ||
  fail "no clear message for a token of another project: $(cat "$WORK/other-project.log")"
case " $(fs_participants ruled) " in *" r8 "*) fail "the token of another project joined the call" ;; esac
log "a token of another project: refused, naming both"
log "PASS"

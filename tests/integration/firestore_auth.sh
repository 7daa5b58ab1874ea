#!/usr/bin/env bash
# Anonymous sign-in and token refresh against the real Auth emulator (npm
# firebase-tools, one for the script, ~20 s to start) and the real Firestore
# emulator running conf/firestore.rules, so every request carries an ID
# token the Auth emulator issued and the rules judge it:
#   - two `meshcall join` with [firestore] api-key sign in anonymously
#     (accounts:signUp), their peer ids are the uids the emulator handed out
#     (their participant documents are named so), and they decode each other;
#   - the emulator's tokens are announced to live 20 s (the proxy in
#     tests/node/auth_emulator.js shortens expiresIn), so each refreshes
#     through securetoken.googleapis.com/v1/token within ~10 s, more than
#     once, and the call goes on under the new tokens (no 401, no 403);
#   - an outsider with its own emulator-issued token cannot list the call or
#     read an inbox; a participant can;
#   - a browser on the official SDK (signInAnonymously at the same emulator,
#     tests/node/firestore_peer.html) joins under its own uid, the rules
#     refuse none of its writes, and all three decode each other. It signs in
#     at the emulator directly, with the emulator's own token lifetime: the
#     JS SDK refreshes a token with less than 30 s left at every use, and
#     Firestore's SDK tears its streams down at every new token, so under the
#     proxy's 20 s its listeners never settled (its writes refused in one
#     run, its listeners silent in another);
#   - a --peer-id that is not the signed-in uid is refused with a message.
source "$(dirname "$0")/firestore_lib.bash"
source "$(dirname "$0")/browser_lib.bash"

start_emulator --rules "$MESHCALL_SOURCE_DIR/conf/firestore.rules"
node "$NODE_DIR/auth_emulator.js" --project "$FS_PROJECT" --port-file "$WORK/auth.port" --token-lifetime 20 \
  --direct-port-file "$WORK/auth-direct.port" >"$WORK/auth-emulator.log" 2>&1 &
PIDS[auth]=$!
wait_until 60 "the Auth emulator" test -s "$WORK/auth.port"
export FIREBASE_AUTH_EMULATOR_HOST="127.0.0.1:$(cat "$WORK/auth.port")"
log "Auth emulator (behind its proxy) at $FIREBASE_AUTH_EMULATOR_HOST"
auth_count() { curl -sf "http://$FIREBASE_AUTH_EMULATOR_HOST/__count" | node -e '
  let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => {
    const c = JSON.parse(s); const k = process.argv[1];
    console.log(Array.isArray(c[k]) ? c[k].slice().sort().join(" ") : c[k]); });' "$1"; }

printf '[firestore]\napi-key = demo-api-key\n' >"$WORK/anon.conf"
CALL_ID=anon
# start_anon NAME: a participant without --peer-id (its peer id is its uid).
start_anon() {
  GST_DEBUG="${GST_DEBUG:-meshcall*:4}" "$MESHCALL_BIN" join "$CALL_ID" --config "$WORK/anon.conf" \
    --signal "firestore://$FS_PROJECT" --name "$1" --headless --video test --audio test --size 320x240 --fps 15 \
    --no-audio-processing --stats-json "$WORK/$1.json" >"$WORK/$1.log" 2>&1 &
  PIDS[$1]=$!
  log "started $1 (pid ${PIDS[$1]})"
}
start_anon a1
start_anon a2
expect_stats 40 --peers 1 --min-frames 10 --min-audio 10 --rising "$WORK/a1.json" "$WORK/a2.json"
uids=$(auth_count uids)
[ "$(auth_count signUp)" = 2 ] || fail "want 2 anonymous sign-ins, the Auth emulator saw $(auth_count signUp)"
[ "$(fs_participants "$CALL_ID")" = "$uids" ] || fail "the participants are '$(fs_participants "$CALL_ID")', the uids '$uids'"
for n in a1 a2; do
  uid=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).peerId)' "$WORK/$n.json")
  case " $uids " in *" $uid "*) ;; *) fail "$n's peer id $uid is not a uid the Auth emulator issued ($uids)" ;; esac
done
log "both signed in anonymously (uids $uids) and decode each other under the rules"

refreshed_twice() { [ "$(auth_count refresh)" -ge 4 ]; }
wait_until 40 "two token refreshes by each participant" refreshed_twice
for n in a1 a2; do
  [ "$(grep -c 'signed in as .*; refreshing in 10 s' "$WORK/$n.log")" -ge 3 ] ||
    fail "$n did not sign in once and refresh twice: $(grep 'signed in as' "$WORK/$n.log")"
done
expect_stats 10 --peers 1 --rising "$WORK/a1.json" "$WORK/a2.json"
for n in a1 a2; do
  grep -Eq "HTTP 40[13]|credential|reconnecting" "$WORK/$n.log" &&
    fail "$n: $(grep -E 'HTTP 40[13]|credential|reconnecting' "$WORK/$n.log" | head -n 3)"
done
log "the tokens were refreshed $(auth_count refresh) times through securetoken; the call goes on, no 401/403"

# The rules under emulator-issued tokens: an outsider and a participant.
token_of() {   # a fresh anonymous account's ID token
  curl -sf -X POST "http://$FIREBASE_AUTH_EMULATOR_HOST/identitytoolkit.googleapis.com/v1/accounts:signUp?key=k" \
    -H 'Content-Type: application/json' -d '{"returnSecureToken":true}' |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).idToken))'
}
status_as() {  # status_as TOKEN PATH BODY: the HTTP status of a POST under B
  curl -s -o /dev/null -w '%{http_code}' -X POST "$FS_BASE$2" -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' -d "$3"
}
outsider=$(token_of)
first=${uids%% *}
list='{"structuredQuery":{"from":[{"collectionId":"participants"}]}}'
inbox='{"structuredQuery":{"from":[{"collectionId":"inbox"}]}}'
[ "$(status_as "$outsider" "/calls/$CALL_ID:runQuery" "$list")" = 403 ] || fail "an outsider could list the call"
[ "$(status_as "$outsider" "/calls/$CALL_ID/participants/$first:runQuery" "$inbox")" = 403 ] || fail "an outsider could read an inbox"
[ "$(status_as "owner" "/calls/$CALL_ID:runQuery" "$list")" = 200 ] || fail "the owner could not list the call"
log "an outsider with an emulator-issued token is refused the list and the inbox"

FIREBASE_AUTH_EMULATOR_HOST="127.0.0.1:$(cat "$WORK/auth-direct.port")" \
  start_browser web --signal "firestore://$FS_PROJECT" --peer web --name "SDK, anonymous" --stats-file "$WORK/web.json"
wait_event web 30 '"event":"signed-in"' "the browser's anonymous sign-in"
wait_event web 20 '"event":"joined"' "the browser to join"
expect_stats 40 --peers 2 --min-frames 10 --min-audio 10 --rising "$WORK/web.json" "$WORK/a1.json" "$WORK/a2.json"
no_event web '"event":"(sdp-error|send-error|firestore-error|call-error|fatal|page-error|inbox-dropped)"' \
  "the browser was refused, or refused something"
web_uid=$(grep -o '"event":"signed-in","uid":"[^"]*"' "$WORK/web.log" | sed 's/.*"uid":"//; s/"$//')
[ -n "$web_uid" ] || fail "the browser did not report its uid"
case " $(fs_participants "$CALL_ID") " in *" $web_uid "*) ;; *) fail "the browser's document is not its uid $web_uid" ;; esac
log "the SDK browser signed in anonymously as $web_uid and decodes both; both decode it"
stop_proc web

rc=0
timeout 20 "$MESHCALL_BIN" join "$CALL_ID" --config "$WORK/anon.conf" --signal "firestore://$FS_PROJECT" \
  --peer-id someone-else --headless --video test --audio test >"$WORK/wrong-id.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "a --peer-id other than the uid was accepted"
grep -q "the peer id is the signed-in uid" "$WORK/wrong-id.log" || fail "no clear message: $(cat "$WORK/wrong-id.log")"
log "PASS"

#!/usr/bin/env bash
# meshcall's signaling client against a stock Node socket.io server: a wrong
# or missing token is final (error bad-token, state failed, exit 1, no retry),
# a full call is refused, a duplicate peer id is retried until the old one is
# gone, and a bad URL is a usage error that lists the accepted schemes.
source "$(dirname "$0")/client_lib.bash"

log "bad URLs are usage errors (exit 2) that list the accepted schemes"
for url in "foo://127.0.0.1:1" "127.0.0.1:7300" "ftp://x"; do
  rc=0
  "$PROBE" --signal "$url" --call c --no-stdin >"$WORK/badurl.out" 2>"$WORK/badurl.err" || rc=$?
  [ "$rc" -eq 2 ] || fail "--signal $url exited with $rc, expected 2"
  for scheme in ws:// wss:// http:// https:// firestore://; do
    grep -qF "$scheme" "$WORK/badurl.err" || fail "the error for --signal $url does not list $scheme: $(cat "$WORK/badurl.err")"
  done
  grep -qF '"code":"bad-url"' "$WORK/badurl.out" || fail "no bad-url error event for $url"
done
rc=0
"$PROBE" --signal "ws://" --call c --no-stdin >"$WORK/nohost.out" 2>"$WORK/nohost.err" || rc=$?
[ "$rc" -eq 2 ] || fail "--signal ws:// (no host) exited with $rc, expected 2"
rc=0
"$PROBE" --signal "ws://127.0.0.1:1" --call "bad id!" --no-stdin >"$WORK/badcall.out" 2>"$WORK/badcall.err" || rc=$?
[ "$rc" -eq 2 ] || fail "--call 'bad id!' exited with $rc, expected 2"
grep -qF "callId" "$WORK/badcall.err" || fail "the error for a bad call id does not name callId: $(cat "$WORK/badcall.err")"
rc=0
env -u FIRESTORE_EMULATOR_HOST -u FIREBASE_AUTH_EMULATOR_HOST \
  "$PROBE" --signal "firestore://my-project" --call c --no-stdin >"$WORK/fs.out" 2>"$WORK/fs.err" || rc=$?
[ "$rc" -eq 1 ] || fail "firestore:// without credentials exited with $rc, expected 1"
grep -q "needs credentials" "$WORK/fs.err" || fail "firestore:// does not say it needs credentials: $(cat "$WORK/fs.err")"

start_stock_server srv 0 --token s3cret --max-participants 2
URL="ws://127.0.0.1:$SERVER_PORT"

log "wrong token: bad-token, failed, exit 1, no retry"
start_probe wrong --signal "$URL" --call room --peer w --token nope
wait_exit wrong
[ "$LAST_RC" -eq 1 ] || fail "a wrong token exited with $LAST_RC, expected 1"
has wrong '"event":"error","code":"bad-token"' || fail "no bad-token error for a wrong token"
has wrong '"state":"failed"' || fail "no failed state for a wrong token"
expect_none wrong '"state":"joined"'
[ "$(count wrong '"state":"connecting"')" -eq 1 ] || fail "a wrong token was retried"

log "missing token: bad-token too"
start_probe none --signal "$URL" --call room --peer n
wait_exit none
[ "$LAST_RC" -eq 1 ] || fail "a missing token exited with $LAST_RC, expected 1"
has none '"event":"error","code":"bad-token"' || fail "no bad-token error for a missing token"

log "right token: two join; a third gets call-full (final for a first join)"
start_probe a --signal "$URL" --call room --peer a --token s3cret
expect a '"state":"joined"'
start_probe b --signal "$URL" --call room --peer b --token s3cret
expect b '"state":"joined"'
expect a '"event":"peer-joined","peerId":"b"'
start_probe c --signal "$URL" --call room --peer c --token s3cret
wait_exit c
[ "$LAST_RC" -eq 1 ] || fail "a joiner of a full call exited with $LAST_RC, expected 1"
has c '"event":"error","code":"call-full"' || fail "no call-full error"
has c '"state":"failed"' || fail "no failed state for a full call"
expect_none a '"peerId":"c"'

log "duplicate peer id: error duplicate-peer, retried until the first one leaves"
start_probe d1 --signal "$URL" --call other --peer d --token s3cret
expect d1 '"state":"joined"'
start_probe d2 --signal "$URL" --call other --peer d --token s3cret
expect d2 '"event":"error","code":"duplicate-peer"'
expect_none d2 '"state":"failed"'
kill_process d1 TERM
expect d2 '"state":"joined"' 1 10
echo "PASS"

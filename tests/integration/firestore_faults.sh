#!/usr/bin/env bash
# The Firestore back end against a misbehaving server: p1 talks to the
# emulator through tests/node/firestore_fault_proxy.js, the others directly.
#  - 500, 429, dropped connections and garbage JSON: p1 says on stderr that
#    it retries, the call goes on, and p1 is back in the call (and says so)
#    once the server behaves;
#  - exactly once: while deletes of p1's inbox fail (answered 503, or
#    applied and their answer lost), a newcomer's signals reach p1, each
#    applied once, the re-read ones dropped as already applied;
#  - messages left from a previous session of p1 and from a stale session of
#    p2 are deleted unapplied.
source "$(dirname "$0")/firestore_lib.bash"

start_emulator
EMU=$FIRESTORE_EMULATOR_HOST
node "$NODE_DIR/firestore_fault_proxy.js" --target "$EMU" --port-file "$WORK/proxy.port" >"$WORK/proxy.log" 2>&1 &
PIDS[proxy]=$!
wait_until 10 "the fault proxy" test -s "$WORK/proxy.port"
PROXY=127.0.0.1:$(cat "$WORK/proxy.port")
mode() { curl -sf "http://$PROXY/__mode?m=$1" >/dev/null || fail "the proxy did not take mode $1"; }

CALL_ID=faults
FIRESTORE_EMULATOR_HOST=$PROXY start_fs_join p1
wait_until 20 "p1 in the call" grep -q '"signalingState" : "joined"' "$WORK/p1.json"
start_fs_join p2   # later: p2 offers, and a session of p2 older than its current one can be made up below
expect_stats 40 --peers 1 --min-frames 10 --rising $(stats_files p1 p2)
log "p1 (through the proxy) and p2 connected"

for m in 500 429 drop garbage; do
  before=$(grep -c "in call faults as p1" "$WORK/p1.log")
  retries=$(grep -c "retrying in" "$WORK/p1.log")
  mode "$m"
  wait_until 15 "p1 to retry after $m" bash -c "[ \$(grep -c 'retrying in' '$WORK/p1.log') -gt $retries ]"
  sleep 2   # a few retries while it lasts (the back-off is what is under test)
  mode pass
  wait_until 20 "p1 back in the call after $m" bash -c "[ \$(grep -c 'in call faults as p1' '$WORK/p1.log') -gt $before ]"
  expect_stats 10 --peers 1 --rising $(stats_files p1 p2)
  log "$m: p1 retried, said so, and recovered"
done
grep -q "^meshcall: signaling lost; reconnecting" "$WORK/p1.log" || fail "p1 never told the user signaling was lost"
grep -q "^meshcall: Firestore at $PROXY: .* failed (HTTP 500 INTERNAL: injected); retrying in" "$WORK/p1.log" ||
  fail "p1 did not tell the user what failed and when it retries"

for m in fail-deletes drop-deletes; do
  mode "$m"
  n=p3${m%%-*}
  start_fs_join "$n"
  expect_stats 40 --peers 2 --min-frames 10 --rising $(stats_files p1)
  mode pass
  log "$m: $n connected with p1"
  kill -TERM "${PIDS[$n]}"; wait "${PIDS[$n]}" 2>/dev/null; unset "PIDS[$n]"
done
dups=$(grep -o "inbox: applied from=[^ ]* session=[^ ]* seq=[0-9]*" "$WORK/p1.log" | sort | uniq -d)
[ -z "$dups" ] || fail "p1 applied messages twice: $dups"
grep -q "dropped from=p3fail.*already applied" "$WORK/p1.log" || fail "p1 never re-read a message whose delete failed"
log "every message applied once; re-read ones dropped"

# Leftovers: one created before p1 joined, one from a session of p2 older than p2's current one.
docs=$(fs_get "calls/faults/participants")
p2_joined=$(echo "$docs" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
  const d=JSON.parse(s).documents.find(x=>x.name.endsWith("/p2"));console.log(d.fields.joinedAt.timestampValue)})')
p1_joined=$(echo "$docs" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
  const d=JSON.parse(s).documents.find(x=>x.name.endsWith("/p1"));console.log(d.fields.joinedAt.timestampValue)})')
put_message() {   # id from session createdAt
  curl -sf -X POST "$FS_BASE:commit" -H 'Authorization: Bearer owner' -H 'Content-Type: application/json' -d "{\"writes\":[{
    \"update\":{\"name\":\"projects/$FS_PROJECT/databases/(default)/documents/calls/faults/participants/p1/inbox/$1\",
    \"fields\":{\"from\":{\"stringValue\":\"$2\"},\"session\":{\"stringValue\":\"$3\"},\"seq\":{\"integerValue\":\"1\"},
    \"signal\":{\"mapValue\":{\"fields\":{\"type\":{\"stringValue\":\"media-state\"},\"audio\":{\"stringValue\":\"muted\"}}}},
    \"createdAt\":{\"timestampValue\":\"$4\"}}}}]}" -o /dev/null || fail "could not write message $1"
}
p2_session=$(echo "$docs" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
  const d=JSON.parse(s).documents.find(x=>x.name.endsWith("/p2"));console.log(d.fields.session.stringValue)})')
put_message leftover p2 "$p2_session" "2000-01-01T00:00:00Z"
[[ "$p1_joined" < "$p2_joined" ]] || fail "p1 joined after p2 ($p1_joined, $p2_joined)"
put_message stale p2 old-session "$p1_joined"
wait_until 10 "p1 to drop the leftover" grep -q "dropped from=p2 session=.*left over from an earlier session of ours" "$WORK/p1.log"
wait_until 10 "p1 to drop the stale one" grep -q "dropped from=p2 session=old-session.*stale" "$WORK/p1.log"
if grep -q "applied from=p2 session=old-session" "$WORK/p1.log"; then fail "p1 applied a stale message"; fi
inbox_empty() { ! fs_get "calls/faults/participants/p1/inbox" | grep -q '"name"'; }
wait_until 10 "p1's inbox empty" inbox_empty
log "PASS"

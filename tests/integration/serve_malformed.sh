#!/bin/bash
# The malformed-frame corpus (raw websocket frames and raw polling requests)
# leaves meshcall serve up and two healthy clients unaffected; every bad
# client costs exactly one log line naming the reason.
source "$(dirname "$0")/serve_lib.bash"

start_server srv
run_node serve_malformed.js "$PORT" | tee "$WORK/node.out"
server_alive srv
summary=$(sed -n 's/^SUMMARY //p' "$WORK/node.out")
[ -n "$summary" ] || fail "serve_malformed.js printed no SUMMARY"
want_disc=$(node -e "console.log(JSON.parse(process.argv[1]).disconnects)" "$summary")
want_ref=$(node -e "console.log(JSON.parse(process.argv[1]).refusals)" "$summary")
got_disc=$(grep -c "disconnecting it" "$WORK/srv.log" || true)
got_ref=$(grep -c " refused" "$WORK/srv.log" || true)
log "server log: $got_disc disconnect lines (expected $want_disc), $got_ref refusal lines (expected $want_ref)"
[ "$got_disc" -eq "$want_disc" ] || fail "expected $want_disc 'disconnecting it' lines in the server log, got $got_disc"
[ "$got_ref" -eq "$want_ref" ] || fail "expected $want_ref 'refused' lines in the server log, got $got_ref"
stop_server srv
log "PASS"

#!/bin/bash
# meshcall serve --token: wrong tokens are refused (CONNECT_ERROR for the
# Socket.IO auth, call-error bad-token for join-call), right ones get in.
source "$(dirname "$0")/serve_lib.bash"

start_server srv --token 's3cret t0ken'
run_node serve_token.js "$PORT" 's3cret t0ken'
server_alive srv
grep -q "s3cret" "$WORK/srv.log" && fail "the token appears in the server log"
stop_server srv
log "PASS"

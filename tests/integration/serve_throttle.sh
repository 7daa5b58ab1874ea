#!/bin/bash
# meshcall serve --token: wrong tokens from one address are held back and then
# blocked, while another address joins at once (tests/node/serve_throttle.js).
source "$(dirname "$0")/serve_lib.bash"

start_server srv --token 'r1ght-token'
run_node serve_throttle.js "$PORT" 'r1ght-token'
server_alive srv
grep -q "too many wrong tokens from 127.0.0.2" "$WORK/srv.log" ||
  fail "the server log does not say which address is blocked"
# The server says which refusals it held back: the first 3 were not.
at_once=$(grep -c 'CONNECT refused: bad-token: wrong token$' "$WORK/srv.log")
held=$(grep -c 'CONNECT refused: bad-token: wrong token (answer held back)' "$WORK/srv.log")
[ "$at_once" = 3 ] && [ "$held" = 7 ] ||
  fail "expected 3 refusals at once and 7 held back, the log has $at_once and $held"
stop_server srv
log "PASS"

#!/bin/bash
# A killed or frozen participant leaves its call within pingInterval +
# pingTimeout (300 + 300 ms here), and the others are told (peer-left).
source "$(dirname "$0")/serve_lib.bash"

start_server srv --ping-interval 300 --ping-timeout 300
run_node serve_kill.js "$PORT" 300 300
server_alive srv
# One warning per vanished client that had to be timed out (the frozen one at least).
n=$(grep -c "ping timeout" "$WORK/srv.log" || true)
[ "$n" -ge 1 ] || fail "expected a 'ping timeout' warning in the server log"
stop_server srv
log "PASS"

#!/bin/bash
# meshcall serve limits: per-connection message rate, max-payload on both
# transports, max-connections.
source "$(dirname "$0")/serve_lib.bash"

start_server srv --rate-limit 20 --max-payload 8192 --max-connections 8
run_node serve_limits.js "$PORT"
server_alive srv
grep -q "rate-limited" "$WORK/srv.log" || fail "no rate-limited line in the server log"
grep -q "over maxPayload" "$WORK/srv.log" || fail "no maxPayload line in the server log"
grep -q "max-connections" "$WORK/srv.log" || fail "no max-connections line in the server log"
stop_server srv
log "PASS"

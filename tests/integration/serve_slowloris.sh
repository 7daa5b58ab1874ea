#!/bin/bash
# Slowloris: connections that dribble a request head are closed after the
# header timeout, no more than max-pending-per-address of them are kept
# from one address, a request from a busy address still gets through (the
# oldest waiting connection makes room), and /health and a call's signaling
# are served meanwhile (tests/node/serve_slowloris.js).
source "$(dirname "$0")/serve_lib.bash"

timeout_ms=3000
cap=20
start_server srv --header-timeout $timeout_ms --max-pending-per-address $cap
run_node serve_slowloris.js "$PORT" $timeout_ms $cap
server_alive srv
grep -q "max-pending-per-address" "$WORK/srv.log" || fail "no max-pending-per-address warning in the server log"
n_warn=$(grep -c "WARN" "$WORK/srv.log")
[ "$n_warn" -le 2 ] || fail "$n_warn warning lines in the server log, expected one per busy address"
stop_server srv
log "PASS"

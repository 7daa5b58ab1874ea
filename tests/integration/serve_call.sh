#!/bin/bash
# The call protocol of meshcall serve with stock socket.io-client peers:
# three participants, ordered relay, call-full, cross-call refusal,
# validation codes, /health and /stats.
source "$(dirname "$0")/serve_lib.bash"

start_server srv --max-calls 3
run_node serve_call.js "$PORT"
server_alive srv
stop_server srv
log "PASS"

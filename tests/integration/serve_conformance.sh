#!/bin/bash
# Stock socket.io-client (default transports with the polling -> websocket
# upgrade, websocket-only, polling-only) against meshcall serve.
source "$(dirname "$0")/serve_lib.bash"

start_server srv
run_node serve_conformance.js "$PORT"
server_alive srv
stop_server srv
log "PASS"

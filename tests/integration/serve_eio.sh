#!/bin/bash
# The Engine.IO / Socket.IO layer of meshcall serve (eio_server.c) with stock
# socket.io-client: acks both ways on every transport, CONNECT_ERROR, kicks.
source "$(dirname "$0")/serve_lib.bash"

ECHO="$MESHCALL_TOOLS_DIR/mc-eio-echo"
[ -x "$ECHO" ] || fail "mc-eio-echo not found at $ECHO (build the project first)"
"$ECHO" "$WORK/echo.port" >"$WORK/echo.log" 2>&1 &
PIDS[echo]=$!
wait_until 10 "mc-eio-echo to write its port file" test -s "$WORK/echo.port"
run_node serve_eio.js "$(cat "$WORK/echo.port")"
proc_gone "${PIDS[echo]}" && fail "mc-eio-echo died"
log "PASS"

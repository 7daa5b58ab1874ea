#!/usr/bin/env bash
# A server that stops answering (process stopped: TCP stays open, no pings)
# is detected by meshcall's client within pingInterval + pingTimeout; when the
# server resumes, the client gets back into the call with the same peerId
# (retrying while the server still holds its old session: duplicate-peer).
source "$(dirname "$0")/client_lib.bash"

start_stock_server srv 0 --ping-interval 300 --ping-timeout 300
URL="ws://127.0.0.1:$SERVER_PORT"
start_probe a --signal "$URL" --call room --peer a
start_probe b --signal "$URL" --call room --peer b
expect a '"state":"joined"'
expect b '"state":"joined"'
expect a '"event":"peer-joined","peerId":"b"'

log "stop the server (SIGSTOP)"
t_stop=$(($(date +%s%N) / 1000000))
kill -STOP "${PIDS[srv]}"
expect a '"state":"reconnecting"' 1 5
t_lost=$(time_of a '"state":"reconnecting"')
log "a noticed after $((t_lost - t_stop)) ms"
[ $((t_lost - t_stop)) -le 1500 ] || fail "a noticed the silent server only after $((t_lost - t_stop)) ms (pingInterval + pingTimeout = 600 ms)"
grep -F '"code":"connect"' "$WORK/a.out" | grep -qF "no ping from the server for 600 ms" ||
  fail "the loss was not reported as a missing ping"

log "resume the server (SIGCONT): both get back into the call"
kill -CONT "${PIDS[srv]}"
expect a '"state":"joined"' 2 20
expect b '"state":"joined"' 2 20
probe_cmd a 'burst b 3'
expect b '"event":"signal","from":"a"' 3 5
check_in_order b a 1 3
echo "PASS"

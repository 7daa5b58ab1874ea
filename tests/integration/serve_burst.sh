#!/bin/bash
# A reconnect storm: 3000 websocket opens at once (tests/node/serve_burst.js)
# all complete, none refused, within 60 s (with the old backlog of 10 only
# 1851 did). The listen backlog in effect is min(4096, net.core.somaxconn).
# A test rather than a benchmark: "every client of a storm gets in" is a
# property, and the bound is six times what a loaded machine takes; the
# time is printed.
source "$(dirname "$0")/serve_lib.bash"

n=3000
# 3000 connections each side, plus what node and the server need besides.
ulimit -S -n "$(ulimit -H -n)"
[ "$(ulimit -n)" -ge $((n + 500)) ] || { echo "SKIP: ulimit -n $(ulimit -n) is too low for $n connections"; exit 0; }

start_server srv
somaxconn=$(cat /proc/sys/net/core/somaxconn)
want=$((somaxconn < 4096 ? somaxconn : 4096))
backlog=$(ss -Hltn "sport = :$PORT" | awk '{ print $3 }')
[ "$backlog" = "$want" ] || fail "listen backlog is $backlog, expected $want (4096 capped by somaxconn $somaxconn)"
log "listen backlog $backlog"
run_node serve_burst.js "$PORT" $n 30 60
server_alive srv
stop_server srv
log "PASS"

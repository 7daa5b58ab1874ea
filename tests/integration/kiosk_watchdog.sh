# The systemd service protocol of `meshcall join`, against a fake service
# manager (tests/tools/notify_listen.py, a unix datagram socket named in
# NOTIFY_SOCKET): STATUS=starting, READY=1 once signaling has us in the call,
# WATCHDOG=1 pings at half of WATCHDOG_USEC after it, STATUS lines that
# follow the call (a peer connects, is SIGKILLed), STOPPING=1 on SIGTERM and
# a clean exit. A participant whose signaling server is unreachable pings
# with EXTEND_TIMEOUT_USEC and never says READY.
source "$(dirname "$0")/process.bash"   # proc_gone; call_lib's log and fail replace its own
source "$(dirname "$0")/call_lib.bash"
source "$(dirname "$0")/wait.bash"

command -v python3 >/dev/null || fail "python3 is not on PATH (scripts/setup.sh installs it)"
LISTEN="$MESHCALL_SOURCE_DIR/tests/tools/notify_listen.py"

# start_manager NAME: a fake service manager at $WORK/NAME.sock writing $WORK/NAME.notify.
start_manager() {
  python3 "$LISTEN" "$WORK/$1.sock" "$WORK/$1.notify" 2>"$WORK/$1-manager.log" &
  PIDS[$1-manager]=$!
  wait_until 5 "the fake service manager's socket $1.sock" test -S "$WORK/$1.sock"
}

# notified NAME REGEX: a message matching REGEX (extended, on the '|'-joined message) arrived.
notified() { grep -Eq "^[0-9.]+ $2\$" "$WORK/$1.notify" 2>/dev/null; }
count() { grep -Ec "^[0-9.]+ $2\$" "$WORK/$1.notify" 2>/dev/null || true; }

start_server
start_manager alice
NOTIFY_SOCKET="$WORK/alice.sock" WATCHDOG_USEC=1000000 start_join alice
wait_until 20 "READY=1 from alice" notified alice 'READY=1\|STATUS=in call call1: waiting for others'
head -n 1 "$WORK/alice.notify" | grep -Eq '^[0-9.]+ STATUS=starting$' ||
  fail "alice's first message is not STATUS=starting: $(head -n 1 "$WORK/alice.notify")"
[ "$(count alice 'READY=1.*')" = 1 ] || fail "READY=1 sent more than once"
log "READY=1 once alice joined"

# Pings after READY: at least 2, each less than WATCHDOG_USEC (1 s) after the previous one.
wait_until 5 "2 WATCHDOG=1 after READY" \
  sh -c "sed -n '/READY=1/,\$p' '$WORK/alice.notify' | grep -c ' WATCHDOG=1\$' | grep -qv '^[01]\$'"
gaps=$(grep ' WATCHDOG=1$' "$WORK/alice.notify" | awk 'NR > 1 { printf "%.3f\n", $1 - prev } { prev = $1 }')
echo "$gaps" | awk '$1 >= 1.0 { bad = 1 } END { exit bad }' ||
  fail "a WATCHDOG=1 ping came 1 s (WATCHDOG_USEC) or more after the previous one: $(echo $gaps)"
log "WATCHDOG=1 pings, gaps: $(echo $gaps)"

start_join bob
wait_until 20 "STATUS with bob connected" notified alice 'STATUS=in call call1: 1 peer connected'
kill -KILL "${PIDS[bob]}"
wait "${PIDS[bob]}" 2>/dev/null
unset 'PIDS[bob]'
wait_until 10 "STATUS back to waiting after bob was killed" \
  sh -c "tail -n 3 '$WORK/alice.notify' | grep -q 'STATUS=in call call1: waiting for others'"
log "STATUS followed bob connecting and being killed"

# Unreachable signaling: pings extend the start timeout; no READY.
start_manager dave
NOTIFY_SOCKET="$WORK/dave.sock" WATCHDOG_USEC=1000000 SIGNAL_URL=http://127.0.0.1:9 start_join dave
wait_until 10 "dave's pings with EXTEND_TIMEOUT_USEC" \
  sh -c "grep -c ' WATCHDOG=1|EXTEND_TIMEOUT_USEC=2000000\$' '$WORK/dave.notify' | grep -qv '^[01]\$'"
notified dave 'READY=1.*' && fail "dave said READY=1 without a signaling server"
notified dave 'STATUS=joining call call1 \(signaling [a-z]+\)' || fail "dave's STATUS does not say it is joining"
log "no signaling: pings extend the start timeout, no READY"

kill -TERM "${PIDS[alice]}"
wait_until 10 "alice to exit after SIGTERM" proc_gone "${PIDS[alice]}"
wait "${PIDS[alice]}"
rc=$?
unset 'PIDS[alice]'
[ "$rc" = 0 ] || fail "alice exited with $rc after SIGTERM, want 0"
notified alice 'STOPPING=1\|STATUS=leaving call call1' || fail "no STOPPING=1 from alice on SIGTERM"
log "STOPPING=1 and a clean exit on SIGTERM"
log "PASS"

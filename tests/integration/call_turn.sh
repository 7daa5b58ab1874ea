# TURN: coturn on 127.0.0.1 with a static user; two participants with
# --turn and --ice-transport-policy relay decode video from each other, and
# their stats show the selected ICE pair is relay/relay (coturn allocated).
source "$(dirname "$0")/call_lib.bash"

command -v turnserver >/dev/null || fail "turnserver (Debian package coturn) is not installed"

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})'
}

# coturn cannot pick its own port: probe a free one, retry if it was taken meanwhile.
TURN_PORT=""
for attempt in 1 2 3; do
  port=$(free_port)
  relay_min=$(( 20000 + (port * 7 + attempt * 331) % 30000 ))
  stdbuf -oL turnserver -n -v --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$port" \
    --min-port="$relay_min" --max-port=$(( relay_min + 200 )) --user=user:pass --realm=meshcall.test \
    --lt-cred-mech --no-tls --no-dtls --no-cli --allow-loopback-peers --userdb="$WORK/turndb" --pidfile="$WORK/turn.pid" \
    --log-file=stdout --simple-log --no-software-attribute >"$WORK/turn.log" 2>&1 &
  PIDS[turn]=$!
  if node "$NODE_DIR/media_stun_ping.js" 127.0.0.1 "$port" 5 >/dev/null && kill -0 "${PIDS[turn]}" 2>/dev/null; then
    TURN_PORT=$port
    break
  fi
  kill "${PIDS[turn]}" 2>/dev/null; wait "${PIDS[turn]}" 2>/dev/null; unset 'PIDS[turn]'
done
[ -n "$TURN_PORT" ] || fail "coturn did not start"
log "coturn on 127.0.0.1:$TURN_PORT (pid ${PIDS[turn]})"

start_server
TURN_URL="turn://user:pass@127.0.0.1:$TURN_PORT"
start_join alice --turn "$TURN_URL" --ice-transport-policy relay
start_join bob --turn "$TURN_URL" --ice-transport-policy relay
expect_stats 25 --peers 1 --min-frames 15 --min-audio 20 --width 320 --height 240 --candidate-type relay --rising \
  $(stats_files alice bob)
log "alice and bob decode each other through the relay"
grep -q "user <user>: incoming packet ALLOCATE processed, success" "$WORK/turn.log" ||
  fail "coturn's log shows no successful allocation for user"
log "coturn allocated relays for them"
log "PASS"

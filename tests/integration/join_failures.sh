#!/usr/bin/env bash
# meshcall join says what is wrong in one line, and what to do, where it used
# to be silent (issue 14): an unreachable --signal, a foreign program on port
# 7300, an unwritable --stats-json, a camera that cannot be opened, a key set
# twice in the config file, and a peer id already in the call. Refusals that
# signaling retries never end the process: a duplicate peer id on the first
# join, and one met when re-joining after a server restart.
source "$(dirname "$0")/client_lib.bash"

# join_bg NAME ARGS...: a headless participant; its output in $WORK/NAME.log.
join_bg() {
  local name=$1
  shift
  "$MESHCALL_BIN" join "$@" --headless --video test --audio test --size 160x120 --fps 10 \
    --no-audio-processing </dev/null >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
}
said() { [ "$(grep -cF -- "$2" "$WORK/$1.log")" -ge "${3:-1}" ]; }
expect_said() { wait_until "${3:-10}" "$1 to say '$2'${4:+ $4 times}" said "$1" "$2" "${4:-1}"; }
alive() { kill -0 "${PIDS[$1]}" 2>/dev/null || fail "$1 exited: $(tail -n 5 "$WORK/$1.log")"; }
# refused CODE TEXT ARGS...: meshcall exits CODE at once and says TEXT.
refused() {
  local want=$1 text=$2 rc=0
  shift 2
  timeout 20 "$MESHCALL_BIN" "$@" </dev/null >"$WORK/refused.out" 2>&1 || rc=$?
  [ "$rc" -eq "$want" ] || fail "meshcall $* exited $rc, expected $want: $(cat "$WORK/refused.out")"
  grep -qF -- "$text" "$WORK/refused.out" || fail "meshcall $* said '$(cat "$WORK/refused.out")', expected '$text'"
  log "ok: meshcall $* -> $rc: $(grep -F -- "$text" "$WORK/refused.out" | head -n 1)"
}

log "an unreachable --signal is said at once; join keeps trying"
port=$(free_port)
GST_DEBUG=meshcall-signal:4 join_bg unreach c1 --signal "ws://127.0.0.1:$port"
expect_said unreach "cannot reach ws://127.0.0.1:$port" 5
said unreach "Is the signaling server running there?" || fail "no hint about the server: $(cat "$WORK/unreach.log")"
# One line, not one per retry (the next reminder is 30 s away).
expect_said unreach "(attempt 3)" 15
n=$(grep -c "^meshcall: " "$WORK/unreach.log")
[ "$n" -eq 1 ] || fail "$n lines for an unreachable server over 3 retries, expected 1: $(grep "^meshcall: " "$WORK/unreach.log")"
alive unreach
kill_process unreach

log "--stats-json that cannot be written: exit 2 before the call"
refused 2 "the directory /nonexistent-dir does not exist" join c1 --headless --stats-json /nonexistent-dir/s.json
refused 2 "that is a directory" join c1 --headless --stats-json "$WORK"
# Root may write anywhere access() looks: a file system that takes no new file.
refused 2 "--stats-json /sys/s.json: cannot write there" join c1 --headless --stats-json /sys/s.json

log "a key set twice in the config file: exit 2, both lines named"
printf '[media]\nfps = 15\nfps = 30\n' >"$WORK/dup.conf"
refused 2 "dup.conf:3: [media] fps is set twice (first on line 2)" join c1 --config "$WORK/dup.conf"

log "a camera that cannot be opened: GStreamer's reason, exit 1"
refused 1 "cannot start the camera: Cannot identify device '/dev/video99'. ('meshcall devices' lists the cameras" join c1 --headless --video v4l2:/dev/video99 --audio test \
  --signal "ws://127.0.0.1:$port"

log "a duplicate peer id on the first join: said once, retried until it is free"
start_meshcall_serve srv 0
url="ws://127.0.0.1:$SERVER_PORT"
join_bg first c1 --signal "$url" --peer-id dup --name First
expect_said first "in call c1 as dup"
join_bg second c1 --signal "$url" --peer-id dup --name Second
expect_said second "peer id dup is already in call c1" 10
alive second
kill_process first
expect_said second "in call c1 as dup" 20
alive second
[ "$(grep -c "already in call" "$WORK/second.log")" -eq 1 ] || fail "the duplicate peer id was not said exactly once: $(cat "$WORK/second.log")"
kill_process second

log "a stranger takes our peer id while the server restarts: we wait for it, alive, and get back in"
kill_process srv
srv_port=$(free_port)
start_meshcall_serve srv "$srv_port"
url="ws://127.0.0.1:$srv_port"
GST_DEBUG=meshcall-signal:4 join_bg kiosk c1 --signal "$url" --peer-id kiosk
expect_said kiosk "in call c1 as kiosk"
kill_process srv
# Its retries back off towards 5 s (socket.io-client's schedule): once the
# 4th has failed, the next is at least 2.5 s away, time enough for the
# stranger to come first.
expect_said kiosk "(attempt 4)" 20
start_meshcall_serve srv "$srv_port"
start_probe stranger --signal "$url" --call c1 --peer kiosk --name Stranger
expect stranger '"state":"joined"'
expect_said kiosk "peer id kiosk is already in call c1" 20
alive kiosk
probe_cmd stranger leave
wait_exit stranger
expect_said kiosk "in call c1 as kiosk" 20 2
alive kiosk
kill_process kiosk

log "a foreign program on 127.0.0.1:7300 (in a private network namespace): said, exit 1"
ns="mc-jf-$$"
ip netns add "$ns" || fail "cannot create a network namespace (needs root)"
trap 'ip netns del "$ns" 2>/dev/null; cleanup' EXIT
ip -n "$ns" link set lo up
ip netns exec "$ns" python3 -m http.server 7300 --bind 127.0.0.1 >"$WORK/foreign.log" 2>&1 &
PIDS[foreign]=$!
wait_until 10 "the foreign server to listen" ip netns exec "$ns" bash -c 'exec 3<>/dev/tcp/127.0.0.1/7300'
rc=0
ip netns exec "$ns" timeout 20 "$MESHCALL_BIN" join c1 --headless --video test --audio test </dev/null \
  >"$WORK/foreign-join.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "join next to a foreign program on 7300 exited $rc, expected 1: $(cat "$WORK/foreign-join.out")"
grep -qF "127.0.0.1:7300 is taken by something that is not a signaling server" "$WORK/foreign-join.out" ||
  fail "join did not say what is on 7300: $(cat "$WORK/foreign-join.out")"
log "PASS"

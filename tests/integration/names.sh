#!/usr/bin/env bash
# Names that would mislead (issue 14): bidirectional overrides that reorder
# what is shown around them, and names with nothing visible. meshcall serve
# refuses them at join-call; meshcall join refuses them on its command line;
# and a client shows the peer id for such a name from a server that does not
# check (the stock one). Terminal escape codes in a name (issue 11) reach
# no terminal: the bytes of a headless participant's stderr and stats, and
# of a terminal grid's output (a tmux pane, its raw bytes logged by
# pipe-pane), hold none of them, and the pane's title is unchanged.
source "$(dirname "$0")/client_lib.bash"
command -v tmux >/dev/null || fail "tmux is not on PATH (scripts/setup.sh installs it)"

start_meshcall_serve srv 0
log "meshcall serve refuses them as malformed, with the reason"
node "$MESHCALL_SOURCE_DIR/tests/node/names_check.js" "$SERVER_PORT" || fail "names_check.js failed"
kill_process srv

log "meshcall join refuses them before any set-up (exit 2)"
for name in $'evil\u202egnp' $'\u200b\u200b'; do
  rc=0
  "$MESHCALL_BIN" join c1 --name "$name" --headless </dev/null >"$WORK/name.out" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || fail "join --name with a misleading name exited $rc, expected 2: $(cat "$WORK/name.out")"
  grep -Eq "bidirectional|visible" "$WORK/name.out" || fail "join does not say why: $(cat "$WORK/name.out")"
done

log "a client shows the peer id for a misleading name a stock server let through"
start_stock_server stock 0
node "$MESHCALL_SOURCE_DIR/tests/node/names_check.js" "$SERVER_PORT" --spoof room >"$WORK/spoof.log" 2>&1 &
PIDS[spoof]=$!
wait_until 10 "the spoofing client to join" grep -q "joined as spoof" "$WORK/spoof.log"
start_probe watcher --signal "ws://127.0.0.1:$SERVER_PORT" --call room --peer watcher
expect watcher '"event":"peer-joined","peerId":"spoof","name":"spoof"'
node "$MESHCALL_SOURCE_DIR/tests/node/names_check.js" "$SERVER_PORT" --spoof room invisible >"$WORK/ghost.log" 2>&1 &
PIDS[ghost]=$!
expect watcher '"event":"peer-joined","peerId":"ghost","name":"ghost"'
kill_process watcher
kill_process ghost
kill_process spoof
kill_process stock

log "terminal escape codes in a name from a server that does not check: no raw control byte anywhere"
start_stock_server hostile 0 --hostile
"$MESHCALL_BIN" join room --signal "ws://127.0.0.1:$SERVER_PORT" --peer-id viewer --headless --video test \
  --audio test --size 160x120 --fps 10 --no-audio-processing --stats-json "$WORK/viewer.json" \
  </dev/null >"$WORK/viewer.log" 2>&1 &
PIDS[viewer]=$!
wait_until 15 "viewer to join" grep -q "in call room as viewer" "$WORK/viewer.log"
# The terminal grid of another participant, in a tmux pane; pipe-pane logs
# every byte meshcall writes to its terminal.
sock="$WORK/tmux.sock"
cat >"$WORK/grid.sh" <<EOF
cd "$WORK"
env -u DISPLAY -u WAYLAND_DISPLAY TERM=tmux-256color bash -c 'echo \$\$ >grid.pid; exec "\$@"' _ \\
  "$MESHCALL_BIN" join room --signal "ws://127.0.0.1:$SERVER_PORT" --peer-id grid --render text --video test \\
  --audio test --size 160x120 --fps 10 --no-audio-processing --no-self-view --stats-json "$WORK/grid.json" \\
  2>"$WORK/grid.log"
sleep 60
EOF
tmux -S "$sock" new-session -d -s g -x 100 -y 30 "bash '$WORK/grid.sh'"
PIDS[tmux]=$(tmux -S "$sock" display-message -p '#{pid}')
tmux -S "$sock" pipe-pane -t g "cat >>'$WORK/grid.tty'"
wait_until 10 "the grid's meshcall to start in the pane" test -s "$WORK/grid.pid"
PIDS[grid]=$(cat "$WORK/grid.pid")
wait_until 15 "grid to join" grep -q '"signalingState" : "joined"' "$WORK/grid.json"
title_before=$(tmux -S "$sock" display-message -p -t g '#{pane_title}')
node "$MESHCALL_SOURCE_DIR/tests/node/names_check.js" "$SERVER_PORT" --escape room >"$WORK/escape.log" 2>&1 &
PIDS[escape]=$!
wait_until 15 "viewer to see the newcomer" grep -q "escape joined" "$WORK/viewer.log"
wait_until 15 "viewer's stats to list it" grep -q '"peerId" : "escape"' "$WORK/viewer.json"
wait_until 15 "grid's stats to list it" grep -q '"peerId" : "escape"' "$WORK/grid.json"
# Its tile (connecting: it never answers) is drawn with its label, the peer id.
grid_shows_escape() { tmux -S "$sock" capture-pane -p -t g | grep -qw escape; }
wait_until 10 "the grid to draw escape's tile" grid_shows_escape
for f in viewer.log viewer.json grid.log grid.json; do
  if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/$f"; then
    fail "$f holds raw control bytes: $(LC_ALL=C grep -n $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/$f" | cat -v | head -n 3)"
  fi
done
# The grid writes escape sequences of its own (cursor moves, colours, a
# screen clear), never the name's: no BEL and no OSC (ESC ]) at all, and not
# the name's colour sequence.
tty_has() { LC_ALL=C grep -q -a -- "$1" "$WORK/grid.tty"; }
[ -s "$WORK/grid.tty" ] || fail "pipe-pane logged nothing of the grid's output"
! tty_has $'\x07' || fail "the grid wrote a BEL byte to its terminal"
! tty_has $'\x1b]' || fail "the grid wrote an OSC sequence (ESC ]) to its terminal"
! tty_has $'\x1b\\[31mRED' || fail "the grid wrote the name's colour sequence to its terminal"
title_after=$(tmux -S "$sock" display-message -p -t g '#{pane_title}')
[ "$title_after" = "$title_before" ] || fail "the pane's title changed from '$title_before' to '$title_after'"
log "stderr, stats and $(stat -c %s "$WORK/grid.tty") bytes of the terminal grid's output: none of the name's escape codes"
kill_process escape
# Only once the grid has let escape go: leaving while an offer of ours is
# unanswered is another path, not what this test is about (it hung a
# meshcall with audio output in mc_playback_remove_input until the fix in
# src/media/playback.c).
grid_dropped_escape() { ! grep -q '"peerId" : "escape"' "$WORK/grid.json"; }
wait_until 10 "the grid to see escape leave" grid_dropped_escape
kill_process grid
kill_process viewer
tmux -S "$sock" kill-server 2>/dev/null || true
kill_process tmux

log "meshcall serve's log quotes a hostile event name without its control bytes"
start_meshcall_serve srv2 0
node "$MESHCALL_SOURCE_DIR/tests/node/names_check.js" "$SERVER_PORT" --escape room2 >"$WORK/escape2.log" 2>&1 &
PIDS[escape2]=$!
wait_until 15 "the server to refuse the escape name" grep -q "join-call refused" "$WORK/srv2.log"
grep -q "unknown event" "$WORK/srv2.log" || fail "the server did not log the hostile event"
kill_process escape2
kill_process srv2
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/srv2.log"; then
  fail "the server log holds raw control bytes: $(LC_ALL=C grep $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/srv2.log" | cat -v | head -n 3)"
fi
grep -q 'x1b\]0;PWNED' "$WORK/srv2.log" || fail "the server did not quote the hostile event name (escaped)"
log "PASS"

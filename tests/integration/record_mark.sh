#!/usr/bin/env bash
# The recording mark (issue 10): term draws the call in a real terminal
# (tmux, the text grid). While `meshcall record` is in the call, term's
# screen shows "● REC  recorded by recorder" and no tile for the recorder
# (red's tile only); when the recorder leaves, the mark goes and red's tile
# stays. Red, headless, is told too (its stats show the recorder connected,
# sending nothing).
source "$(dirname "$0")/record_lib.bash"
require_tools tmux

start_server
start_join red --video "$(solid_video 0xffff0000)"
wait_until 15 "red to join" joined red

sock="$WORK/tmux.sock"
cat >"$WORK/term.sh" <<EOS
cd "$WORK"
env -u DISPLAY -u WAYLAND_DISPLAY TERM=tmux-256color "$MESHCALL_BIN" join call1 --signal "$SIGNAL_URL" \\
  --name term --peer-id term --render text --video test --audio test --size 320x240 --fps 15 \\
  --no-audio-processing --no-self-view --stats-json "$WORK/term.json" 2>"$WORK/term.log"
sleep 60
EOS
tmux -S "$sock" new-session -d -s t -x 100 -y 30 "bash '$WORK/term.sh'"
PIDS[tmux]=$(tmux -S "$sock" display-message -p '#{pid}')
pane() { tmux -S "$sock" capture-pane -p -t t; }
shows() { pane | grep -qF -- "$1"; }
not_shows() { ! pane | grep -qF -- "$1"; }
tiles_named() { pane | grep -cE "^ *$1( |$)"; }

wait_until 25 "term to show red's tile" shows "red"
not_shows "REC" || fail "a recording mark before anyone records"

start_recorder
wait_until 30 "the recording mark on term's screen" shows "REC  recorded by recorder"
log "term shows: $(pane | grep -F REC | sed 's/^ *//')"
sleep 2   # the recorder's tile, were there one, would have come with its connection
wait_until 10 "the recorder connected to term" json_true "$WORK/term.json" 'peer("rec").connectionState === "connected"'
[ "$(tiles_named recorder)" = 0 ] || fail "term shows a tile for the recorder: $(pane)"
shows "red" || fail "red's tile is gone"
json_true "$WORK/red.json" 'peer("rec").connectionState === "connected" && peer("rec").videoFramesDecoded === 0' ||
  fail "red should be connected to the recorder and get no video from it"

stop_recorder TERM || fail "the recorder exited with $?, want 0"
wait_until 15 "the mark to go when the recorder left" not_shows "REC"
shows "red" || fail "red's tile is gone after the recorder left"
log "PASS"

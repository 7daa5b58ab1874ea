#!/usr/bin/env bash
# The recording mark (issue 10): term draws the call in a real terminal
# (tmux, the text grid), sdlview in an SDL window under Xvfb. While
# `meshcall record` is in the call, term's screen shows "● REC  recorded by
# recorder" and no tile for the recorder (red's tile only), and sdlview's
# shows the red mark at the top right, above the tiles; when the recorder
# leaves, both marks go and red's tile stays. Red, headless, is told too (its stats show the recorder connected,
# sending nothing, remoteRecording), and red's /health (--status-listen)
# stays 200 with the recorder in the call: a recorder sends nothing by
# design, which is no "no-media" reason (docs/status.md).
source "$(dirname "$0")/record_lib.bash"
require_tools tmux Xvfb import convert

start_server
STATUS_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_join red --video "$(solid_video 0xffff0000)" --status-listen "127.0.0.1:$STATUS_PORT"
wait_until 15 "red to join" joined red

sock="$WORK/tmux.sock"
cat >"$WORK/term.sh" <<EOS
cd "$WORK"
env -u DISPLAY -u WAYLAND_DISPLAY TERM=tmux-256color bash -c 'echo \$\$ >term.pid; exec "\$@"' _ \\
  "$MESHCALL_BIN" join call1 --signal "$SIGNAL_URL" \\
  --name term --peer-id term --render text --video test --audio test --size 320x240 --fps 15 \\
  --no-audio-processing --no-self-view --stats-json "$WORK/term.json" 2>"$WORK/term.log"
sleep 60
EOS
tmux -S "$sock" new-session -d -s t -x 100 -y 30 "bash '$WORK/term.sh'"
PIDS[tmux]=$(tmux -S "$sock" display-message -p '#{pid}')
# meshcall itself too: a tmux server stopped by the cleanup leaves it running.
wait_until 10 "meshcall to start in the pane" test -s "$WORK/term.pid"
PIDS[term]=$(cat "$WORK/term.pid")
pane() { tmux -S "$sock" capture-pane -p -t t; }
# The pane read whole, then matched (no `| grep -q` under pipefail: SIGPIPE).
shows() { local text; text=$(pane) && grep -qF -- "$1" <<<"$text"; }
not_shows() { local text; text=$(pane) && ! grep -qF -- "$1" <<<"$text"; }
tiles_named() { pane | grep -cE "^ *$1( |$)"; }

wait_until 25 "term to show red's tile" shows "red"
not_shows "REC" || fail "a recording mark before anyone records"

# sdlview, 800x600: two 4:3 tiles side by side (y 153..447), the dark
# background above them, where the mark goes (top right).
start_display view 800x600
start_window sdlview view --no-self-view --video test
expect_stats 25 --peers 2 --min-frames 10 "$WORK/sdlview.json"
sdl_mark_pixels() { shot view "$WORK/view.png" && count_color "$WORK/view.png" 400 0 400 80 mark; }
sdl_marked() { local n; n=$(sdl_mark_pixels) && [ "$n" -gt 200 ]; }
sdl_unmarked() { local n; n=$(sdl_mark_pixels) && [ "$n" -eq 0 ]; }
sdl_unmarked || fail "sdlview shows a red mark at the top right before anyone records ($(sdl_mark_pixels) pixels)"

start_recorder
wait_until 30 "the recording mark on term's screen" shows "REC  recorded by recorder"
log "term shows: $(pane | grep -F REC | sed 's/^ *//')"
wait_until 10 "the recording mark on sdlview's window" sdl_marked
[ "$(count_color "$WORK/view.png" 400 0 400 80 white)" -gt 20 ] || fail "no text in sdlview's recording mark"
log "sdlview shows the mark: $(sdl_mark_pixels) red pixels at the top right"
sleep 2   # the recorder's tile, were there one, would have come with its connection
wait_until 10 "the recorder connected to term" json_true "$WORK/term.json" 'peer("rec").connectionState === "connected"'
[ "$(tiles_named recorder)" = 0 ] || fail "term shows a tile for the recorder: $(pane)"
shows "red" || fail "red's tile is gone"
json_true "$WORK/red.json" 'peer("rec").connectionState === "connected" && peer("rec").videoFramesDecoded === 0 && peer("rec").remoteRecording === true' ||
  fail "red should be connected to the recorder, get no video from it and know it records"
# Connected for longer than /health's 3 s grace, with nothing from it.
rec_connected_4s() { json_true "$WORK/red.json" 'peer("rec").connectedAt !== null && d.time - peer("rec").connectedAt >= 4'; }
wait_until 15 "red connected to the recorder for 4 s" rec_connected_4s
code=$(curl -s -o "$WORK/health.json" -w '%{http_code}' "http://127.0.0.1:$STATUS_PORT/health")
[ "$code" = 200 ] || fail "red's /health is $code with the recorder in the call, want 200: $(cat "$WORK/health.json")"
log "red's /health: 200 with the recorder in the call"

stop_recorder TERM || fail "the recorder exited with $?, want 0"
wait_until 15 "the mark to go when the recorder left" not_shows "REC"
wait_until 10 "the mark to go from sdlview's window" sdl_unmarked
shows "red" || fail "red's tile is gone after the recorder left"
log "PASS"

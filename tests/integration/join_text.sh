#!/usr/bin/env bash
# The terminal grid in a real call, in a real terminal (tmux, no display):
# `meshcall join --render auto` picks the text renderer; Red (solid red
# camera) and Blue (solid blue) joined before, so their tiles appear side by
# side in truecolor, in join order, with their names and no log lines over
# the grid; a tall pane stacks them (Red above Blue); 'm' typed in the
# terminal reaches Red as remoteAudioMuted; 'q' leaves with exit 0 and gives
# the terminal back (canonical mode and echo restored).
source "$(dirname "$0")/join_lib.bash"
require_tools tmux

start_server
start_join red --video "$(solid_video 0xffff0000)"
wait_until 15 "red to join" joined red
start_join blue --video "$(solid_video 0xff0000ff)"
wait_until 15 "blue to join" joined blue

sock="$WORK/tmux.sock"
cat >"$WORK/term.sh" <<EOF
cd "$WORK"
env -u DISPLAY -u WAYLAND_DISPLAY TERM=tmux-256color bash -c 'echo \$\$ >term.pid; exec "\$@"' _ \\
  "$MESHCALL_BIN" join "${CALL_ID:-call1}" --signal "$SIGNAL_URL" --name term --peer-id term --render auto \\
  --video test --audio test --size 320x240 --fps 15 --no-audio-processing --no-self-view \\
  --stats-json "$WORK/term.json" 2>"$WORK/term.log"
echo "EXITED rc=\$?"
stty -a | tr ' ' '\n' | grep -x -- '-\?icanon\|-\?echo'
sleep 60
EOF
tmux -S "$sock" new-session -d -s t -x 100 -y 30 "bash '$WORK/term.sh'"
PIDS[tmux]=$(tmux -S "$sock" display-message -p '#{pid}')
# meshcall itself too: a tmux server stopped by the cleanup leaves it running.
wait_until 10 "meshcall to start in the pane" test -s "$WORK/term.pid"
PIDS[term]=$(cat "$WORK/term.pid")
pane() { tmux -S "$sock" capture-pane -p "$@" -t t; }
pane_has() { pane | grep -qx -- "$1"; }

expect_stats 25 --peers 2 --min-frames 10 $(stats_files term)
log "term decodes red and blue"

# For each pane row: which of the two colours it shows ("R", "B", "RB" or "").
row_colors() { pane -e | awk -f "$(dirname "${BASH_SOURCE[0]}")/pane_colors.awk"; }
# Side by side, red on the left: rows with both, and red's columns first.
side_by_side() {
  row_colors >"$WORK/rows"
  [ "$(grep -cx RB "$WORK/rows")" -ge 5 ] || return 1
  local row
  row=$(grep -nx RB "$WORK/rows" | sed -n 3p | cut -d: -f1)
  pane -e | sed -n "${row}p" | grep -oE '[34]8;2;[0-9]+;[0-9]+;[0-9]+' |
    awk -F';' '$3 > 200 && $4 < 60 { if (!seen) { print "R"; seen = 1 } } $5 > 200 && $3 < 60 { if (!seenb) { print "B"; seenb = 1 } }' |
    tr -d '\n' | grep -qx RB
}
stacked() {
  row_colors >"$WORK/rows"
  [ "$(grep -cx RB "$WORK/rows")" -eq 0 ] && [ "$(grep -cx R "$WORK/rows")" -ge 5 ] &&
    [ "$(grep -cx B "$WORK/rows")" -ge 5 ] &&
    [ "$(grep -nx R "$WORK/rows" | tail -n1 | cut -d: -f1)" -lt "$(grep -nx B "$WORK/rows" | head -n1 | cut -d: -f1)" ]
}
names_shown() { local text; text=$(pane); grep -qw red <<<"$text" && grep -qw blue <<<"$text"; }

wait_until 10 "red and blue tiles side by side (red left)" side_by_side
names_shown || fail "the names are not shown under the tiles"
pane | grep -q "meshcall:" && fail "log lines drawn over the terminal grid"
log "two truecolor tiles side by side in join order, with names"

tmux -S "$sock" resize-window -t t -x 40 -y 60
wait_until 10 "the tiles to stack (red above blue) in a tall pane" stacked
names_shown || fail "the names are gone after the resize"
log "a tall pane stacks them"

tmux -S "$sock" send-keys -t t m
wait_until 10 "red to see term muted" json_true "$WORK/red.json" 'peer("term").remoteAudioMuted === true'
log "m in the terminal: red sees term muted"

tmux -S "$sock" send-keys -t t q
wait_until 10 "term to leave after q" pane_has "EXITED rc=0"
wait_until 5 "the terminal modes" pane_has "icanon"
pane_has "echo" || fail "echo not restored after q"
expect_stats 10 --peers 1 $(stats_files red)
log "q: term left (exit 0), terminal restored, red dropped it"
log "PASS"

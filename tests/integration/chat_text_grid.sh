#!/usr/bin/env bash
# Chat in the terminal grid (tmux, no display): red's --say shows at the
# bottom of term's grid as "red: TEXT"; 't' opens term's input line, the
# typed text (m and q in it are letters, not mute and quit) shows as
# "Say: …", Enter sends it and red's --chat-log gets it; 'c' hides the chat,
# and a message that comes then shows as an unread count. A file offered to
# term is asked about on the grid: y saves it in $XDG_DOWNLOAD_DIR (its
# progress on the grid while it comes), n refuses the next one.
source "$(dirname "$0")/join_lib.bash"
require_tools tmux

start_server
start_join red --say "hello terminal" --chat-log "$WORK/red.chat"
wait_until 15 "red to join" joined red

sock="$WORK/tmux.sock"
cat >"$WORK/term.sh" <<EOF
cd "$WORK"
env -u DISPLAY -u WAYLAND_DISPLAY TERM=tmux-256color XDG_DOWNLOAD_DIR="$WORK/dl" bash -c 'echo \$\$ >term.pid; exec "\$@"' _ \\
  "$MESHCALL_BIN" join "${CALL_ID:-call1}" --signal "$SIGNAL_URL" --name term --peer-id term --render text \\
  --video test --audio test --size 320x240 --fps 15 --no-audio-processing --no-self-view \\
  --stats-json "$WORK/term.json" 2>"$WORK/term.log"
echo "EXITED rc=\$?"
sleep 60
EOF
tmux -S "$sock" new-session -d -s t -x 100 -y 30 "bash '$WORK/term.sh'"
PIDS[tmux]=$(tmux -S "$sock" display-message -p '#{pid}')
# meshcall itself too: a tmux server stopped by the cleanup leaves it running.
wait_until 10 "meshcall to start in the pane" test -s "$WORK/term.pid"
PIDS[term]=$(cat "$WORK/term.pid")
pane() { tmux -S "$sock" capture-pane -p "$@" -t t; }
pane_shows() { pane | grep -qF -- "$1"; }

expect_stats 25 --peers 1 --min-frames 5 $(stats_files term)
wait_until 15 "red's --say on term's grid" pane_shows "red: hello terminal"
log "red's message is on the terminal grid"

tmux -S "$sock" send-keys -t t t
wait_until 5 "the input line" pane_shows "Say: _"
tmux -S "$sock" send-keys -t t -l "mq from the terminal"
wait_until 5 "the typed text in the input line" pane_shows "Say: mq from the terminal_"
tmux -S "$sock" send-keys -t t Enter
wait_until 15 "term's message in red's --chat-log" grep -q '"text":"mq from the terminal"' "$WORK/red.chat"
wait_until 5 "term's own line on its grid" pane_shows "You: mq from the terminal"
pane_shows "Say:" && fail "the input line is still open after Enter"
json_true "$WORK/red.json" 'peer("term").remoteAudioMuted !== true' || fail "'m' typed in the input muted term"
log "t, typing, Enter: sent (m and q were letters)"

tmux -S "$sock" send-keys -t t c
wait_until 5 "the chat hidden" eval '! pane_shows "red: hello terminal"'
# A second participant says something: it counts as unread.
start_join red2 --say "while hidden"
wait_until 25 "the unread count" pane_shows "1 unread (c)"
tmux -S "$sock" send-keys -t t c
wait_until 5 "the chat shown again with the new message" pane_shows "red2: while hidden"
log "c hides the chat; a message then is counted unread, c shows it"

echo "a file for term" >"$WORK/hello.txt"
# Big enough to be under way for a while: its progress shows on the grid.
head -c $((8 * 1024 * 1024)) /dev/urandom >"$WORK/big.bin"
start_join sender --send "$WORK/big.bin" --to term
wait_until 30 "term asked about big.bin" pane_shows "sender offers big.bin (8388608 bytes): y to save it, n to refuse"
tmux -S "$sock" send-keys -t t y
wait_until 15 "big.bin's progress on term's grid" eval 'pane | grep -qE "big\.bin from sender [0-9]{1,3}%"'
wait_until 30 "big.bin in term's download directory" cmp -s "$WORK/big.bin" "$WORK/dl/big.bin"
wait_until 10 "the sender told it was checked" grep -q "sent big.bin to term" "$WORK/sender.log"
wait_until 5 "the progress line gone once it is done" eval '! pane | grep -qE "big\.bin from sender [0-9]{1,3}%"'
pane_shows "received big.bin from sender: saved as" || fail "no notice on the grid that big.bin was saved"
log "a file offered: asked on the grid, its progress shown, y saved it in \$XDG_DOWNLOAD_DIR"
start_join sender2 --send "$WORK/hello.txt" --to term
wait_until 30 "term asked again" pane_shows "sender2 offers hello.txt"
tmux -S "$sock" send-keys -t t n
wait_until 15 "sender2 refused" grep -q "file hello.txt to term: refused: refused by the user" "$WORK/sender2.log"
[ "$(ls -A "$WORK/dl")" = "big.bin" ] || fail "n left something in the download directory: $(ls -A "$WORK/dl")"
log "n refused the next one, nothing left behind"

tmux -S "$sock" send-keys -t t q
wait_until 10 "term to leave after q" eval 'pane | grep -qx "EXITED rc=0"'
log "PASS"

#!/usr/bin/env bash
# Terminal grid in a real terminal (tmux): two solid-colour tiles side by side
# in truecolor with names under them, re-laid out (stacked) when the pane
# becomes tall, 'm' typed in the terminal reaching the mute callback, and the
# terminal restored (canonical mode, echo) after 'q' and after SIGTERM.
set -euo pipefail

DEMO="${MESHCALL_TOOLS_DIR:?}/mc-render-demo"
command -v tmux >/dev/null || { echo "FAIL: tmux is not installed (scripts/setup.sh installs it)"; exit 1; }

tmp=$(mktemp -d)
sock="$tmp/tmux.sock"
cleanup() {
  tmux -S "$sock" kill-server 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  [ -f "$tmp/events" ] && sed 's/^/  events: /' "$tmp/events"
  tmux -S "$sock" capture-pane -p -t t 2>/dev/null | sed 's/^/  pane: /' | grep -v '^  pane: *$' || true
  exit 1
}
wait_for() {
  local limit=$1 what=$2; shift 2
  local end=$((SECONDS + limit))
  until "$@"; do
    [ "$SECONDS" -lt "$end" ] || fail "timed out after ${limit}s waiting for $what"
    sleep 0.1
  done
}
has_event() { grep -qx -- "$1" "$tmp/events" 2>/dev/null; }

# After the demo exits the pane prints its status and the terminal modes.
start_demo() {
  rm -f "$tmp/events"
  tmux -S "$sock" new-session -d -s t -x 100 -y 30 \
    "TERM=tmux-256color '$DEMO' --render text:symbols --tiles Alice:red,Bob:blue --events '$tmp/events'; \
     echo \"EXITED rc=\$?\"; stty -a | tr ' ' '\n' | grep -x -- '-\?icanon\|-\?echo'; sleep 60"
  wait_for 20 "two tiles with frames" has_event "presented tiles=2 frames=2"
}

# For each pane row: which of the two colours it shows ("R", "B", "RB" or "").
row_colors() { tmux -S "$sock" capture-pane -p -e -t t | awk -f "$(dirname "$0")/pane_colors.awk"; }
side_by_side() {
  row_colors > "$tmp/rows"
  [ "$(grep -cx RB "$tmp/rows")" -ge 5 ]
}
stacked() {
  row_colors > "$tmp/rows"
  # Both colours present, never on one row, every red row above every blue row.
  [ "$(grep -cx RB "$tmp/rows")" -eq 0 ] && [ "$(grep -cx R "$tmp/rows")" -ge 5 ] &&
    [ "$(grep -cx B "$tmp/rows")" -ge 5 ] &&
    [ "$(grep -nx R "$tmp/rows" | tail -n1 | cut -d: -f1)" -lt "$(grep -nx B "$tmp/rows" | head -n1 | cut -d: -f1)" ]
}
names_shown() {
  local text
  text=$(tmux -S "$sock" capture-pane -p -t t)
  grep -q Alice <<<"$text" && grep -q Bob <<<"$text"
}
pane_has() { tmux -S "$sock" capture-pane -p -t t | grep -qx -- "$1"; }

start_demo
wait_for 10 "red and blue tiles side by side" side_by_side
names_shown || fail "names are not shown under the tiles"
echo "ok: two truecolor tiles side by side with names"

tmux -S "$sock" resize-window -t t -x 40 -y 60
wait_for 10 "the tiles to stack in a tall pane" stacked
names_shown || fail "names lost after resize"
echo "ok: resizing the pane re-laid the tiles out (stacked)"

tmux -S "$sock" send-keys -t t m
wait_for 10 "the mute action" has_event "action mute"
echo "ok: 'm' in the terminal reached the mute callback"

tmux -S "$sock" send-keys -t t q
wait_for 10 "the demo to exit" pane_has "EXITED rc=0"
wait_for 5 "terminal modes" pane_has "icanon"
pane_has "echo" || fail "echo not restored after q"
echo "ok: 'q' exits and restores the terminal"
tmux -S "$sock" kill-server

# SIGTERM also restores the terminal. A fresh tmux socket: the old server may
# still be shutting down on the first one.
sock="$tmp/tmux-sigterm.sock"
start_demo
pid=$(sed -n 's/^ready .*pid=\([0-9]*\).*/\1/p' "$tmp/events")
[ -n "$pid" ] || fail "demo process not found"
kill -TERM "$pid"
wait_for 10 "the demo to exit on SIGTERM" pane_has "EXITED rc=0"
wait_for 5 "terminal modes" pane_has "icanon"
pane_has "echo" || fail "echo not restored after SIGTERM"
echo "ok: SIGTERM restores the terminal"
echo PASS

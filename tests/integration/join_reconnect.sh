#!/usr/bin/env bash
# The reconnecting overlay: the signaling server dies mid-call; the viewer's
# window shows the "Reconnecting to signaling" banner over the grid while
# Green's picture keeps arriving, and the banner goes away once the server is
# back (restarted on the same port) and the viewer has re-joined.
source "$(dirname "$0")/join_lib.bash"
require_tools Xvfb import convert

start_server
PORT=$(cat "$WORK/port")
start_display view 800x600
start_window viewer view --no-self-view --video test
start_join green --video "$(solid_video 0xff00ff00)"
expect_stats 25 --peers 1 --min-frames 10 $(stats_files viewer)

banner() { count_color "$WORK/view.png" 200 0 400 60 banner; }
green_tile() { shot view "$WORK/view.png" && is_color "$WORK/view.png" 400 300 green; }
wait_until 10 "Green's picture" green_tile
[ "$(banner)" -eq 0 ] || fail "a status banner before anything went wrong"

kill -KILL "${PIDS[serve]}"
wait "${PIDS[serve]}" 2>/dev/null
unset 'PIDS[serve]'
log "signaling server killed"
banner_shown() { green_tile && [ "$(banner)" -gt 200 ]; }
wait_until 15 "the reconnecting banner over Green's picture" banner_shown
expect_stats 10 --peers 1 --signaling reconnecting --rising $(stats_files viewer)
log "banner shown, media still flowing"

"$MESHCALL_BIN" serve --listen "127.0.0.1:$PORT" >"$WORK/serve2.log" 2>&1 &
PIDS[serve]=$!
expect_stats 25 --peers 1 --signaling joined $(stats_files viewer)
banner_gone() { green_tile && [ "$(banner)" -eq 0 ]; }
wait_until 10 "the banner to go away after the re-join" banner_gone
log "re-joined: banner gone"

stop_participant viewer
log "PASS"

#!/usr/bin/env bash
# The SDL grid in a real 3-participant call under Xvfb: Red (headless, solid
# red camera, a test tone) joins first, the viewer (a fullscreen window)
# second, Blue (headless, solid blue, silence) third. The viewer's screen
# shows two tiles in join order - Red on the left, Blue on the right (sorted
# by peer id it would be the other way round) - with their names, and the
# active-speaker border (from the `level` of each remote's audio) around Red
# only; after Blue leaves, Red's tile fills the window.
source "$(dirname "$0")/join_lib.bash"
require_tools Xvfb import convert

start_server
start_display view 800x600

start_join red --video "$(solid_video 0xffff0000)"
wait_until 15 "red to join" joined red
start_window viewer view --no-self-view --video test
wait_until 15 "the viewer to join" joined viewer
start_join blue --video "$(solid_video 0xff0000ff)" --audio "pipeline:audiotestsrc is-live=true wave=silence"
expect_stats 25 --peers 2 --min-frames 10 $(stats_files viewer)
log "the viewer decodes red and blue"

# 800x600 window, two 4:3 tiles side by side: each picture is about
# 392x294 in a 400x600 cell (y 153..447), the background above and below.
two_tiles() {
  shot view "$WORK/two.png" &&
    is_color "$WORK/two.png" 200 300 red && is_color "$WORK/two.png" 600 300 blue &&
    is_color "$WORK/two.png" 400 60 dark && is_color "$WORK/two.png" 400 540 dark
}
wait_until 10 "red tile on the left and blue tile on the right" two_tiles
log "two tiles in join order: red left, blue right"

# Names in white on a dark label at the bottom-left of each picture.
[ "$(count_color "$WORK/two.png" 6 405 120 42 white)" -gt 20 ] || fail "no name text on Red's tile"
[ "$(count_color "$WORK/two.png" 406 405 120 42 white)" -gt 20 ] || fail "no name text on Blue's tile"
# ... and nothing white in the middle of the pictures (the check can fail).
[ "$(count_color "$WORK/two.png" 100 200 200 100 white)" -eq 0 ] || fail "white pixels inside Red's picture"
log "names drawn under both tiles"

# The border runs along the picture's edges (top edge at y ~150; x 0..400 is
# Red's cell, 400..800 Blue's).
speaker_border() {
  shot view "$WORK/two.png" && [ "$(count_color "$WORK/two.png" 0 140 400 25 speaking)" -gt 300 ] &&
    [ "$(count_color "$WORK/two.png" 400 140 400 25 speaking)" -eq 0 ]
}
wait_until 10 "the active-speaker border around Red (tone) and not Blue (silence)" speaker_border
log "active speaker: Red"

stop_participant blue
log "blue left"
expect_stats 10 --peers 1 $(stats_files viewer)
log "the viewer dropped blue"
one_tile() {
  shot view "$WORK/one.png" &&
    is_color "$WORK/one.png" 200 300 red && is_color "$WORK/one.png" 600 300 red &&
    is_color "$WORK/one.png" 60 40 red && is_color "$WORK/one.png" 740 560 red
}
wait_until 10 "Red's tile to fill the window after Blue left" one_tile
[ "$(count_color "$WORK/one.png" 0 280 800 40 blue)" -eq 0 ] || fail "blue pixels left after Blue left"
log "one tile fills the window"

stop_participant viewer
log "PASS"

#!/usr/bin/env bash
# Hotkeys in a real call, typed with xdotool into Ann's window (Xvfb) while
# Ben watches in a window on a second X server:
#   m -> the "mic off" mark appears on Ann's tile on Ben's screen (and Ben's
#        stats say remoteAudioMuted); m again -> it goes away;
#   v -> Ann's tile on Ben's screen shows the camera-off placeholder instead
#        of her green picture (remoteVideoOff); her connection stays up;
#   q -> Ann leaves cleanly (exit 0) and Ben's screen shows the waiting text.
source "$(dirname "$0")/join_lib.bash"
require_tools Xvfb xdotool import convert

start_server
start_display ann 640x480
start_display ben 640x480
start_window ann ann --no-self-view --video "$(solid_video 0xff00ff00)"
start_window ben ben --no-self-view --video test
expect_stats 25 --peers 1 --min-frames 10 $(stats_files ann ben)
log "ann and ben decode each other"

# Ben's 640x480 screen: Ann's 4:3 picture fills it; her name label and marks
# sit along the bottom-left (about y 440..476).
ann_green() { shot ben "$WORK/ben.png" && is_color "$WORK/ben.png" 320 200 green; }
wait_until 10 "Ann's green picture on Ben's screen" ann_green
marks() { count_color "$WORK/ben.png" 0 430 640 50 mark; }
[ "$(marks)" -eq 0 ] || fail "a mute mark on Ann's tile before anyone pressed m"
json_true "$WORK/ben.json" 'peer("ann").remoteAudioMuted === false' || fail "Ben's stats: Ann muted before m"

press ann m
wait_until 10 "Ann's own stats to say she is muted" json_true "$WORK/ann.json" 'd.audioMuted === true'
wait_until 10 "Ben's stats to say Ann is muted" json_true "$WORK/ben.json" 'peer("ann").remoteAudioMuted === true'
mark_shown() { shot ben "$WORK/ben.png" && [ "$(marks)" -gt 50 ]; }
wait_until 10 "the mic-off mark on Ann's tile on Ben's screen" mark_shown
is_color "$WORK/ben.png" 320 200 green || fail "Ann's picture went away when she muted"
log "m in Ann's window: the mute mark is on Ben's screen"

press ann m
wait_until 10 "Ben's stats to say Ann is live again" json_true "$WORK/ben.json" 'peer("ann").remoteAudioMuted === false'
mark_gone() { shot ben "$WORK/ben.png" && [ "$(marks)" -eq 0 ]; }
wait_until 10 "the mute mark to go away" mark_gone
log "m again: the mark is gone"

press ann v
wait_until 10 "Ben's stats to say Ann's camera is off" json_true "$WORK/ben.json" 'peer("ann").remoteVideoOff === true'
camera_off() {
  shot ben "$WORK/ben.png" && [ "$(count_color "$WORK/ben.png" 100 100 440 60 green)" -eq 0 ] &&
    is_color "$WORK/ben.png" 120 120 tile
}
wait_until 10 "the camera-off placeholder instead of Ann's picture" camera_off
# Black frames keep flowing: the connection stays up and decoding.
expect_stats 10 --peers 1 --min-frames 10 --rising $(stats_files ben)
log "v in Ann's window: Ben sees her camera-off placeholder, media still flowing"

press ann q
for _ in $(seq 100); do kill -0 "${PIDS[ann]}" 2>/dev/null || break; sleep 0.1; done
kill -0 "${PIDS[ann]}" 2>/dev/null && fail "Ann did not leave within 10 s of q"
wait "${PIDS[ann]}"
rc=$?
unset 'PIDS[ann]'
[ "$rc" = 0 ] || fail "Ann exited with $rc after q, want 0"
waiting() {
  shot ben "$WORK/ben.png" && [ "$(count_color "$WORK/ben.png" 0 200 640 80 white)" -gt 50 ] &&
    is_color "$WORK/ben.png" 320 60 dark
}
wait_until 10 "the waiting text on Ben's screen after Ann left" waiting
log "q: Ann left (exit 0), Ben waits for others"

stop_participant ben
log "PASS"

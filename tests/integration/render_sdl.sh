#!/usr/bin/env bash
# SDL grid under Xvfb, driven by mc-render-demo (real videotestsrc -> appsink
# pipelines): two solid-colour tiles side by side with their names, a mute
# mark that appears on a tile, one tile filling the window after the other
# leaves, and the 'm' hotkey typed through xdotool reaching the mute callback.
set -euo pipefail

DEMO="${MESHCALL_TOOLS_DIR:?}/mc-render-demo"
for tool in Xvfb xdotool import convert; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh installs it)"; exit 1; }
done

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; [ -f "$tmp/events" ] && sed 's/^/  events: /' "$tmp/events"; exit 1; }

# wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds.
wait_for() {
  local limit=$1 what=$2; shift 2
  local end=$((SECONDS + limit))
  until "$@"; do
    [ "$SECONDS" -lt "$end" ] || fail "timed out after ${limit}s waiting for $what"
    sleep 0.1
  done
}

# Xvfb picks a free display number itself and writes it to fd 3.
W=800 H=600
Xvfb -displayfd 3 -screen 0 ${W}x${H}x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
pids+=($!)
wait_for 10 "Xvfb to start" test -s "$tmp/display"
export DISPLAY=":$(head -n1 "$tmp/display")"
unset WAYLAND_DISPLAY

mkfifo "$tmp/control"
"$DEMO" --render sdl --fullscreen --window ${W}x${H} --tiles Alice:red,Bob:blue \
  --control "$tmp/control" --events "$tmp/events" 2>"$tmp/demo.log" &
demo=$!
pids+=($demo)
exec 4>"$tmp/control"   # keep the FIFO open for commands

has_event() { grep -qx -- "$1" "$tmp/events" 2>/dev/null; }
wait_for 20 "two tiles with frames" has_event "presented tiles=2 frames=2"

shot() { import -window root "$tmp/shot.png"; }
# pixel X Y -> "R G B" (0-255)
pixel() {
  convert "$tmp/shot.png" -crop "1x1+$1+$2" +repage -depth 8 txt:- |
    sed -n 's/^0,0: *(\([0-9]*\),\([0-9]*\),\([0-9]*\).*/\1 \2 \3/p'
}
is_color() {  # is_color X Y red|blue|dark
  local r g b
  read -r r g b < <(pixel "$1" "$2")
  case $3 in
    red) [ "$r" -gt 200 ] && [ "$g" -lt 60 ] && [ "$b" -lt 60 ] ;;
    blue) [ "$b" -gt 200 ] && [ "$r" -lt 60 ] && [ "$g" -lt 60 ] ;;
    dark) [ "$r" -lt 60 ] && [ "$g" -lt 60 ] && [ "$b" -lt 60 ] ;;
  esac
}
# count_matching X Y W H AWK-CONDITION-ON-r,g,b: pixels in the box that match.
count_matching() {
  convert "$tmp/shot.png" -crop "$3x$4+$1+$2" +repage -depth 8 txt:- |
    sed -n 's/^[0-9]*,[0-9]*: *(\([0-9]*\),\([0-9]*\),\([0-9]*\).*/\1 \2 \3/p' |
    awk "{ r=\$1; g=\$2; b=\$3; if ($5) n++ } END { print n+0 }"
}

two_tiles_shown() {
  shot && is_color 200 300 red && is_color 600 300 blue && is_color 400 60 dark
}
wait_for 10 "red tile on the left, blue on the right" two_tiles_shown
echo "ok: two tiles side by side (red left, blue right, background above)"

# Names are drawn in white on the bottom-left of each picture (4:3 video in a
# 400x600 cell: picture y 153..447).
white='r>200 && g>200 && b>200'
[ "$(count_matching 8 410 120 37 "$white")" -gt 20 ] || fail "no name text on Alice's tile"
[ "$(count_matching 408 410 120 37 "$white")" -gt 20 ] || fail "no name text on Bob's tile"
echo "ok: names drawn on both tiles"

# A remote's mute mark (red badge) appears on Bob's (blue) tile.
muted_red='r>180 && g<90 && b<90'
[ "$(count_matching 408 410 390 37 "$muted_red")" -eq 0 ] || fail "mute mark shown before mute"
echo "flags Bob muted" >&4
mark_shown() { shot && [ "$(count_matching 408 410 390 37 "$muted_red")" -gt 50 ]; }
wait_for 10 "the mute mark on Bob's tile" mark_shown
echo "ok: mute mark on Bob's tile"

# Bob leaves: Alice fills the whole (4:3) window.
echo "remove Bob" >&4
one_tile_fills() {
  shot && is_color 200 300 red && is_color 600 300 red && is_color 60 40 red && is_color 740 560 red
}
wait_for 10 "one tile filling the window" one_tile_fills
has_event "presented tiles=1 frames=1" || fail "renderer did not report one tile"
echo "ok: after a leave, one tile fills the window"

# The 'm' hotkey through the X server reaches the mute callback.
wid=$(xdotool search --name "meshcall render demo" | head -n1)
[ -n "$wid" ] || fail "demo window not found"
xdotool windowfocus --sync "$wid" 2>/dev/null || true
xdotool key --window "$wid" m
wait_for 10 "the mute action" has_event "action mute"
has_event "self muted=1" || fail "mute callback did not toggle the state"
echo "ok: 'm' typed in the window toggled mute"

# 'q' leaves. The demo quits on the key's press and its window can be gone
# before xdotool sends the release (BadWindow): the "stopped" event decides.
xdotool key --window "$wid" q 2>"$tmp/xdotool-q.log" || true
wait_for 10 "the demo to quit" has_event "stopped"
wait "$demo" || fail "demo exited with status $?"
echo "PASS"

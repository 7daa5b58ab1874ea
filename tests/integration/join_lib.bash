# Helpers for the join_*.sh integration tests (sourced; ctest only runs *.sh):
# everything of call_lib.bash (server, headless participants, stats checks)
# plus participants with a picture (an SDL window on an Xvfb display of
# their own, or the terminal grid in tmux), screenshots and pixel checks.
#
# Tiles are laid out in the order the participants joined the call (the
# order `existing-peers` lists them, then later arrivals), not by peer id.

source "$(dirname "${BASH_SOURCE[0]}")/call_lib.bash"

# solid-colour camera: solid_video 0xAARRGGBB
solid_video() { echo "pipeline:videotestsrc is-live=true pattern=solid-color foreground-color=$1"; }

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup.sh installs it)"
  done
}

# wait_until SECONDS DESCRIPTION COMMAND...: poll COMMAND until it succeeds
# (screenshots are costly: every 0.2 s).
WAIT_POLL=0.2
source "$(dirname "${BASH_SOURCE[0]}")/wait.bash"   # wait_until

# json_true FILE JS-EXPRESSION: the expression holds for the stats document `d`
# (helpers: peer(id) is that peer's entry or {}).
json_true() {
  node -e '
    const fs = require("fs");
    let d;
    try { d = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch (e) { process.exit(1); }
    const peer = (id) => (d.peers || []).find((p) => p.peerId === id) || {};
    process.exit(eval(process.argv[2]) ? 0 : 1);' "$1" "$2"
}

# start_display NAME WxH: an Xvfb of its own (it picks a free display number);
# its DISPLAY value is in DISPLAYS[NAME].
declare -A DISPLAYS=()
start_display() {
  local name=$1 size=$2
  Xvfb -displayfd 3 -screen 0 "${size}x24" -nolisten tcp 3>"$WORK/display-$name" 2>"$WORK/xvfb-$name.log" &
  PIDS[xvfb-$name]=$!
  for _ in $(seq 100); do [ -s "$WORK/display-$name" ] && break; sleep 0.1; done
  [ -s "$WORK/display-$name" ] || fail "Xvfb did not start"
  DISPLAYS[$name]=":$(head -n1 "$WORK/display-$name")"
  log "display $name is ${DISPLAYS[$name]}"
}

# start_window NAME DISPLAY-NAME [extra args...]: a participant with a
# fullscreen SDL window (kiosk mode) on that display, test tone, 320x240@15,
# stats in $WORK/NAME.json, log in $WORK/NAME.log.
start_window() {
  local name=$1 display=$2
  shift 2
  DISPLAY="${DISPLAYS[$display]}" GST_DEBUG="${GST_DEBUG:-meshcall*:4}" "$MESHCALL_BIN" join "${CALL_ID:-call1}" \
    --signal "$SIGNAL_URL" --name "$name" --peer-id "$name" --render sdl --fullscreen \
    --audio test --size 320x240 --fps 15 --no-audio-processing --stats-json "$WORK/$name.json" "$@" \
    >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  log "started $name with a window on ${DISPLAYS[$display]} (pid ${PIDS[$name]})"
}

# joined NAME: NAME is in the call (signaling joined).
joined() { json_true "$WORK/$1.json" 'd.signalingState === "joined"'; }

# shot DISPLAY-NAME FILE: a screenshot of the whole screen.
shot() { DISPLAY="${DISPLAYS[$1]}" import -window root "$2" 2>/dev/null; }

# pixel FILE X Y -> "R G B"
pixel() {
  convert "$1" -crop "1x1+$2+$3" +repage -depth 8 txt:- |
    sed -n 's/^0,0: *(\([0-9]*\),\([0-9]*\),\([0-9]*\).*/\1 \2 \3/p'
}

# Colour classes (the decoded picture is a little off the sent colour).
COND_red='r>200 && g<60 && b<60'
COND_blue='b>200 && r<60 && g<60'
COND_green='g>200 && r<40 && b<40'
COND_dark='r<40 && g<40 && b<40'
COND_tile='r>=30 && r<=60 && g>=30 && g<=60 && b>=30 && b<=66'   # grey placeholder (camera off, connecting)
COND_white='r>200 && g>200 && b>200'
COND_mark='r>180 && g<90 && b<90'                                 # the red "mic off" badge
COND_banner='r>180 && g>100 && g<170 && b<50'                     # the orange status banner
COND_speaking='r>=40 && r<=90 && g>=180 && g<=230 && b>=60 && b<=120'  # the active speaker's border

# is_color FILE X Y CLASS
is_color() {
  local r g b cond="COND_$4"
  read -r r g b < <(pixel "$1" "$2" "$3")
  [ -n "$r" ] || return 1
  awk -v r="$r" -v g="$g" -v b="$b" "BEGIN { exit !(${!cond}) }"
}

# count_color FILE X Y W H CLASS: pixels of the box in that class.
count_color() {
  local cond="COND_$6"
  convert "$1" -crop "$4x$5+$2+$3" +repage -depth 8 txt:- |
    sed -n 's/^[0-9]*,[0-9]*: *(\([0-9]*\),\([0-9]*\),\([0-9]*\).*/\1 \2 \3/p' |
    awk "{ r=\$1; g=\$2; b=\$3; if (${!cond}) n++ } END { print n+0 }"
}

# window_of DISPLAY-NAME: the id of the meshcall window there.
window_of() { DISPLAY="${DISPLAYS[$1]}" xdotool search --classname "meshcall" 2>/dev/null | head -n1; }

# press DISPLAY-NAME KEY: types KEY into the meshcall window on that display.
press() {
  local wid
  wid=$(window_of "$1")
  [ -n "$wid" ] || fail "no meshcall window on display $1"
  DISPLAY="${DISPLAYS[$1]}" xdotool windowfocus --sync "$wid" 2>/dev/null || true
  DISPLAY="${DISPLAYS[$1]}" xdotool key --window "$wid" "$2"
}

# stop NAME: SIGTERM, wait (bounded) and check the exit status is 0.
stop_participant() {
  local name=$1 rc
  kill -TERM "${PIDS[$name]}"
  for _ in $(seq 100); do kill -0 "${PIDS[$name]}" 2>/dev/null || break; sleep 0.1; done
  kill -0 "${PIDS[$name]}" 2>/dev/null && fail "$name did not exit within 10 s of SIGTERM"
  wait "${PIDS[$name]}"
  rc=$?
  unset "PIDS[$name]"
  [ "$rc" = 0 ] || fail "$name exited with $rc, want 0"
}

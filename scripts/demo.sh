#!/usr/bin/env bash
# A local demo call on one machine: a signaling server, N-1 synthetic
# participants (test pictures and tones, no window) and you, in the
# foreground, with your camera or a test picture if there is none. You see
# the grid in a window when there is a display ($DISPLAY, $WAYLAND_DISPLAY or
# KMSDRM), else drawn in this terminal (meshcall join --render auto).
#   scripts/demo.sh [CALL_ID] [PARTICIPANTS] [extra meshcall join options...]
# e.g. scripts/demo.sh demo 4 --fullscreen, or --render text to stay in the terminal.
# Keys: m mute, v camera, s stats, p self view, f fullscreen, q (or Ctrl-C)
# leaves; the synthetic participants leave with you.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${MESHCALL_BIN:-./build/meshcall}
call=${1:-demo}
n=${2:-3}
shift $(( $# > 2 ? 2 : $# )) || true

[ -x "$bin" ] || { echo "demo: $bin not found; run scripts/setup.sh first" >&2; exit 1; }
case "$n" in [2-6]) ;; *) echo "demo: PARTICIPANTS must be 2-6, got '$n'" >&2; exit 2 ;; esac

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$bin" serve --listen 127.0.0.1:0 --port-file "$work/port" >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "demo: the signaling server did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }
url="ws://127.0.0.1:$(cat "$work/port")"

patterns=(ball smpte pinwheel gamut circular)
names=(Ada Grace Linus Margaret Dennis)
for i in $(seq 1 $((n - 1))); do
  "$bin" join "$call" --signal "$url" --headless --name "${names[$i-1]}" \
    --video "pipeline:videotestsrc is-live=true pattern=${patterns[$i-1]}" --audio test --fps 15 \
    >"$work/bot$i.log" 2>&1 &
  pids+=($!)
done

echo "demo: call '$call' on $url with $((n - 1)) synthetic participants; leave with q or Ctrl-C"
"$bin" join "$call" --signal "$url" --name "${USER:-you}" "$@"

# Shared by bench/render-bench.sh and bench/render-callgrind.sh (sourced,
# with $work set): a 1280x720 Xvfb ($xvfb, $display) and tmux sessions on
# $work/tmux.sock, all stopped at exit with $work removed; tile lists.
xvfb=""
render_cleanup() {
  [ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null
  tmux -S "$work/tmux.sock" kill-server 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap render_cleanup EXIT

start_xvfb() {
  Xvfb -displayfd 3 -screen 0 1280x720x24 -nolisten tcp 3>"$work/display" 2>/dev/null &
  xvfb=$!
  for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.05; done
  [ -s "$work/display" ] || { echo "$(basename "$0"): Xvfb did not start" >&2; exit 1; }
  display=":$(head -n1 "$work/display")"
}

# tile_list N: N solid-colour tiles for mc-render-demo --tiles.
tile_list() {
  local colors=(red green blue yellow cyan magenta) list="" i
  for ((i = 0; i < $1; i++)); do list+="${list:+,}P$i:${colors[i % 6]}"; done
  echo "$list"
}

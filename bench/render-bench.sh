#!/usr/bin/env bash
# Renderer benchmark: CPU cost per tile at 640x480@30 and appsink-to-present
# latency (push_frame -> after present), for the SDL grid under Xvfb and the
# terminal grid in tmux, driven by tests/tools/mc-render-demo with
# videotestsrc tiles. The same run with --render none (sources and appsinks,
# no drawing) is the baseline subtracted to get the cost of rendering.
#   bench/render-bench.sh [SECONDS] [TILES...]      (default: 10 s, 1 and 4 tiles)
# Writes bench/results/render.json.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${MESHCALL_BUILD_DIR:-build}
demo=$build/tests/mc-render-demo
seconds=${1:-10}
shift || true
tiles=("$@")
[ ${#tiles[@]} -gt 0 ] || tiles=(1 4)
out=bench/results/render.json
work=$(mktemp -d)
xvfb=""
cleanup() {
  [ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null
  tmux -S "$work/tmux.sock" kill-server 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
[ -x "$demo" ] || { echo "render-bench: build first ($demo missing)" >&2; exit 1; }

Xvfb -displayfd 3 -screen 0 1280x720x24 -nolisten tcp 3>"$work/display" 2>/dev/null &
xvfb=$!
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.05; done
display=":$(head -n1 "$work/display")"

tile_list() {
  local colors=(red green blue yellow cyan magenta) list="" i
  for ((i = 0; i < $1; i++)); do list+="${list:+,}P$i:${colors[i % 6]}"; done
  echo "$list"
}
common() { echo "--size 640x480 --fps 30 --duration $seconds --tiles $(tile_list "$1")"; }

runs=()
for n in "${tiles[@]}"; do
  # shellcheck disable=SC2046
  "$demo" --render none $(common "$n") --events /dev/null --bench "$work/none-$n.json"
  runs+=("$work/none-$n.json")
  # shellcheck disable=SC2046
  DISPLAY=$display "$demo" --render sdl --fullscreen $(common "$n") --events /dev/null --bench "$work/sdl-$n.json"
  runs+=("$work/sdl-$n.json")
  tmux -S "$work/tmux.sock" new-session -d -x 160 -y 48 \
    "TERM=tmux-256color $demo --render text:symbols $(common "$n") --events /dev/null --bench $work/text-$n.json"
  for _ in $(seq $((seconds * 20 + 200))); do [ -s "$work/text-$n.json" ] && break; sleep 0.1; done
  tmux -S "$work/tmux.sock" kill-server 2>/dev/null || true
  runs+=("$work/text-$n.json")
done

node - "$out" "${runs[@]}" <<'JS'
const fs = require('fs');
const [out, ...files] = process.argv.slice(2);
const runs = files.filter(f => fs.existsSync(f)).map(f => JSON.parse(fs.readFileSync(f, 'utf8')));
const base = Object.fromEntries(runs.filter(r => r.renderer === 'none').map(r => [r.tiles, r.cpu_percent]));
for (const r of runs) {
  if (r.renderer !== 'none' && base[r.tiles] !== undefined)
    r.render_cpu_percent_per_tile = +((r.cpu_percent - base[r.tiles]) / r.tiles).toFixed(2);
}
const result = {
  benchmark: 'render',
  date: new Date().toISOString(),
  machine: `${require('os').cpus().length} cores, ${require('os').cpus()[0].model}`,
  note: 'cpu_percent is of one core for the whole demo process; render_cpu_percent_per_tile subtracts the ' +
        '--render none run with the same tiles. SDL under Xvfb (software GL / SDL renderer), text in tmux 160x48. ' +
        'latency_ms: push_frame (appsink callback) to after present, worst tile per present.',
  runs,
};
fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
for (const r of runs)
  console.log(`${r.renderer.padEnd(5)} tiles=${r.tiles} cpu=${r.cpu_percent}% per-tile=${r.render_cpu_percent_per_tile ?? '-'}% ` +
              `latency p50=${r.latency_ms.p50} p99=${r.latency_ms.p99} ms render p50=${r.render_ms.p50} ms`);
JS
echo "wrote $out"

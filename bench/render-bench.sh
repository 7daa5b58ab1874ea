#!/usr/bin/env bash
# Renderer benchmark: CPU cost per tile at 640x480@30 and appsink-to-present
# latency (push_frame -> after present), for every drawing path of the SDL
# grid under a 1280x720 Xvfb (no GPU: GL is Mesa's llvmpipe) and the terminal
# grid in tmux, driven by tests/tools/mc-render-demo with videotestsrc tiles
# and a self view. The same run with --render none (sources and appsinks,
# no drawing) is the baseline subtracted to get the cost of rendering; the
# Xvfb's own CPU is reported beside it. Each configuration runs REPEAT times
# (the machine is shared: the median is kept, every run is in the JSON).
#   bench/render-bench.sh [SECONDS] [TILES...]      (default: 10 s; 1, 2 and 5 tiles)
#   PATHS="surface opengl" REPEAT=3 bench/render-bench.sh
# Writes bench/results/render.json (summary: docs/bench-render.md). The call
# benchmark (meshcall against Chromium, join time) is bench/render-call.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${MESHCALL_BUILD_DIR:-build}
demo=$build/tests/mc-render-demo
seconds=${1:-10}
shift || true
tiles=("$@")
[ ${#tiles[@]} -gt 0 ] || tiles=(1 2 5)
read -r -a paths <<<"${PATHS:-surface software opengl opengles2}"
repeat=${REPEAT:-3}
out=bench/results/render.json
work=$(mktemp -d)
source bench/render-common.sh
[ -x "$demo" ] || { echo "render-bench: build first ($demo missing)" >&2; exit 1; }

start_xvfb

common() { echo "--size 640x480 --fps 30 --duration $seconds --self-view --tiles $(tile_list "$1")"; }
xvfb_ticks() { awk '{ print $14 + $15 }' "/proc/$xvfb/stat"; }

runs=()
for n in "${tiles[@]}"; do
  for r in $(seq "$repeat"); do
    # shellcheck disable=SC2046
    "$demo" --render none $(common "$n") --events /dev/null --bench "$work/none-$n-$r.json"
    runs+=("$work/none-$n-$r.json")
    for path in "${paths[@]}"; do
      x0=$(xvfb_ticks)
      # shellcheck disable=SC2046
      DISPLAY=$display "$demo" --render sdl --render-path "$path" --fullscreen $(common "$n") --events /dev/null \
        --bench "$work/sdl-$path-$n-$r.json"
      echo $(( $(xvfb_ticks) - x0 )) >"$work/sdl-$path-$n-$r.xvfb"
      runs+=("$work/sdl-$path-$n-$r.json")
    done
    tmux -S "$work/tmux.sock" new-session -d -x 160 -y 48 \
      "TERM=tmux-256color $demo --render text:symbols $(common "$n") --events /dev/null --bench $work/text-$n-$r.json"
    for _ in $(seq $((seconds * 20 + 200))); do [ -s "$work/text-$n-$r.json" ] && break; sleep 0.1; done
    tmux -S "$work/tmux.sock" kill-server 2>/dev/null || true
    runs+=("$work/text-$n-$r.json")
  done
done

node - "$out" "$(getconf CLK_TCK)" "bench/render-bench.sh $*" "$(cat /proc/loadavg)" "${runs[@]}" <<'JS'
const fs = require('fs');
const [out, hz, command, loadavg, ...files] = process.argv.slice(2);
const runs = files.filter(f => fs.existsSync(f)).map(f => {
  const r = JSON.parse(fs.readFileSync(f, 'utf8'));
  const x = f.replace(/\.json$/, '.xvfb');
  if (fs.existsSync(x)) r.xvfb_cpu_percent = +(100 * Number(fs.readFileSync(x, 'utf8')) / Number(hz) / r.seconds).toFixed(2);
  return r;
});
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : null; };
const key = (r) => `${r.renderer === 'sdl' ? 'sdl:' + r.path : r.renderer} ${r.tiles}`;
const groups = {};
for (const r of runs) (groups[key(r)] = groups[key(r)] || []).push(r);
const summary = Object.entries(groups).map(([k, g]) => {
  const [kind, tiles] = k.split(' ');
  return { kind, tiles: Number(tiles), runs: g.length, cpu_percent_median: median(g.map(r => r.cpu_percent)),
           xvfb_cpu_percent_median: g[0].xvfb_cpu_percent !== undefined ? median(g.map(r => r.xvfb_cpu_percent)) : null,
           presents_per_s: +median(g.map(r => r.presents_all / r.seconds)).toFixed(1),
           pictures_drawn_per_s: +median(g.map(r => r.pictures_drawn / r.seconds)).toFixed(1),
           latency_p50_ms: median(g.map(r => r.latency_ms.p50)), first_picture_ms: median(g.map(r => r.first_picture_ms)) };
});
for (const s of summary) {
  const base = summary.find(b => b.kind === 'none' && b.tiles === s.tiles);
  // A tile here is a remote picture; the self view is drawn in every run.
  if (s.kind !== 'none' && base) s.render_cpu_percent_per_tile = +((s.cpu_percent_median - base.cpu_percent_median) / s.tiles).toFixed(2);
}
const result = {
  benchmark: 'render',
  date: new Date().toISOString(),
  command,
  machine: `${require('os').cpus().length} cores, ${require('os').cpus()[0].model}`,
  load_average_at_end: loadavg,
  note: 'cpu_percent is of one core for the whole demo process (640x480@30 I420 tiles + a 320x240 self view, ' +
        'fullscreen 1280x720); render_cpu_percent_per_tile subtracts the --render none run with the same tiles and ' +
        'divides by the tiles. SDL under Xvfb without a GPU (opengl/opengles2: Mesa llvmpipe; surface: the window\'s ' +
        'shared memory, only changes presented), text in tmux 160x48. xvfb_cpu_percent: the X server meanwhile. ' +
        'latency_ms: push_frame (appsink callback) to after present, worst tile per present. Medians of the runs.',
  summary,
  runs,
};
fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
for (const s of summary)
  console.log(`${s.kind.padEnd(15)} tiles=${s.tiles} cpu=${s.cpu_percent_median}% per-tile=${s.render_cpu_percent_per_tile ?? '-'}% ` +
              `xvfb=${s.xvfb_cpu_percent_median ?? '-'}% presents/s=${s.presents_per_s} drawn/s=${s.pictures_drawn_per_s} ` +
              `latency p50=${s.latency_p50_ms} ms first picture ${s.first_picture_ms} ms`);
JS
echo "wrote $out"

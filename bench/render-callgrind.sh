#!/usr/bin/env bash
# Rendering cost in instructions (issue 13): repeatable where CPU time is not
# (this machine is shared, its load swings the CPU rows of render-bench.sh
# and render-call.sh). mc-render-demo runs under `valgrind --tool=callgrind`
# with --frames: every source (640x480 I420 tiles and a self view) sends a
# counted number of frames, paced slowly enough (--fps, default 4) that each
# one is converted, drawn and presented even under valgrind (the JSON says
# so: uploads = frames x tiles). Every thread's instructions are counted.
#   cost of a frame = (Ir(F2 frames) - Ir(F1 frames)) / (F2 - F1)
# removes the start (SDL, fonts, the first layout); minus the same for
# --render none (sources and appsinks alone) it is the renderer's own cost
# per frame of every tile, self view included; divided by the tiles, per tile.
# Paths: the window surface (the default without a GPU), SDL's software
# renderer, the text grid (text:symbols in a 160x48 tmux). SDL's GL paths are
# left out: Mesa's llvmpipe compiles its shaders with LLVM, which takes
# valgrind most of a minute before the first picture (their CPU time is in
# render-bench.sh).
#   bench/render-callgrind.sh [TILES...]        (default 1 2 5: calls of 2, 3 and 6)
#   F1=8 F2=24 FPS=4 PATHS="surface software text" MESHCALL_BUILD_DIR=build-rel bench/render-callgrind.sh
# Writes bench/results/render-callgrind.json and, for the surface path at the
# most tiles, the functions that cost the most per frame (inclusive).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${MESHCALL_BUILD_DIR:-build}
demo=$build/tests/mc-render-demo
tiles=("$@")
[ ${#tiles[@]} -gt 0 ] || tiles=(1 2 5)
read -r -a paths <<<"${PATHS:-surface software text}"
f1=${F1:-8} f2=${F2:-24} fps=${FPS:-4}
out=bench/results/render-callgrind.json
work=$(mktemp -d "${TMPDIR:-/tmp}/render-callgrind.XXXXXX")
source bench/render-common.sh
die() { echo "render-callgrind: $*" >&2; exit 1; }
[ -x "$demo" ] || die "build first ($demo missing)"
for tool in valgrind callgrind_annotate Xvfb tmux python3; do
  command -v "$tool" >/dev/null || die "$tool is not installed (scripts/setup.sh)"
done
[ "$f2" -gt "$f1" ] || die "F2 ($f2) must be more frames than F1 ($f1)"

start_xvfb

cg=(valgrind --tool=callgrind --dump-instr=no)

# run MODE TILES FRAMES: one counted run, $work/MODE-TILES-FRAMES.{cg,json}.
run() {
  local mode=$1 n=$2 frames=$3 name="$1-$2-$3"
  local args=(--size 640x480 --fps "$fps" --frames "$frames" --self-view --tiles "$(tile_list "$n")"
              --events /dev/null --bench "$work/$name.json")
  case $mode in
    none) "${cg[@]}" --callgrind-out-file="$work/$name.cg" "$demo" --render none "${args[@]}" 2>"$work/$name.log" ;;
    text)
      # shellcheck disable=SC2145
      tmux -S "$work/tmux.sock" new-session -d -x 160 -y 48 \
        "TERM=tmux-256color ${cg[*]} --callgrind-out-file=$work/$name.cg $demo --render text:symbols ${args[*]} 2>$work/$name.log"
      for _ in $(seq 3000); do [ -s "$work/$name.json" ] && grep -q '^totals:' "$work/$name.cg" 2>/dev/null && break; sleep 0.1; done
      tmux -S "$work/tmux.sock" kill-server 2>/dev/null || true ;;
    *)
      DISPLAY=$display "${cg[@]}" --callgrind-out-file="$work/$name.cg" "$demo" --render sdl --render-path "$mode" \
        --fullscreen --window 1280x720 "${args[@]}" 2>"$work/$name.log" ;;
  esac
  [ -s "$work/$name.json" ] && grep -q '^totals:' "$work/$name.cg" || die "$name did not finish (see $work/$name.log)"
  echo "render-callgrind: $name $(sed -n 's/^totals: //p' "$work/$name.cg") instructions" >&2
}

for n in "${tiles[@]}"; do
  for mode in none "${paths[@]}"; do
    for frames in "$f1" "$f2"; do run "$mode" "$n" "$frames"; done
  done
done
# Where the instructions go: the surface path at the most tiles, inclusive.
n_max=${tiles[-1]}
if [[ " ${paths[*]} " == *" surface "* ]]; then
  for frames in "$f1" "$f2"; do
    callgrind_annotate --inclusive=yes --threshold=100 "$work/surface-$n_max-$frames.cg" >"$work/profile-$frames.txt"
  done
fi

python3 - "$work" "$out" "$f1" "$f2" "$fps" "bench/render-callgrind.sh $*" "${tiles[*]}" "none ${paths[*]}" \
  "$(valgrind --version)" <<'PY'
import json, os, re, sys, time
work, out, f1, f2, fps, command, tiles, modes, vg = sys.argv[1:10]
f1, f2, fps = int(f1), int(f2), int(fps)
tiles, modes = [int(t) for t in tiles.split()], modes.split()

def load(mode, n, frames):
    name = f'{work}/{mode}-{n}-{frames}'
    ir = int(re.search(r'^totals: (\d+)', open(name + '.cg').read(), re.M).group(1))
    return ir, json.load(open(name + '.json'))

rows = []
for n in tiles:
    base_ir1, _ = load('none', n, f1)
    base_ir2, _ = load('none', n, f2)
    base_per_frame = (base_ir2 - base_ir1) / (f2 - f1)
    for mode in modes:
        ir1, b1 = load(mode, n, f1)
        ir2, b2 = load(mode, n, f2)
        per_frame = (ir2 - ir1) / (f2 - f1)
        row = {'mode': mode, 'tiles': n, 'participants': n + 1,
               'instructions': {str(f1): ir1, str(f2): ir2},
               'uploads': {str(f1): b1['uploads'], str(f2): b2['uploads']},
               'presents': {str(f1): b1['presents_all'], str(f2): b2['presents_all']},
               # a present for every frame interval (the first may carry two): valgrind kept up
               'every_frame_presented': mode == 'none' or (b1['presents_all'] >= f1 - 1 and b2['presents_all'] >= f2 - 1),
               'minstr_per_frame_all_tiles': round(per_frame / 1e6, 2)}
        if mode != 'none':
            own = per_frame - base_per_frame
            row['render_minstr_per_frame'] = round(own / 1e6, 2)
            row['render_minstr_per_tile_frame'] = round(own / n / 1e6, 2)
            # at 30 fps, what the picture of one tile costs a second
            row['render_minstr_per_tile_second_at_30fps'] = round(30 * own / n / 1e6, 1)
        rows.append(row)

# Per function, inclusive, the F2 run minus the F1 run: what a frame costs
# in each (the start cancels out as above). Ours, libyuv's, SDL's and X's.
def annotate(frames):
    costs = {}
    path = f'{work}/profile-{frames}.txt'
    if not os.path.exists(path):
        return costs
    for line in open(path):
        m = re.match(r'\s*([\d,]+)\s+\([\s\d.]+%\)\s+(\S+):(\S+?)(\'\d+)?\s+\[(\S+)\]\s*$', line)
        if not m or m.group(4) or m.group(2) == '???' and m.group(3).startswith('0x'):
            continue
        obj = os.path.basename(m.group(5))
        if not re.match(r'(mc-render-demo|libyuv|libSDL2|libX11|libXext|libc\.so)', obj):
            continue
        fn = f"{os.path.basename(m.group(2)) if m.group(2) != '???' else obj}:{m.group(3)}"
        costs[fn] = max(costs.get(fn, 0), int(m.group(1).replace(',', '')))
    return costs
p1, p2 = annotate(f1), annotate(f2)
profile = sorted(({'function': fn, 'minstr_per_frame_inclusive': round((p2[fn] - p1.get(fn, 0)) / (f2 - f1) / 1e6, 3)}
                  for fn in p2), key=lambda e: -e['minstr_per_frame_inclusive'])
profile = [e for e in profile if e['minstr_per_frame_inclusive'] >= 0.05 and not re.search(r':(main|start_thread|__libc_start_main.*|SDL_InitSubSystem|X\w*OpenIM)$', e['function'])][:30]

result = {
    'benchmark': 'render-callgrind',
    'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    'command': command,
    'tool': vg + ' --tool=callgrind (every thread counted)',
    'setup': (f'mc-render-demo, 640x480 I420 videotestsrc tiles and a 640x480 self view, {fps} fps so that valgrind '
              f'draws every frame, fullscreen 1280x720 Xvfb (SDL) or 160x48 tmux (text). Cost of a frame: '
              f'(Ir({f2} frames) - Ir({f1} frames)) / {f2 - f1}: the start cancels out; render_*: minus the '
              f'same for --render none (sources, appsinks). A frame is one of every tile and of the self view.'),
    'rows': rows,
    'profile_surface': {'tiles': tiles[-1], 'note': f'surface path, {tiles[-1]} tiles and the self view: '
                        f'inclusive instructions per frame of each function (the {f2}-frame run minus the {f1}-frame '
                        'run, divided by the difference); meshcall\'s, libyuv\'s, SDL\'s, Xlib\'s and libc\'s',
                        'functions': profile},
}
json.dump(result, open(out, 'w'), indent=2)
open(out, 'a').write('\n')
for r in rows:
    print(f"{r['mode']:9} tiles={r['tiles']} all={r['minstr_per_frame_all_tiles']:8} Minstr/frame "
          f"render/tile={r.get('render_minstr_per_tile_frame', '-')} Minstr every_frame_presented={r['every_frame_presented']}")
PY
echo "wrote $out"

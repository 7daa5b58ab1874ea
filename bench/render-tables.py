#!/usr/bin/env python3
"""The tables of docs/bench-render.md, from the JSON in bench/results/.

    bench/render-tables.py            print every table
    bench/render-tables.py --docs     rewrite the tables in docs/bench-render.md

Each table sits in the document between "<!-- NAME -->" and "<!-- /NAME -->";
the rest of the document is left as it is."""
import json
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
RESULTS = os.path.join(ROOT, 'bench', 'results')


def load(name):
    path = os.path.join(RESULTS, name)
    return json.load(open(path)) if os.path.exists(path) else None


def fmt(v, digits=1):
    if v is None:
        return '–'
    if isinstance(v, bool):
        return 'yes' if v else '**no**'
    if isinstance(v, float):
        return f'{v:.{digits}f}'
    return str(v)


def table(head, rows):
    out = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    out += ['| ' + ' | '.join(fmt(c) for c in r) + ' |' for r in rows]
    return '\n'.join(out)


def call_results(d):
    modes = ['headless', 'none', 'sdl', 'sdl-opengl', 'text', 'chromium']
    sizes = sorted({r['participants'] for r in d['rows']})
    cell = {(r['mode'], r['participants']): r for r in d['rows']}
    rows = []
    for n in sizes:
        for m in modes:
            r = cell.get((m, n))
            if r:
                rows.append([n, m, r['cpu_percent'], r['display_server_cpu_percent'] or None,
                             r['decoded_fps_min'], r['load_average_1m']])
    head = ['participants', 'observer', 'CPU % of a core', 'display server %', 'decoded fps (slowest)',
            'load (1 min)']
    text = table(head, rows)
    trows = []
    for t in d['targets']:
        n = t['participants']
        slowest = min((cell[(m, n)]['decoded_fps_min'] or 0) for m in modes if (m, n) in cell)
        # a mesh too big for this machine: nobody decodes at the stream's rate, the CPU rows measure starvation
        note = f'**not a measurement**: the machine is saturated (decoded {slowest:.0f} fps)' if slowest < 25 else ''
        ratio = t.get('sdl_over_chromium')
        trows.append([n, f'{ratio:.2f}' if ratio is not None else None, t.get('sdl_at_most_0.7x_chromium'),
                      t.get('sdl_minus_headless_per_tile'), t.get('sdl_at_most_headless_plus_5_per_tile'),
                      t.get('sdl_minus_none_per_tile'), t.get('text_below_sdl'), note])
    text += '\n\n' + table(['participants', 'sdl / chromium', '≤ 0.7×', 'sdl − headless per tile (%)',
                            '≤ +5 % per tile', 'sdl − none per tile (%)', 'text below sdl', ''], trows)
    return text + f"\n\n`{d['command']}`, {d['date']}, {d['machine']}."


def call_join(d):
    j = d['join']
    rows = [['headless: first decoded frame', j.get('median_headless_first_frame_s')],
            ['sdl: first decoded frame', j.get('median_sdl_first_frame_s')],
            ['sdl: first picture on screen', j.get('median_sdl_first_picture_s')]]
    text = table(['median of the runs', 's after exec'], [[a, fmt(b, 3)] for a, b in rows])
    text += (f"\n\nThe picture on screen after its frame was decoded: {fmt(j.get('median_sdl_picture_after_frame_ms'))}"
             f" ms (median). Run by run, the SDL join's first picture minus the headless join's first frame: "
             f"{', '.join(fmt(v) for v in j.get('sdl_picture_minus_headless_frame_ms_by_run', []))} ms; median "
             f"{fmt(j.get('sdl_picture_minus_headless_frame_ms'))} ms "
             f"(target: at most one frame interval, 33 ms: {fmt(j.get('within_one_frame_interval'))}).")
    runs = j.get('runs', [])
    hs = [r['first_frame_s'] for r in runs if r['kind'] == 'headless' and 'first_frame_s' in r]
    sp = [r['first_picture_s'] for r in runs if r['kind'] == 'sdl' and 'first_picture_s' in r]
    if hs and sp:
        import statistics
        diff = 1000 * (statistics.median(sp) - statistics.median(hs))
        text += (f" Median against median: the SDL join's first picture {fmt(diff)} ms after the headless join's "
                 f"first frame. The headless joins alone ranged over {fmt(1000 * (max(hs) - min(hs)), 0)} ms "
                 f"({fmt(min(hs), 3)}–{fmt(max(hs), 3)} s).")
    return text


def paths(d):
    rows = []
    for s in d['summary']:
        rows.append([s['tiles'], s['kind'], s['cpu_percent_median'], s.get('render_cpu_percent_per_tile'),
                     s['xvfb_cpu_percent_median'], s['presents_per_s'], s['latency_p50_ms'], s['first_picture_ms']])
    return table(['tiles', 'path', 'CPU %', 'rendering % per tile', 'Xvfb %', 'presents/s', 'latency p50 (ms)',
                  'first picture (ms)'], rows) + f"\n\n`{d['command']}`, {d['date']}, load {d['load_average_at_end']}."


def callgrind(d):
    rows = []
    for r in d['rows']:
        if r['mode'] == 'none':
            continue
        rows.append([r['participants'], r['tiles'], r['mode'], r['render_minstr_per_frame'],
                     r['render_minstr_per_tile_frame'], r['render_minstr_per_tile_second_at_30fps'],
                     r['every_frame_presented']])
    text = table(['participants', 'tiles', 'path', 'Minstr per frame (all tiles + self view)', 'Minstr per tile frame',
                  'Minstr per tile second at 30 fps', 'every frame presented'], rows)
    p = d.get('profile_surface', {})
    if p.get('functions'):
        text += (f"\n\nWhere a frame's instructions go on the window surface with {p['tiles']} tiles and the self "
                 "view (inclusive, per frame of every tile):\n\n")
        text += table(['function', 'Minstr per frame'],
                      [[f"`{f['function']}`", fmt(f['minstr_per_frame_inclusive'], 2)] for f in p['functions'][:16]])
    return text + f"\n\n`{d['command']}`, {d['date']}, {d['tool']}."


def convert(d):
    ways = ['gst-convert', 'gst-2step', 'sdl', 'libyuv', 'libyuv-planes']
    rows = [[r['tile']] + [fmt(r.get(w), 3) for w in ways] for r in d['results']]
    return table(['tile'] + ways, rows)


def tables():
    out = {}
    for key, name, fn in (('RESULTS_TABLE', 'render-call.json', call_results), ('JOIN_TABLE', 'render-call.json', call_join),
                          ('PATHS_TABLE', 'render.json', paths), ('CALLGRIND_TABLE', 'render-callgrind.json', callgrind),
                          ('CONVERT_TABLE', 'render-convert.json', convert)):
        d = load(name)
        out[key] = fn(d) if d else f'(no {name} yet)'
    return out


def main():
    t = tables()
    if '--docs' not in sys.argv:
        for k, v in t.items():
            print(f'## {k}\n\n{v}\n')
        return
    path = os.path.join(ROOT, 'docs', 'bench-render.md')
    doc = open(path).read()
    for k, v in t.items():
        doc, n = re.subn(rf'<!-- {k} -->.*?<!-- /{k} -->', lambda _: f'<!-- {k} -->\n{v}\n<!-- /{k} -->', doc,
                         flags=re.S)
        if n == 0:
            doc = doc.replace(f'\n{k}\n', f'\n<!-- {k} -->\n{v}\n<!-- /{k} -->\n')
    open(path, 'w').write(doc)


if __name__ == '__main__':
    main()

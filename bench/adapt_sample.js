#!/usr/bin/env node
// Samples one shaped link of bench/adapt-call.sh from the network, and the
// receiver's stats, until STOP exists; then prints the figures as JSON.
//   node bench/adapt_sample.js --ns NS --dev DEV --stats FILE --peer ID --phases FILE
//        --cap-kbps N --stop STOP
// Every 250 ms: `tc -s -j qdisc show dev DEV` in NS (bytes and packets the
// tbf delivered, packets it dropped) and FILE's videoFramesDecoded for ID
// (meshcall's --stats-json, or browser_peer.js's file of the same names).
// PHASES gets "cap T" and "lift T" lines (T: Date.now()) from the script.
// Rates are over 1-s windows stepped every 250 ms: delivered = bytes out of
// the queue; offered = delivered + dropped packets x the mean packet size.
'use strict';
const fs = require('fs');
const { execFileSync } = require('child_process');

const o = {};
for (let i = 2; i < process.argv.length; i += 2) o[process.argv[i].slice(2)] = process.argv[i + 1];
const cap = Number(o['cap-kbps']);
const samples = [];

function qdisc() {
  const out = execFileSync('tc', ['-n', o.ns, '-s', '-j', 'qdisc', 'show', 'dev', o.dev], { encoding: 'utf8' });
  const q = JSON.parse(out)[0] || {};
  return { bytes: q.bytes || 0, packets: q.packets || 0, drops: q.drops || 0 };
}

function frames() {
  try {
    const d = JSON.parse(fs.readFileSync(o.stats, 'utf8'));
    const p = (d.peers || []).find((x) => x.peerId === o.peer);
    return p ? { frames: p.videoFramesDecoded, time: d.time || d.t || null } : null;
  } catch (e) { return null; }
}

function tick() {
  const t = Date.now();
  try { samples.push({ t, ...qdisc(), rx: frames() }); } catch (e) { /* the qdisc is being replaced */ }
  if (fs.existsSync(o.stop)) { clearInterval(timer); report(); }
}
const timer = setInterval(tick, 250);

function rateAt(i, kind) {
  // the 1-s window ending at sample i
  let j = i;
  while (j > 0 && samples[i].t - samples[j - 1].t <= 1000) j--;
  if (j === i) return null;
  const a = samples[j], b = samples[i];
  const secs = (b.t - a.t) / 1000;
  const bytes = b.bytes - a.bytes, packets = b.packets - a.packets, drops = b.drops - a.drops;
  if (bytes < 0) return null;
  const size = packets > 0 ? bytes / packets : 1200;
  const delivered = bytes * 8 / 1000 / secs;
  return kind === 'offered' ? delivered + drops * size * 8 / 1000 / secs : delivered;
}

function report() {
  const phases = {};
  for (const line of fs.readFileSync(o.phases, 'utf8').split('\n')) {
    const [name, t] = line.split(' ');
    if (name) phases[name] = Number(t);
  }
  const capT = phases.cap, liftT = phases.lift;
  const idx = (from, to) => samples.map((s, i) => i).filter((i) => samples[i].t >= from && samples[i].t <= to);
  const mean = (is, kind) => {
    const v = is.map((i) => rateAt(i, kind)).filter((x) => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const before = mean(idx(capT - 5000, capT), 'delivered');
  // settle: the first window (ending after the cap) whose offered rate is inside 70..105 % of the cap
  let settle = null;
  for (const i of idx(capT + 1000, liftT)) {
    const r = rateAt(i, 'offered');
    if (r !== null && r >= 0.7 * cap && r <= 1.05 * cap) { settle = (samples[i].t - capT) / 1000; break; }
  }
  // from 8 s after the cap: share of 1-s windows (stepped 1 s) inside 70 % of the cap .. the cap + its 50 ms queue
  const windows = idx(capT + 8000, liftT).filter((i, k, a) => k === 0 || samples[i].t - samples[a[0]].t >= 0 &&
    Math.floor((samples[i].t - capT) / 1000) !== Math.floor((samples[a[k - 1]].t - capT) / 1000));
  const inside = windows.filter((i) => { const r = rateAt(i, 'offered'); return r !== null && r >= 0.7 * cap && r <= 1.05 * cap; });
  const settled = mean(idx(capT + 8000, liftT), 'delivered');
  const at = (t) => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best), samples[0]);
  const c0 = at(capT), c1 = at(liftT);
  const cappedDrops = c1.drops - c0.drops, cappedPackets = c1.packets - c0.packets;
  let recover = null;
  for (const i of idx(liftT + 1000, Infinity)) {
    const r = rateAt(i, 'delivered');
    if (r !== null && before !== null && r >= 0.8 * before) { recover = (samples[i].t - liftT) / 1000; break; }
  }
  // receiver: the longest time between two stats writes with new frames, during the cap and after
  let longest = 0, lastInc = null, lastFrames = null;
  for (const s of samples.filter((x) => x.t >= capT && x.rx)) {
    if (lastFrames === null || s.rx.frames > lastFrames) {
      if (lastInc !== null) longest = Math.max(longest, (s.t - lastInc) / 1000);
      lastInc = s.t;
    } else if (lastInc !== null) longest = Math.max(longest, (s.t - lastInc) / 1000);
    lastFrames = s.rx.frames;
  }
  const r2 = (x) => (x === null ? null : Math.round(x * 100) / 100);
  console.log(JSON.stringify({
    before_kbps: r2(before),
    settle_s: r2(settle),
    windows_inside_share: windows.length ? r2(inside.length / windows.length) : null,
    utilisation_after_settling: settled === null ? null : r2(settled / cap),
    queue_drops_pct_capped: r2(100 * cappedDrops / Math.max(1, cappedPackets + cappedDrops)),
    longest_without_new_frames_s: r2(longest),
    recover_to_80pct_s: r2(recover),
  }));
}

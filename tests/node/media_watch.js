#!/usr/bin/env node
// Watches meshcall --stats-json files until STOP_FILE exists, sampling every
// 100 ms, and fails if any peer connection listed at the start was disturbed:
// it disappeared, left the connected state, was re-established (connectedAt
// changed) or its decoded frame count went backwards (a new pipeline).
//   node media_watch.js --stop-file STOP [--max-seconds 120] [--interrupted PEER_ID]... FILE...
// --interrupted: that peer's connection is expected to be cut for a while: it
// only has to stay listed (its tile stays) with the same connection (connectedAt
// unchanged, frame count never going back); its state may change meanwhile.
// Prints one summary line per file and peer; exit 0 = undisturbed.
'use strict';
const fs = require('fs');

const opts = { stopFile: null, maxSeconds: 120, interrupted: [], files: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--stop-file') opts.stopFile = argv[++i];
  else if (argv[i] === '--max-seconds') opts.maxSeconds = Number(argv[++i]);
  else if (argv[i] === '--interrupted') opts.interrupted.push(argv[++i]);
  else opts.files.push(argv[i]);
}

function read(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { return null; }
}

const base = {};     // file -> peerId -> { connectedAt, firstFrames, lastFrames }
const problems = [];
let samples = 0;

function sample() {
  samples++;
  for (const file of opts.files) {
    const doc = read(file);
    if (!doc) continue;   // being renamed into place
    const peers = {};
    for (const p of doc.peers || []) peers[p.peerId] = p;
    if (!base[file]) {
      base[file] = {};
      for (const [id, p] of Object.entries(peers)) {
        if (p.connectionState !== 'connected' || p.connectedAt == null)
          problems.push(`${file}: ${id} not connected at the start`);
        base[file][id] = { connectedAt: p.connectedAt, firstFrames: p.videoFramesDecoded, lastFrames: p.videoFramesDecoded };
      }
      continue;
    }
    for (const [id, b] of Object.entries(base[file])) {
      const p = peers[id];
      const t = (doc.time || 0).toFixed(1);
      if (!p) { problems.push(`${file}: ${id} gone at ${t}`); continue; }
      if (p.connectionState !== 'connected' && !opts.interrupted.includes(id))
        problems.push(`${file}: ${id} ${p.connectionState} at ${t}`);
      if (p.connectedAt !== b.connectedAt)
        problems.push(`${file}: ${id} reconnected at ${t} (connectedAt ${b.connectedAt} -> ${p.connectedAt})`);
      if (p.videoFramesDecoded < b.lastFrames)
        problems.push(`${file}: ${id} frame count went back ${b.lastFrames} -> ${p.videoFramesDecoded} at ${t}`);
      b.lastFrames = p.videoFramesDecoded;
    }
  }
}

const deadline = Date.now() + opts.maxSeconds * 1000;
const timer = setInterval(() => {
  sample();
  if ((opts.stopFile && fs.existsSync(opts.stopFile)) || Date.now() > deadline) {
    clearInterval(timer);
    for (const [file, peers] of Object.entries(base))
      for (const [id, b] of Object.entries(peers))
        console.log(`${file}: ${id} connectedAt ${b.connectedAt} frames ${b.firstFrames} -> ${b.lastFrames}`);
    const unique = [...new Set(problems)];
    if (Object.keys(base).length !== opts.files.length) unique.push('some files were never readable');
    if (Date.now() > deadline) unique.push(`not stopped within ${opts.maxSeconds} s`);
    for (const p of unique.slice(0, 20)) console.error(`DISTURBED: ${p}`);
    process.exit(unique.length ? 1 : 0);
  }
}, 100);

#!/usr/bin/env node
// Reads meshcall --stats-json files for the send adaptation tests.
//   node adapt_watch.js get FILE PEER MEMBER...
//     prints the members of PEER's entry in FILE, space separated ("null"
//     for a missing one); MEMBER "tier.width" etc. reads the tier it is in.
//   node adapt_watch.js freezes --stop-file STOP FILE PEER
//     samples FILE every 100 ms until STOP exists and prints the longest
//     time, by the documents' own "time" stamps, between two writes whose
//     videoFramesDecoded for PEER increased (frames are counted once a
//     second, so 3 s here means at least 2 s without a decoded frame); a
//     counter that went back (a new pipeline) prints "reset".
'use strict';
const fs = require('fs');

function read(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { return null; }
}

function peerOf(doc, id) {
  return doc && (doc.peers || []).find((p) => p.peerId === id);
}

function get(file, id, members) {
  const doc = read(file);
  const p = peerOf(doc, id);
  const out = members.map((m) => {
    if (!p) return 'null';
    if (m.startsWith('tier.')) {
      const t = (doc.tiers || [])[p.tier];
      const v = t ? t[m.slice(5)] : undefined;
      return v === undefined || v === null ? 'null' : String(v);
    }
    const v = p[m];
    return v === undefined || v === null ? 'null' : String(v);
  });
  console.log(out.join(' '));
}

function freezes(stopFile, file, id) {
  let lastFrames = null, lastIncrease = null, lastTime = null, longest = 0, reset = false;
  const timer = setInterval(() => {
    const doc = read(file);
    const p = peerOf(doc, id);
    if (p && doc.time !== lastTime) {
      lastTime = doc.time;
      if (lastFrames !== null && p.videoFramesDecoded < lastFrames) reset = true;
      if (lastFrames === null || p.videoFramesDecoded > lastFrames) {
        if (lastIncrease !== null) longest = Math.max(longest, doc.time - lastIncrease);
        lastIncrease = doc.time;
      } else if (lastIncrease !== null) {
        longest = Math.max(longest, doc.time - lastIncrease);
      }
      lastFrames = p.videoFramesDecoded;
    }
    if (fs.existsSync(stopFile)) {
      clearInterval(timer);
      console.log(reset ? 'reset' : longest.toFixed(1));
    }
  }, 100);
}

const argv = process.argv.slice(2);
if (argv[0] === 'get' && argv.length >= 4) {
  get(argv[1], argv[2], argv.slice(3));
} else if (argv[0] === 'freezes' && argv[1] === '--stop-file' && argv.length === 5) {
  freezes(argv[2], argv[3], argv[4]);
} else {
  console.error('usage: adapt_watch.js get FILE PEER MEMBER... | freezes --stop-file STOP FILE PEER');
  process.exit(2);
}

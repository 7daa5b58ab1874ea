// Polls meshcall --stats-json files until every condition holds, or fails
// after --timeout seconds naming the condition that did not hold.
//   node media_check.js --timeout 20 --peers 3 --min-frames 10 --min-audio 10 \
//        --width 320 --height 240 [--absent PEER_ID] [--rising] [--max-first-frame S]
//        [--signaling STATE] [--participants N] [--candidate-type TYPE]
//        [--state PEER_ID:STATE] [--ignore PEER_ID] FILE...
// --absent: PEER_ID must not be listed; --ignore: it may be, and is left out of the other checks.
// --state: PEER_ID must be listed with that connectionState (e.g. reconnecting); it is left out
//   of the other checks too.
// --max-first-frame: every peer's first decoded frame came at most S seconds after we joined.
// --signaling: the document's signalingState (e.g. joined, reconnecting).
// --participants: the document's participants count (including itself).
// --candidate-type: both ends of every peer's selected ICE pair are of TYPE (e.g. relay).
'use strict';
const fs = require('fs');

const opts = { timeout: 20, peers: -1, minFrames: 1, minAudio: 1, width: 0, height: 0, absent: [], ignore: [], states: [],
               rising: false, maxFirstFrame: -1, signaling: null, participants: -1, candidateType: null, files: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => argv[++i];
  if (a === '--timeout') opts.timeout = Number(next());
  else if (a === '--peers') opts.peers = Number(next());
  else if (a === '--min-frames') opts.minFrames = Number(next());
  else if (a === '--min-audio') opts.minAudio = Number(next());
  else if (a === '--width') opts.width = Number(next());
  else if (a === '--height') opts.height = Number(next());
  else if (a === '--absent') opts.absent.push(next());
  else if (a === '--ignore') opts.ignore.push(next());
  else if (a === '--state') {
    const [id, state] = next().split(':');
    opts.states.push({ id, state });
    opts.ignore.push(id);
  }
  else if (a === '--rising') opts.rising = true;
  else if (a === '--max-first-frame') opts.maxFirstFrame = Number(next());
  else if (a === '--signaling') opts.signaling = next();
  else if (a === '--participants') opts.participants = Number(next());
  else if (a === '--candidate-type') opts.candidateType = next();
  else opts.files.push(a);
}

function read(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { return null; }
}

// Returns null when the file satisfies every condition, else why not.
function check(file) {
  const doc = read(file);
  if (!doc) return `${file}: not written yet`;
  const peers = (doc.peers || []).filter((p) => !opts.absent.includes(p.peerId) && !opts.ignore.includes(p.peerId));
  for (const id of opts.absent) {
    if ((doc.peers || []).some((p) => p.peerId === id)) return `${file}: ${id} is still listed`;
  }
  for (const { id, state } of opts.states) {
    const p = (doc.peers || []).find((q) => q.peerId === id);
    if (!p) return `${file}: ${id} is not listed (want it ${state})`;
    if (p.connectionState !== state) return `${file}: ${id} is ${p.connectionState}, want ${state}`;
  }
  if (opts.peers >= 0 && peers.length !== opts.peers)
    return `${file}: ${peers.length} peers listed, want ${opts.peers}`;
  if (opts.signaling && doc.signalingState !== opts.signaling)
    return `${file}: signaling is ${doc.signalingState}, want ${opts.signaling}`;
  if (opts.participants >= 0 && doc.participants !== opts.participants)
    return `${file}: ${doc.participants} participants, want ${opts.participants}`;
  for (const p of peers) {
    if (opts.maxFirstFrame >= 0 && p.firstFrameAt != null && doc.joinedAt != null &&
        p.firstFrameAt - doc.joinedAt > opts.maxFirstFrame)
      return `FATAL ${file}: first frame from ${p.name} ${(p.firstFrameAt - doc.joinedAt).toFixed(3)} s after joining, want <= ${opts.maxFirstFrame}`;
    if (p.connectionState !== 'connected') return `${file}: ${p.name} is ${p.connectionState}`;
    if (p.videoFramesDecoded < opts.minFrames) return `${file}: ${p.name} decoded ${p.videoFramesDecoded} frames`;
    if (p.audioPacketsReceived < opts.minAudio) return `${file}: ${p.name} sent ${p.audioPacketsReceived} audio packets`;
    if (opts.width && (p.width !== opts.width || p.height !== opts.height))
      return `${file}: ${p.name} video is ${p.width}x${p.height}, want ${opts.width}x${opts.height}`;
    if (opts.candidateType &&
        (p.localCandidateType !== opts.candidateType || p.remoteCandidateType !== opts.candidateType))
      return `${file}: pair to ${p.name} is ${p.localCandidateType}/${p.remoteCandidateType}, want ${opts.candidateType}`;
  }
  return null;
}

function counts(file) {
  const doc = read(file) || { peers: [] };
  const m = {};
  for (const p of doc.peers || []) m[p.peerId] = [p.videoFramesDecoded, p.audioPacketsReceived, p.name];
  return m;
}

const deadline = Date.now() + opts.timeout * 1000;
let snapshot = null;
let snapshotAt = 0;
function poll() {
  const problems = opts.files.map(check).filter((x) => x);
  const fatal = problems.find((p) => p.startsWith('FATAL '));
  if (fatal) { console.error(fatal.slice(6)); process.exit(1); }
  if (problems.length === 0 && opts.rising) {
    if (!snapshot) { snapshot = opts.files.map(counts); snapshotAt = Date.now(); }
    else if (Date.now() - snapshotAt >= 1500) {
      const now = opts.files.map(counts);
      opts.files.forEach((f, i) => {
        for (const id of Object.keys(now[i])) {
          if (opts.ignore.includes(id)) continue;
          const before = snapshot[i][id];
          if (!before) continue;
          if (now[i][id][0] <= before[0]) problems.push(`${f}: video from ${now[i][id][2]} not rising`);
          if (now[i][id][1] <= before[1]) problems.push(`${f}: audio from ${now[i][id][2]} not rising`);
        }
      });
      if (problems.length === 0) { console.log('ok'); process.exit(0); }
      snapshot = null;
    }
  } else if (problems.length === 0) {
    console.log('ok');
    process.exit(0);
  } else {
    snapshot = null;
  }
  if (Date.now() > deadline) {
    console.error(`timed out after ${opts.timeout} s: ${problems.join('; ') || 'counts not rising'}`);
    process.exit(1);
  }
  setTimeout(poll, 200);
}
poll();

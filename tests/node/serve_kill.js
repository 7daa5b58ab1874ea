#!/usr/bin/env node
// A participant that vanishes (SIGKILL of its process, on websocket and on
// polling, or SIGSTOP so its TCP connection stays open) produces peer-left
// for the others within pingInterval + pingTimeout (plus scheduling slack).
//   node serve_kill.js PORT PING_INTERVAL_MS PING_TIMEOUT_MS
'use strict';

const path = require('path');
const { spawn } = require('child_process');
const h = require('./serve_helpers');

const port = h.portArg();
const interval = Number(process.argv[3]);
const timeout = Number(process.argv[4]);
const SLACK_MS = 400;   // timers and process scheduling on a busy 2-core machine
const children = [];

function startPeer(callId, peerId, transport) {
  const child = spawn(process.execPath, [path.join(__dirname, 'serve_peer.js'), String(port), callId, peerId, transport],
                      { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  child.out = '';
  child.stdout.on('data', (d) => { child.out += d; });
  return child;
}

process.on('exit', () => { for (const c of children) try { c.kill('SIGKILL'); } catch (e) { /* gone */ } });

async function vanish(observers, callId, peerId, transport, signal) {
  const child = startPeer(callId, peerId, transport);
  const seen = observers.map((o) => h.waitFor(o, 'peer-joined', 5000, (p) => p.peerId === peerId, `${o.label}: peer-joined ${peerId}`));
  await h.waitUntil(() => child.out.includes('joined'), 10000, `${peerId} (${transport}) to join`);
  await Promise.all(seen);
  const bound = interval + timeout + SLACK_MS;
  const left = observers.map((o) => h.waitFor(o, 'peer-left', bound + 2000, (p) => p.peerId === peerId, `${o.label}: peer-left ${peerId}`));
  const t0 = Date.now();
  child.kill(signal);
  await Promise.all(left);
  const ms = Date.now() - t0;
  h.log(`${peerId} (${transport}, ${signal}): peer-left after ${ms} ms (bound ${interval}+${timeout}+${SLACK_MS})`);
  h.assert(ms <= bound, `${peerId}: peer-left came after ${ms} ms, more than pingInterval + pingTimeout + slack = ${bound} ms`);
  if (signal !== 'SIGKILL') child.kill('SIGKILL');
}

h.run('serve_kill', async () => {
  const o1 = await h.connect(port, { transports: ['websocket'] }, 'o1');
  const o2 = await h.connect(port, {}, 'o2');
  await h.join(o1, 'k', 'o1');
  await h.join(o2, 'k', 'o2');
  await vanish([o1, o2], 'k', 'victim-ws', 'websocket', 'SIGKILL');
  await vanish([o1, o2], 'k', 'victim-poll', 'polling', 'SIGKILL');
  await vanish([o1, o2], 'k', 'victim-frozen', 'websocket', 'SIGSTOP');
  // The survivors still talk to each other.
  const got = h.waitFor(o2, 'webrtc-signal', 5000, () => true, 'o2: signal from o1');
  o1.emit('webrtc-signal', { targetPeerId: 'o2', signal: h.candidate(1) });
  h.assertEq((await got).fromPeerId, 'o1', 'signal between survivors');
  h.assertEq(o1.left.map((p) => p.peerId), ['victim-ws', 'victim-poll', 'victim-frozen'], 'o1 peer-left events');
  h.assertEq(o1.errors.concat(o2.errors), [], 'call-errors');
  o1.disconnect();
  o2.disconnect();
});

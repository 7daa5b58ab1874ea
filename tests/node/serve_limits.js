#!/usr/bin/env node
// Limits of `meshcall serve`, with the server run as
//   --rate-limit 20 --max-payload 8192 --max-connections 8
// A flooding client is refused (call-error rate-limited, once) but stays
// connected and is served again once it slows down; a message over
// max-payload disconnects its sender only (websocket and polling); the
// connection limit refuses the next client on either transport.
//   node serve_limits.js PORT
'use strict';

const h = require('./serve_helpers');

const port = h.portArg();
const RATE = 20;

h.run('serve_limits', async () => {
  const a = await h.connect(port, { transports: ['websocket'] }, 'a');
  const b = await h.connect(port, { transports: ['websocket'] }, 'b');
  await h.join(a, 'lim', 'a');
  await h.join(b, 'lim', 'b');

  // --- rate: 100 messages at once; the burst (2 x rate) passes, the rest is refused.
  for (let i = 0; i < 100; i++) a.emit('webrtc-signal', { targetPeerId: 'b', signal: h.candidate(i) });
  await h.waitUntil(() => a.errors.length > 0, 5000, 'a: call-error rate-limited');
  const marker = h.candidate(99999);
  // Once tokens are back, signals flow again (polls with acked sends, bounded).
  await h.waitUntil(async () => {
    const ack = await a.timeout(2000).emitWithAck('webrtc-signal', { targetPeerId: 'b', signal: marker });
    return ack.ok;
  }, 5000, 'a: an acked signal to be accepted again after the flood');
  await h.waitUntil(() => b.signals.some((m) => m.signal.candidate.candidate === marker.candidate.candidate), 3000,
                    'b: the signal after the flood');
  const passed = b.signals.length - 1;
  h.log(`flood of 100: ${passed} relayed, ${a.errors.length} call-error(s): ${a.errors[0].message}`);
  h.assert(passed >= RATE && passed <= 2 * RATE + 10, `relayed ${passed} of the flood, expected about ${2 * RATE}`);
  h.assertEq(a.errors.map((e) => e.code), ['rate-limited'], 'call-errors during the flood (one notice)');
  h.assert(a.connected && b.connected, 'flooding client stays connected');

  // --- payload: over max-payload disconnects the sender only, on both transports.
  for (const transports of [['websocket'], ['polling']]) {
    const big = await h.connect(port, { transports }, `big-${transports[0]}`);
    await h.join(big, 'lim', big.label);
    const gone = h.waitFor(a, 'peer-left', 5000, (p) => p.peerId === big.label, `a: peer-left ${big.label}`);
    const down = h.waitFor(big, 'disconnect', 5000, () => true, `${big.label}: disconnect`);
    big.emit('webrtc-signal', { targetPeerId: 'b', signal: { type: 'offer', sdp: 'x'.repeat(9000) } });
    const [reason] = await down;
    await gone;
    h.log(`${big.label}: disconnected (${reason}) after a 9 KB message`);
    big.close();
  }
  // (b, not a: a spent its tokens above.)
  const ok = await b.timeout(2000).emitWithAck('webrtc-signal', { targetPeerId: 'a', signal: h.candidate(5) });
  h.assertEq(ok, { ok: true }, 'a and b unaffected by the oversized messages');

  // --- connections: fill up to 8, the next one is refused.
  const n = (await h.getJson(port, '/health')).body.connections;
  const extra = [];
  for (let i = n; i < 8; i++) extra.push(await h.connect(port, { transports: ['websocket'] }, `extra${i}`));
  h.assertEq((await h.getJson(port, '/health')).body.connections, 8, 'connections at the limit');
  for (const transports of [['websocket'], ['polling']]) {
    const { io } = require('socket.io-client');
    const x = io(`http://127.0.0.1:${port}`, { reconnection: false, transports });
    const err = await h.waitFor(x, 'connect_error', 5000, () => true, `connect_error over max-connections (${transports[0]})`);
    h.log(`connection over the limit (${transports[0]}) refused: ${err.message}`);
    x.close();
  }
  extra.forEach((s) => s.disconnect());
  h.assert(a.connected && b.connected, 'a and b still connected at the end');
  a.disconnect();
  b.disconnect();
});

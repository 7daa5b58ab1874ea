#!/usr/bin/env node
// Stock socket.io-client against `meshcall serve`: default options (polling,
// then the upgrade to websocket), websocket-only and polling-only clients
// connect, join one call, see each other, exchange signals with acks both
// ways, and an unknown namespace is refused.
//   node serve_conformance.js PORT
'use strict';

const h = require('./serve_helpers');

const port = h.portArg();

h.run('serve_conformance', async () => {
  // 1. Default options: starts on polling and upgrades.
  const a = await h.connect(port, {}, 'default');
  h.assertEq(a.firstTransport, 'polling', 'default client: first transport');
  const upgraded = h.waitUntil(() => a.upgrades.length > 0, 5000, 'default client: engine upgrade');
  const ja = await h.join(a, 'conf', 'alice', 'Alice');
  h.assertEq(ja.ack, { ok: true, peers: [] }, 'first join ack');
  h.assertEq(ja.existing, [], 'first existing-peers');
  await upgraded;
  h.assertEq(a.upgrades, ['websocket'], 'default client: upgrades');
  h.assertEq(a.io.engine.transport.name, 'websocket', 'default client transport after upgrade');
  h.log('default client upgraded polling -> websocket');

  // 2. Websocket-only.
  const b = await h.connect(port, { transports: ['websocket'] }, 'websocket-only');
  h.assertEq([b.firstTransport, b.io.engine.transport.name], ['websocket', 'websocket'], 'websocket-only client transport');
  const aSeesB = h.waitFor(a, 'peer-joined', 5000, (p) => p.peerId === 'bob', 'alice: peer-joined bob');
  const jb = await h.join(b, 'conf', 'bob', 'Bob');
  h.assertEq(jb.ack, { ok: true, peers: [{ peerId: 'alice', name: 'Alice' }] }, 'second join ack');
  h.assertEq(jb.existing, [{ peerId: 'alice', name: 'Alice' }], 'second existing-peers');
  h.assertEq(await aSeesB, { peerId: 'bob', name: 'Bob' }, 'peer-joined payload');

  // 3. Polling-only (never upgrades).
  const c = await h.connect(port, { transports: ['polling'] }, 'polling-only');
  const jc = await h.join(c, 'conf', 'carol', 'Carol ☎');
  h.assertEq(jc.existing.map((p) => p.peerId), ['alice', 'bob'], 'third existing-peers, in join order');
  h.assertEq([c.firstTransport, c.io.engine.transport.name, c.upgrades], ['polling', 'polling', []], 'polling-only client transport');

  // 4. Signals every way, client acks answered by the server.
  const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
  const answer = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
  const pairs = [[a, 'alice', b, 'bob'], [b, 'bob', c, 'carol'], [c, 'carol', a, 'alice'], [a, 'alice', c, 'carol']];
  for (const [from, fromId, to, toId] of pairs) {
    const got = h.waitFor(to, 'webrtc-signal', 5000, (m) => m.fromPeerId === fromId, `${toId}: signal from ${fromId}`);
    const ack = await from.timeout(5000).emitWithAck('webrtc-signal', { targetPeerId: toId, signal: offer });
    h.assertEq(ack, { ok: true }, `${fromId} -> ${toId} webrtc-signal ack`);
    h.assertEq(await got, { fromPeerId: fromId, signal: offer }, `${toId} received from ${fromId}`);
  }
  // Without an ack (plain emit), answer and candidate.
  const got = h.waitFor(a, 'webrtc-signal', 5000, (m) => m.signal.type === 'candidate', 'alice: candidate from bob');
  b.emit('webrtc-signal', { targetPeerId: 'alice', signal: answer });
  b.emit('webrtc-signal', { targetPeerId: 'alice', signal: h.candidate(7) });
  h.assertEq(await got, { fromPeerId: 'bob', signal: h.candidate(7) }, 'candidate relayed');
  h.assertEq(a.signals.filter((m) => m.fromPeerId === 'bob').map((m) => m.signal.type),
             ['answer', 'candidate'], 'signals alice got from bob, in order');

  // 5. leave-call with ack; the others get peer-left.
  const bLeft = h.waitFor(b, 'peer-left', 5000, (p) => p.peerId === 'carol', 'bob: peer-left carol');
  const aLeft = h.waitFor(a, 'peer-left', 5000, (p) => p.peerId === 'carol', 'alice: peer-left carol');
  h.assertEq(await c.timeout(5000).emitWithAck('leave-call'), { ok: true }, 'leave-call ack');
  await Promise.all([bLeft, aLeft]);
  // A signal to the peer that left is refused.
  const refused = await a.timeout(5000).emitWithAck('webrtc-signal', { targetPeerId: 'carol', signal: offer });
  h.assertEq(refused.ok, false, 'signal to a peer that left: ok');
  h.assertEq(refused.error, 'not-in-call', 'signal to a peer that left: error');

  // 6. An unknown namespace is refused with CONNECT_ERROR.
  const { io } = require('socket.io-client');
  const x = io(`http://127.0.0.1:${port}/admin`, { reconnection: false, transports: ['websocket'] });
  const err = await h.waitFor(x, 'connect_error', 5000, () => true, '/admin connect_error');
  h.assertEq(err.message, 'Invalid namespace', '/admin connect_error message');
  x.close();

  // 7. Everyone is still fine: disconnecting gives peer-left.
  const aLeftB = h.waitFor(a, 'peer-left', 5000, (p) => p.peerId === 'bob', 'alice: peer-left bob after disconnect');
  b.disconnect();
  await aLeftB;
  h.assertEq(a.errors.map((e) => e.code), ['not-in-call'], 'call-errors seen by alice');
  a.disconnect();
  c.disconnect();
});

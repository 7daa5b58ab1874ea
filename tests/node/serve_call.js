#!/usr/bin/env node
// The call protocol of `meshcall serve` with stock socket.io-client peers:
// three participants see each other, signals are relayed in order, the
// seventh joiner gets call-full, a signal into another call is refused and
// not delivered, every refusal has its code, /health and /stats count right.
// The server must run with --max-calls 3 (default participants: 6).
//   node serve_call.js PORT
'use strict';

const h = require('./serve_helpers');

const port = h.portArg();
const N_SIGNALS = 200;

async function expectRefusal(s, event, payload, code, what) {
  const before = s.errors.length;
  const ack = await s.timeout(5000).emitWithAck(event, payload);
  h.assert(ack && ack.ok === false, `${what}: ack ${JSON.stringify(ack)} should be ok:false`);
  h.assertEq(ack.error, code, `${what}: ack error`);
  h.assert(typeof ack.message === 'string' && ack.message.length > 0, `${what}: ack has a message`);
  // The call-error event comes before the ack on the same connection.
  h.assertEq(s.errors.length, before + 1, `${what}: number of call-error events`);
  h.assertEq(s.errors[before].code, code, `${what}: call-error code`);
  return s.errors[before];
}

h.run('serve_call', async () => {
  // --- three participants see each other
  const p1 = await h.connect(port, { transports: ['websocket'] }, 'p1');
  const p2 = await h.connect(port, {}, 'p2');
  const p3 = await h.connect(port, { transports: ['polling'] }, 'p3');
  h.assertEq((await h.join(p1, 'room', 'p1', 'One')).existing, [], 'p1 existing-peers');
  const p1SeesP2 = h.waitFor(p1, 'peer-joined', 5000, (p) => p.peerId === 'p2', 'p1: peer-joined p2');
  h.assertEq((await h.join(p2, 'room', 'p2', 'Two')).existing, [{ peerId: 'p1', name: 'One' }], 'p2 existing-peers');
  await p1SeesP2;
  const p1SeesP3 = h.waitFor(p1, 'peer-joined', 5000, (p) => p.peerId === 'p3', 'p1: peer-joined p3');
  const p2SeesP3 = h.waitFor(p2, 'peer-joined', 5000, (p) => p.peerId === 'p3', 'p2: peer-joined p3');
  h.assertEq((await h.join(p3, 'room', 'p3', 'Three')).existing,
             [{ peerId: 'p1', name: 'One' }, { peerId: 'p2', name: 'Two' }], 'p3 existing-peers');
  await Promise.all([p1SeesP3, p2SeesP3]);
  h.assertEq(p1.joined, [{ peerId: 'p2', name: 'Two' }, { peerId: 'p3', name: 'Three' }], 'p1 peer-joined events');
  h.assertEq(p2.joined, [{ peerId: 'p3', name: 'Three' }], 'p2 peer-joined events');
  h.assertEq(p3.joined, [], 'p3 peer-joined events');
  h.log('three participants see each other');

  // --- signals in order: p1 and p3 each send N numbered candidates to p2 at once
  for (let i = 0; i < N_SIGNALS; i++) {
    p1.emit('webrtc-signal', { targetPeerId: 'p2', signal: h.candidate(i) });
    p3.emit('webrtc-signal', { targetPeerId: 'p2', signal: h.candidate(1000 + i) });
  }
  await h.waitUntil(() => p2.signals.length >= 2 * N_SIGNALS, 15000, `p2 to receive ${2 * N_SIGNALS} signals`);
  const seq = (from) => p2.signals.filter((m) => m.fromPeerId === from)
    .map((m) => Number(/^candidate:(\d+) /.exec(m.signal.candidate.candidate)[1]));
  h.assertEq(seq('p1'), Array.from({ length: N_SIGNALS }, (_, i) => i), 'order of signals from p1');
  h.assertEq(seq('p3'), Array.from({ length: N_SIGNALS }, (_, i) => 1000 + i), 'order of signals from p3');
  h.assertEq(p2.signals.length, 2 * N_SIGNALS, 'p2 got no extra signals');
  h.assertEq(p1.signals.length + p3.signals.length, 0, 'p1 and p3 got no signals');
  h.log(`${2 * N_SIGNALS} signals relayed in order`);

  // --- a signal into another call is refused and not delivered
  const q1 = await h.connect(port, { transports: ['websocket'] }, 'q1');
  const q2 = await h.connect(port, { transports: ['websocket'] }, 'q2');
  await h.join(q1, 'other', 'q1');
  await h.join(q2, 'other', 'q2');
  await expectRefusal(p1, 'webrtc-signal', { targetPeerId: 'q1', signal: h.candidate(1) }, 'not-in-call',
                      'signal from room to other');
  const marker = h.waitFor(q1, 'webrtc-signal', 5000, () => true, 'q1: marker signal from q2');
  q2.emit('webrtc-signal', { targetPeerId: 'q1', signal: h.candidate(4242) });
  h.assertEq((await marker).fromPeerId, 'q2', 'the first signal q1 got comes from q2 (p1\'s was not delivered)');
  h.assertEq(q1.signals.length, 1, 'q1 got exactly one signal');
  // Someone who has not joined cannot signal anyone.
  const lurker = await h.connect(port, { transports: ['websocket'] }, 'lurker');
  await expectRefusal(lurker, 'webrtc-signal', { targetPeerId: 'p1', signal: h.candidate(1) }, 'not-in-call',
                      'signal before join-call');
  h.log('signal across calls refused');

  // --- validation
  const bad = [
    ['join-call', 'not an object', 'malformed'],
    ['join-call', { peerId: 'x', name: 'X' }, 'malformed'],
    ['join-call', { callId: 5, peerId: 'x', name: 'X' }, 'malformed'],
    ['join-call', { callId: 'a b', peerId: 'x', name: 'X' }, 'malformed'],
    ['join-call', { callId: 'c'.repeat(65), peerId: 'x', name: 'X' }, 'malformed'],
    ['join-call', { callId: 'room', peerId: 'x/y', name: 'X' }, 'malformed'],
    ['join-call', { callId: 'room', peerId: 'x', name: 'tab\there' }, 'malformed'],
    ['join-call', { callId: 'room', peerId: 'x', name: 'n'.repeat(65) }, 'malformed'],
    ['join-call', { callId: 'room', peerId: 'x', name: 'X', token: 7 }, 'malformed'],
    ['join-call', { callId: 'other', peerId: 'q1', name: 'again' }, 'duplicate-peer'],
    ['no-such-event', {}, 'unknown-event'],
  ];
  for (const [event, payload, code] of bad)
    await expectRefusal(lurker, event, payload, code, `${event} ${JSON.stringify(payload).slice(0, 60)}`);
  await expectRefusal(p1, 'join-call', { callId: 'room', peerId: 'p1b', name: 'again' }, 'already-in-call',
                      'second join on one connection');
  const badSignals = [
    [{ targetPeerId: 'p2', signal: { type: 'bogus' } }, 'unknown signal type'],
    [{ targetPeerId: 'p2', signal: { type: 'offer' } }, 'offer without sdp'],
    [{ targetPeerId: 'p2', signal: { type: 'offer', sdp: 'x'.repeat(70 * 1024) } }, 'signal over 64 KiB'],
    [{ targetPeerId: 'p2', signal: 'text' }, 'signal not an object'],
    [{ targetPeerId: 5, signal: h.candidate(1) }, 'targetPeerId not a string'],
    [{ signal: h.candidate(1) }, 'no targetPeerId'],
    [{ targetPeerId: 'p1', signal: h.candidate(1) }, 'signal to oneself'],
  ];
  for (const [payload, what] of badSignals)
    await expectRefusal(p1, 'webrtc-signal', payload, 'malformed', what);
  h.assertEq(p2.signals.length, 2 * N_SIGNALS, 'no refused signal reached p2');
  h.log('validation refusals carry their codes');

  // --- the seventh joiner gets call-full
  const more = [];
  for (let i = 4; i <= 6; i++) {
    const s = await h.connect(port, { transports: ['websocket'] }, `p${i}`);
    await h.join(s, 'room', `p${i}`);
    more.push(s);
  }
  const seventh = await h.connect(port, {}, 'p7');
  const full = await expectRefusal(seventh, 'join-call', { callId: 'room', peerId: 'p7', name: 'Seven' },
                                   'call-full', 'seventh joiner');
  h.assert(/6/.test(full.message), `call-full message names the limit: ${full.message}`);
  h.log('seventh joiner refused: ' + full.message);

  // --- too many calls (--max-calls 3: room and other exist)
  await h.join(seventh, 'third', 'p7', 'Seven');
  await expectRefusal(lurker, 'join-call', { callId: 'fourth', peerId: 'l', name: 'L' }, 'too-many-calls',
                      'a fourth call');

  // --- /health and /stats
  let health = await h.getJson(port, '/health');
  h.assertEq(health.status, 200, '/health status');
  h.assertEq([health.body.status, health.body.calls, health.body.peers, health.body.connections],
             ['ok', 3, 6 + 2 + 1, 10], '/health status, calls, peers, connections');
  h.assert(Number.isInteger(health.body.uptime) && health.body.uptime >= 0, '/health uptime');
  const stats = await h.getJson(port, '/stats');
  h.assertEq(stats.status, 200, '/stats status');
  const perCall = Object.fromEntries(stats.body.perCall.map((c) => [c.callId, [c.participants, c.messagesRelayed]]));
  h.assertEq(perCall, { room: [6, 2 * N_SIGNALS], other: [2, 1], third: [1, 0] }, '/stats perCall');
  h.assertEq(stats.body.messagesRelayed, 2 * N_SIGNALS + 1, '/stats messagesRelayed');
  h.assertEq((await h.getJson(port, '/nope')).status, 404, 'unknown path status');

  // --- leaving updates everyone and the counters
  const left = Promise.all([p1, p3, ...more].map((s) =>
    h.waitFor(s, 'peer-left', 5000, (p) => p.peerId === 'p2', `${s.label}: peer-left p2`)));
  h.assertEq(await p2.timeout(5000).emitWithAck('leave-call'), { ok: true }, 'p2 leave-call ack');
  await left;
  const rejoin = await h.join(p2, 'room', 'p2', 'Two again');
  h.assertEq(rejoin.existing.map((p) => p.peerId), ['p1', 'p3', 'p4', 'p5', 'p6'], 'existing-peers after re-join');
  q1.disconnect();
  q2.disconnect();
  await h.waitUntil(async () => (await h.getJson(port, '/health')).body.calls === 2, 5000,
                    '/health calls to drop to 2 after call "other" emptied');
  for (const s of [p1, p2, p3, ...more, seventh, lurker]) s.disconnect();
  await h.waitUntil(async () => {
    const b = (await h.getJson(port, '/health')).body;
    return b.calls === 0 && b.peers === 0 && b.connections === 0;
  }, 5000, '/health to show an empty server');
});

#!/usr/bin/env node
// Wrong tokens are throttled per source address (docs/protocol.md, "Wrong
// tokens are throttled per source address"). The attacker connects from
// 127.0.0.2, the honest participant from 127.0.0.1 (both loopback, so two
// addresses without a namespace):
//   - the first 3 wrong tokens are refused at once, the 4th only after
//     250 ms or more (held back), as bad-token;
//   - 6 more in parallel make 10 in a minute: the address is blocked, and
//     the RIGHT token from it is then refused unchecked (rate-limited, with
//     how long still);
//   - meanwhile (while those refusals are held back) 127.0.0.1 connects
//     with the right token and joins at once, and again once 127.0.0.2 is
//     blocked;
//   - /stats counts it all.
//   node serve_throttle.js PORT TOKEN
'use strict';

const { io } = require('socket.io-client');
const h = require('./serve_helpers');

const port = h.portArg();
const token = process.argv[3];
const ATTACKER = '127.0.0.2';

// One CONNECT from the attacker's address; resolves with the refusal and how
// long it took (a connect is a failure of the test).
function attempt(tok, label) {
  const t0 = Date.now();
  const s = io(`http://127.0.0.1:${port}`, {
    reconnection: false, timeout: 10000, transports: ['websocket'], localAddress: ATTACKER, auth: { token: tok },
  });
  return new Promise((resolve, reject) => {
    s.once('connect', () => { s.close(); reject(new Error(`${label}: connected, expected a refusal`)); });
    s.once('connect_error', (e) => {
      s.close();
      resolve({ ms: Date.now() - t0, code: e.data && e.data.code, message: e.message });
    });
  });
}

h.run('serve_throttle', async () => {
  for (let i = 1; i <= 4; i++) {
    const r = await attempt('wrong', `wrong token ${i}`);
    h.log(`wrong token ${i}: ${r.code} after ${r.ms} ms`);
    h.assertEq(r.code, 'bad-token', `wrong token ${i}: code`);
    // "At once" is checked in the server's log (serve_throttle.sh), not by the clock.
    if (i <= 3) h.assert(r.ms < 2000, `wrong token ${i} must be refused at once, took ${r.ms} ms`);
    else h.assert(r.ms >= 240, `wrong token ${i} must be held back (250 ms), took ${r.ms} ms`);
  }

  // Failures 5..10 at once: the 10th blocks the address. While their
  // refusals are held back, 127.0.0.1 connects with the right token and
  // joins: it must not wait for them.
  const flood = Promise.all([5, 6, 7, 8, 9, 10].map((i) => attempt(`wrong-${i}`, `wrong token ${i}`)));
  let floodAnswered = null;
  flood.then(() => { floodAnswered = Date.now(); });
  const t0 = Date.now();
  const honest = await h.connect(port, { transports: ['websocket'], auth: { token } }, 'honest');
  const j = await h.join(honest, 'room', 'honest');
  const joinedAt = Date.now();
  h.log(`127.0.0.1 connected and joined in ${joinedAt - t0} ms during the flood from ${ATTACKER}`);
  h.assertEq(j.existing, [], 'the honest join');
  const parallel = await flood;
  h.assert(joinedAt < floodAnswered, 'the honest join waited for the held-back refusals of another address');
  parallel.forEach((r, k) => {
    h.log(`wrong token ${k + 5}: ${r.code} after ${r.ms} ms`);
    h.assertEq(r.code, 'bad-token', `wrong token ${k + 5}: code`);
    h.assert(r.ms >= 240, `wrong token ${k + 5} must be held back, took ${r.ms} ms`);
  });

  // Blocked: the right token from the attacker's address is not even checked.
  const blocked = await attempt(token, 'right token from the blocked address');
  h.log(`right token from ${ATTACKER}: ${blocked.code} after ${blocked.ms} ms: ${blocked.message}`);
  h.assertEq(blocked.code, 'rate-limited', 'the blocked address: code');
  h.assert(/try again in \d+ s/.test(blocked.message) && blocked.message.includes(ATTACKER),
    `the refusal says from where and for how long: ${blocked.message}`);
  h.assert(blocked.ms < 2000, `a blocked address is refused at once, took ${blocked.ms} ms`);

  // Another address is still untouched while this one is blocked.
  const second = await h.connect(port, { transports: ['websocket'], auth: { token } }, 'honest-2');
  await h.join(second, 'room', 'honest-2');
  // A wrong join-call token from the blocked address is refused unchecked too.
  const viaJoin = await h.connect(port, { transports: ['websocket'], localAddress: ATTACKER }, 'attacker-join');
  const ack = await viaJoin.timeout(5000).emitWithAck('join-call', { callId: 'room', peerId: 'x', name: 'x', token });
  h.assertEq([ack.ok, ack.error], [false, 'rate-limited'], 'join-call from the blocked address');

  const st = (await h.getJson(port, `/stats?token=${encodeURIComponent(token)}`)).body;
  h.log(`/stats: authFailures ${st.authFailures}, authDelayed ${st.authDelayed}, authBlocked ${st.authBlocked}, ` +
        `blockedAddresses ${st.blockedAddresses}`);
  h.assertEq([st.authFailures, st.authDelayed, st.authBlocked, st.blockedAddresses], [10, 7, 2, 1], '/stats counters');
  h.assertEq(st.peers, 2, '/stats peers');
  honest.disconnect();
  second.disconnect();
  viaJoin.disconnect();
});

#!/usr/bin/env node
// A server with a shared token (--token s3cret): a wrong token in the
// Socket.IO auth is refused at CONNECT (connect_error, data.code "bad-token");
// a missing or wrong token in join-call gets call-error bad-token; the right
// token in either place gets in. /stats needs the token, /health does not.
//   node serve_token.js PORT TOKEN
'use strict';

const { io } = require('socket.io-client');
const h = require('./serve_helpers');

const port = h.portArg();
const token = process.argv[3];

async function refusedJoin(s, extra, what) {
  const ack = await s.timeout(5000).emitWithAck('join-call', { callId: 't', peerId: s.label, name: s.label, ...extra });
  h.assertEq([ack.ok, ack.error], [false, 'bad-token'], `${what}: ack`);
  await h.waitUntil(() => s.errors.length > 0, 3000, `${what}: call-error`);
  h.assertEq(s.errors[0].code, 'bad-token', `${what}: call-error code`);
  h.log(`${what}: refused: ${s.errors[0].message}`);
}

h.run('serve_token', async () => {
  for (const transports of [['websocket'], ['polling', 'websocket']]) {
    const x = io(`http://127.0.0.1:${port}`, { reconnection: false, transports, auth: { token: 'wrong' } });
    const err = await h.waitFor(x, 'connect_error', 5000, () => true, 'connect_error for a wrong auth token');
    h.assert(/bad-token/.test(err.message), `connect_error message names the reason: ${err.message}`);
    h.assertEq(err.data, { code: 'bad-token' }, 'connect_error data');
    x.close();
  }

  const none = await h.connect(port, { transports: ['websocket'] }, 'no-token');
  await refusedJoin(none, {}, 'join without a token');
  const wrong = await h.connect(port, {}, 'wrong-token');
  await refusedJoin(wrong, { token: token + 'x' }, 'join with a wrong token');

  const viaAuth = await h.connect(port, { auth: { token } }, 'auth-token');
  await h.join(viaAuth, 't', 'auth-token');
  const viaJoin = await h.connect(port, { transports: ['websocket'] }, 'join-token');
  const j = await h.join(viaJoin, 't', 'join-token', 'join-token', { token });
  h.assertEq(j.existing.map((p) => p.peerId), ['auth-token'], 'existing-peers with tokens');
  // A right auth token with a wrong join token is still refused.
  const mixed = await h.connect(port, { auth: { token } }, 'mixed');
  await refusedJoin(mixed, { token: 'nope' }, 'right auth, wrong join token');

  h.assertEq((await h.getJson(port, '/health')).status, 200, '/health without a token');
  h.assertEq((await h.getJson(port, '/stats')).status, 401, '/stats without a token');
  h.assertEq((await h.getJson(port, '/stats?token=nope')).status, 401, '/stats with a wrong token');
  const st = await h.getJson(port, `/stats?token=${encodeURIComponent(token)}`);
  h.assertEq([st.status, st.body.peers], [200, 2], '/stats with ?token');
  h.assertEq((await h.getJson(port, '/stats', { Authorization: `Bearer ${token}` })).status, 200, '/stats with a bearer token');
  for (const s of [none, wrong, viaAuth, viaJoin, mixed]) s.disconnect();
});

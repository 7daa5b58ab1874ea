#!/usr/bin/env node
// meshcall's Engine.IO / Socket.IO server layer (eio_server.c, run by
// tests/tools/mc-eio-echo) against stock socket.io-client on every transport
// setting: acks in both directions (client emitWithAck answered by the server,
// server emit-with-ack answered by the client, and its timeout), CONNECT_ERROR
// with data from the authorize hook, and a server-side disconnect.
//   node serve_eio.js PORT
'use strict';

const { io } = require('socket.io-client');
const h = require('./serve_helpers');

const port = h.portArg();

h.run('serve_eio', async () => {
  for (const transports of [undefined, ['websocket'], ['polling']]) {
    const what = transports ? transports.join('+') : 'default';
    const s = await h.connect(port, transports ? { transports } : {}, what);

    // client -> server ack, several arguments, unicode and nesting
    const args = [{ a: 1, list: [true, null, 2.5] }, 'héllo ☎', 42];
    h.assertEq(await s.timeout(3000).emitWithAck('echo', ...args), args, `${what}: echo ack`);

    // server -> client ack
    s.on('question', (text, cb) => { if (text !== 'ignore me') cb({ got: text }, 'second'); });
    const answer = h.waitFor(s, 'answer', 3000, () => true, `${what}: answer`);
    s.emit('ask', { text: 'ping?' });
    h.assertEq(await answer, [{ got: 'ping?' }, 'second'], `${what}: server saw the client's ack`);

    // server -> client ack that never comes: the server's timeout fires
    const none = h.waitFor(s, 'answer', 3000, () => true, `${what}: answer after the ack timeout`);
    s.emit('ask', { text: 'ignore me', timeout: 200 });
    h.assertEq(await none, null, `${what}: the server's ack timeout`);

    // disconnect from the server side
    const gone = h.waitFor(s, 'disconnect', 3000, () => true, `${what}: disconnect`);
    s.emit('kick');
    const [reason] = await gone;
    h.assertEq(reason, 'io server disconnect', `${what}: disconnect reason`);
    if (!transports) h.assertEq(s.upgrades, ['websocket'], 'default client upgraded before the kick');
    h.log(`${what}: acks both ways, ack timeout, server disconnect`);
  }

  const x = io(`http://127.0.0.1:${port}`, { reconnection: false, auth: { deny: 'not-today' } });
  const err = await h.waitFor(x, 'connect_error', 3000, () => true, 'connect_error');
  h.assertEq([err.message, err.data], ['denied by request', { code: 'not-today' }], 'connect_error from authorize');
  x.close();
});

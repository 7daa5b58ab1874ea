#!/usr/bin/env node
// A stock socket.io-client participant in its own process, for tests that
// kill or freeze it: joins CALL as PEER and prints "joined" on stdout.
//   node serve_peer.js PORT CALL PEER [websocket|polling|default]
'use strict';

const { io } = require('socket.io-client');

const [port, callId, peerId, transport = 'default'] = process.argv.slice(2);
const opts = { reconnection: false };
if (transport !== 'default') opts.transports = [transport];
const s = io(`http://127.0.0.1:${port}`, opts);
s.on('connect', async () => {
  const ack = await s.timeout(5000).emitWithAck('join-call', { callId, peerId, name: peerId });
  if (!ack.ok) {
    console.error(`serve_peer ${peerId}: join refused: ${JSON.stringify(ack)}`);
    process.exit(1);
  }
  console.log('joined');
});
s.on('connect_error', (e) => {
  console.error(`serve_peer ${peerId}: ${e.message}`);
  process.exit(1);
});

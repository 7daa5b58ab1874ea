#!/usr/bin/env node
// Joins a call once with a stock socket.io-client and prints the outcome as
// one JSON line: {"ok":true,...} (the join-call ack), or
// {"ok":false,"error":CODE,...}; exits 0 either way (2 on a usage error,
// 1 when the server cannot be reached). For tests of who may take a seat.
//   node join_as.js URL CALL_ID PEER_ID [--resume SECRET] [--stay]
// --stay: remain in the call until killed (after printing).
'use strict';
const { io } = require('socket.io-client');

const [url, callId, peerId, ...rest] = process.argv.slice(2);
if (!url || !callId || !peerId) {
  console.error('usage: node join_as.js URL CALL_ID PEER_ID [--resume SECRET] [--stay]');
  process.exit(2);
}
const resume = rest.includes('--resume') ? rest[rest.indexOf('--resume') + 1] : undefined;
const stay = rest.includes('--stay');
const s = io(url, { reconnection: false, timeout: 5000, transports: ['websocket'] });
const timer = setTimeout(() => { console.error('join_as: no answer within 10 s'); process.exit(1); }, 10000);
s.on('connect_error', (e) => { console.error(`join_as: cannot connect: ${e.message}`); process.exit(1); });
s.on('connect', async () => {
  const payload = { callId, peerId, name: peerId };
  if (resume !== undefined) payload.resume = resume;
  const ack = await s.emitWithAck('join-call', payload);
  clearTimeout(timer);
  console.log(JSON.stringify(ack));
  if (!stay) { s.close(); process.exit(0); }
});

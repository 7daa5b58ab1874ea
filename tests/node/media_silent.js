#!/usr/bin/env node
// A participant that never answers: joins CALL with stock socket.io-client
// and ignores every offer. Prints one line per offer received:
//   offer FROM N UFRAG MS_SINCE_JOIN
//   node media_silent.js URL CALL PEER_ID
'use strict';

const { io } = require('socket.io-client');

const [url, callId, peerId] = process.argv.slice(2);
const s = io(url, { reconnection: false, transports: ['websocket'] });
const offers = {};
let joinedAt = 0;

s.on('connect', async () => {
  const ack = await s.timeout(5000).emitWithAck('join-call', { callId, peerId, name: peerId });
  if (!ack.ok) {
    console.error(`silent: join refused: ${JSON.stringify(ack)}`);
    process.exit(1);
  }
  joinedAt = Date.now();
  console.log(`joined ${(ack.peers || []).length}`);
});
s.on('webrtc-signal', (msg) => {
  if (!msg || !msg.signal || msg.signal.type !== 'offer') return;
  const from = msg.fromPeerId;
  offers[from] = (offers[from] || 0) + 1;
  const ufrag = (/a=ice-ufrag:(\S+)/.exec(msg.signal.sdp || '') || [])[1] || '-';
  console.log(`offer ${from} ${offers[from]} ${ufrag} ${Date.now() - joinedAt}`);
});
s.on('connect_error', (e) => {
  console.error(`silent: ${e.message}`);
  process.exit(1);
});

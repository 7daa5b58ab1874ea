#!/usr/bin/env node
// A rogue participant: joins CALL through the signaling server with stock
// socket.io-client and answers every offer, and greets every peer, with
// garbage SDP and ICE candidates. Prints "sent N" after its first round.
//   node media_rogue.js URL CALL PEER_ID
'use strict';

const { io } = require('socket.io-client');

const [url, callId, peerId] = process.argv.slice(2);
const s = io(url, { reconnection: false, transports: ['websocket'] });
let sent = 0;

const garbage = [
  { type: 'offer', sdp: 'v=0\r\nthis is not SDP\r\n' },
  { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n' },
  { type: 'answer', sdp: 12345 },
  { type: 'candidate', candidate: { candidate: 'candidate:garbage here', sdpMLineIndex: 0 } },
  { type: 'candidate', candidate: { candidate: 'candidate:1 1 UDP 99 999.1.1.1 99999 typ host', sdpMid: 'video0' } },
  { type: 'nonsense' },
];

function pester(target) {
  for (const signal of garbage) {
    s.emit('webrtc-signal', { targetPeerId: target, signal });
    sent++;
  }
}

s.on('connect', async () => {
  const ack = await s.timeout(5000).emitWithAck('join-call', { callId, peerId, name: peerId });
  if (!ack.ok) {
    console.error(`rogue: join refused: ${JSON.stringify(ack)}`);
    process.exit(1);
  }
  for (const p of ack.peers || []) pester(p.peerId);
  console.log(`sent ${sent}`);
});
s.on('webrtc-signal', (msg) => {
  // Whatever they send (their offer to us, candidates): answer with garbage.
  if (msg && msg.signal && msg.signal.type === 'offer') {
    s.emit('webrtc-signal', { targetPeerId: msg.fromPeerId,
                              signal: { type: 'answer', sdp: 'v=0\r\ngarbage answer\r\n' } });
    sent++;
  }
});
s.on('connect_error', (e) => {
  console.error(`rogue: ${e.message}`);
  process.exit(1);
});

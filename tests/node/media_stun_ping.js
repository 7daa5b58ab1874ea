#!/usr/bin/env node
// Waits until a STUN/TURN server answers a Binding request on UDP.
//   node media_stun_ping.js HOST PORT TIMEOUT_S   (exit 0: answered; 1: not within TIMEOUT_S)
'use strict';
const dgram = require('dgram');
const crypto = require('crypto');

const [host, port, timeoutS] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] || 5)];
const sock = dgram.createSocket('udp4');
const tid = crypto.randomBytes(12);
const req = Buffer.alloc(20);
req.writeUInt16BE(0x0001, 0);      // Binding request
req.writeUInt16BE(0, 2);           // no attributes
req.writeUInt32BE(0x2112a442, 4);  // magic cookie
tid.copy(req, 8);

sock.on('message', (msg) => {
  if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(tid)) {
    console.log('answered');
    process.exit(0);
  }
});
sock.on('error', () => {});
const timer = setInterval(() => sock.send(req, port, host), 100);
sock.send(req, port, host);
setTimeout(() => {
  clearInterval(timer);
  console.error(`no STUN answer from ${host}:${port} within ${timeoutS} s`);
  process.exit(1);
}, timeoutS * 1000);

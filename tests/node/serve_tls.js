#!/usr/bin/env node
// `meshcall serve --tls-cert/--tls-key` seen by clients that are not
// meshcall, while a call goes on through the same server:
// 1. stock socket.io-client trusting the test CA (its `ca` option) joins a
//    call over wss:// (websocket only) and over https:// (polling, then the
//    upgrade to websocket); without `ca` it is refused (certificate error);
// 2. a plain HTTP request on the TLS port is answered 400 in plain text,
//    saying to use https:// or wss://;
// 3. bytes that are not TLS are closed at once, with nothing sent back; a
//    client that connects and closes (a port check) is not counted;
// 4. a client that connects and sends nothing, one that sends the first
//    bytes of a ClientHello and stalls, and one that sends a whole
//    ClientHello (a real one, from fuzz/corpora/fuzz_tls_hello) and never
//    answers the server's, so that its handshake is under way, are closed
//    by the header timeout (not before it, and within 2 s after); while 16
//    such hanging handshakes from 127.0.0.5 are open (more than GTask's 10
//    threads, which each running handshake holds; at most 4 from one
//    address run at once),
//    an https request from 127.0.0.1 is answered;
// 5. /stats over https counts them (tlsFailed, tlsPlainHttp, timedOut).
//   node serve_tls.js PORT HEADER_TIMEOUT_MS CA_FILE
'use strict';

const fs = require('fs');
const path = require('path');
const https = require('https');
const net = require('net');
const { io } = require('socket.io-client');
const h = require('./serve_helpers');

const port = h.portArg();
const TIMEOUT = Number(process.argv[3]);
const ca = fs.readFileSync(process.argv[4]);
const origin = `https://127.0.0.1:${port}`;

// A stock client over TLS; resolves once connected, rejects with connect_error.
function sioConnect(label, opts) {
  const s = io(origin, { reconnection: false, timeout: 5000, ...opts });
  s.label = label;
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', (e) => {
      s.close();
      reject(new Error(`${label}: connect_error: ${e.message}${e.description ? ` (${e.description.message || e.description})` : ''}`));
    });
  });
}

async function sioJoin(label, opts, callId) {
  const s = await sioConnect(label, opts);
  const ack = await s.timeout(5000).emitWithAck('join-call', { callId, peerId: label, name: label });
  h.assert(ack && ack.ok === true, `${label}: join-call over TLS answered ${JSON.stringify(ack)}`);
  return s;
}

// A raw TCP connection: sends `bytes` (nothing when null) and resolves with
// what came back and when it closed (ms after connecting).
function raw(bytes, what, limitMs, from = '127.0.0.1', onData = null) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const sock = net.connect({ port, host: '127.0.0.1', localAddress: from });
    let answer = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`${what}: still open after ${limitMs} ms`)); }, limitMs);
    sock.on('connect', () => { if (bytes) sock.write(bytes); });
    sock.on('data', (b) => { answer = Buffer.concat([answer, b]); if (onData) onData(); });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ answer: answer.toString('latin1'), lived: Date.now() - t0, closedAt: Date.now() });
    });
  });
}

function getStats() {
  return new Promise((resolve, reject) => {
    https.get(`${origin}/stats`, { ca }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  });
}

h.run('serve_tls', async () => {
  const before = (await getStats()).http;

  // 1. stock socket.io-client.
  const ws = await sioJoin('sio-wss', { ca, transports: ['websocket'] }, 'tls-sio');
  h.assertEq(ws.io.engine.transport.name, 'websocket', 'transport of the wss client');
  const poll = await sioJoin('sio-https', { ca }, 'tls-sio');
  await h.waitUntil(() => poll.io.engine.transport.name === 'websocket', 5000, 'the https client\'s upgrade to websocket');
  const joined = h.waitFor(ws, 'webrtc-signal', 5000, () => true, 'a signal relayed over TLS');
  await poll.timeout(5000).emitWithAck('webrtc-signal', { targetPeerId: 'sio-wss', signal: h.candidate(1) });
  const relayed = await joined;
  h.assertEq(relayed.fromPeerId, 'sio-https', 'sender of the relayed signal');
  h.log('socket.io-client: joined over wss:// and over https:// (polling, upgraded), a signal relayed between them');
  ws.close();
  poll.close();
  let refused = null;
  await sioConnect('sio-no-ca', { transports: ['websocket'] }).then((s) => s.close(), (e) => { refused = e.message; });
  h.assert(refused && /certificate|self.signed|verify/i.test(refused),
    `socket.io-client without the CA should be refused for the certificate, got ${refused || 'a connection'}`);
  h.log(`socket.io-client without the CA: ${refused}`);

  // 2. plain HTTP on the TLS port.
  const plain = await raw('GET /health HTTP/1.1\r\nHost: x\r\n\r\n', 'plain HTTP request', 3000);
  h.assert(/^HTTP\/1\.1 400 /.test(plain.answer), `plain HTTP should get 400, got ${JSON.stringify(plain.answer.slice(0, 60))}`);
  h.assert(plain.answer.includes('use https:// or wss://'), `the 400 should say to use https:// or wss://: ${plain.answer}`);
  h.log('plain HTTP on the TLS port: 400, "use https:// or wss://"');

  // 3. not TLS at all.
  const junk = await raw(Buffer.from('\x00\x01\x02 not a handshake\r\n', 'latin1'), 'garbage', 2000);
  h.assertEq(junk.answer, '', 'what the server sent a non-TLS client');
  h.log(`garbage: closed after ${junk.lived} ms, nothing sent`);
  await new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.end());
    s.on('close', resolve);
    s.on('error', () => {});
  });

  // 4. slow ones: silent, a ClientHello header announcing 512 bytes then nothing, a whole ClientHello then nothing.
  const hello = fs.readFileSync(path.join(__dirname, '..', '..', 'fuzz', 'corpora', 'fuzz_tls_hello', 'good-client-hello-tls13'));
  let answered = 0;
  let started;
  const handshakeStarted = new Promise((resolve) => { started = resolve; });
  const hangers = [];
  for (let i = 0; i < 16; i++)
    hangers.push(raw(hello, `hanging handshake ${i} from 127.0.0.5`, TIMEOUT + 3000, '127.0.0.5', () => { if (++answered === 4) started(); }));
  const slow = Promise.all([
    raw(null, 'silent client', TIMEOUT + 3000),
    raw(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]), 'stalled ClientHello', TIMEOUT + 3000),
    raw(hello, 'handshake left hanging', TIMEOUT + 3000),
  ]);
  await handshakeStarted;
  await getStats();
  const servedAt = Date.now();
  const hung = await Promise.all(hangers);
  h.assert(hung.every((r) => r.closedAt > servedAt), 'an https request waited for the hanging handshakes of another address');
  h.log('an https request from 127.0.0.1 was answered while 16 handshakes from 127.0.0.5 hung');
  const [silent, stalled, handshaking] = await slow;
  h.assert(/^\x16\x03/.test(handshaking.answer), 'the server did not answer a whole ClientHello with its handshake');
  handshaking.answer = '';
  for (const [what, r] of [['silent client', silent], ['stalled ClientHello', stalled], ['handshake left hanging', handshaking]]) {
    h.assert(r.lived >= TIMEOUT - 100, `${what} closed after ${r.lived} ms, before the header timeout (${TIMEOUT} ms)`);
    h.assert(r.lived <= TIMEOUT + 2000, `${what} closed after ${r.lived} ms, over 2 s past the header timeout`);
    h.assertEq(r.answer, '', `what the server sent the ${what}`);
  }
  h.log(`closed after: silent client ${silent.lived} ms, stalled ClientHello ${stalled.lived} ms, handshake left hanging ` +
        `${handshaking.lived} ms (header timeout ${TIMEOUT} ms)`);

  // 5. the counters.
  const after = (await getStats()).http;
  h.assertEq(after.tlsFailed - before.tlsFailed, 2, 'tlsFailed increase (the client without the CA, garbage)');
  h.assertEq(after.tlsPlainHttp - before.tlsPlainHttp, 1, 'tlsPlainHttp increase');
  h.assertEq(after.timedOut - before.timedOut, 19, 'timedOut increase (silent, stalled, 17 handshakes left hanging)');
  h.log(`/stats http: ${JSON.stringify(after)}`);
});

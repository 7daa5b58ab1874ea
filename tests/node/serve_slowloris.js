#!/usr/bin/env node
// Slowloris against `meshcall serve`, run as
//   --header-timeout TIMEOUT_MS --max-pending-per-address CAP
// 1. 3 x CAP connections from 127.0.0.3 dribble a request head that never
//    ends (a header line every 300 ms). At most CAP are kept: the rest are
//    refused at once (503); the kept ones are answered 408 and closed after
//    the header timeout (not before, and within 2.5 s after). Meanwhile
//    /health answers from 127.0.0.1 and two stock socket.io-clients in a
//    call relay signals. Beside them, 5 idle connections from 127.0.0.5
//    that send nothing at all are answered 408 and closed after the header
//    timeout too.
// 2. CAP dribblers from 127.0.0.4, held for more than a second: a plain
//    request from that address is then served, and exactly one dribbler
//    (the oldest) was closed (503) to make room for it.
// /stats' counters agree with what the clients saw.
//   node serve_slowloris.js PORT TIMEOUT_MS CAP
'use strict';

const net = require('net');
const h = require('./serve_helpers');

const port = h.portArg();
const TIMEOUT = Number(process.argv[3]);
const CAP = Number(process.argv[4]);

// A raw connection from `from` that sends a request head slowly and never
// finishes it. Resolves (via .done) with what happened to it.
function dribbler(from, silent = false) {
  const t0 = Date.now();
  const sock = net.connect({ host: '127.0.0.1', port, localAddress: from });
  const d = { sock, t0, answer: '', closedAt: null, connected: false };
  let timer = null;
  d.done = new Promise((resolve) => {
    sock.on('connect', () => {
      d.connected = true;
      if (silent) return;
      sock.write('GET /health HTTP/1.1\r\nHost: slow\r\n');
      timer = setInterval(() => sock.write('X-Dribble: a\r\n'), 300);
    });
    sock.on('data', (b) => { d.answer += b.toString('latin1'); });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearInterval(timer);
      d.closedAt = Date.now();
      d.status = (d.answer.match(/^HTTP\/1\.1 (\d{3})/) || [])[1] || 'none';
      d.lived = d.closedAt - d.t0;
      resolve(d);
    });
  });
  return d;
}

// A complete GET /health from `from`; resolves with the status code.
function plainGet(from, path = '/health') {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port, localAddress: from });
    let text = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`${from}: GET ${path} got no answer in 3 s`)); }, 3000);
    sock.on('connect', () => sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
    sock.on('data', (b) => { text += b.toString('latin1'); });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve((text.match(/^HTTP\/1\.1 (\d{3})/) || [])[1] || 'none');
    });
  });
}

// While `until` is pending: /health every 200 ms from 127.0.0.1 and a signal
// a -> b every 200 ms, each answered within 5 s (a bound for a loaded machine).
async function servedMeanwhile(a, b, until) {
  let over = false;
  let n = 0;
  until.then(() => { over = true; });
  while (!over) {
    const t = Date.now();
    const res = await h.getJson(port, '/health');
    h.assertEq(res.status, 200, '/health from 127.0.0.1 during the attack');
    const sig = h.candidate(1000 + n);
    const got = h.waitFor(b, 'webrtc-signal', 5000, (m) => m.signal.candidate.candidate === sig.candidate.candidate,
                          `b: signal ${n} during the attack`);
    a.emit('webrtc-signal', { targetPeerId: 'b', signal: sig });
    await got;
    h.assert(Date.now() - t < 5000, `/health and a signal took ${Date.now() - t} ms during the attack`);
    n++;
    await new Promise((r) => setTimeout(r, 200));
  }
  return n;
}

h.run('serve_slowloris', async () => {
  const a = await h.connect(port, {}, 'a');
  const b = await h.connect(port, {}, 'b');
  await h.join(a, 'slow', 'a');
  await h.join(b, 'slow', 'b');
  const before = (await h.getJson(port, '/stats')).body.http;

  // --- 1: 3 x CAP dribblers from one address.
  const ds = [];
  for (let i = 0; i < 3 * CAP; i++) ds.push(dribbler('127.0.0.3'));
  const idle = [];
  for (let i = 0; i < 5; i++) idle.push(dribbler('127.0.0.5', true));
  const all = Promise.all(ds.map((d) => d.done));
  const idleDone = Promise.all(idle.map((d) => d.done));
  const bound = new Promise((_, reject) => setTimeout(() => reject(new Error(
    `dribblers still open ${TIMEOUT + 5000} ms after they connected: ${ds.filter((d) => !d.closedAt).length} of ${ds.length}`)),
    TIMEOUT + 5000));
  const rounds = await servedMeanwhile(a, b, Promise.race([all, bound]).catch(() => {}));
  const res = await Promise.race([all, bound]);
  const timedOut = res.filter((d) => d.status === '408');
  // Told apart by the answer, not by timing (the machine may be loaded).
  const refused = res.filter((d) => d.status === '503' && d.answer.includes('too many connections from this address'));
  const closed = res.filter((d) => d.status === '503' && d.answer.includes('waited too long'));
  const span = (ds) => (ds.length ? `${Math.min(...ds.map((d) => d.lived))}-${Math.max(...ds.map((d) => d.lived))} ms` : '-');
  h.log(`1: ${res.length} dribblers: ${timedOut.length} closed with 408 after ${span(timedOut)}, ` +
        `${refused.length} refused at once (503), ${closed.length} closed later to make room; ` +
        `${rounds} rounds of /health + signal served meanwhile`);
  h.assertEq(timedOut.length + refused.length + closed.length, 3 * CAP, 'dribblers answered 408 or 503');
  h.assert(timedOut.length >= 1 && timedOut.length <= CAP,
           `${timedOut.length} dribblers were kept until the header timeout, expected 1..${CAP} (the per-address cap)`);
  for (const d of timedOut) {
    h.assert(d.lived >= TIMEOUT - 50 && d.lived <= TIMEOUT + 2500,
             `a dribbler was closed after ${d.lived} ms, expected ${TIMEOUT}..${TIMEOUT + 2500}`);
  }
  h.assert(rounds >= 3, `only ${rounds} rounds of /health + signal during the attack`);
  const idleRes = await Promise.race([idleDone, new Promise((_, reject) => setTimeout(() => reject(new Error(
    `idle connections still open ${TIMEOUT + 5000} ms after they connected`)), TIMEOUT + 5000))]);
  for (const d of idleRes) {
    h.assertEq(d.status, '408', 'the answer to an idle connection');
    h.assert(d.lived >= TIMEOUT - 50 && d.lived <= TIMEOUT + 2500,
             `an idle connection was closed after ${d.lived} ms, expected ${TIMEOUT}..${TIMEOUT + 2500}`);
  }
  h.log(`1: ${idleRes.length} idle connections closed with 408 after ${span(idleRes)}`);

  // --- 2: a busy address still gets a request through: the oldest waiting one makes room.
  const held = [];
  for (let i = 0; i < CAP; i++) held.push(dribbler('127.0.0.4'));
  await h.waitUntil(() => held.every((d) => d.connected), 3000, 'the held dribblers to connect');
  await new Promise((r) => setTimeout(r, 1300));   // past the grace time (1 s)
  h.assert(held.every((d) => d.closedAt === null), 'a held dribbler was closed before the plain request');
  h.assertEq(await plainGet('127.0.0.4'), '200', 'GET /health from the busy address');
  await h.waitUntil(() => held.some((d) => d.closedAt !== null), 5000, 'a held dribbler to make room');
  const gone = held.filter((d) => d.closedAt !== null);
  h.assertEq(gone.length, 1, 'held dribblers closed to make room for one request');
  h.assertEq(gone[0].status, '503', 'the closed dribbler\'s answer');
  h.assert(gone[0].t0 - held[0].t0 < 50, 'the dribbler closed was not one of the oldest');
  h.log(`2: a request from an address with ${CAP} waiting was served; the oldest waiting one was closed (503)`);
  held.forEach((d) => d.sock.destroy());
  await Promise.all(held.map((d) => d.done));

  const after = (await h.getJson(port, '/stats')).body.http;
  h.log(`/stats http: ${JSON.stringify(after)}`);
  h.assertEq(after.timedOut - before.timedOut, timedOut.length + idleRes.length, '/stats timedOut');
  h.assertEq(after.refusedBusyAddress - before.refusedBusyAddress, refused.length, '/stats refusedBusyAddress');
  h.assertEq(after.closedBusyAddress - before.closedBusyAddress, closed.length + 1, '/stats closedBusyAddress');
  h.assert(a.connected && b.connected, 'the signaling clients stayed connected');
  a.disconnect();
  b.disconnect();
});

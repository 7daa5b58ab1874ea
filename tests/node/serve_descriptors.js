#!/usr/bin/env node
// Out of descriptors: `meshcall serve` runs under `ulimit -n LIMIT`, which
// lowered its max-connections to MAX_SESSIONS. Two stock socket.io-clients
// (127.0.0.1) join a call first. The attacker opens 200 sessions from
// 127.0.0.20-23 (websocket: a descriptor each): MAX_SESSIONS - 2 get in, the
// rest are refused; it closes 20 of them (room for one more client later).
// Then it opens idle connections from 127.0.0.10-13 (up to
// max-pending-per-address each, twice what the server may open in all),
// keeps every one it can and reopens each that is closed 100 ms later.
// Over the attack:
//  - the server does run out of descriptors (its fd count reaches LIMIT - 8);
//  - /health from 127.0.0.1 answers 200 every time, each within 5 s;
//  - the call keeps relaying (a signal a -> b every 250 ms, each within 5 s:
//    bounds for a shared, loaded machine, not latency targets),
//    and a third client joins it during the attack and gets a signal;
//  - the server's CPU time stays under 10 % of the attack's duration.
// After it, the server serves normally again.
// EXTRA (default 0): sessions of participants already in other calls (the
// meshcall joins of serve_descriptors.sh), counted in max-connections and
// in /stats' peers.
//   node serve_descriptors.js PORT SERVER_PID LIMIT MAX_SESSIONS PER_ADDRESS SECONDS [EXTRA]
'use strict';

const fs = require('fs');
const net = require('net');
const { io } = require('socket.io-client');
const h = require('./serve_helpers');

const port = h.portArg();
const pid = Number(process.argv[3]);
const LIMIT = Number(process.argv[4]);
const MAX_SESSIONS = Number(process.argv[5]);
const PER_ADDRESS = Number(process.argv[6]);
const SECONDS = Number(process.argv[7]);
const EXTRA = Number(process.argv[8] || 0);

const fdCount = () => fs.readdirSync(`/proc/${pid}/fd`).length;
const HZ = Number(process.env.CLK_TCK || 100);
const cpuMs = () => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / HZ;   // utime + stime
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Holds one idle connection from `from`, forever reopened, until stop().
function attacker(addresses) {
  const st = { open: 0, opened: 0, closed: 0, stopped: false, socks: new Set() };
  const one = (from) => {
    if (st.stopped) return;
    const sock = net.connect({ host: '127.0.0.1', port, localAddress: from });
    let connected = false;
    st.socks.add(sock);
    sock.on('connect', () => { connected = true; st.open++; st.opened++; });
    sock.on('data', () => {});   // flowing: else node never sees the server's close
    sock.on('error', () => {});
    sock.on('close', () => {
      st.socks.delete(sock);
      if (connected) st.open--;
      st.closed++;
      setTimeout(() => one(from), 100);
    });
  };
  for (const from of addresses) for (let i = 0; i < PER_ADDRESS; i++) one(from);
  st.stop = () => {
    st.stopped = true;
    for (const s of st.socks) s.destroy();
  };
  return st;
}

async function timedHealth() {
  const t = Date.now();
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 5000);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: ctl.signal });
    await res.text();
    return { status: res.status, ms: Date.now() - t };
  } catch (e) {
    return { status: `no answer (${e.name})`, ms: Date.now() - t };
  } finally {
    clearTimeout(timer);
  }
}

h.run('serve_descriptors', async () => {
  const a = await h.connect(port, {}, 'a');
  const b = await h.connect(port, {}, 'b');
  await h.join(a, 'fds', 'a');
  await h.join(b, 'fds', 'b');
  await h.waitUntil(() => a.io.engine.transport.name === 'websocket' && b.io.engine.transport.name === 'websocket',
                    5000, 'a and b to upgrade to websocket');
  h.log(`call up; the server has ${fdCount()} descriptors open of ${LIMIT}`);

  // Sessions: no more than max-connections (as lowered) get in.
  const sessions = [];
  let inSessions = 0;
  let refusedSessions = 0;
  for (let i = 0; i < 200; i++) {
    const s = io(`http://127.0.0.1:${port}`,
                 { transports: ['websocket'], reconnection: false, localAddress: `127.0.0.${20 + (i % 4)}` });
    s.once('connect', () => inSessions++);
    s.once('connect_error', () => refusedSessions++);
    sessions.push(s);
  }
  await h.waitUntil(() => inSessions + refusedSessions === 200, 15000, 'the attacker\'s 200 sessions to be answered');
  h.log(`attacker sessions: ${inSessions} in, ${refusedSessions} refused; ${fdCount()} descriptors open`);
  h.assertEq(inSessions, MAX_SESSIONS - 2 - EXTRA,
             `attacker sessions let in (max-connections as lowered, a, b and ${EXTRA} others in)`);
  sessions.filter((s) => s.connected).slice(0, 20).forEach((s) => s.disconnect());
  sessions.filter((s) => !s.connected).forEach((s) => s.close());

  const atk = attacker(['127.0.0.10', '127.0.0.11', '127.0.0.12', '127.0.0.13']);
  await h.waitUntil(() => fdCount() >= LIMIT - 8, 15000, `the server to reach ${LIMIT - 8} descriptors`);
  h.log(`out of descriptors: ${fdCount()} open`);

  const cpu0 = cpuMs();
  const t0 = Date.now();
  const health = [];
  let signals = 0;
  let worstSignal = 0;
  let c = null;
  let cJoined = null;
  while (Date.now() - t0 < SECONDS * 1000) {
    const hres = timedHealth().then((r) => health.push(r));
    const sig = h.candidate(signals);
    const ts = Date.now();
    const got = h.waitFor(b, 'webrtc-signal', 5000, (m) => m.signal.candidate.candidate === sig.candidate.candidate,
                          `b: signal ${signals} during the attack`);
    a.emit('webrtc-signal', { targetPeerId: 'b', signal: sig });
    await got;
    worstSignal = Math.max(worstSignal, Date.now() - ts);
    signals++;
    if (cJoined === null && Date.now() - t0 > 2000) {
      // Default transports: every polling request is a new connection to get accepted.
      const tc = Date.now();
      cJoined = (async () => {
        c = await h.connect(port, { timeout: 10000 }, 'c');
        await h.join(c, 'fds', 'c');
        const toC = h.waitFor(c, 'webrtc-signal', 5000, (m) => m.fromPeerId === 'a', 'c: a signal from a');
        a.emit('webrtc-signal', { targetPeerId: 'c', signal: h.candidate(7) });
        await toC;
        h.log(`c joined during the attack in ${Date.now() - tc} ms (${fdCount()} descriptors open) and got a signal`);
      })();
    }
    await hres;
    await sleep(250);
  }
  const secs = (Date.now() - t0) / 1000;
  const cpu = cpuMs() - cpu0;
  const fdsAtEnd = fdCount();
  atk.stop();
  const bad = health.filter((r) => r.status !== 200);
  const worstHealth = Math.max(...health.map((r) => r.ms));
  h.log(`${secs.toFixed(1)} s of attack: ${health.length} /health (worst ${worstHealth} ms), ${signals} signals ` +
        `(worst ${worstSignal} ms); the attacker opened ${atk.opened} connections, ${atk.closed} were closed, ` +
        `${atk.open} open; ` +
        `server CPU ${cpu} ms (${(cpu / secs / 10).toFixed(1)} %), ${fdsAtEnd} descriptors at the end`);
  h.assertEq(bad.map((r) => r.status), [], '/health answers that were not 200 during the attack');
  h.assert(worstHealth < 5000, `a /health took ${worstHealth} ms`);
  await cJoined;
  h.assert(fdsAtEnd >= LIMIT - 16, `the attack did not hold the server's descriptors (${fdsAtEnd} open at the end)`);
  h.assert(cpu < secs * 100, `the server used ${cpu} ms of CPU in ${secs.toFixed(1)} s (limit 10 %)`);

  // After the attack: the waiting connections are gone and everything works.
  await h.waitUntil(() => fdCount() < MAX_SESSIONS, 15000, 'the server to close the attacker\'s connections');
  const after = await timedHealth();
  h.assertEq(after.status, 200, '/health after the attack');
  const stats = (await h.getJson(port, '/stats')).body;
  h.log(`after: ${fdCount()} descriptors open; /stats http: ${JSON.stringify(stats.http)}`);
  h.assert(stats.http.descriptorShortages >= 1, '/stats counts no descriptor shortage');
  h.assert(stats.http.closedNoDescriptors >= 1, '/stats counts no connection closed to make room');
  h.assertEq(stats.peers, 3 + EXTRA, 'participants in the calls at the end');
  [a, b, c, ...sessions].forEach((s) => s.disconnect());
});

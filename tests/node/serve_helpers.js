// Shared helpers for the `meshcall serve` tests (tests/node/serve_*.js):
// stock socket.io-client connections, bounded waits, assertions that say
// what was expected. Every wait has a timeout; nothing sleeps to synchronise.
'use strict';

const { io } = require('socket.io-client');

let failed = false;

function log(...args) {
  console.log(`[${new Date().toISOString().slice(11, 23)}]`, ...args);
}

function fail(msg) {
  failed = true;
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}

function assert(cond, msg) {
  if (!cond) fail(msg);
}

function assertEq(got, want, what) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) fail(`${what}: got ${g}, expected ${w}`);
}

// Resolves with the args of the first `event` on `emitter` for which
// pred(...args) is true; rejects after ms.
function waitFor(emitter, event, ms = 5000, pred = () => true, what = event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    function handler(...args) {
      if (!pred(...args)) return;
      clearTimeout(timer);
      emitter.off(event, handler);
      resolve(args.length <= 1 ? args[0] : args);
    }
    emitter.on(event, handler);
  });
}

// Polls fn() (sync or async) until it returns truthy; rejects after ms.
async function waitUntil(fn, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// A connected stock socket.io-client socket. Records every call-error,
// peer-joined, peer-left and webrtc-signal it receives.
async function connect(port, opts = {}, label = 'client') {
  const s = io(`http://127.0.0.1:${port}`, { reconnection: false, timeout: 5000, ...opts });
  s.label = label;
  s.errors = [];
  s.joined = [];
  s.left = [];
  s.signals = [];
  s.on('call-error', (e) => s.errors.push(e));
  s.on('peer-joined', (p) => s.joined.push(p));
  s.on('peer-left', (p) => s.left.push(p));
  s.on('webrtc-signal', (m) => s.signals.push(m));
  // The engine exists from io() on: record how it started and every upgrade.
  s.firstTransport = s.io.engine && s.io.engine.transport ? s.io.engine.transport.name : null;
  s.upgrades = [];
  if (s.io.engine) s.io.engine.on('upgrade', (t) => s.upgrades.push(t.name));
  await new Promise((resolve, reject) => {
    s.once('connect', resolve);
    s.once('connect_error', (e) => reject(new Error(`${label}: connect_error: ${e.message}`)));
  });
  return s;
}

// join-call with an ack; returns the ack and the existing-peers payload.
async function join(s, callId, peerId, name = peerId, extra = {}) {
  const existing = waitFor(s, 'existing-peers', 5000, () => true, `${s.label}: existing-peers`);
  const ack = await s.timeout(5000).emitWithAck('join-call', { callId, peerId, name, ...extra });
  assert(ack && ack.ok === true, `${s.label}: join-call ${callId}/${peerId} answered ${JSON.stringify(ack)}`);
  return { ack, existing: await existing };
}

function candidate(n) {
  return {
    type: 'candidate',
    candidate: { candidate: `candidate:${n} 1 udp 2122260223 127.0.0.1 ${10000 + (n % 50000)} typ host`,
                 sdpMid: '0', sdpMLineIndex: 0 },
  };
}

async function getJson(port, path, headers = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch (e) { /* left null */ }
  return { status: res.status, body, text };
}

// Runs the async test body; any exception fails the test with its message.
function run(name, body) {
  const watchdog = setTimeout(() => fail(`${name}: did not finish within 120 s`), 120000);
  body().then(() => {
    clearTimeout(watchdog);
    if (!failed) {
      log(`PASS ${name}`);
      process.exit(0);
    }
  }, (e) => fail(`${name}: ${e && e.stack ? e.stack : e}`));
}

function portArg() {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port <= 0) {
    console.error(`usage: node ${process.argv[1]} PORT [ARGS...]`);
    process.exit(2);
  }
  return port;
}

module.exports = { log, fail, assert, assertEq, waitFor, waitUntil, connect, join, candidate, getJson, run, portArg };

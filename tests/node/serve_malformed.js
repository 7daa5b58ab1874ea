#!/usr/bin/env node
// A corpus of malformed and hostile input against `meshcall serve`: raw
// websocket frames (through the `ws` package that comes with engine.io) and
// raw HTTP polling requests. Each bad client gets what it deserves (a
// disconnect, a call-error, a CONNECT_ERROR or an HTTP 400) while two healthy
// stock clients keep exchanging signals during and after, unaffected.
// Prints "SUMMARY {disconnects, refusals}" for the shell test to compare with
// the server's log (one line per bad client or refused packet).
//   node serve_malformed.js PORT
'use strict';

const WebSocket = require('ws');
const h = require('./serve_helpers');

const port = h.portArg();
const base = `http://127.0.0.1:${port}/socket.io/?EIO=4`;
let maxPayload = 0;
let disconnects = 0;   // server-side "disconnecting it" warnings we expect
let refusals = 0;      // server-side "refused" warnings we expect

// A raw Engine.IO websocket client that records every text frame it gets.
function rawOpen() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    ws.frames = [];
    ws.closed = false;
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '<binary>' : data.toString();
      if (text === '2') ws.send('3');   // keep the heartbeat going like a client
      ws.frames.push(text);
    });
    ws.on('close', (code) => { ws.closed = true; ws.closeCode = code; });
    ws.on('error', () => {});
    ws.once('open', async () => {
      try {
        const open = await h.waitUntil(() => ws.frames.find((f) => f.startsWith('0{')), 3000, 'open packet');
        maxPayload = JSON.parse(open.slice(1)).maxPayload;
        resolve(ws);
      } catch (e) { reject(e); }
    });
    ws.once('error', reject);
  });
}

async function rawConnected(join) {
  const ws = await rawOpen();
  ws.send('40');
  await h.waitUntil(() => ws.frames.find((f) => f.startsWith('40{"sid"')), 3000, 'CONNECT answer');
  if (join) {
    ws.send(`42${'1'}["join-call",{"callId":"corpus","peerId":"${join}","name":"${join}"}]`);
    await h.waitUntil(() => ws.frames.find((f) => f.startsWith('431[{"ok":true')), 3000, `raw ${join} join ack`);
  }
  return ws;
}

// Still served: an ack'd leave-call is answered.
async function assertAlive(ws, what) {
  const id = 900 + Math.floor(Math.random() * 99);
  ws.send(`42${id}["leave-call"]`);
  await h.waitUntil(() => ws.frames.includes(`43${id}[{"ok":true}]`), 3000, `${what}: answer to a probe after it`);
}

function sendFrame(ws, f) {
  if (typeof f === 'string') ws.send(f);
  else if (f.binary) ws.send(f.binary, { binary: true });
  else if (f.rawText) ws.send(f.rawText, { binary: false });
  else if (f.fragments) f.fragments.forEach((p, i) => ws.send(p, { fin: i === f.fragments.length - 1 }));
}

const ev = (name, arg) => `42${JSON.stringify([name, arg])}`;

function corpus() {
  const big = (n) => 'x'.repeat(n);
  return [
    // Frames a Socket.IO server must not survive a client sending: disconnect.
    { name: 'empty frame', frames: [''], expect: 'close' },
    { name: 'unknown engine.io type', frames: ['9hello'], expect: 'close' },
    { name: 'client ping', frames: ['2'], expect: 'close' },
    { name: 'upgrade on an open session', frames: ['5'], expect: 'close' },
    { name: 'empty socket.io packet', frames: ['4'], expect: 'close' },
    { name: 'unknown socket.io type', frames: ['49["x"]'], expect: 'close' },
    { name: 'bad JSON', frames: ['42["join-call",{"callId":'], expect: 'close' },
    { name: 'trailing garbage', frames: ['42["join-call",{}]xyz'], expect: 'close' },
    { name: 'event not an array', frames: ['42{"a":1}'], expect: 'close' },
    { name: 'event empty array', frames: ['42[]'], expect: 'close' },
    { name: 'event name not a string', frames: ['42[1,2]'], expect: 'close' },
    { name: 'ack id overflow', frames: ['4299999999999999["join-call",{}]'], expect: 'close' },
    { name: 'ACK without id', frames: ['43[]'], expect: 'close' },
    { name: 'CONNECT_ERROR from a client', frames: ['44{"message":"x"}'], expect: 'close' },
    { name: 'second CONNECT', frames: ['40'], expect: 'close' },
    { name: 'deep nesting', frames: [`42["join-call",${'['.repeat(5000)}${']'.repeat(5000)}]`], expect: 'close' },
    { name: 'NUL escape in JSON', frames: ['42["join-call",{"callId":"a\\u0000b"}]'], expect: 'close' },
    { name: 'invalid UTF-8 text frame', frames: [{ rawText: Buffer.from([0x34, 0x32, 0xff, 0xfe]) }], expect: 'close' },
    { name: 'binary frame nobody announced', frames: [{ binary: Buffer.from([1, 2, 3]) }], expect: 'close' },
    { name: 'text where an attachment was announced',
      frames: ['451-["webrtc-signal",{"_placeholder":true,"num":0}]', '42["leave-call"]'], expect: 'close' },
    { name: 'binary packet with zero attachments', frames: ['450-["x"]'], expect: 'close' },
    { name: 'placeholder out of range', frames: ['451-["x",{"_placeholder":true,"num":3}]'], expect: 'close' },
    { name: 'frame over maxPayload', frames: () => [big(maxPayload + 10)], expect: 'close' },
    { name: 'fragmented message over maxPayload',
      frames: () => [{ fragments: [big(maxPayload / 2), big(maxPayload / 2), big(maxPayload / 2)] }], expect: 'close' },
    { name: 'event before CONNECT', preConnect: true, frames: [ev('join-call', {})], expect: 'close' },
    { name: 'event to another namespace', frames: ['42/admin,["join-call",{}]'], expect: 'close' },

    // Valid frames with bad payloads: call-error, connection kept.
    { name: 'join-call with a string', frames: [ev('join-call', 'x')], expect: 'call-error', code: 'malformed' },
    { name: 'join-call without payload', frames: ['42["join-call"]'], expect: 'call-error', code: 'malformed' },
    { name: 'join-call wrong types', frames: [ev('join-call', { callId: [], peerId: {}, name: 1 })], expect: 'call-error', code: 'malformed' },
    { name: 'join-call bad callId', frames: [ev('join-call', { callId: '../etc', peerId: 'a', name: 'a' })], expect: 'call-error', code: 'malformed' },
    { name: 'join-call long peerId', frames: [ev('join-call', { callId: 'c', peerId: 'p'.repeat(100), name: 'a' })], expect: 'call-error', code: 'malformed' },
    { name: 'join-call control char in name', frames: [ev('join-call', { callId: 'c', peerId: 'a', name: 'a\u001bb' })], expect: 'call-error', code: 'malformed' },
    { name: 'signal before join', frames: [ev('webrtc-signal', { targetPeerId: 'x', signal: h.candidate(1) })], expect: 'call-error', code: 'not-in-call' },
    { name: 'signal with array payload', join: 'j1', frames: [ev('webrtc-signal', [1, 2])], expect: 'call-error', code: 'malformed' },
    { name: 'signal with bad type', join: 'j2', frames: [ev('webrtc-signal', { targetPeerId: 'x', signal: { type: 'pranswer', sdp: '' } })], expect: 'call-error', code: 'malformed' },
    { name: 'signal candidate wrong shape', join: 'j3', frames: [ev('webrtc-signal', { targetPeerId: 'x', signal: { type: 'candidate', candidate: 5 } })], expect: 'call-error', code: 'malformed' },
    { name: 'signal over 64 KiB', join: 'j4', frames: [ev('webrtc-signal', { targetPeerId: 'x', signal: { type: 'offer', sdp: big(66000) } })], expect: 'call-error', code: 'malformed' },
    { name: 'signal to a stranger', join: 'j5', frames: [ev('webrtc-signal', { targetPeerId: 'healthy-a', signal: h.candidate(1) })], expect: 'call-error', code: 'not-in-call' },
    { name: 'unknown event', frames: [ev('hack-the-planet', { a: 1 })], expect: 'call-error', code: 'unknown-event' },
    { name: 'binary event with attachment',
      frames: ['451-["webrtc-signal",{"_placeholder":true,"num":0}]', { binary: Buffer.from([1, 2, 3]) }],
      expect: 'call-error', code: 'malformed' },
    { name: 'binary ack with attachment',
      frames: ['461-3[{"_placeholder":true,"num":0}]', { binary: Buffer.from([9]) }], expect: 'call-error', code: 'malformed' },

    // Refused CONNECT, and frames that are merely ignored.
    { name: 'CONNECT to another namespace', frames: ['40/admin,'], expect: 'connect-error' },
    { name: 'DISCONNECT from another namespace', frames: ['41/admin,'], expect: 'alive' },
    { name: 'ACK for nothing', frames: ['4312[{"ok":true}]'], expect: 'alive' },
    { name: 'unsolicited pong', frames: ['3'], expect: 'alive' },
    { name: 'noop', frames: ['6'], expect: 'alive' },
  ];
}

async function runEntry(e) {
  const ws = e.preConnect ? await rawOpen() : await rawConnected(e.join);
  const frames = typeof e.frames === 'function' ? e.frames() : e.frames;
  const start = ws.frames.length;
  for (const f of frames) sendFrame(ws, f);
  if (e.expect === 'close') {
    await h.waitUntil(() => ws.closed, 3000, `"${e.name}": server to close the connection`);
    disconnects++;
  } else if (e.expect === 'call-error') {
    const f = await h.waitUntil(() => ws.frames.slice(start).find((x) => x.startsWith('42["call-error"')), 3000,
                                `"${e.name}": call-error`);
    const err = JSON.parse(f.slice(2))[1];
    h.assertEq(err.code, e.code, `"${e.name}": call-error code (message: ${err.message})`);
    await assertAlive(ws, e.name);
    refusals++;
  } else if (e.expect === 'connect-error') {
    const f = await h.waitUntil(() => ws.frames.slice(start).find((x) => x.startsWith('44')), 3000,
                                `"${e.name}": CONNECT_ERROR`);
    h.assertEq(f, '44/admin,{"message":"Invalid namespace"}', `"${e.name}": CONNECT_ERROR packet`);
    await assertAlive(ws, e.name);
    refusals++;
  } else {
    await assertAlive(ws, e.name);
  }
  if (!ws.closed) ws.close();
}

async function http(method, query, body) {
  const res = await fetch(`${base}${query}`, { method, body });
  return { status: res.status, text: await res.text() };
}

async function pollingHandshake() {
  const r = await http('GET', '&transport=polling');
  h.assertEq(r.status, 200, 'polling handshake status');
  return JSON.parse(r.text.slice(1)).sid;
}

// After the server closes a polling session, the next polls may still fetch
// what was queued and then the close packet "1"; after that the sid is unknown.
async function assertSessionGone(sid, what) {
  let r = await http('GET', `&transport=polling&sid=${sid}`);
  let last = null;
  for (let i = 0; i < 2 && r.status === 200; i++) {
    last = r.text;
    r = await http('GET', `&transport=polling&sid=${sid}`);
  }
  if (last !== null) h.assertEq(last, '1', `${what}: the last poll is a close packet`);
  h.assertEq([r.status, r.text], [400, '{"code":1,"message":"Session ID unknown"}'], `${what}: session afterwards`);
}

async function pollingCorpus() {
  const simple = [
    ['GET', '', 400, '{"code":0,"message":"Transport unknown"}'],
    ['GET', '&transport=carrier-pigeon', 400, '{"code":0,"message":"Transport unknown"}'],
    ['GET', '&transport=polling&sid=nonexistent', 400, '{"code":1,"message":"Session ID unknown"}'],
    ['POST', '&transport=polling', 400, '{"code":2,"message":"Bad handshake method"}'],
    ['GET', '&transport=websocket', 400, '{"code":3,"message":"Bad request"}'],
  ];
  for (const [method, q, status, text] of simple) {
    const r = await http(method, q, method === 'POST' ? '40' : undefined);
    h.assertEq([r.status, r.text], [status, text], `${method} ${q || '(no transport)'}`);
  }
  const v3 = await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=3&transport=polling`);
  h.assertEq([v3.status, await v3.text()], [400, '{"code":5,"message":"Unsupported protocol version"}'], 'EIO=3');

  // Session-killing requests: each is one disconnect.
  let sid = await pollingHandshake();
  let r = await http('POST', `&transport=polling&sid=${sid}`, '4garbage\x1e');
  h.assertEq(r.status, 400, 'undecodable polling body status');
  await assertSessionGone(sid, 'undecodable polling body');
  disconnects++;

  sid = await pollingHandshake();
  r = await http('POST', `&transport=polling&sid=${sid}`, '4' + 'x'.repeat(maxPayload + 1));
  h.assertEq(r.status, 413, 'polling body over maxPayload status');
  await assertSessionGone(sid, 'polling body over maxPayload');
  disconnects++;

  sid = await pollingHandshake();
  // Two polls at once: whichever the server parks first is answered with a
  // close packet, the other with 400, and the session ends.
  const both = await Promise.all([http('GET', `&transport=polling&sid=${sid}`), http('GET', `&transport=polling&sid=${sid}`)]);
  h.assertEq(both.map((x) => `${x.status} ${x.text}`).sort(), ['200 1', '400 {"code":3,"message":"Bad request"}'],
             'two overlapping polls');
  await assertSessionGone(sid, 'overlapping poll');
  disconnects++;

  sid = await pollingHandshake();
  r = await http('POST', `&transport=polling&sid=${sid}`, '40\x1e2');
  h.assertEq(r.status, 200, 'client ping over polling: POST status');
  await assertSessionGone(sid, 'client ping over polling');
  disconnects++;

  sid = await pollingHandshake();
  r = await http('PUT', `&transport=polling&sid=${sid}`, '40');
  h.assertEq(r.status, 400, 'PUT on a session');
  await http('POST', `&transport=polling&sid=${sid}`, '1');   // polite close
}

h.run('serve_malformed', async () => {
  // Two healthy clients ping-pong numbered signals for the whole test.
  const a = await h.connect(port, { transports: ['websocket'] }, 'healthy-a');
  const b = await h.connect(port, {}, 'healthy-b');
  await h.join(a, 'healthy', 'healthy-a');
  await h.join(b, 'healthy', 'healthy-b');
  let disconnected = false;
  a.on('disconnect', () => { disconnected = true; });
  b.on('disconnect', () => { disconnected = true; });
  let next = 0;
  let stop = false;
  b.on('webrtc-signal', (m) => b.emit('webrtc-signal', { targetPeerId: 'healthy-a', signal: m.signal }));
  // Paced at ~100 round trips/s, under the server's default rate limit.
  a.on('webrtc-signal', () => {
    if (!stop) setTimeout(() => a.emit('webrtc-signal', { targetPeerId: 'healthy-b', signal: h.candidate(++next) }), 5);
  });
  a.emit('webrtc-signal', { targetPeerId: 'healthy-b', signal: h.candidate(++next) });
  await h.waitUntil(() => next > 20, 5000, 'healthy ping-pong to start');

  const entries = corpus();
  const before = next;
  for (const e of entries) {
    await runEntry(e);
    h.assert(!disconnected, `healthy clients disconnected during "${e.name}"`);
  }
  await pollingCorpus();
  const during = next - before;
  h.log(`${entries.length} websocket corpus entries + polling corpus done; ${during} healthy round trips meanwhile`);
  h.assert(during > 20, `healthy clients made only ${during} round trips during the corpus`);

  const after = next;
  await h.waitUntil(() => next > after + 20, 5000, 'healthy ping-pong to go on after the corpus');
  stop = true;
  // Everything a received came back from b in order, and nobody saw an error.
  const seqs = a.signals.map((m) => Number(/^candidate:(\d+) /.exec(m.signal.candidate.candidate)[1]));
  h.assert(seqs.every((n, i) => n === i + 1), 'healthy signals came back in order');
  h.assertEq(a.errors.concat(b.errors), [], 'call-errors seen by healthy clients');
  h.assert(!disconnected, 'healthy clients stayed connected');
  const health = await h.getJson(port, '/health');
  h.assertEq([health.status, health.body.calls, health.body.peers], [200, 1, 2], '/health after the corpus');
  console.log(`SUMMARY ${JSON.stringify({ disconnects, refusals })}`);
  a.disconnect();
  b.disconnect();
});

#!/usr/bin/env node
// A stock Node `socket.io` 4.x server implementing meshcall's call protocol
// (docs/protocol.md), used to check meshcall's client against the reference
// implementation, by the benchmark (side by side with `meshcall serve`) and
// by media tests that need a signaling server.
//
//   node stock_server.js [--host 127.0.0.1] [--port 0] [--port-file F]
//        [--token T] [--ping-interval MS] [--ping-timeout MS]
//        [--max-participants N] [--resume-grace MS] [--no-resume] [--verbose]
//
// Prints "listening on HOST:PORT" on stdout once it accepts connections and,
// with --port-file, writes the port number to F (atomically). SIGTERM/SIGINT
// close it cleanly.
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');
const { Server } = require('socket.io');

const MAX_SIGNAL_BYTES = 64 * 1024;
const ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const RESUME_RE = /^[A-Za-z0-9_-]{16,128}$/;
const MAX_MISSED = 256;
const crypto = require('crypto');

function usage(msg) {
  if (msg) process.stderr.write(`stock_server: ${msg}\n`);
  process.stderr.write('usage: node stock_server.js [--host H] [--port P] [--port-file F] [--token T]\n' +
                       '         [--ping-interval MS] [--ping-timeout MS] [--max-participants N]\n' +
                       '         [--resume-grace MS] (hold a lost seat for its resume secret; default 5000, 0 = off)\n' +
                       '         [--no-resume] (ignore resume secrets: a plain Socket.IO signaling server, whose\n' +
                       '                        seat is freed only when its connection is seen to end)\n' +
                       '         [--verbose]\n' +
                       '         [--hostile]   (relay any name, control characters included: a server that\n' +
                       '                        does not check, for the clients\' hostile-input tests)\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    host: '127.0.0.1', port: 0, portFile: null, token: null,
    pingInterval: 25000, pingTimeout: 20000, maxParticipants: 6, resumeGrace: 5000, noResume: false, verbose: false, hostile: false,
  };
  const intOpt = (name, v, min) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) usage(`${name} needs an integer >= ${min}, got '${v}'`);
    return n;
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(0, eq) : a;
    const next = () => {
      if (eq > 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) usage(`${key} needs a value`);
      return argv[++i];
    };
    switch (key) {
      case '--host': opts.host = next(); break;
      case '--port': opts.port = intOpt(key, next(), 0); break;
      case '--port-file': opts.portFile = next(); break;
      case '--token': opts.token = next(); break;
      case '--ping-interval': opts.pingInterval = intOpt(key, next(), 1); break;
      case '--ping-timeout': opts.pingTimeout = intOpt(key, next(), 1); break;
      case '--max-participants': opts.maxParticipants = intOpt(key, next(), 1); break;
      case '--resume-grace': opts.resumeGrace = intOpt(key, next(), 0); break;
      case '--verbose': case '-v': opts.verbose = true; break;
      case '--hostile': opts.hostile = true; break;
      case '--no-resume': opts.noResume = true; break;
      case '--help': case '-h': usage(); break;
      default: usage(`unknown option '${a}'`);
    }
  }
  if (opts.port > 65535) usage('--port must be 0..65535');
  return opts;
}

const opts = parseArgs(process.argv);
const log = (...args) => { if (opts.verbose) console.error('stock_server:', ...args); };

// The validators of docs/protocol.md (the same rules as signaling.c).
function validId(s) {
  return typeof s === 'string' && ID_RE.test(s);
}

function validName(s) {
  if (typeof s !== 'string' || s.length === 0) return false;
  const chars = Array.from(s);
  if (chars.length > 64) return false;
  // Control characters are not allowed; lone surrogates are not UTF-8.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(s)) return false;
  return !chars.some((c) => c.length === 1 && c >= '\ud800' && c <= '\udfff');
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function signalProblem(signal) {
  if (!isPlainObject(signal)) return 'signal is not a JSON object';
  if (signal.type === 'offer' || signal.type === 'answer') {
    if (typeof signal.sdp !== 'string') return 'signal of type offer/answer has no string sdp';
  } else if (signal.type === 'candidate') {
    const c = signal.candidate;
    if (c === undefined) return 'signal of type candidate has no candidate member';
    if (c !== null) {
      if (!isPlainObject(c)) return 'signal candidate is neither an object nor null';
      if (typeof c.candidate !== 'string') return 'signal candidate.candidate is missing or not a string';
      if (c.sdpMid !== undefined && c.sdpMid !== null && typeof c.sdpMid !== 'string')
        return 'signal candidate.sdpMid is neither a string nor null';
      if (c.sdpMLineIndex !== undefined && c.sdpMLineIndex !== null &&
          !(Number.isInteger(c.sdpMLineIndex) && c.sdpMLineIndex >= 0 && c.sdpMLineIndex <= 65535))
        return 'signal candidate.sdpMLineIndex is neither an integer 0..65535 nor null';
    }
  } else if (signal.type === 'media-state') {
    // meshcall's extension (docs/protocol.md): mute / camera-off marks.
    if (!['muted', 'live'].includes(signal.audio)) return 'media-state audio must be "muted" or "live"';
    if (!['off', 'live'].includes(signal.video)) return 'media-state video must be "off" or "live"';
  } else {
    return 'signal type is not one of "offer", "answer", "candidate", "media-state"';
  }
  let bytes;
  try {
    bytes = Buffer.byteLength(JSON.stringify(signal), 'utf8');
  } catch (e) {
    return 'signal cannot be serialized';
  }
  if (bytes > MAX_SIGNAL_BYTES) return `signal is ${bytes} bytes of JSON; at most ${MAX_SIGNAL_BYTES} are allowed`;
  return null;
}

// calls: callId -> Map(peerId -> member), in join order. A member is
// {socket, name, resume, seq, away, awaySeq, missed, overflow, hold}: a held
// seat (away) has lost its connection and waits for its resume secret.
const calls = new Map();
let joinSeq = 0;

// An event for a member: sent, or kept while its seat is held.
function deliver(m, event, payload) {
  if (!m.away) { m.socket.emit(event, payload); return; }
  if (m.missed.length >= MAX_MISSED) { m.overflow = true; return; }
  m.missed.push([event, payload]);
}

function broadcast(call, exceptPeerId, event, payload) {
  for (const [id, m] of call) if (id !== exceptPeerId) deliver(m, event, payload);
}

function sameSecret(a, b) {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

// The seat leaves for good: peer-left to the others.
function releaseSeat(callId, peerId, why) {
  const call = calls.get(callId);
  const m = call && call.get(peerId);
  if (!m) return;
  clearTimeout(m.hold);
  call.delete(peerId);
  if (call.size === 0) calls.delete(callId);
  broadcast(call, peerId, 'peer-left', { peerId });
  log(`${peerId} left ${callId} (${why})`);
}

const httpServer = http.createServer((req, res) => {
  if (req.url === '/health') {
    let peers = 0;
    for (const c of calls.values()) peers += c.size;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', server: 'stock-node-socket.io', calls: calls.size, peers }));
    return;
  }
  res.writeHead(404);
  res.end();
});

const io = new Server(httpServer, {
  pingInterval: opts.pingInterval,
  pingTimeout: opts.pingTimeout,
  maxHttpBufferSize: 1e6,
  serveClient: false,
  cors: { origin: '*' },
});

function callError(socket, code, message, ack) {
  log(`call-error ${code} to ${socket.id}: ${message}`);
  socket.emit('call-error', { code, message });
  if (typeof ack === 'function') ack({ ok: false, error: code });
}

function removeFromCall(socket, why) {
  const me = socket.data.member;
  if (!me) return false;
  socket.data.member = null;
  const call = calls.get(me.callId);
  if (!call || call.get(me.peerId)?.socket !== socket) return false;
  releaseSeat(me.callId, me.peerId, why);
  return true;
}

// Lost without a goodbye: a seat with a resume secret is held for a while.
function holdSeat(socket, reason) {
  const me = socket.data.member;
  const call = me && calls.get(me.callId);
  const m = call && call.get(me.peerId);
  if (!m || m.socket !== socket || !m.resume || opts.resumeGrace === 0 ||
      (reason !== 'transport close' && reason !== 'ping timeout'))
    return false;
  socket.data.member = null;
  m.away = true;
  m.awaySeq = joinSeq;
  m.missed = [];
  m.overflow = false;
  m.hold = setTimeout(() => releaseSeat(me.callId, me.peerId, `not back within ${opts.resumeGrace} ms`),
                      opts.resumeGrace);
  log(`${me.peerId} lost its connection (${reason}); holding its place for ${opts.resumeGrace} ms`);
  return true;
}

// A new connection with the seat's resume secret takes it: the others see
// nothing; it learns who it knew, then what it missed, in order.
function takeSeatBack(socket, callId, peerId, seat, ack) {
  const call = calls.get(callId);
  const knownBefore = seat.away ? seat.awaySeq : Infinity;
  const peers = [];
  for (const [id, m] of call) if (id !== peerId && m.seq <= knownBefore) peers.push({ peerId: id, name: m.name });
  const missed = seat.away ? seat.missed : [];
  clearTimeout(seat.hold);
  if (!seat.away) {
    const old = seat.socket;
    old.data.member = null;
    old.emit('call-error', { code: 'replaced', message: 'a newer connection took this place' });
    old.disconnect(true);
  }
  call.set(peerId, { socket, name: seat.name, resume: seat.resume, seq: seat.seq, away: false });
  socket.data.member = { callId, peerId, name: seat.name };
  socket.emit('existing-peers', peers);
  if (typeof ack === 'function') ack({ ok: true, peers, resumed: true });
  for (const [event, payload] of missed) socket.emit(event, payload);
  log(`${peerId} took its place in ${callId} back (${missed.length} events to catch up on)`);
}

io.on('connection', (socket) => {
  socket.data.member = null;
  log(`connect ${socket.id} auth=${JSON.stringify(socket.handshake.auth)}`);

  // Every handler is guarded: bad input never takes the server down.
  const guard = (name, fn) => (...args) => {
    try {
      fn(...args);
    } catch (e) {
      console.error(`stock_server: ${name} handler failed: ${e && e.stack || e}`);
    }
  };

  socket.on('join-call', guard('join-call', (payload, ack) => {
    if (typeof payload === 'function') { ack = payload; payload = undefined; }
    if (!isPlainObject(payload)) return callError(socket, 'malformed', 'join-call needs an object {callId, peerId, name}', ack);
    const { callId, peerId, name, token } = payload;
    const resume = opts.noResume ? undefined : payload.resume;
    if (opts.token !== null) {
      const given = typeof token === 'string' ? token : socket.handshake.auth && socket.handshake.auth.token;
      if (given !== opts.token) return callError(socket, 'bad-token', 'wrong or missing token', ack);
    }
    if (!validId(callId)) return callError(socket, 'malformed', 'callId must be 1..64 characters of A-Z a-z 0-9 _ . -', ack);
    if (!validId(peerId)) return callError(socket, 'malformed', 'peerId must be 1..64 characters of A-Z a-z 0-9 _ . -', ack);
    if (!(opts.hostile && typeof name === 'string') && !validName(name)) return callError(socket, 'malformed', 'name must be 1..64 characters without control characters', ack);
    if (resume !== undefined && !(typeof resume === 'string' && RESUME_RE.test(resume)))
      return callError(socket, 'malformed', 'resume must be 16..128 characters of A-Z a-z 0-9 _ -', ack);
    if (socket.data.member) return callError(socket, 'malformed', `already in call ${socket.data.member.callId}; send leave-call first`, ack);
    let call = calls.get(callId);
    const seat = call && call.get(peerId);
    if (seat && typeof resume === 'string' && seat.resume && sameSecret(resume, seat.resume)) {
      if (!(seat.away && seat.overflow)) return takeSeatBack(socket, callId, peerId, seat, ack);
      releaseSeat(callId, peerId, 'missed more than it could be told on its return');
      call = calls.get(callId);
    } else if (seat) {
      return callError(socket, 'duplicate-peer', `peer id ${peerId} is already in call ${callId}`, ack);
    }
    if (call && call.size >= opts.maxParticipants)
      return callError(socket, 'call-full', `call ${callId} already has ${call.size} participants`, ack);
    if (!call) { call = new Map(); calls.set(callId, call); }
    const peers = Array.from(call, ([id, m]) => ({ peerId: id, name: m.name }));
    call.set(peerId, { socket, name, resume: typeof resume === 'string' ? resume : null, seq: ++joinSeq, away: false });
    socket.data.member = { callId, peerId, name };
    socket.emit('existing-peers', peers);
    if (typeof ack === 'function') ack({ ok: true, peers });
    broadcast(call, peerId, 'peer-joined', { peerId, name });
    log(`${peerId} joined ${callId} (${call.size} in call)`);
  }));

  socket.on('webrtc-signal', guard('webrtc-signal', (payload, ack) => {
    if (typeof payload === 'function') { ack = payload; payload = undefined; }
    const m = socket.data.member;
    if (!m) return callError(socket, 'not-in-call', 'join a call before sending signals', ack);
    if (!isPlainObject(payload) || !validId(payload.targetPeerId))
      return callError(socket, 'malformed', 'webrtc-signal needs {targetPeerId, signal}', ack);
    const problem = signalProblem(payload.signal);
    if (problem) return callError(socket, 'malformed', problem, ack);
    const target = calls.get(m.callId)?.get(payload.targetPeerId);
    if (!target) return callError(socket, 'not-in-call', `peer ${payload.targetPeerId} is not in call ${m.callId}`, ack);
    deliver(target, 'webrtc-signal', { fromPeerId: m.peerId, signal: payload.signal });
    if (typeof ack === 'function') ack({ ok: true });
  }));

  socket.on('check-connection', guard('check-connection', (payload, ack) => {
    if (typeof payload === 'function') ack = payload;
    if (typeof ack === 'function') ack({ ok: true });
  }));

  socket.on('leave-call', guard('leave-call', (payload, ack) => {
    if (typeof payload === 'function') ack = payload;
    if (!removeFromCall(socket, 'leave-call')) return callError(socket, 'not-in-call', 'not in a call', ack);
    if (typeof ack === 'function') ack({ ok: true });
  }));

  socket.on('disconnect', guard('disconnect', (reason) => {
    if (!holdSeat(socket, reason)) removeFromCall(socket, `disconnect: ${reason}`);
    log(`disconnect ${socket.id}: ${reason}`);
  }));
});

httpServer.on('error', (e) => {
  console.error(`stock_server: cannot listen on ${opts.host}:${opts.port}: ${e.message}`);
  process.exit(1);
});

httpServer.listen(opts.port, opts.host, () => {
  const port = httpServer.address().port;
  if (opts.portFile) {
    const tmp = path.join(path.dirname(opts.portFile), `.${path.basename(opts.portFile)}.${process.pid}`);
    fs.writeFileSync(tmp, `${port}\n`);
    fs.renameSync(tmp, opts.portFile);
  }
  process.stdout.write(`listening on ${opts.host}:${port}\n`);
});

function shutdown() {
  io.close();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

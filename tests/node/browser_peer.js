#!/usr/bin/env node
// Real browser participants of a meshcall call, for interop tests: Debian's
// chromium, driven by playwright-core, runs browser_peer.html (the call
// protocol of docs/protocol.md with the stock socket.io-client bundle, a fake
// camera and microphone, one RTCPeerConnection per remote).
//
//   node browser_peer.js --signal ws://127.0.0.1:PORT --call ID --peer ID --name N
//        [--stats-file F] [--transport websocket|polling|default] [--token T]
//        [--duration S] [--size WxH] [--fps N] [--grid] [--peer ID2 --name N2 --stats-file F2 ...]
//        [--control FILE]
//
// --signal firestore://PROJECT[/DATABASE] runs firestore_peer.html instead:
// the same participant signaling through Firestore (docs/firestore.md) on the
// official Firebase JS SDK, served from node_modules, against the emulator
// of FIRESTORE_EMULATOR_HOST (required); with FIREBASE_AUTH_EMULATOR_HOST the
// page signs in anonymously there and its peer id is the uid it gets (--peer
// is then only the participant's label), else it is signed in as --peer with
// the emulator's unsigned token.
//
// --control FILE: a test's remote control. When FILE appears, its one line
// is run on every participant's page and FILE is removed: "restart-ice"
// (restartIce() on the connections it offered, then the new offer) or
// "pause-media SECONDS" (stop sending media for that long), "say TEXT" (a
// chat message on every open chat channel) or "chat-bad" (malformed,
// oversized, spoofed chat messages that a receiver must drop) or
// "send-file BYTES NAME" (random bytes as a file to every remote; \xNN in
// NAME is that character). Each command
// is logged as a "control" event; chat received is a "chat" event.
//
// Each --peer starts one participant (its own page, socket and peer
// connections) in one shared chromium process; --name, --stats-file and
// --transport after a --peer apply to that participant, before the first
// --peer they are defaults for all. "{peer}" in a stats-file path is replaced
// by the peer id.
//
// --grid: the remote videos fill the 1280x720 page in meshcall's grid (the
// render benchmark, bench/render-call.sh).
// --transport websocket (default) connects straight to --signal, as a page
// from another origin does. polling/default connect to this script's own
// HTTP server, which proxies /socket.io/ to --signal: polling needs the same
// origin (meshcall serve sends no CORS headers), and this way the real
// browser also exercises long-polling and the upgrade to websocket.
//
// stdout: one JSON object per line per event ({t, peer, event, ...}).
// --stats-file: rewritten atomically every second and at exit with
// {peerId, name, callId, joinedAt, inCall, socketConnected, peers: [{peerId,
// name, connectionState, videoFramesDecoded, width, height, fps,
// videoPacketsReceived, audioPacketsReceived, ...}]} (meshcall's
// --stats-json field names, so tests/node/media_check.js reads it too).
// ICE stays on loopback: only 127.0.0.1/::1 candidates are signalled or
// used (--all-interfaces: every candidate chromium gathers). --log-sdp adds
// the SDP to the offer/answer events.
// --signal wss://HOST:PORT (or https://): a `meshcall serve --tls-cert`, with
// --transport websocket only (the proxy speaks plain HTTP); --trust-spki B64
// makes chromium trust exactly the certificate key whose SPKI SHA-256 is B64
// (--ignore-certificate-errors-spki-list), as a user who installed the
// server's certificate would.
// SIGTERM/SIGINT or --duration: leave the call, close the browser, exit 0.
// Exit 1 when the browser dies or a page cannot start; 2 on usage errors.
// Chromium: $CHROMIUM_BIN, else `chromium` on PATH. Never downloads a browser.
'use strict';

const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');

function usage(msg, code = 2) {
  if (msg) process.stderr.write(`browser_peer: ${msg}\n`);
  (code === 0 ? process.stdout : process.stderr).write(
    'usage: node browser_peer.js --signal ws://HOST:PORT|firestore://PROJECT --call ID --peer ID [--name N] [--stats-file F]\n' +
    '         [--transport websocket|polling|default] [--token T] [--duration S] [--size WxH] [--fps N]\n' +
    '         [--all-interfaces] [--log-sdp] [--grid] [--control FILE] [--trust-spki B64]\n' +
    '         [--peer ID2 [--name N2] [--stats-file F2] [--transport T2]] ...\n');
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { signal: null, call: null, token: null, duration: 0, allInterfaces: false, logSdp: false, grid: false,
                 width: 320, height: 240, fps: 15,
                 control: null, trustSpki: null,
                 defaults: { name: null, statsFile: null, transport: 'websocket' }, peers: [] };
  const ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const key = eq > 0 && a.startsWith('--') ? a.slice(0, eq) : a;
    const next = () => {
      if (eq > 0 && a.startsWith('--')) return a.slice(eq + 1);
      if (i + 1 >= argv.length) usage(`${key} needs a value`);
      return argv[++i];
    };
    const cur = opts.peers.length ? opts.peers[opts.peers.length - 1] : opts.defaults;
    switch (key) {
      case '--signal': opts.signal = next(); break;
      case '--call': opts.call = next(); break;
      case '--token': opts.token = next(); break;
      case '--peer': opts.peers.push({ id: next() }); break;
      case '--name': cur.name = next(); break;
      case '--stats-file': cur.statsFile = next(); break;
      case '--transport': cur.transport = next(); break;
      case '--all-interfaces': opts.allInterfaces = true; break;
      case '--log-sdp': opts.logSdp = true; break;
      case '--grid': opts.grid = true; break;
      case '--duration': opts.duration = Number(next()); break;
      case '--control': opts.control = next(); break;
      case '--trust-spki': opts.trustSpki = next(); break;
      case '--fps': opts.fps = Number(next()); break;
      case '--size': {
        const m = /^(\d+)x(\d+)$/.exec(next());
        if (!m) usage('--size needs WxH, e.g. 320x240');
        opts.width = Number(m[1]);
        opts.height = Number(m[2]);
        break;
      }
      case '--help': case '-h': usage(null, 0); break;
      default: usage(`unknown option '${a}'`);
    }
  }
  if (!opts.signal) usage('--signal is required');
  let sig;
  try { sig = new URL(opts.signal); } catch (e) { usage(`--signal '${opts.signal}' is not a URL`); }
  if (sig.protocol === 'firestore:') {
    // firestore://PROJECT[/DATABASE], through the emulator of the SDK convention.
    const db = sig.pathname.replace(/^\//, '') || '(default)';
    if (!ID_RE.test(sig.hostname) || !/^[A-Za-z0-9_().-]{1,64}$/.test(db)) usage('--signal firestore://PROJECT[/DATABASE]');
    const emu = process.env.FIRESTORE_EMULATOR_HOST;
    if (!emu || !/^[^:]+:\d+$/.test(emu)) usage('firestore:// needs FIRESTORE_EMULATOR_HOST=HOST:PORT (the emulator)');
    opts.firestore = { project: sig.hostname, database: db, emulator: emu, auth: process.env.FIREBASE_AUTH_EMULATOR_HOST || '' };
  } else if (['wss:', 'https:'].includes(sig.protocol)) {
    const all = [opts.defaults, ...opts.peers];
    if (all.some((p) => p.transport && p.transport !== 'websocket')) usage('--signal wss:// needs --transport websocket');
  } else if (!['ws:', 'http:'].includes(sig.protocol)) {
    usage('--signal must be ws://HOST:PORT, http://HOST:PORT, wss://, https:// or firestore://PROJECT');
  }
  opts.signalUrl = sig;
  if (!opts.call || !ID_RE.test(opts.call)) usage('--call ID is required (1-64 of A-Z a-z 0-9 _ . -)');
  if (opts.peers.length === 0) usage('at least one --peer ID is required');
  if (!Number.isFinite(opts.duration) || opts.duration < 0) usage('--duration needs seconds >= 0');
  if (!Number.isInteger(opts.fps) || opts.fps < 1 || opts.fps > 60) usage('--fps needs an integer 1..60');
  const seen = new Set();
  for (const p of opts.peers) {
    if (!ID_RE.test(p.id)) usage(`--peer '${p.id}' is not 1-64 of A-Z a-z 0-9 _ . -`);
    if (seen.has(p.id)) usage(`--peer '${p.id}' given twice`);
    seen.add(p.id);
    p.name = p.name || opts.defaults.name || p.id;
    p.transport = p.transport || opts.defaults.transport;
    if (!['websocket', 'polling', 'default'].includes(p.transport))
      usage(`--transport '${p.transport}' is not one of websocket, polling, default`);
    const sf = p.statsFile || opts.defaults.statsFile;
    p.statsFile = sf ? sf.split('{peer}').join(p.id) : null;
  }
  const files = opts.peers.map((p) => p.statsFile).filter((f) => f);
  if (new Set(files).size !== files.length) usage('two participants would share a stats file (use {peer} in the path)');
  return opts;
}

const opts = parseArgs(process.argv);
const t0 = Date.now();

function emit(ev) {
  process.stdout.write(JSON.stringify(ev) + '\n');
}

function note(event, fields) {
  emit(Object.assign({ t: Date.now() / 1000, peer: null, event }, fields || {}));
}

function findChromium() {
  if (process.env.CHROMIUM_BIN) return process.env.CHROMIUM_BIN;
  for (const dir of (process.env.PATH || '').split(':')) {
    const f = path.join(dir || '.', 'chromium');
    try { fs.accessSync(f, fs.constants.X_OK); return f; } catch (e) { /* next */ }
  }
  return null;
}

let playwright;
try {
  playwright = require('playwright-core');
} catch (e) {
  process.stderr.write('browser_peer: playwright-core is not installed (cd tests/node && npm ci)\n');
  process.exit(1);
}

const PAGE = path.join(__dirname, opts.firestore ? 'firestore_peer.html' : 'browser_peer.html');
const STATS_JS = path.join(__dirname, 'peer_stats.js');
// The official Firebase JS SDK's browser modules, from node_modules (no CDN):
// firestore_peer.html maps their gstatic imports to /firebase/ (an import map).
const FIREBASE_DIR = (() => {
  try { return path.dirname(require.resolve('firebase/package.json')); } catch (e) { return null; }
})();
const FIREBASE_VERSION = FIREBASE_DIR ? require(path.join(FIREBASE_DIR, 'package.json')).version : '0';
function staticFile(url) {
  if (url === '/' || url.startsWith('/?')) return PAGE;
  if (url === '/socket.io.min.js') return SIO_BUNDLE;
  if (url === '/peer_stats.js') return STATS_JS;
  const m = /^\/firebase\/(?:[0-9.]+\/)?(firebase-[a-z-]+\.js)$/.exec(url);
  return m && FIREBASE_DIR ? path.join(FIREBASE_DIR, m[1]) : null;
}
// The package's "exports" hide dist/: find the package folder through its main entry.
const SIO_BUNDLE = (() => {
  let dir = path.dirname(require.resolve('socket.io-client'));
  const isRoot = (d) => {
    try { return JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')).name === 'socket.io-client'; }
    catch (e) { return false; }
  };
  while (!isRoot(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'socket.io.min.js');
})();

// The page, the socket.io-client bundle, and /socket.io/ proxied to --signal.
function startHttp() {
  const target = opts.signalUrl;
  const targetPort = Number(target.port || 80);
  const server = http.createServer((req, res) => {
    const url = req.url || '/';
    if (url.startsWith('/socket.io/')) {
      // One upstream connection per request (Connection: close), as nginx proxies by default:
      // meshcall serve resets a kept-alive connection on its second request (see the report).
      const headers = Object.assign({}, req.headers, { host: target.host });
      delete headers.connection;
      delete headers['keep-alive'];
      const up = http.request({ host: target.hostname, port: targetPort, method: req.method, path: url,
                                headers, agent: false }, (ur) => {
        res.writeHead(ur.statusCode, ur.headers);
        ur.pipe(res);
      });
      up.on('error', (err) => {
        note('proxy-error', { method: req.method, url, message: err.message });
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`proxy: ${err.message}`);
      });
      req.pipe(up);
      return;
    }
    if (url === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    const file = staticFile(url);
    if (!file) {
      res.writeHead(404);
      res.end();
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(500);
        res.end(String(err));
        return;
      }
      res.writeHead(200, { 'Content-Type': file.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript',
                           'Cache-Control': 'no-store' });
      // The Firestore page imports the SDK at the installed version.
      res.end(file === PAGE && opts.firestore ? String(data).split('__FIREBASE_VERSION__').join(FIREBASE_VERSION) : data);
    });
  });
  // The websocket upgrade of /socket.io/ goes to --signal byte for byte.
  server.on('upgrade', (req, sock, head) => {
    if (!(req.url || '').startsWith('/socket.io/')) {
      sock.destroy();
      return;
    }
    const up = net.connect(targetPort, target.hostname, () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i];
        raw += `${k}: ${k.toLowerCase() === 'host' ? target.host : req.rawHeaders[i + 1]}\r\n`;
      }
      up.write(raw + '\r\n');
      if (head && head.length) up.write(head);
      up.pipe(sock);
      sock.pipe(up);
    });
    up.on('error', () => sock.destroy());
    sock.on('error', () => up.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function writeStatsAtomic(file, doc) {
  const tmp = `${file}.tmp.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(doc, null, 1) + '\n');
  fs.renameSync(tmp, file);
}

let server = null;
let context = null;
let userDataDir = null;
let statsTimer = null;
let shuttingDown = false;
const participants = []; // { spec, page }

async function collectStats(final) {
  await Promise.all(participants.map(async (p) => {
    // Polled for every participant: the page reports first frames from here.
    if (!p.page || p.page.isClosed()) return;
    try {
      const doc = await p.page.evaluate(() => window.mcStats ? window.mcStats() : null);
      if (!doc || !p.spec.statsFile || (shuttingDown && !final)) return;  // the final write wins
      doc.browser = 'chromium';
      doc.signalingRequests = p.requests;
      doc.final = !!final;
      doc.writtenAt = Date.now() / 1000;
      writeStatsAtomic(p.spec.statsFile, doc);
    } catch (err) {
      if (!shuttingDown) note('stats-error', { peer: p.spec.id, message: String(err.message || err) });
    }
  }));
}

async function shutdown(code, why) {
  if (shuttingDown) return;
  shuttingDown = true;
  note('shutdown', { why });
  if (statsTimer) clearInterval(statsTimer);
  const bounded = (promise, ms) => Promise.race([promise, new Promise((r) => setTimeout(r, ms))]);
  try {
    await bounded(collectStats(true), 2000);
    await bounded(Promise.all(participants.map((p) =>
      p.page && !p.page.isClosed() ? p.page.evaluate(() => window.mcLeave && window.mcLeave())
        .catch((err) => note('warning', { peer: p.spec.id, what: 'leave', message: String(err.message || err) })) : null)), 2000);
    // Let leave-call reach the server before the sockets close with the browser.
    await new Promise((r) => setTimeout(r, 100));
  } catch (e) { /* the browser may already be gone */ }
  if (context) await bounded(context.close().catch(() => {}), 5000);
  if (server) server.close();
  if (userDataDir) {
    // Chromium's last helper processes may still write into the profile for a moment.
    try {
      fs.rmSync(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch (err) {
      note('warning', { message: `could not remove ${userDataDir}: ${err.message}` });
    }
  }
  note('exit', { code, uptime: (Date.now() - t0) / 1000 });
  process.exit(code);
}

// --control: one command from the file, on every page.
let controlBusy = false;
async function runControl() {
  if (controlBusy || shuttingDown || !fs.existsSync(opts.control)) return;
  controlBusy = true;
  const line = fs.readFileSync(opts.control, 'utf8').trim();
  fs.rmSync(opts.control, { force: true });
  const [cmd, arg] = line.split(/\s+/);
  note('control', { command: line });
  await Promise.all(participants.map(async (p) => {
    if (!p.page || p.page.isClosed()) return;
    try {
      if (cmd === 'restart-ice') await p.page.evaluate(() => window.mcRestartIce());
      else if (cmd === 'pause-media') await p.page.evaluate((d) => window.mcPauseMedia(d), Number(arg));
      else if (cmd === 'say') note('chat-sent', { text: line.slice(4), channels: await p.page.evaluate((t) => window.mcChatSay(t), line.slice(4)) });
      else if (cmd === 'send-file') {
        const name = line.split(/\s+/).slice(2).join(' ').replace(/\\x([0-9a-f]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16)));
        note('file-sending', Object.assign({ name }, await p.page.evaluate(([n, f]) => window.mcSendFile(n, f), [Number(arg), name])));
      }
      else if (cmd === 'chat-bad') note('chat-sent', { bad: true, channels: await p.page.evaluate(() => window.mcChatBad()) });
      else note('warning', { what: 'control', message: `unknown command '${line}'` });
    } catch (err) {
      note('warning', { what: 'control', message: String(err.message || err) });
    }
  }));
  controlBusy = false;
}

process.on('SIGTERM', () => shutdown(0, 'SIGTERM'));
process.on('SIGINT', () => shutdown(0, 'SIGINT'));

async function main() {
  const exe = findChromium();
  if (!exe) {
    process.stderr.write('browser_peer: chromium not found (apt-get install chromium, or set CHROMIUM_BIN)\n');
    process.exit(1);
  }
  server = await startHttp();
  const origin = `http://127.0.0.1:${server.address().port}`;
  note('http-listening', { origin });

  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshcall-chromium-'));
  context = await playwright.chromium.launchPersistentContext(userDataDir, {
    executablePath: exe,
    headless: false, // --headless=new below, as asked of Debian's chromium
    // Our SIGTERM/SIGINT handler leaves the call first, then closes the browser
    // (Playwright's own would kill chromium at once, and the page could not leave).
    handleSIGTERM: false, handleSIGINT: false, handleSIGHUP: false,
    args: [
      '--headless=new', '--no-sandbox',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--disable-background-networking',
      // Host candidates as IP addresses (meshcall's libnice cannot resolve mDNS .local names),
      // and on loopback too, which Chrome leaves out by default.
      '--disable-features=WebRtcHideLocalIpsWithMdns', '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
      ...(opts.trustSpki ? [`--ignore-certificate-errors-spki-list=${opts.trustSpki}`] : []),
    ],
  });
  context.on('close', () => {
    if (!shuttingDown) {
      note('browser-closed', { message: 'chromium exited unexpectedly' });
      shutdown(1, 'browser closed');
    }
  });
  note('browser-launched', { executable: exe, version: context.browser() ? context.browser().version() : null });

  for (const spec of opts.peers) {
    const page = context.pages().length > participants.length ? context.pages()[participants.length]
                                                               : await context.newPage();
    const p = { spec, page, requests: 0 };
    participants.push(p);
    // HTTP requests this page makes to the signaling service (the cost a participant adds).
    const sigHost = opts.firestore ? opts.firestore.emulator : opts.signalUrl.host;
    page.on('request', (req) => { if (req.url().includes(`//${sigHost}/`)) p.requests++; });
    await page.exposeFunction('mcReport', (ev) => emit(ev));
    page.on('pageerror', (err) => note('page-error', { peer: spec.id, message: String(err.message || err) }));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning')
        note('console', { peer: spec.id, level: msg.type(), text: msg.text() });
    });
    page.on('crash', () => {
      note('page-crashed', { peer: spec.id });
      shutdown(1, 'page crashed');
    });
    const q = new URLSearchParams({
      signal: spec.transport === 'websocket' || opts.firestore ? opts.signal : 'same-origin',
      call: opts.call, peer: spec.id, name: spec.name, transport: spec.transport,
      width: String(opts.width), height: String(opts.height), fps: String(opts.fps),
      loopback: opts.allInterfaces ? '0' : '1', logsdp: opts.logSdp ? '1' : '0',
    });
    if (opts.token) q.set('token', opts.token);
    if (opts.grid) q.set('layout', 'grid');
    if (opts.firestore) for (const [k, v] of Object.entries(opts.firestore)) q.set(k, v);
    await page.goto(`${origin}/?${q}`);
  }

  statsTimer = setInterval(() => { collectStats(false); }, 1000);
  collectStats(false);
  if (opts.duration > 0) setTimeout(() => shutdown(0, 'duration'), opts.duration * 1000);
  if (opts.control) setInterval(runControl, 200);
}

main().catch((err) => {
  note('fatal', { message: String(err && err.stack || err) });
  shutdown(1, 'startup failed');
});

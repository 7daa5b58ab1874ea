#!/usr/bin/env node
// Chromium's join time, for bench/call-join.sh: one Debian chromium process
// (playwright-core, the flags of tests/node/browser_peer.js) stays up; each
// run opens a new page with tests/node/browser_peer.html (the call protocol,
// a fake 640x480@30 camera), which joins the call, and closes it once the
// page has decoded a frame from the participant already there. The page and
// the socket.io-client bundle are served from 127.0.0.1 by this script (a
// page from elsewhere may not open a websocket to 127.0.0.1).
//
//   node bench/browser-join.js --signal ws://127.0.0.1:PORT --call ID --runs N --out FILE [--step]
//
// --step: print "ready" after the page not counted; before each counted run,
// wait for a line on stdin, and print "done N" after it (bench/call-join.sh
// interleaves these runs with meshcall's).
//
// FILE: a JSON array, one object per run, times in seconds since the epoch:
// {run, peerId, pageStart (navigation start), mediaReady, socketConnected,
//  joined, offerReceived, answerSent, connected, firstDecoded}.
// Exit 1 when a run decodes nothing within 15 s.
'use strict';

const fs = require('fs');
const path = require('path');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const signal = arg('--signal');
const call = arg('--call', 'bench');
const runs = Number(arg('--runs', '10'));
const out = arg('--out');
const step = process.argv.includes('--step');
if (!signal || !out || !(runs > 0)) {
  process.stderr.write('usage: node browser-join.js --signal ws://HOST:PORT --call ID --runs N --out FILE\n');
  process.exit(2);
}

const playwright = require('playwright-core');
const nodeDir = path.join(__dirname, '..', 'tests', 'node');
const page = fs.readFileSync(path.join(nodeDir, 'browser_peer.html'));
const bundle = (() => {
  let dir = path.dirname(require.resolve('socket.io-client'));
  while (!fs.existsSync(path.join(dir, 'dist', 'socket.io.min.js')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return fs.readFileSync(path.join(dir, 'dist', 'socket.io.min.js'));
})();
let ORIGIN = null;   // http://127.0.0.1:PORT, a secure context

function serve() {
  const server = require('http').createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const body = url.pathname === '/' ? page : url.pathname === '/socket.io.min.js' ? bundle : null;
    res.writeHead(body ? 200 : 404, { 'Content-Type': url.pathname === '/' ? 'text/html; charset=utf-8' : 'text/javascript',
                                      'Cache-Control': 'no-store' });
    res.end(body || '');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function chromium() {
  if (process.env.CHROMIUM_BIN) return process.env.CHROMIUM_BIN;
  for (const dir of (process.env.PATH || '').split(':')) {
    const f = path.join(dir || '.', 'chromium');
    if (fs.existsSync(f)) return f;
  }
  throw new Error('chromium not found (apt-get install chromium, or set CHROMIUM_BIN)');
}

async function oneRun(context, run) {
  const peerId = `web${run}`;
  const p = await context.newPage();
  const t = { run, peerId };
  let finished = null;
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${peerId}: no decoded frame within 15 s`)), 15000);
    finished = () => { clearTimeout(timer); resolve(); };
  });
  // Awaited: the binding must exist before the page's first report.
  await p.exposeFunction('mcReport', (ev) => {
    if (ev.event === 'page-start') t.pageStart = ev.timeOrigin;
    else if (ev.event === 'media-ready') t.mediaReady = ev.t;
    else if (ev.event === 'socket-connected') t.socketConnected = ev.t;
    else if (ev.event === 'join-ack' && ev.ack && ev.ack.ok) t.joined = ev.t;
    else if (ev.event === 'offer-received') t.offerReceived = ev.t;
    else if (ev.event === 'answer-sent') t.answerSent = ev.t;
    else if (ev.event === 'connection-state' && ev.state === 'connected') t.connected = ev.t;
    else if (ev.event === 'first-decoded') {
      t.firstDecoded = ev.at;
      finished();
    } else if (/error|fatal/.test(ev.event)) process.stderr.write(`${peerId}: ${JSON.stringify(ev)}\n`);
  });
  const q = new URLSearchParams({ signal, call, peer: peerId, name: peerId, transport: 'websocket',
                                  width: '640', height: '480', fps: '30', loopback: '1' });
  await p.goto(`${ORIGIN}/?${q}`);
  try {
    await done;
    // The page's own clock origin, should its first report have been missed.
    if (t.pageStart === undefined) t.pageStart = await p.evaluate(() => performance.timeOrigin / 1000);
  } finally {
    await p.evaluate(() => window.mcLeave && window.mcLeave()).catch(() => {});
    await new Promise((r) => setTimeout(r, 100));   // leave-call reaches the server
    await p.close();
  }
  return t;
}

// The next line on stdin (false at its end).
const lines = [];
let waiting = null;
let ended = false;
if (step) {
  require('readline').createInterface({ input: process.stdin })
    .on('line', (l) => { if (waiting) { waiting(true); waiting = null; } else lines.push(l); })
    .on('close', () => { ended = true; if (waiting) waiting(false); });
}
function nextLine() {
  if (lines.length) return Promise.resolve(lines.shift() !== undefined);
  if (ended) return Promise.resolve(false);
  return new Promise((resolve) => { waiting = resolve; });
}

async function main() {
  const server = await serve();
  ORIGIN = `http://127.0.0.1:${server.address().port}`;
  const userDataDir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'meshcall-bench-chromium-'));
  const context = await playwright.chromium.launchPersistentContext(userDataDir, {
    executablePath: chromium(),
    headless: false,   // --headless=new below
    args: ['--headless=new', '--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
           '--disable-background-networking', '--disable-features=WebRtcHideLocalIpsWithMdns',
           '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
  });
  const rows = [];
  let code = 0;
  try {
    // One page first, not counted: the browser's own first page starts its
    // GPU, network and audio services, which a user's running browser has.
    await oneRun(context, 0);
    await new Promise((r) => setTimeout(r, 500));   // the participant there notices the leave
    if (step) process.stdout.write('ready\n');
    for (let i = 1; i <= runs; i++) {
      if (step && !(await nextLine())) break;
      rows.push(await oneRun(context, i));
      await new Promise((r) => setTimeout(r, 500));
      if (step) process.stdout.write(`done ${i}\n`);
    }
  } catch (err) {
    process.stderr.write(`browser-join: ${err.message}\n`);
    code = 1;
  }
  fs.writeFileSync(out, JSON.stringify(rows, null, 1) + '\n');
  await context.close().catch(() => {});
  server.close();
  fs.rmSync(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  process.exit(code);
}

main().catch((err) => {
  process.stderr.write(`browser-join: ${err.stack || err}\n`);
  process.exit(1);
});

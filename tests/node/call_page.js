#!/usr/bin/env node
// Drives the call page of meshcall serve (src/server/web/) in headless
// Chromium the way a person does: open the link, type a name, press Join,
// read the chat list, type a message and press Enter, pick a file, press
// Mute. For tests/integration/browser_page.sh.
//
//   node call_page.js --url 'http://127.0.0.1:PORT/?call=ID#token=T' --name NAME --peers N
//        [--expect-chat TEXT]... [--say TEXT] [--send-file PATH] [--mute] [--screenshot PNG]
//
// Steps, in order, each bounded; stdout gets one JSON event per line:
//   "joined"   the call id the link filled in, after Join was pressed
//   "decoding" every one of the N remotes has decoded video frames and
//              received audio (the page's window.meshcallPage.stats())
//   "chat-seen" each --expect-chat TEXT is in the page's chat list
//   "chat-typed" --say was typed into the chat input and sent with Enter,
//              and shows in the page's own list
//   "file-sent" --send-file went through the file input, and the page says
//              "sent" for each of the N remotes
//   "muted"    the Mute button was pressed (and says so: aria-pressed)
//   "ready"    all done (--screenshot: the page as it looks then); the page stays in the call until SIGTERM, then
//              presses Leave and exits 0
// "page-error" / "console-error" events report what the page threw or logged
// as an error (the test fails on them); "fatal" and exit 1 when a step fails.
// Chromium: $CHROMIUM_BIN, else `chromium` on PATH.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

function usage(msg) {
  process.stderr.write(`call_page: ${msg}\nusage: node call_page.js --url URL --name NAME --peers N ` +
                       '[--expect-chat TEXT]... [--say TEXT] [--send-file PATH] [--mute] [--screenshot PNG]\n');
  process.exit(2);
}

const opts = { url: null, name: null, peers: 0, expectChat: [], say: null, sendFile: null, mute: false, screenshot: null };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const next = () => (i + 1 < process.argv.length ? process.argv[++i] : usage(`${a} needs a value`));
  if (a === '--url') opts.url = next();
  else if (a === '--name') opts.name = next();
  else if (a === '--peers') opts.peers = Number(next());
  else if (a === '--expect-chat') opts.expectChat.push(next());
  else if (a === '--say') opts.say = next();
  else if (a === '--send-file') opts.sendFile = next();
  else if (a === '--mute') opts.mute = true;
  else if (a === '--screenshot') opts.screenshot = next();
  else usage(`unknown option '${a}'`);
}
if (!opts.url || !opts.name || !(opts.peers >= 1)) usage('--url, --name and --peers N (>= 1) are required');

const emit = (event, fields) => process.stdout.write(JSON.stringify(Object.assign({ t: Date.now() / 1000, event }, fields || {})) + '\n');

let context = null;
let page = null;
let profile = null;
let closing = false;

async function close(code) {
  if (closing) return;
  closing = true;
  try {
    if (page && !page.isClosed() && code === 0) await page.click('#leave', { timeout: 2000 });
  } catch (err) { /* leaving is best effort */ }
  if (context) await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  if (profile) fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  emit('exit', { code });
  process.exit(code);
}

// Polls fn (in the page) until it returns a truthy value; fails naming what after ms.
async function until(what, ms, fn, arg) {
  const deadline = Date.now() + ms;
  let last = null;
  for (;;) {
    last = await page.evaluate(fn, arg);
    if (last && last.ok) return last;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms / 1000} s; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main() {
  const exe = process.env.CHROMIUM_BIN || 'chromium';
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'meshcall-page-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: false,   // --headless=new below, as asked of Debian's chromium
    handleSIGTERM: false, handleSIGINT: false, handleSIGHUP: false,
    args: ['--headless=new', '--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
           '--disable-background-networking', '--disable-features=WebRtcHideLocalIpsWithMdns',
           // The test stays on loopback, which Chromium leaves out of ICE by default.
           '--allow-loopback-in-peer-connection'],
  });
  context.on('close', () => { if (!closing) { emit('fatal', { message: 'chromium exited' }); close(1); } });
  page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (err) => emit('page-error', { message: String(err.message || err) }));
  page.on('console', (m) => { if (m.type() === 'error') emit('console-error', { text: m.text() }); });

  await page.goto(opts.url);
  const callId = await page.inputValue('#call-id');
  await page.fill('#name', opts.name);
  await page.click('#join');
  await page.waitForSelector('#call-view:not([hidden])', { timeout: 10000 });
  emit('joined', { callId, location: await page.evaluate(() => location.pathname + location.search) });

  const decoding = await until(`decoded media from ${opts.peers} remotes`, 40000, async (n) => {
    const s = await window.meshcallPage.stats();
    const good = s.peers.filter((p) => p.videoFramesDecoded >= 15 && p.audioPacketsReceived >= 15);
    return { ok: s.peers.length === n && good.length === n, stats: s };
  }, opts.peers);
  emit('decoding', { peerId: decoding.stats.peerId, peers: decoding.stats.peers });

  for (const text of opts.expectChat) {
    await until(`chat message '${text}' in the list`, 20000,
      (t) => ({ ok: Array.from(document.querySelectorAll('#chat-list li')).some((li) => li.textContent.endsWith(': ' + t)) }), text);
    emit('chat-seen', { text });
  }

  if (opts.say !== null) {
    await page.fill('#chat-input', opts.say);
    await page.press('#chat-input', 'Enter');
    await until('our own message in the list', 5000, (t) => ({
      ok: Array.from(document.querySelectorAll('#chat-list li.local')).some((li) => li.textContent.endsWith(': ' + t)) &&
          document.querySelector('#chat-input').value === '',
    }), opts.say);
    emit('chat-typed', { text: opts.say });
  }

  if (opts.sendFile !== null) {
    await page.setInputFiles('#file-input', opts.sendFile);
    const base = path.basename(opts.sendFile);
    const done = await until(`'${base}' sent to ${opts.peers} remotes`, 60000, ([name, n]) => {
      const rows = Array.from(document.querySelectorAll('#transfers li')).map((li) => li.textContent);
      const sent = rows.filter((r) => r.startsWith(name + ' to ') && r.endsWith(': sent'));
      return { ok: sent.length === n, rows };
    }, [base, opts.peers]);
    emit('file-sent', { name: base, rows: done.rows });
  }

  if (opts.mute) {
    await page.click('#mute');
    const pressed = await page.getAttribute('#mute', 'aria-pressed');
    if (pressed !== 'true') throw new Error(`the Mute button says aria-pressed=${pressed} after a click`);
    emit('muted', {});
  }
  if (opts.screenshot) await page.screenshot({ path: opts.screenshot });
  emit('ready', { stats: await page.evaluate(() => window.meshcallPage.stats()) });
}

process.on('SIGTERM', () => close(0));
process.on('SIGINT', () => close(0));
main().catch((err) => {
  emit('fatal', { message: String(err && err.stack || err) });
  close(1);
});

#!/usr/bin/env node
// A token-guessing flood (issue 11's attack): CLIENTS parallel stock
// socket.io-client connections, each trying a new wrong token as soon as the
// last was refused, for SECONDS. Prints one JSON line: how many attempts were
// answered how, and how long the answers took.
//   node auth_flood.js URL CLIENTS SECONDS
'use strict';

const { io } = require('socket.io-client');

const [url, clients, seconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const deadline = Date.now() + seconds * 1000;
const counts = { attempts: 0, badToken: 0, rateLimited: 0, connected: 0, other: 0, slowest: 0 };

function attempt(n) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = io(url, { reconnection: false, timeout: 10000, transports: ['websocket'], auth: { token: `guess-${n}` } });
    counts.attempts++;
    s.once('connect', () => { counts.connected++; s.close(); resolve(); });
    s.once('connect_error', (e) => {
      const code = e.data && e.data.code;
      if (code === 'bad-token') counts.badToken++;
      else if (code === 'rate-limited') counts.rateLimited++;
      else counts.other++;
      counts.slowest = Math.max(counts.slowest, Date.now() - t0);
      s.close();
      resolve();
    });
  });
}

async function client(k) {
  for (let n = 0; Date.now() < deadline; n++) await attempt(`${k}-${n}`);
}

Promise.all(Array.from({ length: clients }, (_, k) => client(k))).then(() => {
  console.log(JSON.stringify(counts));
  process.exit(0);
});

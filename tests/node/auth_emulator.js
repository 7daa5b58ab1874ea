// The real Firebase Auth emulator (npm firebase-tools) for meshcall's tests,
// behind a small proxy that can shorten the lifetime the emulator announces
// for its ID tokens (so a test sees the client refresh in seconds, not an
// hour) and counts the sign-in and refresh requests.
//   node auth_emulator.js --project P --port-file FILE [--token-lifetime S] [--direct-port-file FILE2]
// FILE gets the proxy's port once the emulator answers; point
// FIREBASE_AUTH_EMULATOR_HOST at 127.0.0.1:THAT. The emulator itself listens
// on another free loopback port, written to FILE2: clients that must see the
// emulator's own lifetimes go there (the JS SDK refreshes a token whenever
// it has less than 30 s left, so under 30 s it would refresh on every
// request, and Firestore's SDK restarts its streams at every new token).
// GET /__count on the proxy:
//   {"signUp": N, "refresh": N, "other": N, "uids": [...]}
// (uids: those handed out by accounts:signUp). Stops on SIGTERM/SIGINT.
'use strict';
const http = require('http');
const fs = require('fs');
const net = require('net');

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) =>
  (v.startsWith('--') ? a.concat([[v.slice(2), all[i + 1]]]) : a), []));
if (!args.project || !args['port-file']) {
  process.stderr.write('usage: node auth_emulator.js --project P --port-file FILE [--token-lifetime S]\n');
  process.exit(2);
}
const lifetime = args['token-lifetime'] ? String(Number(args['token-lifetime'])) : null;
const counts = { signUp: 0, refresh: 0, other: 0, uids: [] };

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

// The emulator's answer, with expiresIn (signUp) / expires_in (token) shortened.
function rewrite(kind, status, body) {
  if (status !== 200) return body;
  let j;
  try { j = JSON.parse(body); } catch (e) { return body; }
  if (kind === 'signUp' && typeof j.localId === 'string') counts.uids.push(j.localId);
  if (lifetime === null) return body;
  if (kind === 'signUp' && 'expiresIn' in j) j.expiresIn = lifetime;
  if (kind === 'refresh' && 'expires_in' in j) j.expires_in = lifetime;
  return JSON.stringify(j);
}

async function main() {
  const { AuthEmulator } = require('firebase-tools/lib/emulator/auth');
  const port = await freePort();
  const emulator = new AuthEmulator({ host: '127.0.0.1', port, projectId: args.project, singleProjectMode: 'NO_WARNING' });
  await emulator.start();
  const proxy = http.createServer((req, res) => {
    if (req.url === '/__count') {
      res.end(JSON.stringify(counts));
      return;
    }
    const kind = req.url.includes('accounts:signUp') ? 'signUp'
      : req.url.includes('securetoken.googleapis.com/v1/token') ? 'refresh' : 'other';
    counts[kind]++;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const up = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url,
                                headers: { ...req.headers, host: `127.0.0.1:${port}` } }, (r) => {
        const out = [];
        r.on('data', (c) => out.push(c));
        r.on('end', () => {
          const body = rewrite(kind, r.statusCode, Buffer.concat(out).toString('utf8'));
          const headers = { ...r.headers };
          delete headers['content-length'];
          delete headers['transfer-encoding'];
          res.writeHead(r.statusCode, headers);
          res.end(body);
        });
      });
      up.on('error', (err) => { res.writeHead(502); res.end(String(err)); });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const stop = async () => { proxy.close(); await emulator.stop().catch(() => {}); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (args['direct-port-file']) fs.writeFileSync(args['direct-port-file'], String(port));
  fs.writeFileSync(args['port-file'], String(proxy.address().port));
  process.stdout.write(`auth emulator on 127.0.0.1:${port}, proxy on 127.0.0.1:${proxy.address().port}\n`);
}

main().catch((err) => {
  process.stderr.write(`auth_emulator: ${err && err.stack || err}\n`);
  process.exit(1);
});

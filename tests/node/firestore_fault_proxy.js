// An HTTP proxy in front of the Firestore emulator that misbehaves on
// demand, for meshcall's transport-fault tests, and counts requests.
//   node firestore_fault_proxy.js --target HOST:PORT --port-file FILE
// Control (on the proxy itself): GET /__mode?m=MODE, GET /__count.
// MODE: pass | 500 | 429 | drop (connection closed, no answer) |
//   garbage (200 with a body that is not JSON) |
//   fail-deletes (commits that delete answer 503, not forwarded) |
//   drop-deletes (commits that delete are forwarded, then the connection is closed)
const http = require('http');
const fs = require('fs');
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) =>
  (v.startsWith('--') ? a.concat([[v.slice(2), all[i + 1]]]) : a), []));
const [thost, tport] = args.target.split(':');
let mode = 'pass';
const counts = { total: 0, faulted: 0 };

function forward(req, body, res, after) {
  const up = http.request({ host: thost, port: Number(tport), method: req.method, path: req.url,
                            headers: { ...req.headers, host: args.target } }, (r) => {
    const chunks = [];
    r.on('data', (c) => chunks.push(c));
    r.on('end', () => {
      if (after) { after(); return; }
      res.writeHead(r.statusCode, { 'content-type': r.headers['content-type'] || 'application/json' });
      res.end(Buffer.concat(chunks));
    });
  });
  up.on('error', () => res.destroy());
  up.end(body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (req.url.startsWith('/__mode')) {
      mode = new URL(req.url, 'http://x').searchParams.get('m');
      res.end(`mode ${mode}\n`);
      return;
    }
    if (req.url.startsWith('/__count')) {
      res.end(JSON.stringify(counts));
      return;
    }
    counts.total++;
    const isDelete = req.url.includes(':commit') && body.includes('"delete"');
    const fault = (m) => { counts.faulted++; return m; };
    if (mode === '500') { fault(); res.writeHead(500).end('{"error":{"code":500,"message":"injected","status":"INTERNAL"}}'); }
    else if (mode === '429') { fault(); res.writeHead(429).end('{"error":{"code":429,"message":"injected","status":"RESOURCE_EXHAUSTED"}}'); }
    else if (mode === 'drop') { fault(); req.socket.destroy(); }
    else if (mode === 'garbage') { fault(); res.writeHead(200, { 'content-type': 'application/json' }).end('<html>surprise'); }
    else if (mode === 'fail-deletes' && isDelete) { fault(); res.writeHead(503).end('{"error":{"code":503,"status":"UNAVAILABLE"}}'); }
    else if (mode === 'drop-deletes' && isDelete) { fault(); forward(req, body, res, () => req.socket.destroy()); }
    else forward(req, body, res);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => fs.writeFileSync(args['port-file'], String(server.address().port)));

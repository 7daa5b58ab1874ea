#!/usr/bin/env node
// A TCP relay to 127.0.0.1:TARGET_PORT that can lose a path the way a
// pulled cable or a NAT that forgot its mapping does, seen from one side
// only: on SIGUSR1 it closes every client-side connection it relays and
// keeps the server-side ones open, relaying nothing more (the server sees a
// silent peer until its own ping timeout). Connections made after that are
// relayed as before. Writes its port to PORT_FILE (atomically), and one line
// per cut on stdout.
//   node tcp_cut_proxy.js PORT_FILE TARGET_PORT
'use strict';
const fs = require('fs');
const net = require('net');

const [portFile, target] = [process.argv[2], Number(process.argv[3])];
if (!portFile || !Number.isInteger(target) || target < 1) {
  process.stderr.write('usage: node tcp_cut_proxy.js PORT_FILE TARGET_PORT\n');
  process.exit(2);
}

const pairs = new Set();
const server = net.createServer((client) => {
  const upstream = net.connect({ host: '127.0.0.1', port: target });
  const pair = { client, upstream, cut: false };
  pairs.add(pair);
  // By hand rather than pipe(): a cut must not end the server's side.
  client.on('data', (b) => { if (!pair.cut) upstream.write(b); });
  upstream.on('data', (b) => { if (!pair.cut) client.write(b); });
  client.on('end', () => { if (!pair.cut) upstream.end(); });
  upstream.on('end', () => { if (!pair.cut) client.end(); });
  const close = () => {
    if (pair.cut) return;
    client.destroy();
    upstream.destroy();
    pairs.delete(pair);
  };
  client.on('close', close);
  upstream.on('close', close);
  client.on('error', () => {});
  upstream.on('error', () => {});
});

process.on('SIGUSR1', () => {
  let n = 0;
  for (const pair of pairs) {
    if (pair.cut) continue;
    pair.cut = true;
    pair.client.destroy();
    n++;
  }
  console.log(`cut ${n} connections; their server sides stay open, silent`);
});
process.on('SIGTERM', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(`${portFile}.tmp`, `${server.address().port}\n`);
  fs.renameSync(`${portFile}.tmp`, portFile);
  console.log(`relaying 127.0.0.1:${server.address().port} to 127.0.0.1:${target}`);
});

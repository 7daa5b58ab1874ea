#!/usr/bin/env node
// A reconnect storm: N stock socket.io-clients (websocket transport) opened
// all at once, spread over 127.0.0.x source addresses as machines on a LAN
// would be. Every one must connect within BOUND_S seconds, none refused;
// prints how long the storm took.
//   node serve_burst.js PORT N ADDRESSES BOUND_S
'use strict';

const { io } = require('socket.io-client');
const h = require('./serve_helpers');

const port = h.portArg();
const N = Number(process.argv[3]);
const ADDRESSES = Number(process.argv[4]);
const BOUND_S = Number(process.argv[5]);

h.run('serve_burst', async () => {
  const t0 = Date.now();
  let connected = 0;
  const errors = new Map();
  const sockets = [];
  for (let i = 0; i < N; i++) {
    const s = io(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      reconnection: false,
      timeout: BOUND_S * 1000,
      localAddress: `127.0.0.${10 + (i % ADDRESSES)}`,
    });
    s.once('connect', () => { connected++; });
    s.once('connect_error', (e) => errors.set(e.message, (errors.get(e.message) || 0) + 1));
    sockets.push(s);
  }
  const opened = Date.now() - t0;
  try {
    await h.waitUntil(() => connected + [...errors.values()].reduce((x, y) => x + y, 0) === N, BOUND_S * 1000,
                      `all ${N} websocket opens to complete`);
  } catch (e) {
    h.fail(`${connected} of ${N} connected within ${BOUND_S} s (${JSON.stringify([...errors])} failed): ${e.message}`);
  }
  const secs = (Date.now() - t0) / 1000;
  h.log(`${connected} of ${N} connected in ${secs.toFixed(2)} s from ${ADDRESSES} addresses ` +
        `(io() calls took ${opened} ms)`);
  h.assertEq([...errors], [], 'connect errors');
  const health = (await h.getJson(port, '/health')).body;
  h.assertEq(health.connections, N, 'sessions the server counts');
  const stats = (await h.getJson(port, '/stats')).body.http;
  h.log(`/stats http: ${JSON.stringify(stats)}`);
  h.assertEq([stats.timedOut, stats.closedBusyAddress, stats.closedNoDescriptors, stats.refusedNoDescriptors],
             [0, 0, 0, 0], 'connections the server timed out, refused or closed');
  sockets.forEach((s) => s.close());
});

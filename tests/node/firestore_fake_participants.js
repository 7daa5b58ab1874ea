// Creates COUNT live participant documents (p-fake-1 ...) in call CALL
// through the emulator's REST API as the owner (joinedAt/heartbeatAt =
// REQUEST_TIME), for tests that need a full call without six processes.
// --age S instead dates both S seconds back (the owner bypasses the rules):
// a participant that joined S s ago and died, stale once S reaches 15.
//   node firestore_fake_participants.js --base URL --call CALL --count N [--age S] [--prefix P]
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) =>
  (v.startsWith('--') ? a.concat([[v.slice(2), all[i + 1]]]) : a), []));
const db = args.base.replace(/^http:\/\/[^/]+\/v1\//, '').replace(/\/documents$/, '') + '/documents';

(async () => {
  const writes = [];
  const prefix = args.prefix || 'p-fake-';
  const at = args.age && { timestampValue: new Date(Date.now() - Number(args.age) * 1000).toISOString() };
  for (let i = 1; i <= Number(args.count); i++) {
    const fields = { name: { stringValue: `fake ${i}` }, session: { stringValue: `s${i}` } };
    if (at) Object.assign(fields, { joinedAt: at, heartbeatAt: at });
    writes.push(Object.assign({ update: { name: `${db}/calls/${args.call}/participants/${prefix}${i}`, fields } },
      at ? {} : { updateTransforms: [{ fieldPath: 'joinedAt', setToServerValue: 'REQUEST_TIME' },
                                     { fieldPath: 'heartbeatAt', setToServerValue: 'REQUEST_TIME' }] }));
  }
  const r = await fetch(`${args.base}:commit`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer owner' },
    body: JSON.stringify({ writes }),
  });
  if (r.status !== 200) { console.error(r.status, await r.text()); process.exit(1); }
})();

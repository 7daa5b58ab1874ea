// conf/firestore.rules against the Firestore emulator started with --rules:
// what an outsider and a participant may and may not do, through REST with
// the emulator's unsigned tokens (one per uid).
//   node firestore_rules.js --host HOST:PORT --project P
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) =>
  (v.startsWith('--') ? a.concat([[v.slice(2), all[i + 1]]]) : a), []));
const P = args.project;
const D = `projects/${P}/databases/(default)/documents`;
const B = `http://${args.host}/v1/${D}`;
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const token = (uid) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({
  iss: `https://securetoken.google.com/${P}`, aud: P, sub: uid, user_id: uid,
  iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600,
  firebase: { sign_in_provider: 'anonymous', identities: {} } })}.`;

async function req(uid, method, path, body) {
  const r = await fetch(`${B}${path}`, {
    method, body: body && JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...(uid ? { Authorization: `Bearer ${token(uid)}` } : {}) },
  });
  return { status: r.status, text: await r.text() };
}
const str = (s) => ({ stringValue: s });
const now = [{ fieldPath: 'joinedAt', setToServerValue: 'REQUEST_TIME' },
             { fieldPath: 'heartbeatAt', setToServerValue: 'REQUEST_TIME' }];
const join = (uid, as = uid, extra = {}) => req(as, 'POST', ':commit', { writes: [{
  update: { name: `${D}/calls/c/participants/${uid}`, fields: { name: str(uid), session: str(`s-${uid}`), ...extra } },
  updateTransforms: now, currentDocument: { exists: false } }] });
const post = (as, to, from, id, signal = { mapValue: { fields: { type: str('offer'), sdp: str('v=0') } } }) =>
  req(as, 'POST', ':commit', { writes: [{
    update: { name: `${D}/calls/c/participants/${to}/inbox/${id}`,
              fields: { from: str(from), session: str(`s-${from}`), seq: { integerValue: '1' }, signal } },
    updateTransforms: [{ fieldPath: 'createdAt', setToServerValue: 'REQUEST_TIME' }],
    currentDocument: { exists: false } }] });
const list = (as, parent, coll) => req(as, 'POST', `${parent}:runQuery`,
  { structuredQuery: { from: [{ collectionId: coll }] } });

let failures = 0;
async function expect(what, want, p) {
  const r = await p;
  const ok = want === 'allowed' ? r.status === 200 : r.status === 403;
  console.log(`${ok ? 'ok' : 'FAIL'}: ${what}: ${r.status}${ok ? '' : ' ' + r.text.slice(0, 300)}`);
  if (!ok) failures++;
}

(async () => {
  await expect('alice joins', 'allowed', join('alice'));
  await expect('bob joins', 'allowed', join('bob'));
  await expect('bob cannot create a document for carol', 'denied', join('carol', 'bob'));
  await expect('a document with an extra field is refused', 'denied', join('dave', 'dave', { admin: { booleanValue: true } }));
  await expect('joinedAt in the future is refused', 'denied', req('erin', 'POST', ':commit', { writes: [{
    update: { name: `${D}/calls/c/participants/erin`, fields: { name: str('e'), session: str('s'),
      joinedAt: { timestampValue: '2100-01-01T00:00:00Z' }, heartbeatAt: { timestampValue: '2100-01-01T00:00:00Z' } } } }] }));
  await expect('alice heartbeats', 'allowed', req('alice', 'POST', ':commit', { writes: [{
    transform: { document: `${D}/calls/c/participants/alice`,
                 fieldTransforms: [{ fieldPath: 'heartbeatAt', setToServerValue: 'REQUEST_TIME' }] },
    currentDocument: { exists: true } }] }));
  await expect('bob cannot heartbeat for alice', 'denied', req('bob', 'POST', ':commit', { writes: [{
    transform: { document: `${D}/calls/c/participants/alice`,
                 fieldTransforms: [{ fieldPath: 'heartbeatAt', setToServerValue: 'REQUEST_TIME' }] } }] }));
  await expect('alice cannot rename herself in a heartbeat', 'denied', req('alice', 'PATCH',
    '/calls/c/participants/alice?updateMask.fieldPaths=name', { fields: { name: str('Mallory') } }));
  await expect('a participant lists the call', 'allowed', list('bob', '/calls/c', 'participants'));
  await expect('a participant gets another participant', 'allowed', req('bob', 'GET', '/calls/c/participants/alice'));
  await expect('an outsider gets its own (missing) document', 'allowed',
    req('eve', 'POST', ':batchGet', { documents: [`${D}/calls/c/participants/eve`] }));
  await expect('an outsider cannot list the call', 'denied', list('eve', '/calls/c', 'participants'));
  await expect('an outsider cannot get a participant', 'denied', req('eve', 'GET', '/calls/c/participants/alice'));
  await expect('no token: no list', 'denied', list(null, '/calls/c', 'participants'));
  await expect('bob posts to alice', 'allowed', post('bob', 'alice', 'bob', 'm1'));
  await expect('bob cannot forge from', 'denied', post('bob', 'alice', 'carol', 'm2'));
  await expect('an outsider cannot post', 'denied', post('eve', 'alice', 'eve', 'm3'));
  await expect('bob tells alice he records the call', 'allowed', post('bob', 'alice', 'bob', 'm1r',
    { mapValue: { fields: { type: str('recording'), active: { booleanValue: true } } } }));
  await expect('a recording signal without a boolean active is refused', 'denied', post('bob', 'alice', 'bob', 'm1s',
    { mapValue: { fields: { type: str('recording'), active: str('yes') } } }));
  await expect('a signal of an unknown type is refused', 'denied',
    post('bob', 'alice', 'bob', 'm4', { mapValue: { fields: { type: str('exec') } } }));
  await expect('a message cannot be updated', 'denied', req('bob', 'POST', ':commit', { writes: [{
    update: { name: `${D}/calls/c/participants/alice/inbox/m1`, fields: { from: str('bob'), session: str('s-bob'),
      seq: { integerValue: '2' }, signal: { mapValue: { fields: { type: str('answer'), sdp: str('x') } } } } },
    updateTransforms: [{ fieldPath: 'createdAt', setToServerValue: 'REQUEST_TIME' }] }] }));
  await expect('alice reads her inbox', 'allowed', list('alice', '/calls/c/participants/alice', 'inbox'));
  await expect('bob cannot read alice\'s inbox', 'denied', list('bob', '/calls/c/participants/alice', 'inbox'));
  await expect('an outsider cannot read an inbox', 'denied', list('eve', '/calls/c/participants/alice', 'inbox'));
  await expect('bob cannot delete alice\'s message while she is there', 'denied',
    req('bob', 'DELETE', '/calls/c/participants/alice/inbox/m1'));
  await expect('bob cannot delete live alice', 'denied', req('bob', 'DELETE', '/calls/c/participants/alice'));
  await expect('alice deletes her message', 'allowed', req('alice', 'DELETE', '/calls/c/participants/alice/inbox/m1'));
  await expect('bob posts again', 'allowed', post('bob', 'alice', 'bob', 'm5'));
  await expect('alice leaves', 'allowed', req('alice', 'DELETE', '/calls/c/participants/alice'));
  await expect('an outsider cannot clear the inbox of alice, who left', 'denied',
    req('eve', 'DELETE', '/calls/c/participants/alice/inbox/m5'));
  await expect('bob clears the inbox of alice, who left', 'allowed',
    req('bob', 'DELETE', '/calls/c/participants/alice/inbox/m5'));
  // meshcall deletes what it sent to a departed participant by id, up to 20 in a commit
  // (only the owner may read an inbox), some of them read and deleted by the owner already.
  await expect('bob deletes 20 of his messages to alice, who left, in one commit', 'allowed',
    req('bob', 'POST', ':commit', { writes: Array.from({ length: 20 }, (_, i) =>
      ({ delete: `${D}/calls/c/participants/alice/inbox/s-bob-s-alice-${i + 1}` })) }));
  await expect('an outsider cannot delete by id in the inbox of alice, who left', 'denied',
    req('eve', 'POST', ':commit', { writes: [{ delete: `${D}/calls/c/participants/alice/inbox/s-bob-s-alice-1` }] }));
  await expect('an outsider cannot post now either', 'denied', post('eve', 'bob', 'eve', 'm6'));
  if (failures) { console.log(`${failures} rule checks failed`); process.exit(1); }
  console.log('all rule checks passed');
})().catch((e) => { console.error(e); process.exit(1); });

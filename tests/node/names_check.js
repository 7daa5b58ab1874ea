// Names that would mislead the people shown them (issue 14): a server of the
// call protocol, started by the caller on PORT, must refuse them at
// join-call; with --spoof, join one such name (and stay) so that a client
// can be checked to show the peer id instead.
//   node names_check.js PORT                 meshcall serve: every bad name refused as malformed
//   node names_check.js PORT --spoof CALLID  (a server that does not check): join as 'spoof', wait
//   node names_check.js PORT --spoof CALLID invisible   likewise as 'ghost', a name of zero-width spaces
//   node names_check.js PORT --escape CALLID (likewise): send an event whose name holds terminal escape
//                                            codes, then join as 'escape' with them in its name, wait
'use strict';
const { log, assert, connect, run, portArg, join } = require('./serve_helpers');

const BAD = [
  ['right-to-left override', 'evil\u202egnp.exe'],
  ['left-to-right isolate', '\u2066admin\u2069'],
  ['right-to-left mark', 'a\u200fb'],
  ['only zero-width spaces', '\u200b\u200b\u200b'],
  ['only a byte-order mark', '\ufeff'],
  ['only spaces', '   '],
  ['only combining accents', '\u0301\u0301'],
];
const GOOD = ['Zoë', 'שלום', '👨\u200d👩', 'e\u0301'];

const ESCAPES = 'evil\x1b]0;PWNED\x07\x1b[2J\x1b[31mRED';

const port = portArg();
if (process.argv[3] === '--escape') {
  run('escape', async () => {
    const s = await connect(port, {}, 'escape');
    s.emit(ESCAPES, { x: ESCAPES });
    const ack = await s.timeout(5000).emitWithAck('join-call', { callId: process.argv[4], peerId: 'escape',
                                                                 name: ESCAPES });
    log(`sent an event named with terminal escape codes, and joined with them in its name: ${JSON.stringify(ack)}`);
    await new Promise(() => {});
  });
} else if (process.argv[3] === '--spoof') {
  // --spoof CALLID invisible: as 'ghost', with a name of zero-width spaces only.
  const invisible = process.argv[5] === 'invisible';
  const [peer, name, what] = invisible ? ['ghost', BAD[3][1], 'only zero-width spaces']
                                       : ['spoof', BAD[0][1], 'a right-to-left override'];
  run(peer, async () => {
    const s = await connect(port, {}, peer);
    await join(s, process.argv[4], peer, name);
    log(`joined as ${peer} with ${what} in its name`);
    await new Promise(() => {});   /* stays until killed */
  });
} else {
  run('names', async () => {
    const s = await connect(port, {}, 'names');
    for (const [what, name] of BAD) {
      const ack = await s.timeout(5000).emitWithAck('join-call', { callId: 'names', peerId: 'n1', name });
      assert(ack && ack.ok === false && ack.error === 'malformed',
             `a name with ${what} was answered ${JSON.stringify(ack)}, expected malformed`);
      assert(/bidirectional|visible/.test(ack.message), `the refusal of ${what} does not say why: ${ack.message}`);
      log(`refused (${what}): ${ack.message}`);
    }
    for (const name of GOOD) {
      const ack = await s.timeout(5000).emitWithAck('join-call', { callId: 'names', peerId: 'n1', name });
      assert(ack && ack.ok === true, `the name ${JSON.stringify(name)} was refused: ${JSON.stringify(ack)}`);
      await s.timeout(5000).emitWithAck('leave-call');
    }
    log('accepted names that are only unusual');
  });
}

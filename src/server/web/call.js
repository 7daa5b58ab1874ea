// The call page of meshcall serve: a participant of a meshcall call in the
// browser, following docs/protocol.md (the call protocol over the server's
// own Socket.IO, one RTCPeerConnection per remote, the "chat" data channel,
// a "file:ID" channel per file). Plain modern JavaScript, no build step.
//
// The link: /?call=ID fills in the call; #token=T is the server's token
// (the fragment never reaches the server's logs or a Referer).
// window.meshcallPage.stats() reports what each connection receives, for
// tests and for anyone curious (the field names of meshcall's --stats-json).
'use strict';

const ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;            // callId, peerId
const CHAT_ID_RE = /^[A-Za-z0-9._:-]{1,64}$/;      // chat and file ids
const CHAT_MAX_TEXT = 4096;                        // bytes of UTF-8
const CHAT_MAX_MESSAGE = 16384;
const CHAT_HISTORY = 50;
const ICE_DISCONNECTED_RESTART_MS = 3000;

const $ = (id) => document.getElementById(id);
const utf8 = new TextEncoder();
const byteLength = (s) => utf8.encode(s).length;

function randomHex(bytes) {
  const a = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}
const newId = () => (crypto.randomUUID ? crypto.randomUUID() : randomHex(16));

// ---- state ------------------------------------------------------------------

const me = {
  peerId: 'web-' + randomHex(6),
  resume: randomHex(16),   // takes our seat back after a reconnection (docs/protocol.md, "Resuming a seat")
  name: '',
  callId: '',
  token: new URLSearchParams(location.hash.slice(1)).get('token') || '',
  audioMuted: false,
  videoOff: false,
};
let localStream = new MediaStream();
// The first opening of the devices (at load): joining waits for it, so no
// connection is made before the tracks it must carry exist.
let devicesOpened = Promise.resolve();
let socket = null;
let leaving = false;
// Remote participants by peerId: { peerId, name, tile, conn, marks }. The
// tile outlives connections (a new connection of theirs keeps it).
const remotes = new Map();

// ---- the join form, devices ---------------------------------------------------

function status(text) { $('status').textContent = text; }

function showJoinError(text) {
  $('join-error').textContent = text;
  $('join').disabled = false;
}

async function openDevices() {
  const cam = $('camera').value, mic = $('microphone').value;
  const want = {
    video: cam === 'none' ? false : (cam ? { deviceId: { exact: cam } } : true),
    audio: mic === 'none' ? false : (mic ? { deviceId: { exact: mic } } : true),
  };
  let stream = new MediaStream();
  if (want.video || want.audio) {
    try {
      stream = await navigator.mediaDevices.getUserMedia(want);
    } catch (err) {
      // One missing device should not cost the other.
      for (const kind of ['video', 'audio']) {
        if (!want[kind]) continue;
        try {
          const s = await navigator.mediaDevices.getUserMedia({ [kind]: want[kind] });
          s.getTracks().forEach((t) => stream.addTrack(t));
        } catch (e) { /* without this kind */ }
      }
      if (stream.getTracks().length === 0)
        $('join-error').textContent = `No camera or microphone (${err.name}): you can still join, to see and hear the others.`;
    }
  }
  return stream;
}

async function fillDeviceLists() {
  const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
  for (const [select, kind, label] of [[$('camera'), 'videoinput', 'Camera'], [$('microphone'), 'audioinput', 'Microphone']]) {
    const current = localStream.getTracks().find((t) => t.kind === (kind === 'videoinput' ? 'video' : 'audio'));
    const currentId = current ? current.getSettings().deviceId : 'none';
    select.replaceChildren();
    let n = 0;
    for (const d of devices.filter((x) => x.kind === kind))
      select.append(new Option(d.label || `${label} ${++n}`, d.deviceId, false, d.deviceId === currentId));
    // In the call, Mute and Camera off take the place of "None" (media must keep flowing).
    if ($('call-view').hidden || currentId === 'none') select.append(new Option('None', 'none', false, currentId === 'none'));
  }
}

// A device chosen: the new track replaces the old one on every connection,
// opened before the old one stops so that media never pauses (a pause
// would look like a broken connection to meshcall's media timeout).
async function switchDevice() {
  const old = localStream;
  localStream = await openDevices();
  old.getTracks().forEach((t) => t.stop());
  applyMediaState();
  $('preview').srcObject = localStream;
  const self = $('grid').querySelector('.tile.self video');
  if (self) self.srcObject = localStream;
  for (const r of remotes.values()) {
    if (!r.conn) continue;
    let more = false;
    for (const tr of r.conn.pc.getTransceivers()) {
      const track = localStream.getTracks().find((t) => t.kind === tr.receiver.track.kind) || null;
      tr.sender.replaceTrack(track).catch((err) => console.warn('replaceTrack', err));
      if (track && tr.direction === 'recvonly') {
        if (tr.sender.setStreams) tr.sender.setStreams(localStream);
        tr.direction = 'sendrecv';
        more = true;
      }
    }
    // A device where there was none needs a renegotiation; the side that
    // made the first offer makes it (an answerer's new device waits for the
    // next connection).
    if (more && r.conn.offerer) renegotiate(r);
  }
  await fillDeviceLists();
}

function applyMediaState() {
  localStream.getAudioTracks().forEach((t) => { t.enabled = !me.audioMuted; });
  localStream.getVideoTracks().forEach((t) => { t.enabled = !me.videoOff; });
}

// ---- tiles --------------------------------------------------------------------

function makeTile(name, self) {
  const tile = $('tile-template').content.firstElementChild.cloneNode(true);
  tile.querySelector('.name').textContent = name;
  if (self) {
    tile.classList.add('self');
    tile.querySelector('video').muted = true;
  }
  $('grid').append(tile);
  return tile;
}

function showMarks(r) {
  const marks = [];
  if (r.marks.audioMuted) marks.push('muted');
  if (r.marks.videoOff) marks.push('camera off');
    r.tile.querySelector('.marks').textContent = marks.join(' · ');
  r.tile.querySelector('.name').textContent = r.name;
  // A recorder sends nothing: no tile, a mark for the call instead.
  r.tile.hidden = r.marks.recording;
  showRecorders();
}

function showRecorders() {
  const names = Array.from(remotes.values()).filter((x) => x.marks.recording).map((x) => x.name).sort();
  $('recording').textContent = names.length ? `● REC  recorded by ${names.join(', ')}` : '';
}

function remoteFor(peerId, name) {
  let r = remotes.get(peerId);
  if (!r) {
    r = { peerId, name: name || peerId, tile: null, conn: null, marks: { audioMuted: false, videoOff: false, recording: false } };
    r.tile = makeTile(r.name, false);
    remotes.set(peerId, r);
  } else if (name) {
    r.name = name;
  }
  showMarks(r);
  return r;
}

function removeRemote(peerId, why) {
  const r = remotes.get(peerId);
  if (!r) return;
  closeConnection(r, why);
  r.tile.remove();
  remotes.delete(peerId);
  showRecorders();
  if (chatHistory.askedPeer === peerId && !chatHistory.done) askHistory();   // the next peer with an open channel
}

// ---- signaling ------------------------------------------------------------------

function sendSignal(targetPeerId, signal) {
  socket.emit('webrtc-signal', { targetPeerId, signal }, (ack) => {
    if (!ack || !ack.ok) console.warn('signal to', targetPeerId, 'refused:', ack);
  });
}

function sendMediaState(r) {
  sendSignal(r.peerId, { type: 'media-state', audio: me.audioMuted ? 'muted' : 'live', video: me.videoOff ? 'off' : 'live' });
}

function connect() {
  const opts = {};
  if (me.token) opts.auth = { token: me.token };
  socket = io(location.origin, opts);
  status('connecting…');
  socket.on('connect', () => {
    const join = { callId: me.callId, peerId: me.peerId, name: me.name, resume: me.resume };
    if (me.token) join.token = me.token;
    socket.emit('join-call', join, (ack) => {
      if (ack && ack.ok) {
        status(ack.resumed ? 'in the call (back)' : 'in the call');
        return;
      }
      leaveCall(`Could not join: ${ack ? ack.message || ack.error : 'no answer'}`);
    });
  });
  socket.on('connect_error', (err) => {
    if (err.data && (err.data.code === 'bad-token' || err.data.code === 'rate-limited'))
      leaveCall(err.data.code === 'bad-token' ? 'Wrong or missing token: ask for the link with #token=…' : err.message);
    else
      status(`cannot reach the server (${err.message}); trying again…`);
  });
  socket.on('disconnect', (reason) => { if (!leaving) status(`reconnecting… (${reason})`); });
  // The offer rule: those already in the call offer, the newcomer answers.
  socket.on('existing-peers', (peers) => { for (const p of peers || []) remoteFor(p.peerId, p.name); });
  socket.on('peer-joined', (p) => {
    const r = remoteFor(p.peerId, p.name);
    closeConnection(r, 'joined again');
    r.marks = { audioMuted: false, videoOff: false, recording: false };
    showMarks(r);
    offer(r);
  });
  socket.on('peer-left', (p) => removeRemote(p.peerId, 'left'));
  socket.on('call-error', (e) => {
    console.warn('call-error', e.code, e.message);
    if (e.code === 'replaced') leaveCall('This call was opened again elsewhere with this page.');
  });
  socket.on('webrtc-signal', (m) => {
    const s = m && m.signal;
    if (!s || !m.fromPeerId) return;
    const from = m.fromPeerId;
    if (s.type === 'offer') onOffer(from, s.sdp);
    else if (s.type === 'answer') onAnswer(from, s.sdp);
    else if (s.type === 'candidate') onCandidate(from, s.candidate);
    else if (s.type === 'media-state') {
      const r = remoteFor(from);
      if (s.audio) r.marks.audioMuted = s.audio === 'muted';
      if (s.video) r.marks.videoOff = s.video === 'off';
      showMarks(r);
    } else if (s.type === 'recording') {
      const r = remoteFor(from);
      r.marks.recording = s.active === true;
      showMarks(r);
    }
    // Other signal types are someone's extension: ignored.
  });
}

// ---- connections ------------------------------------------------------------------

// What tells one connection of theirs from the next: the SDP session id
// (o= line) and the DTLS fingerprint (docs/protocol.md, "Renegotiation
// versus a new connection").
function sdpIdentity(sdp) {
  const o = /^o=\S+ (\S+) /m.exec(sdp);
  const fp = /^a=fingerprint:(.+)$/m.exec(sdp);
  return { session: o ? o[1] : '', fingerprint: fp ? fp[1].trim().toLowerCase() : '' };
}

function newConnection(r, offerer) {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const conn = { pc, offerer, theirs: null, pending: [], makingOffer: false, chat: null, outbox: [],
                 stateSent: false, restartTimer: 0, files: new Set(), mediaAdded: false };
  r.conn = conn;
  const video = r.tile.querySelector('video');
  if (offerer) addLocalMedia(conn);   // an answerer adds them to the offer's transceivers (onOffer)
  pc.onicecandidate = (e) => {
    if (e.candidate && !e.candidate.candidate) return;   // Firefox's end of a generation: not a candidate line
    sendSignal(r.peerId, { type: 'candidate', candidate: e.candidate ? e.candidate.toJSON() : null });
  };
  pc.ontrack = (e) => {
    const stream = e.streams[0] || new MediaStream([e.track]);
    if (video.srcObject !== stream) video.srcObject = stream;
    video.play().catch(() => {});
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'connected' && !conn.stateSent) {
      conn.stateSent = true;   // meshcall's rule: tell a new connection only when something is off
      if (me.audioMuted || me.videoOff) sendMediaState(r);
    }
  };
  // Only the side that made the first offer restarts ICE (docs/architecture.md, "Who restarts").
  pc.oniceconnectionstatechange = () => {
    clearTimeout(conn.restartTimer);
    if (!offerer) return;
    if (pc.iceConnectionState === 'failed') restartIce(r, conn);
    else if (pc.iceConnectionState === 'disconnected')
      conn.restartTimer = setTimeout(() => restartIce(r, conn), ICE_DISCONNECTED_RESTART_MS);
  };
  pc.ondatachannel = (e) => {
    const ch = e.channel;
    if (ch.label === 'chat' && !conn.chat) setupChat(r, conn, ch);
    else if (ch.label.startsWith('file:')) receiveFile(r, conn, ch);
    else ch.close();
  };
  return conn;
}

// Our camera and microphone on the connection; a kind we have no device for
// is still asked for (recvonly), so an offer always has its audio and video.
function addLocalMedia(conn) {
  conn.mediaAdded = true;
  for (const kind of ['audio', 'video']) {
    const track = localStream.getTracks().find((t) => t.kind === kind);
    if (track) conn.pc.addTrack(track, localStream);
    else if (conn.offerer) conn.pc.addTransceiver(kind, { direction: 'recvonly' });
  }
}

function closeConnection(r, why) {
  const conn = r.conn;
  if (!conn) return;
  r.conn = null;
  clearTimeout(conn.restartTimer);
  for (const t of conn.files) t.end(`cancelled: ${r.name} ${why}`);
  conn.pc.close();
  r.tile.querySelector('video').srcObject = null;
}

async function sendOffer(r, conn, options) {
  conn.makingOffer = true;
  try {
    await conn.pc.setLocalDescription(await conn.pc.createOffer(options));
    if (r.conn === conn) sendSignal(r.peerId, { type: 'offer', sdp: conn.pc.localDescription.sdp });
  } catch (err) {
    console.warn('offer to', r.peerId, err);
  } finally {
    conn.makingOffer = false;
  }
}

function offer(r) {
  const conn = newConnection(r, true);
  // The offerer creates the chat channel before its first offer, so it is in it.
  setupChat(r, conn, conn.pc.createDataChannel('chat'));
  sendOffer(r, conn);
}

function renegotiate(r) {
  if (r.conn && r.conn.pc.signalingState === 'stable') sendOffer(r, r.conn);
}

function restartIce(r, conn) {
  if (r.conn !== conn || conn.pc.signalingState !== 'stable' || conn.pc.connectionState === 'closed') return;
  conn.pc.restartIce();
  sendOffer(r, conn, { iceRestart: true });
}

async function flushCandidates(conn) {
  for (const c of conn.pending.splice(0)) await addCandidate(conn, c);
}

async function addCandidate(conn, c) {
  try {
    await (c ? conn.pc.addIceCandidate(c) : conn.pc.addIceCandidate());
  } catch (err) {
    console.warn('candidate refused', c, err);
  }
}

async function onOffer(from, sdp) {
  const r = remoteFor(from);
  const identity = sdpIdentity(sdp);
  let conn = r.conn;
  if (conn && conn.theirs && (conn.theirs.session !== identity.session || conn.theirs.fingerprint !== identity.fingerprint)) {
    closeConnection(r, 'made a new connection');   // they restarted or rebuilt: answer on a new one
    conn = null;
  }
  if (!conn) conn = newConnection(r, false);
  // Glare (a renegotiation crossing ours): the lower peerId is polite and yields.
  const collision = conn.makingOffer || conn.pc.signalingState !== 'stable';
  if (collision && !(me.peerId < from)) return;
  try {
    await conn.pc.setRemoteDescription({ type: 'offer', sdp });   // rolls ours back when polite
    conn.theirs = identity;
    if (!conn.mediaAdded) addLocalMedia(conn);   // addTrack takes the transceivers the offer made
    await conn.pc.setLocalDescription(await conn.pc.createAnswer());
    if (r.conn === conn) sendSignal(from, { type: 'answer', sdp: conn.pc.localDescription.sdp });
    await flushCandidates(conn);
  } catch (err) {
    console.warn('offer from', from, err);
  }
}

async function onAnswer(from, sdp) {
  const r = remotes.get(from);
  const conn = r && r.conn;
  if (!conn || conn.pc.signalingState !== 'have-local-offer') return;
  try {
    await conn.pc.setRemoteDescription({ type: 'answer', sdp });
    conn.theirs = sdpIdentity(sdp);
    await flushCandidates(conn);
  } catch (err) {
    console.warn('answer from', from, err);
  }
}

function onCandidate(from, candidate) {
  const r = remotes.get(from);
  const conn = r && r.conn;
  if (!conn) return;   // candidates follow their description, in order
  if (!conn.pc.remoteDescription) conn.pending.push(candidate);
  else addCandidate(conn, candidate);
}

// ---- chat (docs/protocol.md, "Chat") ---------------------------------------------

// The last CHAT_HISTORY messages in sentAt order; seen: every id shown.
const chatHistory = { messages: [], seen: new Set(), askedPeer: null, done: false };

function hasControl(s, allowTabNewline) {
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (allowTabNewline && (c === 9 || c === 10)) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

// Why a received message is dropped, or null when it is good.
function chatFault(m, fromPeer) {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return 'not an object';
  if (m.type !== 'chat') return 'not a chat message';
  if (typeof m.id !== 'string' || !CHAT_ID_RE.test(m.id)) return 'bad id';
  if (typeof m.from !== 'string' || m.from === '' || byteLength(m.from) > 128 || hasControl(m.from)) return 'bad from';
  if (typeof m.name !== 'string' || m.name === '' || byteLength(m.name) > 64 || hasControl(m.name)) return 'bad name';
  if (typeof m.text !== 'string' || m.text === '' || byteLength(m.text) > CHAT_MAX_TEXT || hasControl(m.text, true))
    return 'bad text';
  if (!Number.isSafeInteger(m.sentAt) || m.sentAt < 0) return 'bad sentAt';
  if (m.replay !== undefined && typeof m.replay !== 'boolean') return 'bad replay';
  if (!m.replay && m.from !== fromPeer) return 'from names someone else';
  return null;
}

function showChat(m, displayName, local) {
  if (chatHistory.seen.has(m.id)) return;
  chatHistory.seen.add(m.id);
  const kept = { type: 'chat', id: m.id, from: m.from, name: m.name, text: m.text, sentAt: m.sentAt };
  let at = chatHistory.messages.length;
  while (at > 0 && chatHistory.messages[at - 1].sentAt > m.sentAt) at--;
  chatHistory.messages.splice(at, 0, kept);
  if (chatHistory.messages.length > CHAT_HISTORY) chatHistory.messages.shift();

  const li = document.createElement('li');
  const time = document.createElement('time');
  time.dateTime = new Date(m.sentAt).toISOString();
  time.textContent = new Date(m.sentAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = local ? `${displayName} (you)` : displayName;
  li.append(time, who, document.createTextNode(': ' + m.text));
  if (local) li.classList.add('local');
  const list = $('chat-list');
  // In sentAt order: a replay of older messages goes above the newer ones.
  const after = Array.from(list.children).find((x) => Number(x.dataset.sentAt) > m.sentAt);
  li.dataset.sentAt = String(m.sentAt);
  list.insertBefore(li, after || null);
  if (!after) list.scrollTop = list.scrollHeight;
}

function askHistory() {
  for (const r of remotes.values()) {
    const ch = r.conn && r.conn.chat;
    if (ch && ch.readyState === 'open') {
      chatHistory.askedPeer = r.peerId;
      ch.send(JSON.stringify({ type: 'history-request' }));
      return;
    }
  }
  chatHistory.askedPeer = null;
}

function setupChat(r, conn, ch) {
  conn.chat = ch;
  ch.onopen = () => {
    for (const text of conn.outbox.splice(0)) ch.send(text);
    if (!chatHistory.askedPeer && !chatHistory.done) askHistory();
  };
  ch.onmessage = (e) => {
    if (typeof e.data !== 'string' || e.data.length > CHAT_MAX_MESSAGE || byteLength(e.data) > CHAT_MAX_MESSAGE)
      return console.debug('chat from', r.peerId, 'dropped: binary or over 16384 bytes');
    let m;
    try { m = JSON.parse(e.data); } catch (err) { return console.debug('chat from', r.peerId, 'dropped: not JSON'); }
    if (m && m.type === 'history-request') {
      for (const h of chatHistory.messages) ch.send(JSON.stringify(Object.assign({}, h, { replay: true })));
      ch.send(JSON.stringify({ type: 'history-end' }));
      return;
    }
    if (m && m.type === 'history-end') {
      if (chatHistory.askedPeer === r.peerId) chatHistory.done = true;
      return;
    }
    const fault = chatFault(m, r.peerId);
    if (fault) return console.debug('chat from', r.peerId, 'dropped:', fault);
    if (m.replay && (chatHistory.askedPeer !== r.peerId || chatHistory.done))
      return console.debug('chat from', r.peerId, 'dropped: a replay nobody asked it for');
    // A live message shows under the name signaling gave its sender.
    showChat(m, m.replay ? m.name : r.name, false);
  };
  if (ch.readyState === 'open') ch.onopen();
}

function sendChat(text) {
  if (text === '' || hasControl(text, true)) return 'Nothing to send.';
  if (byteLength(text) > CHAT_MAX_TEXT) return `At most ${CHAT_MAX_TEXT} bytes per message.`;
  const m = { type: 'chat', id: newId(), from: me.peerId, name: me.name, text, sentAt: Date.now() };
  const json = JSON.stringify(m);
  for (const r of remotes.values()) {
    if (!r.conn) continue;
    const ch = r.conn.chat;
    if (ch && ch.readyState === 'open') ch.send(json);
    else if (r.conn.outbox.length < CHAT_HISTORY) r.conn.outbox.push(json);   // sent when it opens
  }
  showChat(m, me.name, true);
  return null;
}

// ---- the call ---------------------------------------------------------------------------

function leaveCall(message) {
  if (leaving) return;
  leaving = true;
  if (socket) {
    if (socket.connected) socket.emit('leave-call');
    socket.close();
  }
  for (const peerId of Array.from(remotes.keys())) removeRemote(peerId, 'left');
  localStream.getTracks().forEach((t) => t.stop());
  $('call-view').hidden = true;
  $('join-view').hidden = false;
  $('join').textContent = 'Join again';
  $('join').onclick = (e) => { e.preventDefault(); location.reload(); };
  $('join').disabled = false;
  $('join-error').textContent = message || 'You left the call.';
}

async function join(e) {
  e.preventDefault();
  me.callId = $('call-id').value.trim();
  me.name = $('name').value.trim();
  if (!ID_RE.test(me.callId)) return showJoinError('A call id is 1 to 64 of A-Z a-z 0-9 _ . -');
  if (me.name === '' || hasControl(me.name)) return showJoinError('Type your name.');
  $('join').disabled = true;
  try { localStorage.setItem('meshcall-name', me.name); } catch (err) { /* private mode */ }
  // The address bar keeps the link to this call (and the token, in the fragment).
  window.history.replaceState(null, '', `/?call=${encodeURIComponent(me.callId)}${location.hash}`);
  document.title = `${me.callId} · meshcall`;
  $('call-title').textContent = me.callId;
  $('devices-slot').append($('devices'));
  $('join-view').hidden = true;
  $('call-view').hidden = false;
  await devicesOpened.catch((err) => console.warn('opening the devices', err));
  makeTile(`${me.name} (you)`, true).querySelector('video').srcObject = localStream;
  applyMediaState();
  connect();
}

// Mute and camera off: the track sends silence or black (the connection is
// unchanged) and every peer is told with a media-state signal.
function toggle(button, key, labels) {
  me[key] = !me[key];
  button.setAttribute('aria-pressed', String(me[key]));
  button.textContent = labels[me[key] ? 1 : 0];
  applyMediaState();
  for (const r of remotes.values()) if (r.conn) sendMediaState(r);
  const self = $('grid').querySelector('.tile.self .marks');
  if (self) self.textContent = [me.audioMuted ? 'muted' : '', me.videoOff ? 'camera off' : ''].filter(Boolean).join(' · ');
}

// For tests and the curious: what each connection receives (--stats-json's names).
window.meshcallPage = {
  get peerId() { return me.peerId; },
  async stats() {
    const peers = [];
    for (const r of remotes.values()) {
      const s = { peerId: r.peerId, name: r.name, connectionState: r.conn ? r.conn.pc.connectionState : 'none',
                  videoFramesDecoded: 0, audioPacketsReceived: 0, remoteAudioMuted: r.marks.audioMuted,
                  remoteVideoOff: r.marks.videoOff };
      if (r.conn) {
        (await r.conn.pc.getStats()).forEach((x) => {
          if (x.type !== 'inbound-rtp') return;
          if (x.kind === 'video') s.videoFramesDecoded += x.framesDecoded || 0;
          else if (x.kind === 'audio') s.audioPacketsReceived += x.packetsReceived || 0;
        });
      }
      peers.push(s);
    }
    return { peerId: me.peerId, name: me.name, callId: me.callId, audioMuted: me.audioMuted, videoOff: me.videoOff,
             socketConnected: !!(socket && socket.connected), peers };
  },
};

document.addEventListener('DOMContentLoaded', async () => {
  const params = new URLSearchParams(location.search);
  $('call-id').value = params.get('call') || '';
  try { $('name').value = localStorage.getItem('meshcall-name') || ''; } catch (err) { /* private mode */ }
  ($('call-id').value ? $('name') : $('call-id')).focus();
  $('join-form').addEventListener('submit', join);
  $('leave').addEventListener('click', () => leaveCall());
  $('mute').addEventListener('click', (e) => toggle(e.currentTarget, 'audioMuted', ['Mute', 'Unmute']));
  $('camera-off').addEventListener('click', (e) => toggle(e.currentTarget, 'videoOff', ['Camera off', 'Camera on']));
  $('camera').addEventListener('change', switchDevice);
  $('microphone').addEventListener('change', switchDevice);
  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('chat-input');
    const problem = sendChat(input.value);
    if (problem) input.setCustomValidity(problem), input.reportValidity();
    else input.value = '';
  });
  $('chat-input').addEventListener('input', (e) => e.target.setCustomValidity(''));
  $('file-input').addEventListener('change', (e) => { sendFiles(Array.from(e.target.files)); e.target.value = ''; });
  window.addEventListener('pagehide', () => { if (socket && socket.connected) socket.emit('leave-call'); });
  if (!window.isSecureContext || !navigator.mediaDevices) {
    $('join-error').textContent = 'This browser allows the camera and microphone only on https:// or http://localhost; ' +
      'you can still join to see and hear the others.';
    return;
  }
  devicesOpened = openDevices().then((stream) => {
    localStream = stream;
    $('preview').srcObject = localStream;
  });
  await devicesOpened;
  await fillDeviceLists();
});

// File transfer for the call page (docs/protocol.md, "File transfer"): a
// "file:ID" data channel per file and receiver, a streaming SHA-256. Loaded
// before call.js, whose helpers ($, byteLength, hasControl, newId) it uses.
'use strict';

const FILE_CHUNK = 16384;                          // bytes per binary message
const FILE_HIGH_WATER = 1024 * 1024;               // bytes buffered before we wait
const FILE_LOW_WATER = 256 * 1024;                 // bufferedAmountLowThreshold
const FILE_MAX_TEXT = 8192;

// SHA-256 over a stream of bytes (WebCrypto hashes only whole buffers, and
// a file may not fit in memory).
const SHA_K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

class Sha256 {
  constructor() {
    this.h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    this.w = new Uint32Array(64);
    this.buf = new Uint8Array(64);
    this.used = 0;
    this.length = 0;
  }

  update(bytes) {
    let i = 0;
    this.length += bytes.length;
    if (this.used > 0) {
      i = Math.min(64 - this.used, bytes.length);
      this.buf.set(bytes.subarray(0, i), this.used);
      this.used += i;
      if (this.used < 64) return;
      this.block(this.buf, 0);
      this.used = 0;
    }
    for (; i + 64 <= bytes.length; i += 64) this.block(bytes, i);
    this.buf.set(bytes.subarray(i));
    this.used = bytes.length - i;
  }

  block(b, o) {
    const w = this.w, h = this.h;
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let t = 0; t < 16; t++) w[t] = (b[o + 4 * t] << 24) | (b[o + 4 * t + 1] << 16) | (b[o + 4 * t + 2] << 8) | b[o + 4 * t + 3];
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15], y = w[t - 2];
      w[t] = w[t - 16] + (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) + w[t - 7] + (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10));
    }
    let a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let t = 0; t < 64; t++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA_K[t] + w[t]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
      hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }

  hex() {
    const bits = this.length * 8;
    const pad = new Uint8Array(((this.used < 56 ? 56 : 120) - this.used) + 8);
    pad[0] = 0x80;
    const view = new DataView(pad.buffer);
    view.setUint32(pad.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(pad.length - 4, bits >>> 0);
    this.update(pad);
    return Array.from(this.h, (x) => x.toString(16).padStart(8, '0')).join('');
  }
}

async function hashFile(file, onProgress) {
  const sha = new Sha256();
  for (let at = 0; at < file.size; at += FILE_HIGH_WATER) {
    sha.update(new Uint8Array(await file.slice(at, at + FILE_HIGH_WATER).arrayBuffer()));
    onProgress(Math.min(file.size, at + FILE_HIGH_WATER));
  }
  return sha.hex();
}

function formatSize(n) {
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
}

// One line of the transfer list: a text, a progress bar, buttons.
function transferRow(text, size) {
  const li = document.createElement('li');
  const label = document.createElement('div');
  const bar = document.createElement('progress');
  label.textContent = text;
  bar.max = Math.max(1, size);
  bar.value = 0;
  li.append(label, bar);
  $('transfers').prepend(li);
  return {
    li,
    label,
    progress(n) { bar.value = n; },
    end(result) { bar.remove(); label.textContent = `${text}: ${result}`; li.querySelectorAll('button').forEach((b) => b.remove()); },
  };
}

function validMime(m) {
  return typeof m === 'string' && m.length <= 127 && /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/.test(m);
}

async function sendFiles(files) {
  for (const file of files) {
    const targets = Array.from(remotes.values()).filter((r) => r.conn && r.conn.chat && r.conn.chat.readyState === 'open');
    const row = transferRow(`${file.name} (${formatSize(file.size)})`, file.size);
    if (targets.length === 0) {
      row.end('nobody in the call to send it to');
      continue;
    }
    row.label.textContent = `${file.name}: checking…`;
    const sha256 = await hashFile(file, (n) => row.progress(n));
    row.end(`offered to ${targets.map((r) => r.name).join(', ')}`);
    for (const r of targets) if (r.conn) sendFileTo(r, r.conn, file, sha256);
  }
}

function sendFileTo(r, conn, file, sha256) {
  const id = newId();
  const ch = conn.pc.createDataChannel('file:' + id);
  const row = transferRow(`${file.name} to ${r.name}`, file.size);
  let sent = 0, reading = false, finished = false;
  const t = { end(result) { if (!finished) { finished = true; conn.files.delete(t); row.end(result); ch.close(); } } };
  conn.files.add(t);
  ch.binaryType = 'arraybuffer';
  ch.bufferedAmountLowThreshold = FILE_LOW_WATER;
  // Reads 256 KiB at a time and sends it in chunks, never over 1 MiB buffered.
  const pump = async () => {
    if (reading || finished) return;
    reading = true;
    while (sent < file.size && ch.readyState === 'open' && ch.bufferedAmount + FILE_LOW_WATER <= FILE_HIGH_WATER) {
      const block = new Uint8Array(await file.slice(sent, sent + FILE_LOW_WATER).arrayBuffer());
      for (let at = 0; at < block.length && ch.readyState === 'open'; at += FILE_CHUNK) ch.send(block.subarray(at, at + FILE_CHUNK));
      sent += block.length;
      row.progress(sent);
    }
    reading = false;
  };
  ch.onbufferedamountlow = pump;
  ch.onopen = () => {
    const o = { type: 'file-offer', id, name: file.name || 'file', size: file.size, sha256 };
    if (validMime(file.type)) o.mime = file.type;
    ch.send(JSON.stringify(o));
    row.label.textContent = `${file.name} to ${r.name}: waiting for them to accept`;
  };
  ch.onmessage = (e) => {
    let m = null;
    try { m = typeof e.data === 'string' && e.data.length <= FILE_MAX_TEXT ? JSON.parse(e.data) : null; } catch (err) { /* dropped */ }
    if (!m) return console.debug('file channel from', r.peerId, 'dropped: not a JSON text message');
    if (m.type === 'file-accept') pump();
    else if (m.type === 'file-reject') t.end(`declined${typeof m.reason === 'string' ? ' (' + m.reason + ')' : ''}`);
    else if (m.type === 'file-done') t.end(m.ok === true ? 'sent' : 'arrived damaged (SHA-256 differs)');
  };
  ch.onclose = () => t.end(sent < file.size ? 'cancelled' : 'closed before they confirmed it');
}

// Why a file-offer is refused, or null.
function offerFault(m, id) {
  if (m === null || typeof m !== 'object' || m.type !== 'file-offer') return 'not a file-offer';
  if (m.id !== id) return 'its id is not the channel\'s';
  if (typeof m.name !== 'string' || m.name === '' || byteLength(m.name) > 1024) return 'bad name';
  if (!Number.isSafeInteger(m.size) || m.size < 0) return 'bad size';
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) return 'bad sha256';
  if (m.mime !== undefined && !validMime(m.mime)) return 'bad mime';
  return null;
}

// The name a received file is offered under: its last path component,
// without control characters or leading dots.
function safeName(name) {
  let s = name.split(/[/\\]/).pop();
  s = Array.from(s).filter((ch) => !hasControl(ch)).join('').replace(/^[.\s]+/, '');
  return s || 'file';
}

function receiveFile(r, conn, ch) {
  const id = ch.label.slice('file:'.length);
  let offer = null, row = null, got = 0, accepted = false, finished = false;
  const parts = [], sha = new Sha256();
  const t = { end(result) { if (!finished) { finished = true; conn.files.delete(t); if (row) row.end(result); ch.close(); } } };
  conn.files.add(t);
  ch.binaryType = 'arraybuffer';
  const reply = (m) => { if (ch.readyState === 'open') ch.send(JSON.stringify(m)); };
  const finish = () => {
    const ok = sha.hex() === offer.sha256;
    reply({ type: 'file-done', ok });
    if (!ok) return t.end('arrived damaged (SHA-256 differs): not kept');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob(parts, { type: offer.mime || 'application/octet-stream' }));
    a.download = safeName(offer.name);
    a.textContent = 'Save';
    parts.length = 0;
    finished = true;
    conn.files.delete(t);
    row.end('received');
    row.li.append(' ', a);
  };
  ch.onmessage = (e) => {
    if (finished) return;
    if (typeof e.data === 'string') {
      let m = null;
      try { m = e.data.length <= FILE_MAX_TEXT ? JSON.parse(e.data) : null; } catch (err) { /* dropped */ }
      const fault = offer ? 'a second offer' : offerFault(m, id);
      if (fault) return console.debug('file channel from', r.peerId, 'dropped:', fault);
      offer = m;
      row = transferRow(`${safeName(m.name)} (${formatSize(m.size)}) from ${r.name}`, m.size);
      const yes = document.createElement('button'), no = document.createElement('button');
      yes.textContent = 'Accept';
      no.textContent = 'Decline';
      yes.onclick = () => {
        accepted = true;
        yes.remove();
        no.remove();
        reply({ type: 'file-accept' });
        if (offer.size === 0) finish();
      };
      no.onclick = () => { reply({ type: 'file-reject', reason: 'declined' }); t.end('declined'); };
      row.li.append(yes, ' ', no);
      return;
    }
    if (!accepted) return console.debug('file channel from', r.peerId, 'dropped: data before file-accept');
    const chunk = new Uint8Array(e.data);
    if (chunk.length > FILE_CHUNK || got + chunk.length > offer.size) {
      reply({ type: 'file-reject', reason: chunk.length > FILE_CHUNK ? 'a chunk over 16384 bytes' : 'more bytes than offered' });
      return t.end('stopped: the sender broke the protocol');
    }
    got += chunk.length;
    sha.update(chunk);
    parts.push(chunk);
    row.progress(got);
    if (got === offer.size) finish();
  };
  ch.onclose = () => t.end(offer ? 'cancelled by the sender' : 'closed');
}

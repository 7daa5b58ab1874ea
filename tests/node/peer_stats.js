// Per-remote WebRTC statistics in meshcall's --stats-json field names, for
// the test pages (browser_peer.html, firestore_peer.html): one RTCPeerConnection's
// getStats() folded into one object. r: {pc, name, offerer, localSent,
// localDropped, remoteAdded, remoteDropped}.
'use strict';

function mcCodecOf(report, codecId) {
  const c = codecId && report.get(codecId);
  return c ? c.mimeType : null;
}

window.mcRemoteStats = async function (peerId, r) {
  const s = { peerId, name: r.name, connectionState: r.pc.connectionState,
              iceConnectionState: r.pc.iceConnectionState, offerer: r.offerer,
              videoFramesDecoded: 0, width: 0, height: 0, fps: 0, videoPacketsReceived: 0,
              audioPacketsReceived: 0, videoFramesEncoded: 0, sentWidth: 0, sentHeight: 0,
              bytesReceived: 0, bytesSent: 0, rttMs: null, videoCodec: null, audioCodec: null,
              sentVideoCodec: null, qualityLimitationReason: null, selectedPair: null };
  let st;
  try { st = await r.pc.getStats(); } catch (err) { st = new Map(); }
  st.forEach((x) => {
    if (x.type === 'inbound-rtp' && x.kind === 'video') {
      s.videoFramesDecoded += x.framesDecoded || 0;
      s.width = x.frameWidth || s.width;
      s.height = x.frameHeight || s.height;
      s.fps = x.framesPerSecond || s.fps;
      s.videoPacketsReceived += x.packetsReceived || 0;
      s.bytesReceived += x.bytesReceived || 0;
      s.videoCodec = mcCodecOf(st, x.codecId) || s.videoCodec;
    } else if (x.type === 'inbound-rtp' && x.kind === 'audio') {
      s.audioPacketsReceived += x.packetsReceived || 0;
      s.bytesReceived += x.bytesReceived || 0;
      s.audioCodec = mcCodecOf(st, x.codecId) || s.audioCodec;
    } else if (x.type === 'outbound-rtp') {
      s.bytesSent += x.bytesSent || 0;
      if (x.kind === 'video') {
        s.videoFramesEncoded += x.framesEncoded || 0;
        s.sentWidth = x.frameWidth || s.sentWidth;
        s.sentHeight = x.frameHeight || s.sentHeight;
        s.sentVideoCodec = mcCodecOf(st, x.codecId) || s.sentVideoCodec;
        s.qualityLimitationReason = x.qualityLimitationReason || s.qualityLimitationReason;
      }
    } else if (x.type === 'transport' && x.selectedCandidatePairId) {
      const pair = st.get(x.selectedCandidatePairId);
      const l = pair && st.get(pair.localCandidateId);
      const rc = pair && st.get(pair.remoteCandidateId);
      if (pair && pair.currentRoundTripTime !== undefined) s.rttMs = pair.currentRoundTripTime * 1000;
      if (l && rc) s.selectedPair = `${l.address}:${l.port} ${l.candidateType} -> ${rc.address}:${rc.port} ${rc.candidateType} ${l.protocol}`;
    }
  });
  Object.assign(s, { localCandidatesSent: r.localSent, localCandidatesDropped: r.localDropped,
                     remoteCandidatesAdded: r.remoteAdded, remoteCandidatesDropped: r.remoteDropped });
  return s;
};

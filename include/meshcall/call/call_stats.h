/* Per-peer call statistics: rates from McPeer's own counters (frames, RTP
 * bytes) and quality from webrtcbin's get-stats (RTT, loss, jitter), and the
 * --stats-json document written atomically every second and at exit.
 *
 * webrtcbin 1.22 mislabels per-SSRC entries under max-bundle (kind/codec of
 * the last pad), so the kind of each SSRC comes from the SDP: SSRCs listed
 * in an audio section are audio, every other one is video. */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "meshcall/peer/peer.h"

G_BEGIN_DECLS

typedef struct {
  char *peer_id;
  char *name;
  char *state;                  /* mc_peer_state_to_string, or "failed: reason" */
  guint64 video_frames_decoded;
  int width, height;
  double fps;
  guint64 audio_packets_received;
  double inbound_kbps, outbound_kbps;
  double rtt_ms;                /* < 0: unknown */
  double fraction_lost;         /* inbound, over the last interval; < 0: unknown */
  double remote_fraction_lost;  /* what the remote reports losing of ours; < 0: unknown */
  double jitter_ms;             /* inbound video (else audio) jitter; < 0: unknown */
  double audio_jitter_ms;
  int tier;                     /* -1: not sending video to this peer */
  guint tier_bitrate_kbps;
  double join_to_first_frame_s; /* connected -> first decoded frame; < 0: none yet */
  double first_frame_at;        /* wall-clock time (s since the epoch) of the first decoded frame; < 0: none */
  double connected_at;          /* wall-clock time the current connection came up; < 0: not yet.
                                 * Unchanged while the same connection lasts (a re-offer changes it). */
  gint64 connected_us;          /* the monotonic time connected_at was computed from */
  char *local_candidate_type;   /* selected ICE pair: "host", "srflx", "prflx", "relay"; NULL: unknown */
  char *remote_candidate_type;
  char *remote_fingerprint;     /* their a=fingerprint ("sha-256 AB:..."); NULL: no description yet */
  char *local_address;          /* our IP address on that pair (libnice); NULL: none yet */
  guint ice_restarts;           /* ICE restarts in place on the current connection */
  guint connections;            /* connections made to this participant (1 + rebuilds) */
  guint media_gaps;             /* interruptions of its media longer than media-timeout, all connections */
  double last_gap_s;            /* the last one's length (packet before to packet after); < 0: none */
  double last_gap_end_at;       /* wall-clock time it ended; < 0: none */
  guint gaps_before;            /* media_gaps of the connections before the current one */
  gint64 carried_last_media_us; /* the previous connection's last packet, until the new one's first */

  /* Send adaptation (call_adapt.c); < 0 / NULL: not known */
  double estimate_kbps;          /* the rate controller's target for this peer */
  double loss_estimate_kbps;     /* ... its loss-based half */
  double delay_estimate_kbps;    /* ... its delay-based half */
  double remote_received_kbps;   /* what the peer receives of ours, from its feedback */
  const char *adapt_state;       /* static: "increase", "hold", "decrease" */
  const char *delay_signal;      /* static: "normal", "overuse", "underuse" */
  gboolean transport_cc;         /* the delay signal comes from transport-wide feedback */
  int tier_width, tier_height, tier_fps;   /* the format of its tier; 0: none */

  gboolean remote_audio_muted;   /* from the peer's media-state signal */
  gboolean remote_video_off;
  gboolean remote_recording;     /* it said it records the call (the recording signal): it sends nothing */

  /* previous sample, for rates */
  gint64 prev_us;
  McPeerCounters prev;
  guint64 prev_lost, prev_received;
} McCallStatsPeer;

McCallStatsPeer *mc_call_stats_peer_new (const char *peer_id, const char *name);
void mc_call_stats_peer_free (McCallStatsPeer *p);

/* Rates since the previous call (first call: totals only). */
void mc_call_stats_peer_update_counters (McCallStatsPeer *p, const McPeerCounters *c, gint64 now_us);
/* RTT, loss and jitter from a get-stats structure. remote_sdp (nullable)
 * maps SSRCs to kinds. */
void mc_call_stats_peer_update_webrtc (McCallStatsPeer *p, const GstStructure *stats, const char *remote_sdp);

typedef struct {
  const char *peer_id;
  const char *name;
  const char *call_id;
  const char *signaling_state;
  guint participants;           /* including us */
  const char *video_codec;
  double joined_at;             /* wall-clock time we first joined the call; < 0: not yet */
  GArray *tiers;                /* McCaptureTierInfo, may be NULL */
  gboolean audio_muted;         /* our own microphone / camera state */
  gboolean video_off;
  const char *dtls_fingerprint; /* our certificate's, as in our SDP; NULL: not known */
} McCallStatsSelf;

/* { peerId, name, callId, signalingState, participants, videoCodec, tiers:[...],
 *   audioMuted, videoOff, joinedAt, dtlsFingerprint, time, peers:[{peerId, name, connectionState,
 *   videoFramesDecoded, width, height, fps, audioPacketsReceived, inboundKbps, outboundKbps, rttMs,
 *   fractionLost, remoteFractionLost, jitterMs, audioJitterMs, tier, tierBitrateKbps, firstFrameS,
 *   firstFrameAt, connectedAt, localCandidateType, remoteCandidateType, remoteFingerprint, localAddress,
 *   remoteAudioMuted, remoteVideoOff, connections, iceRestarts, mediaGaps, lastMediaGapS,
 *   lastMediaGapEndedAt, remoteRecording, estimateKbps, lossEstimateKbps, delayEstimateKbps,
 *   remoteReceivedKbps, adaptState, delaySignal, transportCc, tierWidth, tierHeight, tierFps}] }
 * dtlsFingerprint / remoteFingerprint: the SHA-256 of our / their DTLS
 * certificate as SDP's a=fingerprint gives it ("sha-256 AB:CD:..."), or null.
 * Ours stays the same across runs while the saved certificate lasts
 * (peer/dtls_cert.h); compare it with what a peer lists to check that
 * nobody in between replaced it. Every member is documented in docs/stats.md. */
JsonNode *mc_call_stats_to_json (const McCallStatsSelf *self, GPtrArray *peers /* McCallStatsPeer* */);
/* Written to a temporary file and renamed (g_file_set_contents). */
gboolean mc_call_stats_write (const char *path, JsonNode *doc, GError **error);

G_END_DECLS

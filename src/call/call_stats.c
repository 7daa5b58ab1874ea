/* Per-peer statistics and the --stats-json document (call_stats.h). */
#define GST_USE_UNSTABLE_API 1
#include "meshcall/call/call_stats.h"
#include "meshcall/media/capture.h"
#include "meshcall/base/json.h"
#include "meshcall/base/log.h"
#include "meshcall/peer/peer_sdp.h"

#include <gst/webrtc/webrtc.h>

#define MC_LOG_CATEGORY (&mc_log_media)

McCallStatsPeer *
mc_call_stats_peer_new (const char *peer_id, const char *name)
{
  McCallStatsPeer *p = g_new0 (McCallStatsPeer, 1);
  p->peer_id = g_strdup (peer_id);
  p->name = g_strdup (name ? name : peer_id);
  p->state = g_strdup ("new");
  p->rtt_ms = p->fraction_lost = p->remote_fraction_lost = p->jitter_ms = p->audio_jitter_ms = -1;
  p->join_to_first_frame_s = -1;
  p->first_frame_at = -1;
  p->connected_at = -1;
  p->last_gap_s = p->last_gap_end_at = -1;
  p->tier = -1;
  p->estimate_kbps = p->loss_estimate_kbps = p->delay_estimate_kbps = p->remote_received_kbps = -1;
  return p;
}

void
mc_call_stats_peer_free (McCallStatsPeer *p)
{
  if (p == NULL)
    return;
  g_free (p->peer_id);
  g_free (p->name);
  g_free (p->state);
  g_free (p->local_candidate_type);
  g_free (p->local_address);
  g_free (p->remote_candidate_type);
  g_free (p->remote_fingerprint);
  g_free (p);
}

void
mc_call_stats_peer_update_counters (McCallStatsPeer *p, const McPeerCounters *c, gint64 now_us)
{
  p->video_frames_decoded = c->video_frames_decoded;
  p->width = c->video_width;
  p->height = c->video_height;
  p->audio_packets_received = c->audio_packets_received;
  if (c->first_frame_us > 0 && c->connected_us > 0)
    p->join_to_first_frame_s = (c->first_frame_us - c->connected_us) / 1e6;
  if (c->connected_us != p->connected_us) {
    p->connected_us = c->connected_us;
    p->connected_at = c->connected_us > 0 ? (g_get_real_time () - (g_get_monotonic_time () - c->connected_us)) / 1e6 : -1;
  }
  if (c->first_frame_us > 0 && p->first_frame_at < 0)
    p->first_frame_at = (g_get_real_time () - (g_get_monotonic_time () - c->first_frame_us)) / 1e6;
  /* The gap between two connections (a rebuild) ends with the new one's first packet. */
  if (p->carried_last_media_us > 0 && c->first_media_us > p->carried_last_media_us) {
    p->gaps_before++;
    p->last_gap_s = (c->first_media_us - p->carried_last_media_us) / 1e6;
    p->last_gap_end_at = (g_get_real_time () - (g_get_monotonic_time () - c->first_media_us)) / 1e6;
    p->carried_last_media_us = 0;
  }
  p->media_gaps = p->gaps_before + c->media_gaps;
  if (c->last_gap_end_us > 0) {
    p->last_gap_s = c->last_gap_us / 1e6;
    p->last_gap_end_at = (g_get_real_time () - (g_get_monotonic_time () - c->last_gap_end_us)) / 1e6;
  }
  if (p->prev_us > 0 && now_us - p->prev_us < G_USEC_PER_SEC / 2)
    return;   /* too short an interval for rates (e.g. the final write at exit) */
  /* A new McPeer for the same participant starts its counters from zero:
   * no rate across that. */
  if (c->video_bytes_received + c->audio_bytes_received < p->prev.video_bytes_received + p->prev.audio_bytes_received ||
      c->video_bytes_sent + c->audio_bytes_sent < p->prev.video_bytes_sent + p->prev.audio_bytes_sent ||
      c->video_frames_decoded < p->prev.video_frames_decoded) {
    p->prev_us = 0;
    p->fps = p->inbound_kbps = p->outbound_kbps = -1;
  }
  if (p->prev_us > 0) {
    double secs = (now_us - p->prev_us) / 1e6;
    guint64 in = c->video_bytes_received + c->audio_bytes_received;
    guint64 prev_in = p->prev.video_bytes_received + p->prev.audio_bytes_received;
    guint64 out = c->video_bytes_sent + c->audio_bytes_sent;
    guint64 prev_out = p->prev.video_bytes_sent + p->prev.audio_bytes_sent;
    p->fps = (c->video_frames_decoded - p->prev.video_frames_decoded) / secs;
    p->inbound_kbps = (in - prev_in) * 8.0 / 1000.0 / secs;
    p->outbound_kbps = (out - prev_out) * 8.0 / 1000.0 / secs;
  }
  p->prev = *c;
  p->prev_us = now_us;
}

typedef struct {
  McCallStatsPeer *p;
  GHashTable *kinds;     /* ssrc -> "audio"/"video" (nullable) */
  guint64 lost, received;
  gboolean have_inbound;
  double rtt, remote_loss, vjitter, ajitter;
} Walk;

static const char *
kind_of (Walk *w, guint ssrc)
{
  const char *kind = w->kinds ? g_hash_table_lookup (w->kinds, GUINT_TO_POINTER (ssrc)) : NULL;
  return kind && g_str_equal (kind, "audio") ? "audio" : "video";
}

static gboolean
walk_entry (GQuark field, const GValue *value, gpointer user_data)
{
  Walk *w = user_data;
  const GstStructure *s;
  GstWebRTCStatsType type;
  guint ssrc = 0;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;
  s = gst_value_get_structure (value);
  if (!gst_structure_get_enum (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, (gint *) &type))
    return TRUE;
  gst_structure_get_uint (s, "ssrc", &ssrc);
  if (type == GST_WEBRTC_STATS_INBOUND_RTP) {
    double jitter = -1;
    guint64 received = 0;
    gint64 lost = 0;
    gint lost_int = 0;
    gst_structure_get_double (s, "jitter", &jitter);
    gst_structure_get_uint64 (s, "packets-received", &received);
    if (!gst_structure_get_int64 (s, "packets-lost", &lost) && gst_structure_get_int (s, "packets-lost", &lost_int))
      lost = lost_int;
    w->have_inbound = TRUE;
    w->received += received;
    w->lost += lost > 0 ? (guint64) lost : 0;
    if (jitter >= 0) {
      if (g_str_equal (kind_of (w, ssrc), "audio"))
        w->ajitter = MAX (w->ajitter, jitter * 1000.0);
      else
        w->vjitter = MAX (w->vjitter, jitter * 1000.0);
    }
  } else if (type == GST_WEBRTC_STATS_REMOTE_INBOUND_RTP) {
    double rtt = -1, fl = -1;
    if (gst_structure_get_double (s, "round-trip-time", &rtt) && rtt >= 0)
      w->rtt = MAX (w->rtt, rtt * 1000.0);
    if (gst_structure_get_double (s, "fraction-lost", &fl) && fl >= 0)
      w->remote_loss = MAX (w->remote_loss, fl);
  }
  return TRUE;
}

/* The candidate types of the pair ICE selected. (1.22 labels local and
 * remote candidate entries the wrong way round; their ids are right.) */
static char *
candidate_type (const GstStructure *stats, const char *id)
{
  const GValue *v = id ? gst_structure_get_value (stats, id) : NULL;

  if (v == NULL || !GST_VALUE_HOLDS_STRUCTURE (v))
    return NULL;
  return g_strdup (gst_structure_get_string (gst_value_get_structure (v), "candidate-type"));
}

static gboolean
find_pair (GQuark field, const GValue *value, gpointer user_data)
{
  const GstStructure **pair = user_data;
  GstWebRTCStatsType type;

  if (GST_VALUE_HOLDS_STRUCTURE (value) &&
      gst_structure_get_enum (gst_value_get_structure (value), "type", GST_TYPE_WEBRTC_STATS_TYPE, (gint *) &type) &&
      type == GST_WEBRTC_STATS_CANDIDATE_PAIR) {
    *pair = gst_value_get_structure (value);
    return FALSE;
  }
  return TRUE;
}

static void
update_candidate_pair (McCallStatsPeer *p, const GstStructure *stats)
{
  const GstStructure *pair = NULL;
  char *local, *remote;

  gst_structure_foreach (stats, find_pair, &pair);
  if (pair == NULL)
    return;
  local = candidate_type (stats, gst_structure_get_string (pair, "local-candidate-id"));
  remote = candidate_type (stats, gst_structure_get_string (pair, "remote-candidate-id"));
  if (local) {
    g_free (p->local_candidate_type);
    p->local_candidate_type = local;
  }
  if (remote) {
    g_free (p->remote_candidate_type);
    p->remote_candidate_type = remote;
  }
}

void
mc_call_stats_peer_update_webrtc (McCallStatsPeer *p, const GstStructure *stats, const char *remote_sdp)
{
  Walk w = { .p = p, .rtt = -1, .remote_loss = -1, .vjitter = -1, .ajitter = -1 };
  GstSDPMessage *sdp;

  if (stats == NULL)
    return;
  sdp = remote_sdp ? mc_peer_sdp_parse (remote_sdp, NULL) : NULL;
  if (sdp != NULL) {
    w.kinds = mc_peer_sdp_ssrc_kinds (sdp);
    if (mc_peer_sdp_get_fingerprint (sdp)) {
      g_free (p->remote_fingerprint);
      p->remote_fingerprint = g_strdup (mc_peer_sdp_get_fingerprint (sdp));
    }
    gst_sdp_message_free (sdp);
  }
  gst_structure_foreach (stats, walk_entry, &w);
  update_candidate_pair (p, stats);
  if (w.kinds)
    g_hash_table_unref (w.kinds);
  if (w.rtt >= 0)
    p->rtt_ms = w.rtt;
  if (w.remote_loss >= 0)
    p->remote_fraction_lost = w.remote_loss;
  p->jitter_ms = w.vjitter >= 0 ? w.vjitter : w.ajitter;
  p->audio_jitter_ms = w.ajitter;
  if (w.have_inbound) {
    guint64 dl = w.lost >= p->prev_lost ? w.lost - p->prev_lost : 0;
    guint64 dr = w.received >= p->prev_received ? w.received - p->prev_received : 0;
    if (dl + dr > 0)
      p->fraction_lost = (double) dl / (double) (dl + dr);
    p->prev_lost = w.lost;
    p->prev_received = w.received;
  }
}

static void
add_number (JsonBuilder *b, const char *name, double v, int decimals)
{
  double scale = 1;
  json_builder_set_member_name (b, name);
  if (v < 0) {
    json_builder_add_null_value (b);
    return;
  }
  for (int i = 0; i < decimals; i++)
    scale *= 10;
  json_builder_add_double_value (b, (double) (gint64) (v * scale + 0.5) / scale);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
add_bool (JsonBuilder *b, const char *name, gboolean v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, v);
}

static void
add_string (JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name (b, name);
  if (v)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

JsonNode *
mc_call_stats_to_json (const McCallStatsSelf *self, GPtrArray *peers)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string (b, "peerId", self->peer_id);
  add_string (b, "name", self->name);
  add_string (b, "callId", self->call_id);
  add_string (b, "signalingState", self->signaling_state);
  add_int (b, "participants", self->participants);
  add_string (b, "videoCodec", self->video_codec);
  add_bool (b, "audioMuted", self->audio_muted);
  add_bool (b, "videoOff", self->video_off);
  add_number (b, "joinedAt", self->joined_at, 3);
  add_string (b, "dtlsFingerprint", self->dtls_fingerprint);
  json_builder_set_member_name (b, "time");
  json_builder_add_double_value (b, g_get_real_time () / 1e6);
  json_builder_set_member_name (b, "tiers");
  json_builder_begin_array (b);
  for (guint i = 0; self->tiers && i < self->tiers->len; i++) {
    McCaptureTierInfo *t = &g_array_index (self->tiers, McCaptureTierInfo, i);
    json_builder_begin_object (b);
    add_int (b, "tier", i);
    add_int (b, "width", t->width);
    add_int (b, "height", t->height);
    add_int (b, "fps", t->fps);
    add_int (b, "bitrateKbps", t->bitrate_kbps);
    add_int (b, "subscribers", t->subscribers);
    add_int (b, "framesEncoded", (gint64) t->frames);
    add_int (b, "keyframes", (gint64) t->keyframes);
    add_int (b, "keyframeRequests", (gint64) t->keyframe_requests);
    add_int (b, "keyframesForced", (gint64) t->keyframes_forced);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "peers");
  json_builder_begin_array (b);
  for (guint i = 0; peers && i < peers->len; i++) {
    McCallStatsPeer *p = g_ptr_array_index (peers, i);
    json_builder_begin_object (b);
    add_string (b, "peerId", p->peer_id);
    add_string (b, "name", p->name);
    add_string (b, "connectionState", p->state);
    add_int (b, "videoFramesDecoded", (gint64) p->video_frames_decoded);
    add_int (b, "width", p->width);
    add_int (b, "height", p->height);
    add_number (b, "fps", p->fps, 1);
    add_int (b, "audioPacketsReceived", (gint64) p->audio_packets_received);
    add_number (b, "inboundKbps", p->inbound_kbps, 1);
    add_number (b, "outboundKbps", p->outbound_kbps, 1);
    add_number (b, "rttMs", p->rtt_ms, 1);
    add_number (b, "fractionLost", p->fraction_lost, 4);
    add_number (b, "remoteFractionLost", p->remote_fraction_lost, 4);
    add_number (b, "jitterMs", p->jitter_ms, 2);
    add_number (b, "audioJitterMs", p->audio_jitter_ms, 2);
    add_int (b, "tier", p->tier);
    add_int (b, "tierBitrateKbps", p->tier_bitrate_kbps);
    add_number (b, "firstFrameS", p->join_to_first_frame_s, 3);
    add_number (b, "firstFrameAt", p->first_frame_at, 3);
    add_number (b, "connectedAt", p->connected_at, 3);
    add_string (b, "localCandidateType", p->local_candidate_type);
    add_string (b, "remoteCandidateType", p->remote_candidate_type);
    add_string (b, "remoteFingerprint", p->remote_fingerprint);
    add_string (b, "localAddress", p->local_address);
    add_bool (b, "remoteAudioMuted", p->remote_audio_muted);
    add_bool (b, "remoteVideoOff", p->remote_video_off);
    add_bool (b, "remoteRecording", p->remote_recording);
    add_int (b, "connections", p->connections);
    add_int (b, "iceRestarts", p->ice_restarts);
    add_int (b, "mediaGaps", p->media_gaps);
    add_number (b, "lastMediaGapS", p->last_gap_s, 3);
    add_number (b, "lastMediaGapEndedAt", p->last_gap_end_at, 3);
    add_number (b, "estimateKbps", p->estimate_kbps, 1);
    add_number (b, "lossEstimateKbps", p->loss_estimate_kbps, 1);
    add_number (b, "delayEstimateKbps", p->delay_estimate_kbps, 1);
    add_number (b, "remoteReceivedKbps", p->remote_received_kbps, 1);
    add_string (b, "adaptState", p->adapt_state);
    add_string (b, "delaySignal", p->delay_signal);
    add_bool (b, "transportCc", p->transport_cc);
    add_int (b, "tierWidth", p->tier_width);
    add_int (b, "tierHeight", p->tier_height);
    add_int (b, "tierFps", p->tier_fps);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
mc_call_stats_write (const char *path, JsonNode *doc, GError **error)
{
  /* The strict writer: json-glib's writes "nan" and "1e+21.0", which no
   * JSON reader accepts. */
  g_autofree char *text = mc_json_encode_pretty (doc);

  return g_file_set_contents (path, text, -1, error);
}

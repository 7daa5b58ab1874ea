/* One remote participant: a pipeline with its own webrtcbin (see peer.h). */
#include "meshcall/peer/peer.h"
#include "meshcall/base/log.h"
#include "meshcall/peer/peer_sdp.h"
#include "meshcall/media/pipelines.h"
#include "meshcall/media/playback.h"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtp/rtp.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)

#define DEFAULT_VIDEO_PT 96
#define DEFAULT_AUDIO_PT 111
#define DEFAULT_TWCC_ID 1
#define MAX_PENDING_CANDIDATES 256

typedef struct {
  guint mline;
  char *candidate;
} Candidate;

struct _McPeer {
  gint ref_count;
  gint closed;                  /* atomic: mc_peer_free() started */
  GMainContext *context;

  char *local_id, *remote_id, *remote_name;
  McCapture *capture;
  guint tier;
  McPeerSettings settings;      /* its own reference to the ICE config */
  McPlayback *playback;
  McPeerCallbacks cb;
  gpointer user_data;

  GstElement *pipeline;
  GstElement *webrtc;
  GstElement *video_src, *audio_src;   /* send appsrcs (NULL when not sending that kind) */
  gboolean send_built;
  gboolean subscribed;

  McPeerState state;
  gboolean offerer;
  gboolean remote_set;
  gboolean expects_media;
  char *remote_ufrag, *remote_fingerprint;
  GPtrArray *pending_candidates;
  guint answer_timer;
  guint media_timer;
  GSource *bus_source;

  GMutex lock;                  /* counters, playback_input */
  McPeerCounters counters;
  McPlaybackInput *playback_input;
};

static gint live_pipelines;

guint
mc_peer_count_live_pipelines (void)
{
  return (guint) g_atomic_int_get (&live_pipelines);
}

static void
on_pipeline_finalized (gpointer data, GObject *where_the_object_was)
{
  g_atomic_int_dec_and_test (&live_pipelines);
}

static McPeer *
peer_ref (McPeer *peer)
{
  g_atomic_int_inc (&peer->ref_count);
  return peer;
}

static void
candidate_free (Candidate *c)
{
  g_free (c->candidate);
  g_free (c);
}

static void
peer_unref (McPeer *peer)
{
  if (!g_atomic_int_dec_and_test (&peer->ref_count))
    return;
  g_free (peer->local_id);
  g_free (peer->remote_id);
  g_free (peer->remote_name);
  mc_peer_settings_clear (&peer->settings);
  g_free (peer->remote_ufrag);
  g_free (peer->remote_fingerprint);
  g_ptr_array_unref (peer->pending_candidates);
  g_mutex_clear (&peer->lock);
  g_main_context_unref (peer->context);
  g_free (peer);
}

static gboolean
is_closed (McPeer *peer)
{
  return g_atomic_int_get (&peer->closed) != 0;
}

const char *
mc_peer_state_to_string (McPeerState state)
{
  switch (state) {
  case MC_PEER_STATE_NEW: return "new";
  case MC_PEER_STATE_NEGOTIATING: return "negotiating";
  case MC_PEER_STATE_CONNECTING: return "connecting";
  case MC_PEER_STATE_CONNECTED: return "connected";
  case MC_PEER_STATE_FAILED: return "failed";
  }
  return "unknown";
}

/* ---- work queued from webrtcbin's threads onto the peer's context ------- */

typedef enum {
  JOB_SEND_SDP,
  JOB_SEND_CANDIDATE,
  JOB_REMOTE_SET,
  JOB_CONNECTION_STATE,
  JOB_FAIL,
  JOB_STATS,
} JobType;

typedef struct {
  McPeer *peer;
  JobType type;
  char *text;          /* SDP type / candidate / failure reason */
  char *sdp;
  guint number;        /* mline / state / failure */
  GstStructure *stats;
  McPeerStatsFunc stats_func;
  gpointer stats_data;
} Job;

static void
job_free (Job *job)
{
  peer_unref (job->peer);
  g_free (job->text);
  g_free (job->sdp);
  if (job->stats)
    gst_structure_free (job->stats);
  g_free (job);
}

static gboolean run_job (gpointer data);

static void
queue_job (McPeer *peer, Job *job)
{
  job->peer = peer_ref (peer);
  g_main_context_invoke_full (peer->context, G_PRIORITY_DEFAULT, run_job, job, (GDestroyNotify) job_free);
}

static void
queue_fail (McPeer *peer, McPeerFailure failure, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
queue_fail (McPeer *peer, McPeerFailure failure, const char *format, ...)
{
  Job *job = g_new0 (Job, 1);
  va_list args;

  va_start (args, format);
  job->text = g_strdup_vprintf (format, args);
  va_end (args);
  job->type = JOB_FAIL;
  job->number = failure;
  queue_job (peer, job);
}

static void
set_state (McPeer *peer, McPeerState state)
{
  if (peer->state == state || peer->state == MC_PEER_STATE_FAILED)
    return;
  MC_INFO ("peer %s: %s -> %s", peer->remote_id, mc_peer_state_to_string (peer->state),
            mc_peer_state_to_string (state));
  peer->state = state;
  if (peer->cb.state_changed)
    peer->cb.state_changed (peer, state, peer->user_data);
}

static void
fail (McPeer *peer, McPeerFailure failure, const char *reason)
{
  if (peer->state == MC_PEER_STATE_FAILED || is_closed (peer))
    return;
  MC_WARNING ("peer %s failed: %s", peer->remote_id, reason);
  set_state (peer, MC_PEER_STATE_FAILED);
  g_clear_handle_id (&peer->answer_timer, g_source_remove);
  if (peer->cb.failed)
    peer->cb.failed (peer, failure, reason, peer->user_data);
}

/* Hands a signal to the owner, then frees it. */
static void
send_signal (McPeer *peer, McSignal *signal)
{
  if (peer->cb.send_signal)
    peer->cb.send_signal (peer, signal, peer->user_data);
  mc_signal_free (signal);
}

static gboolean
on_answer_timeout (gpointer data)
{
  McPeer *peer = data;
  g_autofree char *reason = g_strdup_printf ("no answer to our offer within %.1f s", peer->settings.answer_timeout_ms / 1000.0);

  peer->answer_timer = 0;
  fail (peer, MC_PEER_FAILURE_NO_ANSWER, reason);
  return G_SOURCE_REMOVE;
}

static GstSDPMessage *
get_description (McPeer *peer, const char *property)
{
  GstWebRTCSessionDescription *desc = NULL;
  GstSDPMessage *sdp = NULL;

  g_object_get (peer->webrtc, property, &desc, NULL);
  if (desc != NULL) {
    gst_sdp_message_copy (desc->sdp, &sdp);
    gst_webrtc_session_description_free (desc);
  }
  return sdp;
}

/* The m-line must be one of the remote description's: the wire allows
 * 0..65535, webrtcbin only what the session has. */
static gboolean
add_remote_candidate (McPeer *peer, guint mline, const char *candidate, GError **error)
{
  g_autoptr (GstSDPMessage) remote = get_description (peer, "remote-description");
  guint n = remote ? gst_sdp_message_medias_len (remote) : 0;

  if (mline >= n) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE,
                 "candidate: sdpMLineIndex %u is beyond the %u m-lines of the session", mline, n);
    return FALSE;
  }
  MC_LOG ("peer %s: remote candidate %u %s", peer->remote_id, mline, candidate);
  g_signal_emit_by_name (peer->webrtc, "add-ice-candidate", mline, candidate);
  return TRUE;
}

static void
subscribe (McPeer *peer)
{
  if (peer->subscribed || peer->capture == NULL)
    return;
  peer->subscribed = TRUE;
  if (peer->video_src)
    mc_capture_subscribe (peer->capture, peer->tier, GST_APP_SRC (peer->video_src));
  if (peer->audio_src)
    mc_capture_subscribe_audio (peer->capture, GST_APP_SRC (peer->audio_src));
}

static void
unsubscribe (McPeer *peer)
{
  if (!peer->subscribed)
    return;
  peer->subscribed = FALSE;
  if (peer->video_src)
    mc_capture_unsubscribe (peer->capture, GST_APP_SRC (peer->video_src));
  if (peer->audio_src)
    mc_capture_unsubscribe_audio (peer->capture, GST_APP_SRC (peer->audio_src));
}

static void
handle_connection_state (McPeer *peer, GstWebRTCPeerConnectionState state)
{
  switch (state) {
  case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED:
    g_mutex_lock (&peer->lock);
    if (peer->counters.connected_us == 0)
      peer->counters.connected_us = g_get_monotonic_time ();
    g_mutex_unlock (&peer->lock);
    set_state (peer, MC_PEER_STATE_CONNECTED);
    subscribe (peer);
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
    fail (peer, MC_PEER_FAILURE_CONNECTION, "ICE or DTLS failed");
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED:
    fail (peer, MC_PEER_FAILURE_CONNECTION, "connection closed");
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED:
    MC_INFO ("peer %s: disconnected (waiting for recovery or media timeout)", peer->remote_id);
    break;
  default:
    break;
  }
}

static gboolean
run_job (gpointer data)
{
  Job *job = data;
  McPeer *peer = job->peer;

  if (is_closed (peer))
    return G_SOURCE_REMOVE;
  if (job->type == JOB_STATS) {
    job->stats_func (peer, job->stats, job->stats_data);
    return G_SOURCE_REMOVE;
  }
  if (peer->state == MC_PEER_STATE_FAILED)
    return G_SOURCE_REMOVE;

  switch (job->type) {
  case JOB_SEND_SDP:
    MC_INFO ("peer %s: sending %s", peer->remote_id, job->text);
    MC_DEBUG ("peer %s: %s:\n%s", peer->remote_id, job->text, job->sdp);
    send_signal (peer, mc_signal_new_description (g_str_equal (job->text, "offer") ? MC_SIGNAL_OFFER
                                                                                   : MC_SIGNAL_ANSWER,
                                                  job->sdp));
    if (g_str_equal (job->text, "offer")) {
      g_clear_handle_id (&peer->answer_timer, g_source_remove);
      GSource *src = g_timeout_source_new (peer->settings.answer_timeout_ms);
      g_source_set_callback (src, on_answer_timeout, peer, NULL);
      peer->answer_timer = g_source_attach (src, peer->context);
      g_source_unref (src);
    }
    break;
  case JOB_SEND_CANDIDATE: {
    g_autoptr (GstSDPMessage) local = get_description (peer, "local-description");
    const char *mid = local ? mc_peer_sdp_get_mid (local, job->number) : NULL;
    send_signal (peer, mc_signal_new_candidate (job->text, mid, (gint) job->number));
    break;
  }
  case JOB_REMOTE_SET:
    peer->remote_set = TRUE;
    for (guint i = 0; i < peer->pending_candidates->len; i++) {
      Candidate *c = g_ptr_array_index (peer->pending_candidates, i);
      g_autoptr (GError) error = NULL;
      /* Queued before the description that says how many m-lines there are. */
      if (!add_remote_candidate (peer, c->mline, c->candidate, &error))
        MC_WARNING ("peer %s: dropping a queued candidate: %s", peer->remote_id, error->message);
    }
    g_ptr_array_set_size (peer->pending_candidates, 0);
    if (peer->state != MC_PEER_STATE_CONNECTED)
      set_state (peer, MC_PEER_STATE_CONNECTING);
    break;
  case JOB_CONNECTION_STATE:
    handle_connection_state (peer, (GstWebRTCPeerConnectionState) job->number);
    break;
  case JOB_FAIL:
    fail (peer, (McPeerFailure) job->number, job->text);
    break;
  case JOB_STATS:
    break;
  }
  return G_SOURCE_REMOVE;
}

/* ---- promises (run on webrtcbin's thread) -------------------------------- */

static gboolean
promise_ok (McPeer *peer, GstPromise *promise, const char *what, const GstStructure **reply_out)
{
  const GstStructure *reply;
  g_autoptr (GError) err = NULL;

  if (is_closed (peer))
    return FALSE;
  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED) {
    queue_fail (peer, MC_PEER_FAILURE_INTERNAL, "%s: no reply from webrtcbin", what);
    return FALSE;
  }
  reply = gst_promise_get_reply (promise);
  if (reply != NULL && gst_structure_has_field (reply, "error")) {
    gst_structure_get (reply, "error", G_TYPE_ERROR, &err, NULL);
    queue_fail (peer, MC_PEER_FAILURE_PROTOCOL, "%s: %s", what, err ? err->message : "failed");
    return FALSE;
  }
  if (reply_out)
    *reply_out = reply;
  return TRUE;
}

static void
on_description_created (GstPromise *promise, gpointer user_data)
{
  McPeer *peer = user_data;
  const GstStructure *reply = NULL;
  GstWebRTCSessionDescription *desc = NULL;
  const char *type = peer->offerer ? "offer" : "answer";

  if (!promise_ok (peer, promise, peer->offerer ? "create-offer" : "create-answer", &reply) || reply == NULL) {
    gst_promise_unref (promise);
    return;
  }
  gst_structure_get (reply, type, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
  gst_promise_unref (promise);
  if (desc == NULL) {
    queue_fail (peer, MC_PEER_FAILURE_INTERNAL, "webrtcbin created no %s", type);
    return;
  }
  g_signal_emit_by_name (peer->webrtc, "set-local-description", desc, NULL);

  Job *job = g_new0 (Job, 1);
  job->type = JOB_SEND_SDP;
  job->text = g_strdup (type);
  job->sdp = gst_sdp_message_as_text (desc->sdp);
  gst_webrtc_session_description_free (desc);
  queue_job (peer, job);
  if (!peer->offerer) {
    Job *set = g_new0 (Job, 1);
    set->type = JOB_REMOTE_SET;
    queue_job (peer, set);
  }
}

static void
on_remote_set (GstPromise *promise, gpointer user_data)
{
  McPeer *peer = user_data;

  if (!promise_ok (peer, promise, "set-remote-description", NULL)) {
    gst_promise_unref (promise);
    return;
  }
  gst_promise_unref (promise);
  if (peer->offerer) {
    Job *job = g_new0 (Job, 1);
    job->type = JOB_REMOTE_SET;
    queue_job (peer, job);
    return;
  }
  /* Remote offer applied: answer it. */
  GstPromise *answer = gst_promise_new_with_change_func (on_description_created, peer_ref (peer),
                                                         (GDestroyNotify) peer_unref);
  g_signal_emit_by_name (peer->webrtc, "create-answer", NULL, answer);
}

static void
on_stats (GstPromise *promise, gpointer user_data)
{
  Job *job = user_data;
  const GstStructure *reply;

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED && (reply = gst_promise_get_reply (promise)) != NULL)
    job->stats = gst_structure_copy (reply);
  gst_promise_unref (promise);
  g_main_context_invoke_full (job->peer->context, G_PRIORITY_DEFAULT, run_job, job, (GDestroyNotify) job_free);
}

void
mc_peer_get_stats (McPeer *peer, McPeerStatsFunc func, gpointer user_data)
{
  Job *job = g_new0 (Job, 1);
  GstPromise *promise;

  job->type = JOB_STATS;
  job->peer = peer_ref (peer);
  job->stats_func = func;
  job->stats_data = user_data;
  promise = gst_promise_new_with_change_func (on_stats, job, NULL);
  g_signal_emit_by_name (peer->webrtc, "get-stats", NULL, promise);
}

/* ---- webrtcbin signals (any thread) ---------------------------------------- */

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer user_data)
{
  McPeer *peer = user_data;
  Job *job = g_new0 (Job, 1);

  job->type = JOB_SEND_CANDIDATE;
  job->number = mline;
  job->text = g_strdup (candidate);
  queue_job (peer, job);
}

static void
on_connection_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  McPeer *peer = user_data;
  GstWebRTCPeerConnectionState state;
  Job *job = g_new0 (Job, 1);

  g_object_get (webrtc, "connection-state", &state, NULL);
  job->type = JOB_CONNECTION_STATE;
  job->number = state;
  queue_job (peer, job);
}

static void
on_ice_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  McPeer *peer = user_data;
  GstWebRTCICEConnectionState state;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  MC_DEBUG ("peer %s: ICE state %d", peer->remote_id, state);
}

/* ---- receive side (streaming threads) --------------------------------------- */

/* Packets and bytes in a probed buffer or buffer list. */
static void
probe_size (GstPadProbeInfo *info, guint *packets, gsize *bytes)
{
  *packets = 0;
  *bytes = 0;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    *packets = 1;
    *bytes = gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    *packets = gst_buffer_list_length (list);
    *bytes = gst_buffer_list_calculate_size (list);
  }
}

static GstPadProbeReturn
count_rtp_in (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  McPeer *peer = g_object_get_data (G_OBJECT (pad), "mc-peer");
  gboolean video = GPOINTER_TO_INT (user_data);
  guint packets;
  gsize bytes;

  probe_size (info, &packets, &bytes);
  g_mutex_lock (&peer->lock);
  if (video) {
    peer->counters.video_packets_received += packets;
    peer->counters.video_bytes_received += bytes;
  } else {
    peer->counters.audio_packets_received += packets;
    peer->counters.audio_bytes_received += bytes;
  }
  peer->counters.last_media_us = g_get_monotonic_time ();
  g_mutex_unlock (&peer->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_rtp_out (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  McPeer *peer = g_object_get_data (G_OBJECT (pad), "mc-peer");
  gboolean video = GPOINTER_TO_INT (user_data);
  guint packets;
  gsize bytes;

  probe_size (info, &packets, &bytes);
  g_mutex_lock (&peer->lock);
  if (video) {
    peer->counters.video_packets_sent += packets;
    peer->counters.video_bytes_sent += bytes;
  } else {
    peer->counters.audio_packets_sent += packets;
    peer->counters.audio_bytes_sent += bytes;
  }
  g_mutex_unlock (&peer->lock);
  return GST_PAD_PROBE_OK;
}

static void
add_count_probe (McPeer *peer, GstPad *pad, GstPadProbeCallback func, gboolean video)
{
  g_object_set_data (G_OBJECT (pad), "mc-peer", peer);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, func,
                     GINT_TO_POINTER (video), NULL);
}

static GstFlowReturn
on_video_sample (GstAppSink *sink, gpointer user_data)
{
  McPeer *peer = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstCaps *caps;
  int width = 0, height = 0;

  if (sample == NULL)
    return GST_FLOW_EOS;
  caps = gst_sample_get_caps (sample);
  if (caps != NULL && gst_caps_get_size (caps) > 0) {
    GstStructure *s = gst_caps_get_structure (caps, 0);
    gst_structure_get_int (s, "width", &width);
    gst_structure_get_int (s, "height", &height);
  }
  g_mutex_lock (&peer->lock);
  peer->counters.video_frames_decoded++;
  peer->counters.video_width = width;
  peer->counters.video_height = height;
  if (peer->counters.first_frame_us == 0)
    peer->counters.first_frame_us = g_get_monotonic_time ();
  g_mutex_unlock (&peer->lock);
  if (peer->cb.on_video_frame && !is_closed (peer))
    peer->cb.on_video_frame (peer, sample, peer->user_data);
  return GST_FLOW_OK;
}

static GstFlowReturn
on_audio_sample (GstAppSink *sink, gpointer user_data)
{
  McPeer *peer = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;
  g_mutex_lock (&peer->lock);
  peer->counters.audio_buffers_decoded++;
  if (peer->playback_input) {
    GstBuffer *buffer = gst_buffer_copy (gst_sample_get_buffer (sample));
    const GstSegment *seg = gst_sample_get_segment (sample);
    /* Move timestamps to running time: the playback pipeline shares clock and base time. */
    if (seg && GST_BUFFER_PTS_IS_VALID (buffer))
      GST_BUFFER_PTS (buffer) = gst_segment_to_running_time (seg, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
    mc_playback_input_push (peer->playback_input, buffer);
  }
  g_mutex_unlock (&peer->lock);
  return GST_FLOW_OK;
}

static GstPadProbeReturn
count_decoded_audio (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  McPeer *peer = user_data;
  g_mutex_lock (&peer->lock);
  peer->counters.audio_buffers_decoded++;
  g_mutex_unlock (&peer->lock);
  return GST_PAD_PROBE_OK;
}

static char *
receive_description (McPeer *peer, const char *media, const char *encoding, GError **error)
{
  g_autofree char *dec = NULL;

  if (g_strcmp0 (media, "video") == 0 && (g_ascii_strcasecmp (encoding, "VP8") == 0 ||
                                           g_ascii_strcasecmp (encoding, "H264") == 0)) {
    gboolean vp8 = g_ascii_strcasecmp (encoding, "VP8") == 0;
    dec = mc_pipelines_load (vp8 ? "decoder-vp8" : "decoder-h264", NULL, error);
    if (dec == NULL)
      return NULL;
    return g_strdup_printf ("%s request-keyframe=true wait-for-keyframe=true ! %s ! appsink name=videosink",
                            vp8 ? "rtpvp8depay" : "rtph264depay", dec);
  }
  if (g_strcmp0 (media, "audio") == 0 && g_ascii_strcasecmp (encoding, "OPUS") == 0) {
    dec = mc_pipelines_load ("decoder-opus", NULL, error);
    if (dec == NULL)
      return NULL;
    /* The level element posts the RMS on the bus for the active-speaker border. */
    const char *level = peer->cb.audio_level ? "level interval=100000000 post-messages=true ! " : "";
    if (peer->playback)
      return g_strdup_printf ("rtpopusdepay ! %s ! audioconvert ! audioresample ! " MC_PLAYBACK_CAPS
                              " ! %sappsink name=audiosink", dec, level);
    return g_strdup_printf ("rtpopusdepay ! %s ! %sfakesink name=audiosink sync=false async=false", dec, level);
  }
  g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_UNSUPPORTED, "unsupported %s stream %s", media, encoding);
  return NULL;
}

static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  McPeer *peer = user_data;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *desc = NULL;
  GstStructure *s;
  const char *media, *encoding;
  GstElement *bin, *sink;
  gboolean video;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC || is_closed (peer))
    return;
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  s = gst_caps_get_structure (caps, 0);
  media = gst_structure_get_string (s, "media");
  encoding = gst_structure_get_string (s, "encoding-name");
  video = g_strcmp0 (media, "video") == 0;
  MC_INFO ("peer %s: incoming %s %s", peer->remote_id, media, encoding);

  desc = receive_description (peer, media, encoding ? encoding : "", &error);
  if (desc == NULL) {
    MC_WARNING ("peer %s: %s; discarding it", peer->remote_id, error->message);
    bin = gst_element_factory_make ("fakesink", NULL);
    g_object_set (bin, "async", FALSE, "sync", FALSE, NULL);
  } else {
    bin = mc_pipelines_parse_bin (desc, "receive", &error);
    if (bin == NULL) {
      queue_fail (peer, MC_PEER_FAILURE_INTERNAL, "%s", error->message);
      return;
    }
    sink = gst_bin_get_by_name (GST_BIN (bin), video ? "videosink" : "audiosink");
    if (video || peer->playback) {
      GstAppSinkCallbacks cb = { .new_sample = video ? on_video_sample : on_audio_sample };
      g_object_set (sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, "max-buffers", 2,
                    "drop", TRUE, NULL);
      gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, peer, NULL);
    } else {
      g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (sink, "sink");
      gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, count_decoded_audio, peer, NULL);
    }
    gst_object_unref (sink);
  }
  gst_bin_add (GST_BIN (peer->pipeline), bin);
  gst_element_sync_state_with_parent (bin);
  {
    g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (bin, "sink");
    add_count_probe (peer, sinkpad, count_rtp_in, video);
    if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
      queue_fail (peer, MC_PEER_FAILURE_INTERNAL, "could not link the incoming %s stream", media);
  }
}

/* ---- send side ------------------------------------------------------------ */

typedef struct {
  gboolean video, audio;     /* which kinds the session has */
  int video_pt, audio_pt;
  guint video_twcc, audio_twcc;
} SendParams;

static GstCaps *
rtp_caps (McPeer *peer, gboolean video, int pt, guint twcc)
{
  GstCaps *caps;

  if (video && peer->capture && mc_capture_get_codec (peer->capture) == MC_VIDEO_CODEC_H264)
    caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name",
                                G_TYPE_STRING, "H264", "payload", G_TYPE_INT, pt, "clock-rate", G_TYPE_INT, 90000,
                                "packetization-mode", G_TYPE_STRING, "1", "profile-level-id", G_TYPE_STRING,
                                "42e01f", "level-asymmetry-allowed", G_TYPE_STRING, "1", NULL);
  else if (video)
    caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name",
                                G_TYPE_STRING, "VP8", "payload", G_TYPE_INT, pt, "clock-rate", G_TYPE_INT, 90000,
                                NULL);
  else
    caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio", "encoding-name",
                                G_TYPE_STRING, "OPUS", "payload", G_TYPE_INT, pt, "clock-rate", G_TYPE_INT, 48000,
                                "encoding-params", G_TYPE_STRING, "2", "minptime", G_TYPE_STRING, "10",
                                "useinbandfec", G_TYPE_STRING, "1", NULL);
  if (twcc > 0) {
    g_autofree char *field = g_strdup_printf ("extmap-%u", twcc);
    gst_caps_set_simple (caps, field, G_TYPE_STRING, MC_PEER_SDP_TWCC_URI, NULL);
  }
  return caps;
}

static gboolean
build_send_branch (McPeer *peer, gboolean video, int pt, guint twcc, GError **error)
{
  g_autoptr (GstCaps) caps = rtp_caps (peer, video, pt, twcc);
  gboolean sending = peer->capture && (video ? mc_capture_has_video (peer->capture)
                                             : mc_capture_has_audio (peer->capture));
  GstWebRTCRTPTransceiver *trans = NULL;

  if (!sending) {
    /* Nothing to send of this kind: still receive it. */
    g_signal_emit_by_name (peer->webrtc, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps,
                           &trans);
    g_clear_object (&trans);
    return TRUE;
  }

  gboolean h264 = video && mc_capture_get_codec (peer->capture) == MC_VIDEO_CODEC_H264;
  g_autoptr (GstCaps) enc_caps = video ? mc_video_codec_encoded_caps (mc_capture_get_codec (peer->capture))
                                       : mc_capture_audio_caps ();
  GstElement *src = gst_element_factory_make ("appsrc", video ? "videosrc" : "audiosrc");
  GstElement *pay = gst_element_factory_make (video ? (h264 ? "rtph264pay" : "rtpvp8pay") : "rtpopuspay", NULL);
  GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
  g_autoptr (GstPad) srcpad = NULL;
  g_autoptr (GstPad) sinkpad = NULL;
  g_autoptr (GstPad) paypad = NULL;
  g_autofree char *msid = NULL;
  guint32 ssrc;

  if (src == NULL || pay == NULL || filter == NULL) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_MISSING_ELEMENT, "missing GStreamer element (appsrc or RTP payloader)");
    g_clear_object (&src);
    g_clear_object (&pay);
    g_clear_object (&filter);
    return FALSE;
  }
  /* Live, bounded: a stalled peer drops old frames instead of growing memory. */
  g_object_set (src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, "caps", enc_caps,
                "max-buffers", (guint64) (video ? 60 : 100), "leaky-type", 2 /* downstream */, "block", FALSE,
                NULL);
  /* A fixed SSRC in the codec preferences puts a=ssrc/msid lines in the SDP
   * for both kinds before any media flowed, so browsers put our audio and
   * video in one MediaStream (lip sync). */
  ssrc = g_random_int ();
  gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, ssrc, NULL);
  g_object_set (pay, "pt", (guint) pt, "mtu", (guint) 1200, "ssrc", ssrc, NULL);
  if (video && !h264)
    g_object_set (pay, "picture-id-mode", 2 /* 15-bit */, NULL);
  if (h264)
    gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
  if (h264)
    g_object_set (pay, "config-interval", -1, NULL);
  if (h264) {
    /* The payloader takes profile-level-id from the encoder's SPS; the SDP
     * (codec preferences below) announces constrained baseline 3.1. */
    g_autoptr (GstCaps) filter_caps = gst_caps_copy (caps);
    gst_structure_remove_fields (gst_caps_get_structure (filter_caps, 0), "profile-level-id",
                                 "level-asymmetry-allowed", NULL);
    g_object_set (filter, "caps", filter_caps, NULL);
  } else {
    g_object_set (filter, "caps", caps, NULL);
  }

  gst_bin_add_many (GST_BIN (peer->pipeline), src, pay, filter, NULL);
  if (!gst_element_link_many (src, pay, filter, NULL)) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_LINK, "could not link the %s send branch", video ? "video" : "audio");
    return FALSE;
  }
  srcpad = gst_element_get_static_pad (filter, "src");
  sinkpad = gst_element_request_pad_simple (peer->webrtc, "sink_%u");
  if (sinkpad == NULL || gst_pad_link (srcpad, sinkpad) != GST_PAD_LINK_OK) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_LINK, "could not link the %s send branch to webrtcbin",
                 video ? "video" : "audio");
    return FALSE;
  }
  /* One stream id for both kinds, made of token characters only (RFC 8830). */
  msid = g_strdup_printf ("meshcall-%s", peer->local_id ? peer->local_id : "peer");
  g_object_set (sinkpad, "msid", msid, NULL);
  if (h264 && !peer->offerer) {
    /* Answering: webrtcbin 1.22 copies level-asymmetry-allowed from the
     * offer and from our preferences, writing it twice into the fmtp line. */
    gst_structure_remove_field (gst_caps_get_structure (caps, 0), "level-asymmetry-allowed");
  }
  g_object_get (sinkpad, "transceiver", &trans, NULL);
  if (trans != NULL) {
    g_object_set (trans, "codec-preferences", caps, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV,
                  NULL);
    gst_object_unref (trans);
  }
  paypad = gst_element_get_static_pad (pay, "src");
  add_count_probe (peer, paypad, count_rtp_out, video);
  gst_element_sync_state_with_parent (filter);
  gst_element_sync_state_with_parent (pay);
  gst_element_sync_state_with_parent (src);
  if (video)
    peer->video_src = src;
  else
    peer->audio_src = src;
  return TRUE;
}

static gboolean
build_send (McPeer *peer, const SendParams *p, GError **error)
{
  if (peer->send_built)
    return TRUE;
  peer->send_built = TRUE;
  if (p->video && !build_send_branch (peer, TRUE, p->video_pt, p->video_twcc, error))
    return FALSE;
  if (p->audio && !build_send_branch (peer, FALSE, p->audio_pt, p->audio_twcc, error))
    return FALSE;
  return TRUE;
}

/* ---- public API ------------------------------------------------------------ */

/* A `level` element message: report the loudest channel's RMS. */
static void
report_level (McPeer *peer, const GstStructure *s)
{
  const GValue *v = gst_structure_get_value (s, "rms");
  double loudest = -G_MAXDOUBLE;

  if (v == NULL || !G_VALUE_HOLDS_BOXED (v) || g_value_get_boxed (v) == NULL)
    return;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GValueArray *rms = g_value_get_boxed (v);
  for (guint i = 0; i < rms->n_values; i++)
    if (G_VALUE_HOLDS_DOUBLE (&rms->values[i]))
      loudest = MAX (loudest, MAX (g_value_get_double (&rms->values[i]), -200.0));  /* -inf: silence */
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (loudest > -G_MAXDOUBLE)
    peer->cb.audio_level (peer, loudest, peer->user_data);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  McPeer *peer = user_data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) err = NULL;
    g_autofree char *dbg = NULL;
    g_autofree char *reason = NULL;
    gst_message_parse_error (msg, &err, &dbg);
    MC_WARNING ("peer %s: pipeline error from %s: %s (%s)", peer->remote_id, GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
                 err->message, dbg ? dbg : "");
    reason = g_strdup_printf ("pipeline error: %s", err->message);
    fail (peer, MC_PEER_FAILURE_INTERNAL, reason);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT && peer->cb.audio_level &&
             gst_message_has_name (msg, "level") && !is_closed (peer)) {
    report_level (peer, gst_message_get_structure (msg));
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
    g_autoptr (GError) err = NULL;
    gst_message_parse_warning (msg, &err, NULL);
    MC_INFO ("peer %s: warning from %s: %s", peer->remote_id, GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
              err->message);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_media_check (gpointer data)
{
  McPeer *peer = data;
  gint64 now = g_get_monotonic_time (), last;

  if (peer->state != MC_PEER_STATE_CONNECTED || !peer->expects_media)
    return G_SOURCE_CONTINUE;
  g_mutex_lock (&peer->lock);
  last = MAX (peer->counters.last_media_us, peer->counters.connected_us);
  g_mutex_unlock (&peer->lock);
  if (last > 0 && now - last > (gint64) peer->settings.media_timeout_ms * 1000) {
    g_autofree char *reason = g_strdup_printf ("no media received for %u ms", peer->settings.media_timeout_ms);
    fail (peer, MC_PEER_FAILURE_NO_MEDIA, reason);
  }
  return G_SOURCE_CONTINUE;
}

McPeer *
mc_peer_new (const McPeerConfig *cfg, const McPeerCallbacks *callbacks, gpointer user_data, GError **error)
{
  McPeer *peer = g_new0 (McPeer, 1);
  g_autofree char *name = g_strdup_printf ("peer-%s", cfg->remote_id);
  const McIceConfig *ice;

  peer->ref_count = 1;
  peer->context = g_main_context_ref_thread_default ();
  peer->local_id = g_strdup (cfg->local_id);
  peer->remote_id = g_strdup (cfg->remote_id);
  peer->remote_name = g_strdup (cfg->remote_name ? cfg->remote_name : cfg->remote_id);
  peer->capture = cfg->capture;
  peer->tier = cfg->tier;
  if (cfg->settings)
    mc_peer_settings_copy (&peer->settings, cfg->settings);
  else
    mc_peer_settings_init (&peer->settings);
  if (peer->settings.answer_timeout_ms == 0)
    peer->settings.answer_timeout_ms = MC_PEER_DEFAULT_ANSWER_TIMEOUT_MS;
  ice = peer->settings.ice;
  peer->playback = cfg->playback;
  if (callbacks)
    peer->cb = *callbacks;
  peer->user_data = user_data;
  peer->pending_candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  g_mutex_init (&peer->lock);

  peer->pipeline = gst_object_ref_sink (gst_pipeline_new (name));
  g_atomic_int_inc (&live_pipelines);
  g_object_weak_ref (G_OBJECT (peer->pipeline), on_pipeline_finalized, NULL);
  peer->webrtc = gst_element_factory_make ("webrtcbin", "webrtc");
  if (peer->webrtc == NULL) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_MISSING_ELEMENT, "webrtcbin is missing (gstreamer1.0-plugins-bad)");
    gst_object_unref (peer->pipeline);
    peer->pipeline = NULL;
    peer->closed = 1;
    peer_unref (peer);
    return NULL;
  }
  gst_bin_add (GST_BIN (peer->pipeline), peer->webrtc);
  gst_util_set_object_arg (G_OBJECT (peer->webrtc), "bundle-policy", "max-bundle");
  g_object_set (peer->webrtc, "latency", peer->settings.jitter_latency_ms, NULL);
  if (ice && ice->stun_server)
    g_object_set (peer->webrtc, "stun-server", ice->stun_server, NULL);
  if (ice && ice->relay_only)
    gst_util_set_object_arg (G_OBJECT (peer->webrtc), "ice-transport-policy", "relay");
  for (guint i = 0; ice && ice->turn_servers && ice->turn_servers[i]; i++) {
    gboolean ok = FALSE;
    g_signal_emit_by_name (peer->webrtc, "add-turn-server", ice->turn_servers[i], &ok);
    if (!ok)
      MC_WARNING ("webrtcbin refused TURN server %s", ice->turn_servers[i]);
  }
  {
    GObject *agent_obj = NULL;
    g_object_get (peer->webrtc, "ice-agent", &agent_obj, NULL);
    if (agent_obj != NULL) {
      GObject *agent = NULL;
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (agent_obj), "ice-tcp"))
        g_object_set (agent_obj, "ice-tcp", FALSE, NULL);
      /* No UPnP port mapping: it multicasts on every interface and brings
       * nothing on a LAN; STUN/TURN cover the rest. */
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (agent_obj), "agent"))
        g_object_get (agent_obj, "agent", &agent, NULL);
      if (agent && g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "upnp"))
        g_object_set (agent, "upnp", FALSE, NULL);
      g_clear_object (&agent);
      for (guint i = 0; ice && ice->local_addresses && ice->local_addresses[i]; i++) {
        gboolean ok = FALSE;
        g_signal_emit_by_name (agent_obj, "add-local-ip-address", ice->local_addresses[i], &ok);
        if (!ok)
          MC_WARNING ("ICE agent refused local address %s", ice->local_addresses[i]);
      }
      g_object_unref (agent_obj);
    }
  }
  g_signal_connect (peer->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), peer);
  g_signal_connect (peer->webrtc, "notify::connection-state", G_CALLBACK (on_connection_state), peer);
  g_signal_connect (peer->webrtc, "notify::ice-connection-state", G_CALLBACK (on_ice_state), peer);
  g_signal_connect (peer->webrtc, "pad-added", G_CALLBACK (on_pad_added), peer);

  if (peer->capture)
    mc_capture_sync_pipeline (peer->capture, peer->pipeline);
  if (peer->playback) {
    g_autofree char *in_name = g_strdup_printf ("from-%s", peer->remote_id);
    peer->playback_input = mc_playback_add_input (peer->playback, in_name);
  }

  {
    g_autoptr (GstBus) bus = gst_element_get_bus (peer->pipeline);
    peer->bus_source = gst_bus_create_watch (bus);
    g_source_set_callback (peer->bus_source, (GSourceFunc) (void (*) (void)) on_bus_message, peer, NULL);
    g_source_attach (peer->bus_source, peer->context);
  }
  if (peer->settings.media_timeout_ms > 0) {
    GSource *src = g_timeout_source_new (500);
    g_source_set_callback (src, on_media_check, peer, NULL);
    peer->media_timer = g_source_attach (src, peer->context);
    g_source_unref (src);
  }
  if (gst_element_set_state (peer->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_STATE, "peer %s: pipeline failed to start", peer->remote_id);
    mc_peer_free (peer);
    return NULL;
  }
  MC_INFO ("peer %s (%s) created", peer->remote_id, peer->remote_name);
  return peer;
}

void
mc_peer_free (McPeer *peer)
{
  if (peer == NULL)
    return;
  g_atomic_int_set (&peer->closed, 1);
  g_clear_handle_id (&peer->answer_timer, g_source_remove);
  if (peer->media_timer) {
    GSource *src = g_main_context_find_source_by_id (peer->context, peer->media_timer);
    if (src)
      g_source_destroy (src);
    peer->media_timer = 0;
  }
  if (peer->bus_source) {
    g_source_destroy (peer->bus_source);
    g_clear_pointer (&peer->bus_source, g_source_unref);
  }
  if (peer->capture)
    unsubscribe (peer);
  if (peer->pipeline) {
    g_signal_handlers_disconnect_by_data (peer->webrtc, peer);
    gst_element_set_state (peer->pipeline, GST_STATE_NULL);
    gst_clear_object (&peer->pipeline);
  }
  g_mutex_lock (&peer->lock);
  if (peer->playback_input)
    mc_playback_remove_input (peer->playback, peer->playback_input);
  peer->playback_input = NULL;
  g_mutex_unlock (&peer->lock);
  MC_INFO ("peer %s torn down", peer->remote_id);
  peer_unref (peer);
}

void
mc_peer_start_offer (McPeer *peer)
{
  SendParams p = { TRUE, TRUE, DEFAULT_VIDEO_PT, DEFAULT_AUDIO_PT, DEFAULT_TWCC_ID, DEFAULT_TWCC_ID };
  g_autoptr (GError) error = NULL;
  GstPromise *promise;

  peer->offerer = TRUE;
  if (!build_send (peer, &p, &error)) {
    fail (peer, MC_PEER_FAILURE_INTERNAL, error->message);
    return;
  }
  set_state (peer, MC_PEER_STATE_NEGOTIATING);
  promise = gst_promise_new_with_change_func (on_description_created, peer_ref (peer), (GDestroyNotify) peer_unref);
  g_signal_emit_by_name (peer->webrtc, "create-offer", NULL, promise);
}

static gboolean
remote_expects_media (GstSDPMessage *sdp)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);
    const char *kind = gst_sdp_media_get_media (m);
    if ((g_strcmp0 (kind, "video") == 0 || g_strcmp0 (kind, "audio") == 0) && mc_peer_sdp_remote_sends (m))
      return TRUE;
  }
  return FALSE;
}

static const char *
sdp_attr (GstSDPMessage *sdp, const char *key)
{
  const char *v = gst_sdp_message_get_attribute_val (sdp, key);
  if (v == NULL && gst_sdp_message_medias_len (sdp) > 0)
    v = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, 0), key);
  return v;
}

static McPeerSignalResult
handle_description (McPeer *peer, const char *type, const char *text, GError **error)
{
  g_autoptr (GstSDPMessage) sdp = NULL;
  gboolean is_offer = g_str_equal (type, "offer");
  GstWebRTCSignalingState sstate;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;

  if (!mc_peer_validate_sdp (text, type, error))
    return MC_PEER_SIGNAL_INVALID;
  sdp = mc_peer_sdp_parse (text, error);
  if (sdp == NULL)
    return MC_PEER_SIGNAL_INVALID;
  g_object_get (peer->webrtc, "signaling-state", &sstate, NULL);

  if (!is_offer) {
    if (!peer->offerer || sstate != GST_WEBRTC_SIGNALING_STATE_HAVE_LOCAL_OFFER) {
      MC_INFO ("peer %s: ignoring an answer we did not ask for", peer->remote_id);
      return MC_PEER_SIGNAL_OK;
    }
    g_clear_handle_id (&peer->answer_timer, g_source_remove);
  } else {
    if (sstate == GST_WEBRTC_SIGNALING_STATE_HAVE_LOCAL_OFFER) {
      /* Glare. webrtcbin 1.22 cannot roll back, so the polite side (lower
       * peerId) starts over as the answerer; the other ignores the offer. */
      if (g_strcmp0 (peer->local_id, peer->remote_id) < 0) {
        MC_INFO ("peer %s: offer glare, we are polite: restarting as answerer", peer->remote_id);
        return MC_PEER_SIGNAL_RECREATE;
      }
      MC_INFO ("peer %s: offer glare, we are impolite: ignoring their offer", peer->remote_id);
      return MC_PEER_SIGNAL_OK;
    }
    if (peer->remote_set) {
      /* A new offer in a running session: same ICE and DTLS identity is a
       * renegotiation webrtcbin can take; anything else (ICE restart, a
       * restarted remote) gets a fresh pipeline. */
      if (g_strcmp0 (sdp_attr (sdp, "ice-ufrag"), peer->remote_ufrag) != 0 ||
          g_strcmp0 (sdp_attr (sdp, "fingerprint"), peer->remote_fingerprint) != 0) {
        MC_INFO ("peer %s: new session (ICE restart or restarted remote): recreating", peer->remote_id);
        return MC_PEER_SIGNAL_RECREATE;
      }
    } else {
      int v = mc_peer_sdp_find_media (sdp, "video");
      int a = mc_peer_sdp_find_media (sdp, "audio");
      SendParams p = { v >= 0, a >= 0, DEFAULT_VIDEO_PT, DEFAULT_AUDIO_PT, 0, 0 };
      g_autoptr (GError) local = NULL;
      if (v >= 0) {
        const GstSDPMedia *m = gst_sdp_message_get_media (sdp, v);
        const char *enc = peer->capture && mc_capture_get_codec (peer->capture) == MC_VIDEO_CODEC_H264 ? "H264" : "VP8";
        int pt = mc_peer_sdp_find_payload (m, enc);
        if (pt < 0 && peer->capture && mc_capture_has_video (peer->capture)) {
          g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_UNSUPPORTED, "offer: video has no %s (we send %s)", enc, enc);
          return MC_PEER_SIGNAL_INVALID;
        }
        if (pt >= 0)
          p.video_pt = pt;
        p.video_twcc = mc_peer_sdp_twcc_id (m);
      }
      if (a >= 0) {
        const GstSDPMedia *m = gst_sdp_message_get_media (sdp, a);
        p.audio_pt = mc_peer_sdp_find_payload (m, "OPUS");
        p.audio_twcc = mc_peer_sdp_twcc_id (m);
      }
      if (!build_send (peer, &p, &local)) {
        g_propagate_error (error, g_steal_pointer (&local));
        return MC_PEER_SIGNAL_INVALID;
      }
    }
    peer->offerer = FALSE;
  }

  g_free (peer->remote_ufrag);
  peer->remote_ufrag = g_strdup (sdp_attr (sdp, "ice-ufrag"));
  g_free (peer->remote_fingerprint);
  peer->remote_fingerprint = g_strdup (sdp_attr (sdp, "fingerprint"));
  peer->expects_media = remote_expects_media (sdp);
  set_state (peer, MC_PEER_STATE_NEGOTIATING);

  desc = gst_webrtc_session_description_new (is_offer ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER,
                                             g_steal_pointer (&sdp));
  promise = gst_promise_new_with_change_func (on_remote_set, peer_ref (peer), (GDestroyNotify) peer_unref);
  g_signal_emit_by_name (peer->webrtc, "set-remote-description", desc, promise);
  gst_webrtc_session_description_free (desc);
  return MC_PEER_SIGNAL_OK;
}

static McPeerSignalResult
handle_candidate (McPeer *peer, const McSignal *signal, GError **error)
{
  gint mline = signal->sdp_mline_index;

  if (mc_signal_is_end_of_candidates (signal))
    return MC_PEER_SIGNAL_OK;
  if (!mc_peer_validate_candidate (signal->candidate, error))
    return MC_PEER_SIGNAL_INVALID;

  if (mline < 0 && signal->sdp_mid != NULL) {
    g_autoptr (GstSDPMessage) remote = peer->remote_set ? get_description (peer, "remote-description") : NULL;
    mline = remote ? mc_peer_sdp_mline_of_mid (remote, signal->sdp_mid) : 0;
    if (mline < 0) {
      g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: unknown sdpMid '%.32s'", signal->sdp_mid);
      return MC_PEER_SIGNAL_INVALID;
    }
  } else if (mline < 0) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: neither sdpMLineIndex nor sdpMid");
    return MC_PEER_SIGNAL_INVALID;
  }

  if (!peer->remote_set) {
    Candidate *pending;
    if (peer->pending_candidates->len >= MAX_PENDING_CANDIDATES) {
      g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: more than %d before a description",
                   MAX_PENDING_CANDIDATES);
      return MC_PEER_SIGNAL_INVALID;
    }
    pending = g_new0 (Candidate, 1);
    pending->mline = (guint) mline;
    pending->candidate = g_strdup (signal->candidate);
    g_ptr_array_add (peer->pending_candidates, pending);
    return MC_PEER_SIGNAL_OK;
  }
  return add_remote_candidate (peer, (guint) mline, signal->candidate, error) ? MC_PEER_SIGNAL_OK
                                                                               : MC_PEER_SIGNAL_INVALID;
}

McPeerSignalResult
mc_peer_handle_signal (McPeer *peer, const McSignal *signal, GError **error)
{
  if (peer->state == MC_PEER_STATE_FAILED)
    return MC_PEER_SIGNAL_OK;
  switch (signal->type) {
  case MC_SIGNAL_OFFER:
  case MC_SIGNAL_ANSWER:
    return handle_description (peer, mc_signal_type_to_string (signal->type), signal->sdp, error);
  case MC_SIGNAL_CANDIDATE:
    return handle_candidate (peer, signal, error);
  case MC_SIGNAL_MEDIA_STATE:
    break;
  }
  return MC_PEER_SIGNAL_OK;
}

const char *
mc_peer_get_remote_id (McPeer *peer)
{
  return peer->remote_id;
}

const char *
mc_peer_get_remote_name (McPeer *peer)
{
  return peer->remote_name;
}

McPeerState
mc_peer_get_state (McPeer *peer)
{
  return peer->state;
}

gboolean
mc_peer_is_offerer (McPeer *peer)
{
  return peer->offerer;
}

void
mc_peer_get_counters (McPeer *peer, McPeerCounters *counters)
{
  g_mutex_lock (&peer->lock);
  *counters = peer->counters;
  g_mutex_unlock (&peer->lock);
}

int
mc_peer_get_tier (McPeer *peer)
{
  if (peer->capture == NULL || peer->video_src == NULL)
    return -1;
  return mc_capture_get_sink_tier (peer->capture, GST_APP_SRC (peer->video_src));
}

static char *
description_text (McPeer *peer, const char *property)
{
  g_autoptr (GstSDPMessage) sdp = get_description (peer, property);
  return sdp ? gst_sdp_message_as_text (sdp) : NULL;
}

char *
mc_peer_get_remote_sdp (McPeer *peer)
{
  return description_text (peer, "remote-description");
}

char *
mc_peer_get_local_sdp (McPeer *peer)
{
  return description_text (peer, "local-description");
}

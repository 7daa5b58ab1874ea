/* One remote participant, its lifecycle (see peer.h and peer_private.h):
 * new/free, the pipeline with its webrtcbin, the bus, the job queue that
 * moves webrtcbin's callbacks onto the peer's context, state and failure,
 * stats and the media timeout. */
#include "peer_private.h"

#include "meshcall/base/log.h"
#include "meshcall/media/pipelines.h"

#define MC_LOG_CATEGORY (&mc_log_media)

#define MEDIA_CHECK_INTERVAL_MS 500

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

McPeer *
peer_ref (McPeer *peer)
{
  g_atomic_int_inc (&peer->ref_count);
  return peer;
}

void
peer_unref (McPeer *peer)
{
  if (!g_atomic_int_dec_and_test (&peer->ref_count))
    return;
  g_free (peer->local_id);
  g_free (peer->remote_id);
  g_free (peer->remote_name);
  peer_ice_clear_pending (peer);
  mc_peer_settings_clear (&peer->settings);
  mc_negotiation_free (peer->negotiation);
  gst_clear_object (&peer->video_depay_sink);
  g_mutex_clear (&peer->lock);
  g_cond_clear (&peer->stats_done);
  g_main_context_unref (peer->context);
  g_free (peer);
}

gboolean
peer_is_closed (McPeer *peer)
{
  return g_atomic_int_get (&peer->closed) != 0;
}

void
peer_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

const char *
mc_peer_state_to_string (McPeerState state)
{
  switch (state) {
  case MC_PEER_STATE_NEW: return "new";
  case MC_PEER_STATE_NEGOTIATING: return "negotiating";
  case MC_PEER_STATE_CONNECTING: return "connecting";
  case MC_PEER_STATE_CONNECTED: return "connected";
  case MC_PEER_STATE_DISCONNECTED: return "disconnected";
  case MC_PEER_STATE_FAILED: return "failed";
  }
  return "unknown";
}

void
peer_set_state (McPeer *peer, McPeerState state)
{
  if (peer->state == state || peer->state == MC_PEER_STATE_FAILED)
    return;
  MC_INFO ("peer %s: %s -> %s", peer->remote_id, mc_peer_state_to_string (peer->state),
           mc_peer_state_to_string (state));
  peer->state = state;
  if (state == MC_PEER_STATE_CONNECTING)
    peer_send_prepare (peer);
  if (peer->cb.state_changed)
    peer->cb.state_changed (peer, state, peer->user_data);
}

void
peer_fail (McPeer *peer, McPeerFailure failure, const char *reason)
{
  if (peer->state == MC_PEER_STATE_FAILED || peer_is_closed (peer))
    return;
  MC_WARNING ("peer %s failed: %s", peer->remote_id, reason);
  peer_set_state (peer, MC_PEER_STATE_FAILED);
  mc_negotiation_fail (peer->negotiation);
  peer_clear_source (&peer->answer_timer);
  if (peer->cb.failed)
    peer->cb.failed (peer, failure, reason, peer->user_data);
}

GstSDPMessage *
peer_get_description (McPeer *peer, const char *property)
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

/* ---- work queued from webrtcbin's threads onto the peer's context ------- */

void
job_free_unqueued (PeerJob *job)
{
  g_free (job->text);
  g_free (job->sdp);
  g_free (job->ufrag);
  g_free (job->pwd);
  if (job->bytes)
    g_bytes_unref (job->bytes);
  if (job->desc)
    gst_webrtc_session_description_free (job->desc);
  if (job->stats)
    gst_structure_free (job->stats);
  g_free (job);
}

static void
job_free (PeerJob *job)
{
  peer_unref (job->peer);
  job_free_unqueued (job);
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
    /* After an ICE restart webrtcbin says connected again; whether media
     * flows is the media check's to say. */
    if (peer->state != MC_PEER_STATE_DISCONNECTED)
      peer_set_state (peer, MC_PEER_STATE_CONNECTED);
    peer_send_subscribe (peer);
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
    peer_fail (peer, MC_PEER_FAILURE_CONNECTION, "ICE or DTLS failed");
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED:
    peer_fail (peer, MC_PEER_FAILURE_CONNECTION, "connection closed");
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
  PeerJob *job = data;
  McPeer *peer = job->peer;

  if (peer_is_closed (peer))
    return G_SOURCE_REMOVE;
  if (job->type == JOB_STATS) {
    job->stats_func (peer, job->stats, job->stats_data);
    return G_SOURCE_REMOVE;
  }
  if (peer->state == MC_PEER_STATE_FAILED)
    return G_SOURCE_REMOVE;

  switch (job->type) {
  case JOB_SEND_SDP:
    peer_negotiate_send_sdp (peer, job);
    break;
  case JOB_SEND_CANDIDATE:
    peer_negotiate_send_candidate (peer, job->number, job->text);
    break;
  case JOB_REMOTE_APPLIED:
    peer_negotiate_remote_applied (peer, job->offer);
    break;
  case JOB_CONNECTION_STATE:
    handle_connection_state (peer, (GstWebRTCPeerConnectionState) job->number);
    break;
  case JOB_FAIL:
    peer_fail (peer, (McPeerFailure) job->number, job->text);
    break;
  case JOB_CHAT:
    peer_data_run (peer, job);
    break;
  case JOB_CHANNEL:
    peer_channel_run (peer, job);
    break;
  case JOB_STATS:
    break;
  }
  return G_SOURCE_REMOVE;
}

/* The job holds a reference to job->peer, dropped by job_free(). Always
 * through an idle source on the peer's context, never run on the spot:
 * g_main_context_invoke() runs the function in the calling thread whenever
 * that thread can acquire the context, i.e. on webrtcbin's thread while
 * nobody iterates the main context (before the loop runs, in tests that
 * iterate by hand), which races with the main thread (seen under ASan). */
static void
dispatch (PeerJob *job)
{
  GSource *idle = g_idle_source_new ();

  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, run_job, job, (GDestroyNotify) job_free);
  g_source_attach (idle, job->peer->context);
  g_source_unref (idle);
}

void
peer_queue_job (McPeer *peer, PeerJob *job)
{
  job->peer = peer_ref (peer);
  dispatch (job);
}

void
peer_queue_fail (McPeer *peer, McPeerFailure failure, const char *format, ...)
{
  PeerJob *job = g_new0 (PeerJob, 1);
  va_list args;

  va_start (args, format);
  job->text = g_strdup_vprintf (format, args);
  va_end (args);
  job->type = JOB_FAIL;
  job->number = failure;
  peer_queue_job (peer, job);
}

/* ---- stats ------------------------------------------------------------------ */

/* webrtcbin's thread. */
static void
on_stats (GstPromise *promise, gpointer user_data)
{
  PeerJob *job = user_data;
  const GstStructure *reply;

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED && (reply = gst_promise_get_reply (promise)) != NULL)
    job->stats = gst_structure_copy (reply);
  gst_promise_unref (promise);
  g_mutex_lock (&job->peer->lock);
  job->peer->stats_in_flight--;
  g_cond_broadcast (&job->peer->stats_done);
  g_mutex_unlock (&job->peer->lock);
  dispatch (job);
}

/* webrtcbin 1.22 gathers stats on its own thread by walking rtpbin's
 * session tables, which setting the pipeline to NULL clears at the same
 * time (a GLib critical in g_hash_table_foreach, seen under ASan): the
 * teardown waits for an answer in flight (a few ms; bounded). */
static void
wait_for_stats (McPeer *peer)
{
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  g_mutex_lock (&peer->lock);
  while (peer->stats_in_flight > 0)
    if (!g_cond_wait_until (&peer->stats_done, &peer->lock, deadline)) {
      MC_WARNING ("peer %s: webrtcbin did not answer get-stats within 2 s; tearing down anyway", peer->remote_id);
      break;
    }
  g_mutex_unlock (&peer->lock);
}

void
mc_peer_get_stats (McPeer *peer, McPeerStatsFunc func, gpointer user_data)
{
  PeerJob *job = g_new0 (PeerJob, 1);
  GstPromise *promise;

  job->type = JOB_STATS;
  job->peer = peer_ref (peer);
  job->stats_func = func;
  job->stats_data = user_data;
  g_mutex_lock (&peer->lock);
  peer->stats_in_flight++;
  g_mutex_unlock (&peer->lock);
  promise = gst_promise_new_with_change_func (on_stats, job, NULL);
  g_signal_emit_by_name (peer->webrtc, "get-stats", NULL, promise);
}

/* ---- counting probes (streaming threads) ------------------------------------ */

typedef struct {
  McPeer *peer;          /* the pad is the peer's: it lives as long */
  PeerCount which;
} CountProbe;

/* The two counters each kind of probe adds to; `in` also stamps last_media_us. */
static const struct {
  gsize packets, bytes;
  gboolean in;
} count_fields[] = {
  [PEER_COUNT_VIDEO_IN] = { G_STRUCT_OFFSET (McPeerCounters, video_packets_received),
                            G_STRUCT_OFFSET (McPeerCounters, video_bytes_received), TRUE },
  [PEER_COUNT_AUDIO_IN] = { G_STRUCT_OFFSET (McPeerCounters, audio_packets_received),
                            G_STRUCT_OFFSET (McPeerCounters, audio_bytes_received), TRUE },
  [PEER_COUNT_VIDEO_OUT] = { G_STRUCT_OFFSET (McPeerCounters, video_packets_sent),
                             G_STRUCT_OFFSET (McPeerCounters, video_bytes_sent), FALSE },
  [PEER_COUNT_AUDIO_OUT] = { G_STRUCT_OFFSET (McPeerCounters, audio_packets_sent),
                             G_STRUCT_OFFSET (McPeerCounters, audio_bytes_sent), FALSE },
};

static GstPadProbeReturn
count_rtp (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  const CountProbe *probe = user_data;
  McPeerCounters *counters = &probe->peer->counters;
  guint64 packets = 0, bytes = 0;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    packets = 1;
    bytes = gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    packets = gst_buffer_list_length (list);
    bytes = gst_buffer_list_calculate_size (list);
  }
  g_mutex_lock (&probe->peer->lock);
  G_STRUCT_MEMBER (guint64, counters, count_fields[probe->which].packets) += packets;
  G_STRUCT_MEMBER (guint64, counters, count_fields[probe->which].bytes) += bytes;
  if (count_fields[probe->which].in) {
    gint64 now = g_get_monotonic_time ();
    /* The end of an interruption, measured where media arrives. */
    if (counters->last_media_us > 0 && probe->peer->settings.media_timeout_ms > 0 &&
        now - counters->last_media_us > (gint64) probe->peer->settings.media_timeout_ms * 1000) {
      counters->media_gaps++;
      counters->last_gap_us = now - counters->last_media_us;
      counters->last_gap_end_us = now;
    }
    if (counters->first_media_us == 0)
      counters->first_media_us = now;
    counters->last_media_us = now;
  }
  g_mutex_unlock (&probe->peer->lock);
  return GST_PAD_PROBE_OK;
}

void
peer_add_count_probe (McPeer *peer, GstPad *pad, PeerCount which)
{
  CountProbe *probe = g_new0 (CountProbe, 1);

  probe->peer = peer;
  probe->which = which;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, count_rtp, probe, g_free);
}

/* ---- webrtcbin signals (any thread) ----------------------------------------- */

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer user_data)
{
  McPeer *peer = user_data;
  PeerJob *job = g_new0 (PeerJob, 1);

  job->type = JOB_SEND_CANDIDATE;
  job->number = mline;
  job->text = g_strdup (candidate);
  peer_queue_job (peer, job);
}

static void
on_connection_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  McPeer *peer = user_data;
  GstWebRTCPeerConnectionState state;
  PeerJob *job = g_new0 (PeerJob, 1);

  g_object_get (webrtc, "connection-state", &state, NULL);
  job->type = JOB_CONNECTION_STATE;
  job->number = state;
  peer_queue_job (peer, job);
}

static void
on_ice_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  McPeer *peer = user_data;
  GstWebRTCICEConnectionState state;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  MC_DEBUG ("peer %s: ICE state %d", peer->remote_id, state);
}

/* ---- the bus and the media timeout (the peer's context) --------------------- */

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
    peer_fail (peer, MC_PEER_FAILURE_INTERNAL, reason);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT && peer->cb.audio_level &&
             gst_message_has_name (msg, "level") && !peer_is_closed (peer)) {
    peer_receive_report_level (peer, gst_message_get_structure (msg));
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
    g_autoptr (GError) err = NULL;
    gst_message_parse_warning (msg, &err, NULL);
    MC_INFO ("peer %s: warning from %s: %s", peer->remote_id, GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
             err->message);
  }
  return G_SOURCE_CONTINUE;
}

/* Media is the test of a connection: libnice (without consent freshness in
 * webrtcbin 1.22) never notices a path that stopped working, so nothing
 * received for media_timeout makes the peer DISCONNECTED, and media coming
 * again makes it CONNECTED. What to do about it is the owner's business. */
static gboolean
on_media_check (gpointer data)
{
  McPeer *peer = data;
  gint64 now = g_get_monotonic_time (), last;
  gboolean stale;

  if ((peer->state != MC_PEER_STATE_CONNECTED && peer->state != MC_PEER_STATE_DISCONNECTED) ||
      !mc_negotiation_expects_media (peer->negotiation))
    return G_SOURCE_CONTINUE;
  g_mutex_lock (&peer->lock);
  last = MAX (peer->counters.last_media_us, peer->counters.connected_us);
  g_mutex_unlock (&peer->lock);
  stale = last > 0 && now - last > (gint64) peer->settings.media_timeout_ms * 1000;
  if (stale && peer->state == MC_PEER_STATE_CONNECTED) {
    MC_INFO ("peer %s: no media received for %u ms", peer->remote_id, peer->settings.media_timeout_ms);
    peer_set_state (peer, MC_PEER_STATE_DISCONNECTED);
  } else if (!stale && peer->state == MC_PEER_STATE_DISCONNECTED) {
    peer_set_state (peer, MC_PEER_STATE_CONNECTED);
  }
  return G_SOURCE_CONTINUE;
}

/* ---- construction ----------------------------------------------------------- */

/* Everything that cannot fail: after this, mc_peer_free() can take it. */
static McPeer *
peer_alloc (const McPeerConfig *cfg, const McPeerCallbacks *callbacks, gpointer user_data)
{
  McPeer *peer = g_new0 (McPeer, 1);

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
  peer->encoded_only = cfg->encoded_only;
  peer->playback = cfg->encoded_only ? NULL : cfg->playback;   /* nothing decoded to play */
  if (callbacks)
    peer->cb = *callbacks;
  peer->user_data = user_data;
  peer->negotiation = mc_negotiation_new (cfg->local_id, cfg->remote_id, peer->settings.answer_timeout_ms);
  g_mutex_init (&peer->lock);
  g_cond_init (&peer->stats_done);
  return peer;
}

/* STUN, TURN, relay-only and the ICE agent's local addresses. */
static void
configure_ice (McPeer *peer)
{
  const McIceConfig *ice = peer->settings.ice;
  GObject *agent_obj = NULL;
  GObject *agent = NULL;

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
  g_object_get (peer->webrtc, "ice-agent", &agent_obj, NULL);
  if (agent_obj == NULL)
    return;
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (agent_obj), "ice-tcp"))
    g_object_set (agent_obj, "ice-tcp", FALSE, NULL);
  /* No UPnP port mapping: it multicasts on every interface and brings
   * nothing on a LAN; STUN/TURN cover the rest. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (agent_obj), "agent"))
    g_object_get (agent_obj, "agent", &agent, NULL);
  if (agent && g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "upnp"))
    g_object_set (agent, "upnp", FALSE, NULL);
  if (agent && g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "stun-pacing-timer"))
    g_object_set (agent, "stun-pacing-timer", MC_PEER_ICE_PACING_MS, NULL);
  g_clear_object (&agent);
  for (guint i = 0; ice && ice->local_addresses && ice->local_addresses[i]; i++) {
    gboolean ok = FALSE;
    g_signal_emit_by_name (agent_obj, "add-local-ip-address", ice->local_addresses[i], &ok);
    if (!ok)
      MC_WARNING ("ICE agent refused local address %s", ice->local_addresses[i]);
  }
  g_object_unref (agent_obj);
}

static GSource *
attach_timeout (McPeer *peer, guint ms, GSourceFunc func)
{
  GSource *src = g_timeout_source_new (ms);

  g_source_set_callback (src, func, peer, NULL);
  g_source_attach (src, peer->context);
  return src;
}

/* The pipeline with its webrtcbin, the bus watch and the media timer, playing. */
static gboolean
peer_start (McPeer *peer, GError **error)
{
  g_autofree char *name = g_strdup_printf ("peer-%s", peer->remote_id);
  g_autoptr (GstBus) bus = NULL;

  peer->pipeline = gst_object_ref_sink (gst_pipeline_new (name));
  g_atomic_int_inc (&live_pipelines);
  g_object_weak_ref (G_OBJECT (peer->pipeline), on_pipeline_finalized, NULL);
  peer->webrtc = gst_element_factory_make ("webrtcbin", "webrtc");
  if (peer->webrtc == NULL) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_MISSING_ELEMENT,
                 "webrtcbin is missing (gstreamer1.0-plugins-bad)");
    return FALSE;
  }
  gst_bin_add (GST_BIN (peer->pipeline), peer->webrtc);
  if (!peer_dtls_attach (peer, error))
    return FALSE;
  peer_fast_start_attach (peer);
  gst_util_set_object_arg (G_OBJECT (peer->webrtc), "bundle-policy", "max-bundle");
  g_object_set (peer->webrtc, "latency", peer->settings.jitter_latency_ms, NULL);
  configure_ice (peer);
  g_signal_connect (peer->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), peer);
  g_signal_connect (peer->webrtc, "notify::connection-state", G_CALLBACK (on_connection_state), peer);
  g_signal_connect (peer->webrtc, "notify::ice-connection-state", G_CALLBACK (on_ice_state), peer);
  g_signal_connect (peer->webrtc, "pad-added", G_CALLBACK (peer_receive_pad_added), peer);
  peer_feedback_attach (peer);
  peer_data_init (peer);
  peer_channel_init (peer);

  if (peer->capture)
    mc_capture_sync_pipeline (peer->capture, peer->pipeline);
  if (peer->playback) {
    g_autofree char *in_name = g_strdup_printf ("from-%s", peer->remote_id);
    peer->playback_input = mc_playback_add_input (peer->playback, in_name);
  }
  bus = gst_element_get_bus (peer->pipeline);
  peer->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (peer->bus_source, (GSourceFunc) (void (*) (void)) on_bus_message, peer, NULL);
  g_source_attach (peer->bus_source, peer->context);
  if (peer->settings.media_timeout_ms > 0)
    peer->media_timer = attach_timeout (peer, MEDIA_CHECK_INTERVAL_MS, on_media_check);
  if (gst_element_set_state (peer->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_STATE, "peer %s: pipeline failed to start",
                 peer->remote_id);
    return FALSE;
  }
  return TRUE;
}

McPeer *
mc_peer_new (const McPeerConfig *cfg, const McPeerCallbacks *callbacks, gpointer user_data, GError **error)
{
  McPeer *peer = peer_alloc (cfg, callbacks, user_data);

  /* One failure path: whatever peer_start() built, mc_peer_free() takes down. */
  if (!peer_start (peer, error)) {
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
  mc_negotiation_close (peer->negotiation);
  peer_clear_source (&peer->answer_timer);
  peer_clear_source (&peer->media_timer);
  peer_clear_source (&peer->bus_source);
  if (peer->capture)
    peer_send_unsubscribe (peer);
  if (peer->webrtc)
    g_signal_handlers_disconnect_by_data (peer->webrtc, peer);
  if (peer->pipeline) {
    wait_for_stats (peer);
    gst_element_set_state (peer->pipeline, GST_STATE_NULL);
    peer_data_free (peer);
    peer_channel_free_all (peer);
    gst_clear_object (&peer->pipeline);
    peer->webrtc = NULL;
  }
  g_mutex_lock (&peer->lock);
  if (peer->playback_input)
    mc_playback_remove_input (peer->playback, peer->playback_input);
  peer->playback_input = NULL;
  g_mutex_unlock (&peer->lock);
  MC_INFO ("peer %s torn down", peer->remote_id);
  peer_unref (peer);
}

/* ---- getters ---------------------------------------------------------------- */

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

void
mc_peer_get_counters (McPeer *peer, McPeerCounters *counters)
{
  g_mutex_lock (&peer->lock);
  *counters = peer->counters;
  g_mutex_unlock (&peer->lock);
}

static char *
description_text (McPeer *peer, const char *property)
{
  g_autoptr (GstSDPMessage) sdp = peer_get_description (peer, property);
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

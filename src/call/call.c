/* The call: signaling events -> McPeers, stats, lifecycle (call.h). */
#include "meshcall/call/call.h"
#include "meshcall/call/call_stats.h"
#include "meshcall/media/local_media.h"
#include "meshcall/base/backoff.h"
#include "meshcall/base/log.h"
#include "meshcall/media/playback.h"

#include <gio/gio.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)

#define NO_ANSWER_RETRIES 1

typedef struct {
  McCall *call;
  char *peer_id;
  char *name;
  McPeer *peer;           /* NULL between a failure and its teardown */
  guint offers_sent;      /* offers made to this peer (retry budget) */
  gboolean offered;       /* we made the first offer to it (the offer rule named us) */
  guint reconnects;       /* attempts since the connection was lost; 0 = not reconnecting */
  GSource *reconnect;     /* the next attempt */
  McCallStatsPeer *stats;
  gboolean stats_pending; /* a get-stats is in flight */
} Entry;

struct _McCall {
  McCallConfig cfg;       /* our copy: sources, stats path and peer settings owned */
  const char *call_id, *peer_id, *name;   /* the signaling params' */

  McCallCallbacks cb;
  gpointer user_data;

  McCapture *capture;
  McLocalMedia *local;    /* mute / camera off / self view on the capture */
  McMediaState media;     /* ours, as the peers are told */
  McPlayback *playback;
  McSignaling *sig;
  GHashTable *roster;     /* peer id -> name: who signaling says is in the call */
  GHashTable *entries;    /* peer id -> Entry* */
  GPtrArray *graveyard;   /* McPeer* to free from an idle source */
  guint reap_source;
  guint stats_timer;
  gboolean leaving;
  McCallDoneFunc leave_done;
  gpointer leave_data;
  guint leave_timeout;
  double joined_at;       /* wall clock, s; < 0 until first JOINED */
  gboolean stats_failing; /* the last write of stats_json failed (said once) */
  gint64 retry_said_us;   /* when a signaling retry was last told to the user; 0 = not in this outage */
  GQuark retry_said_domain; /* ... and what it was */
  gint retry_said_code;
  McPeerCallbacks peer_cb;  /* what every peer reports to (set once: levels, the tap when asked) */
  GHashTable *recorders;  /* peer id -> name: who said it records the call */
};

void
mc_call_config_init (McCallConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->media.video.kind = MC_MEDIA_VIDEO;
  cfg->media.video.type = MC_MEDIA_SOURCE_AUTO;
  cfg->media.audio.kind = MC_MEDIA_AUDIO;
  cfg->media.audio.type = MC_MEDIA_SOURCE_AUTO;
  cfg->media.width = 640;
  cfg->media.height = 480;
  cfg->media.fps = 30;
  cfg->media.codec = MC_VIDEO_CODEC_VP8;
  cfg->media.audio_processing = TRUE;
  mc_peer_settings_init (&cfg->peer);
}

/* The one copy the call keeps: everything it points to is owned. */
static void
call_config_copy (McCallConfig *dst, const McCallConfig *src)
{
  *dst = *src;
  dst->media.video.device = g_strdup (src->media.video.device);
  dst->media.video.description = g_strdup (src->media.video.description);
  dst->media.audio.device = g_strdup (src->media.audio.device);
  dst->media.audio.description = g_strdup (src->media.audio.description);
  mc_peer_settings_copy (&dst->peer, &src->peer);
  dst->stats_json = g_strdup (src->stats_json);
}

static void
call_config_clear (McCallConfig *cfg)
{
  mc_media_source_clear (&cfg->media.video);
  mc_media_source_clear (&cfg->media.audio);
  mc_peer_settings_clear (&cfg->peer);
  g_clear_pointer ((char **) &cfg->stats_json, g_free);
}

/* ---- peers ----------------------------------------------------------------- */

static void entry_free (Entry *e);
static void create_peer (McCall *call, Entry *e, gboolean offer);

static gboolean
reap (gpointer data)
{
  McCall *call = data;

  call->reap_source = 0;
  /* set_state(NULL) happens here, on the main loop, never on a streaming thread. */
  g_ptr_array_set_size (call->graveyard, 0);
  return G_SOURCE_REMOVE;
}

static void
bury (McCall *call, McPeer *peer)
{
  if (peer == NULL)
    return;
  g_ptr_array_add (call->graveyard, peer);
  if (call->reap_source == 0)
    call->reap_source = g_idle_add (reap, call);
}

static Entry *
lookup_entry_by_peer (McCall *call, McPeer *peer)
{
  GHashTableIter it;
  gpointer value;

  g_hash_table_iter_init (&it, call->entries);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Entry *e = value;
    if (e->peer == peer)
      return e;
  }
  return NULL;
}

static void
remove_entry (McCall *call, const char *peer_id)
{
  Entry *e = g_hash_table_lookup (call->entries, peer_id);

  if (e == NULL)
    return;
  g_hash_table_steal (call->entries, peer_id);
  bury (call, g_steal_pointer (&e->peer));
  if (call->cb.peer_removed)
    call->cb.peer_removed (call, e->peer_id, call->user_data);
  entry_free (e);
}

static void
on_peer_send_signal (McPeer *peer, const McSignal *signal, gpointer user_data)
{
  McCall *call = user_data;
  g_autoptr (GError) error = NULL;

  if (!mc_signaling_send_signal (call->sig, mc_peer_get_remote_id (peer), signal, &error))
    MC_WARNING ("signal to %s not sent: %s", mc_peer_get_remote_id (peer), error->message);
}

/* Our media state to one peer. Only a muted microphone or a camera that is
 * off is news when a connection comes up (live is what everyone assumes),
 * so clients that do not know the extension never see it in a normal call. */
static void
send_media_state (McCall *call, const char *peer_id, gboolean even_if_live)
{
  g_autoptr (McSignal) signal = NULL;
  g_autoptr (GError) error = NULL;

  if (call->sig == NULL || (!even_if_live && !call->media.audio_muted && !call->media.video_off))
    return;
  signal = mc_signal_new_media_state (&call->media);
  if (!mc_signaling_send_signal (call->sig, peer_id, signal, &error))
    MC_WARNING ("media-state to %s not sent: %s", peer_id, error->message);
}

static void
on_peer_state (McPeer *peer, McPeerState state, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = lookup_entry_by_peer (call, peer);

  if (e == NULL)
    return;
  g_free (e->stats->state);
  e->stats->state = g_strdup (mc_peer_state_to_string (state));
  if (state == MC_PEER_STATE_CONNECTED) {
    mc_log_user (e->reconnects > 0 ? "reconnected to %s" : "connected to %s", e->name);
    e->reconnects = 0;
    send_media_state (call, e->peer_id, FALSE);
  }
  if (call->cb.peer_state_changed)
    call->cb.peer_state_changed (call, e->peer_id, state, call->user_data);
}

/* A lost connection to someone signaling still lists is made again, for as
 * long as it is listed: the side that made the first offer offers again
 * after 1, 2, 4 ... 30 s; the other waits twice as long (and 2 s more) for
 * that offer before offering itself, so a peer that forgot us is reached too
 * (glare, should both offer, is settled by the polite rule). The entry, and
 * the tile, stay meanwhile. */
static const McBackoff reconnect_backoff = { 1000, 30000, 0 };

static gboolean
on_reconnect (gpointer data)
{
  Entry *e = data;
  McCall *call = e->call;

  g_clear_pointer (&e->reconnect, g_source_unref);
  if (e->peer != NULL || call->leaving || !g_hash_table_contains (call->roster, e->peer_id))
    return G_SOURCE_REMOVE;
  MC_INFO ("%s: reconnecting (attempt %u)", e->name, e->reconnects);
  e->offers_sent = 0;
  create_peer (call, e, TRUE);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (McCall *call, Entry *e, const char *reason)
{
  guint delay = mc_backoff_delay_ms (&reconnect_backoff, e->reconnects, 0);

  if (!e->offered)
    delay = delay * 2 + 2000;
  if (e->reconnects == 0)
    mc_log_user ("lost %s: %s; reconnecting", e->name, reason);
  e->reconnects++;
  bury (call, g_steal_pointer (&e->peer));
  g_free (e->stats->state);
  e->stats->state = g_strdup ("reconnecting");
  if (e->reconnect)
    g_source_destroy (e->reconnect);
  g_clear_pointer (&e->reconnect, g_source_unref);
  e->reconnect = g_timeout_source_new (delay);
  g_source_set_callback (e->reconnect, on_reconnect, e, NULL);
  g_source_attach (e->reconnect, NULL);
}

static void
on_peer_failed (McPeer *peer, McPeerFailure failure, const char *reason, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = lookup_entry_by_peer (call, peer);
  gboolean listed;
  g_autofree char *peer_id = NULL;

  if (e == NULL)
    return;
  peer_id = g_strdup (e->peer_id);
  listed = g_hash_table_contains (call->roster, peer_id) && !call->leaving;
  if (failure == MC_PEER_FAILURE_NO_ANSWER && e->offers_sent <= NO_ANSWER_RETRIES && listed) {
    mc_log_user ("%s: %s; offering again", e->name, reason);
    bury (call, g_steal_pointer (&e->peer));
    create_peer (call, e, TRUE);
    return;
  }
  /* A connection that worked and went away is made again; one that never
   * answered, or spoke nonsense, is given up. */
  if (listed && (failure == MC_PEER_FAILURE_CONNECTION || failure == MC_PEER_FAILURE_NO_MEDIA ||
                 (failure == MC_PEER_FAILURE_NO_ANSWER && e->reconnects > 0))) {
    schedule_reconnect (call, e, reason);
    return;
  }
  if (failure == MC_PEER_FAILURE_PROTOCOL)
    mc_log_error ("dropping %s (%s): %s", e->name, e->peer_id, reason);
  else
    mc_log_user ("lost %s: %s", e->name, reason);
  remove_entry (call, peer_id);
}

static void
on_peer_video_frame (McPeer *peer, GstSample *sample, gpointer user_data)
{
  McCall *call = user_data;

  /* Streaming thread: the remote id string lives as long as the peer. */
  if (call->cb.on_video_frame)
    call->cb.on_video_frame (call, mc_peer_get_remote_id (peer), sample, call->user_data);
}

static void
on_peer_audio_level (McPeer *peer, double rms_db, gpointer user_data)
{
  McCall *call = user_data;

  if (call->cb.audio_level)
    call->cb.audio_level (call, mc_peer_get_remote_id (peer), rms_db, call->user_data);
}

/* ---- the recording extension ------------------------------------------------ */

/* A recorder tells each peer as its connection is set up, before the offer
 * or answer, so their pictures never show it as a tile for long. */
static void
call_recording_announce (McCall *call, const char *peer_id)
{
  g_autoptr (McSignal) signal = NULL;
  g_autoptr (GError) error = NULL;

  if (!call->cfg.recorder || call->sig == NULL)
    return;
  signal = mc_signal_new_recording (TRUE);
  if (!mc_signaling_send_signal (call->sig, peer_id, signal, &error))
    MC_WARNING ("recording signal to %s not sent: %s", peer_id, error->message);
}

static void
call_recording_set (McCall *call, const char *peer_id, gboolean recording)
{
  const char *name = g_hash_table_lookup (call->roster, peer_id);
  g_autofree char *shown = g_strdup (name ? name : peer_id);

  if (recording == g_hash_table_contains (call->recorders, peer_id))
    return;
  if (recording) {
    g_hash_table_insert (call->recorders, g_strdup (peer_id), g_strdup (shown));
    mc_log_user ("%s records this call", shown);
  } else {
    g_hash_table_remove (call->recorders, peer_id);
    mc_log_user ("%s no longer records this call", shown);
  }
  if (call->cb.remote_recording)
    call->cb.remote_recording (call, peer_id, shown, recording, call->user_data);
}

gboolean
mc_call_peer_is_recording (McCall *call, const char *peer_id)
{
  return g_hash_table_contains (call->recorders, peer_id);
}

char *
mc_call_format_recorders (McCall *call)
{
  g_autoptr (GList) names = g_list_sort (g_hash_table_get_values (call->recorders), (GCompareFunc) g_strcmp0);
  GString *s;

  if (names == NULL)
    return NULL;
  s = g_string_new (NULL);
  for (GList *l = names; l; l = l->next)
    g_string_append_printf (s, "%s%s", s->len ? ", " : "", (const char *) l->data);
  return g_string_free (s, FALSE);
}

static void
on_peer_encoded_frame (McPeer *peer, McPeerMedia media, GstCaps *caps, GstBuffer *buffer, gpointer user_data)
{
  McCall *call = user_data;

  call->cb.on_encoded_frame (call, mc_peer_get_remote_id (peer), media, caps, buffer, call->user_data);
}

/* The one table every peer of this call reports to. */
static void
call_set_peer_callbacks (McCall *call)
{
  call->peer_cb = (McPeerCallbacks) {
    .send_signal = on_peer_send_signal,
    .state_changed = on_peer_state,
    .failed = on_peer_failed,
    .on_video_frame = on_peer_video_frame,
    /* Levels only when someone shows them (a `level` element per peer). */
    .audio_level = call->cb.audio_level ? on_peer_audio_level : NULL,
    .encoded_frame = call->cb.on_encoded_frame ? on_peer_encoded_frame : NULL,
  };
}

static void
create_peer (McCall *call, Entry *e, gboolean offer)
{
  McPeerConfig cfg = {
    .local_id = call->peer_id,
    .remote_id = e->peer_id,
    .remote_name = e->name,
    .capture = call->capture,
    .tier = 0,
    .settings = &call->cfg.peer,
    .playback = call->playback,
    .encoded_only = call->cfg.recorder,
  };

  g_autoptr (GError) error = NULL;

  if (e->reconnect)
    g_source_destroy (e->reconnect);
  g_clear_pointer (&e->reconnect, g_source_unref);
  e->peer = mc_peer_new (&cfg, &call->peer_cb, call, &error);
  if (e->peer == NULL) {
    mc_log_error ("cannot set up a connection to %s: %s", e->name, error->message);
    return;
  }
  call_recording_announce (call, e->peer_id);
  g_free (e->stats->state);
  e->stats->state = g_strdup ("new");
  if (offer) {
    e->offers_sent++;
    if (e->reconnects == 0)
      e->offered = TRUE;
    mc_peer_start_offer (e->peer);
  }
}

static Entry *
add_entry (McCall *call, const char *peer_id, const char *name)
{
  Entry *e = g_new0 (Entry, 1);

  e->call = call;
  e->peer_id = g_strdup (peer_id);
  e->name = g_strdup (name ? name : peer_id);
  e->stats = mc_call_stats_peer_new (peer_id, e->name);
  g_hash_table_insert (call->entries, e->peer_id, e);
  if (call->cb.peer_added)
    call->cb.peer_added (call, e->peer_id, e->name, call->user_data);
  return e;
}

static void
entry_free (Entry *e)
{
  if (e->reconnect)
    g_source_destroy (e->reconnect);
  g_clear_pointer (&e->reconnect, g_source_unref);
  if (e->peer)
    bury (e->call, g_steal_pointer (&e->peer));
  mc_call_stats_peer_free (e->stats);
  g_free (e->peer_id);
  g_free (e->name);
  g_free (e);
}

/* ---- signaling events ------------------------------------------------------- */

static void
on_peer_joined (McSignaling *sig, const char *peer_id, const char *name, gboolean existing, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e;

  g_hash_table_replace (call->roster, g_strdup (peer_id), g_strdup (name ? name : peer_id));
  if (call->leaving)
    return;
  mc_log_user ("%s %s", name ? name : peer_id, existing ? "is in the call" : "joined");
  e = g_hash_table_lookup (call->entries, peer_id);
  if (e != NULL && e->peer != NULL) {
    /* Already connected (e.g. re-reported after a signaling reconnect): keep it. */
    return;
  }
  if (e == NULL)
    e = add_entry (call, peer_id, name);
  /* The offer rule: whoever was there first offers to the newcomer. */
  create_peer (call, e, !existing);
}

static void
on_peer_left (McSignaling *sig, const char *peer_id, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = g_hash_table_lookup (call->entries, peer_id);

  mc_log_user ("%s left", e ? e->name : peer_id);
  call_recording_set (call, peer_id, FALSE);
  g_hash_table_remove (call->roster, peer_id);
  remove_entry (call, peer_id);
}

/* A peer's mute / camera-off state: kept with its stats, shown on its tile. */
static void
handle_media_state (McCall *call, Entry *e, const char *from, const McSignal *signal)
{
  McMediaState state;

  if (e == NULL) {
    MC_DEBUG ("ignoring a media-state from %s: not in our call", from);
    return;
  }
  state.audio_muted = e->stats->remote_audio_muted;
  state.video_off = e->stats->remote_video_off;
  mc_media_state_apply (&state, signal);
  if (state.audio_muted == e->stats->remote_audio_muted && state.video_off == e->stats->remote_video_off)
    return;
  e->stats->remote_audio_muted = state.audio_muted;
  e->stats->remote_video_off = state.video_off;
  MC_INFO ("%s: microphone %s, camera %s", e->name, state.audio_muted ? "muted" : "live",
           state.video_off ? "off" : "live");
  if (call->cb.remote_media_state)
    call->cb.remote_media_state (call, e->peer_id, &state, call->user_data);
}

static void
on_signal_received (McSignaling *sig, const char *from, const McSignal *signal, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = g_hash_table_lookup (call->entries, from);
  g_autoptr (GError) error = NULL;
  McPeerSignalResult r;

  if (call->leaving)
    return;
  if (signal->type == MC_SIGNAL_MEDIA_STATE) {
    handle_media_state (call, e, from, signal);
    return;
  }
  if (signal->type == MC_SIGNAL_RECORDING) {
    call_recording_set (call, from, signal->recording);
    return;
  }
  if (e == NULL || e->peer == NULL) {
    /* Only an offer starts a connection; check it before building a pipeline. */
    if (signal->type != MC_SIGNAL_OFFER) {
      MC_DEBUG ("ignoring a signal from %s: no connection to it", from);
      return;
    }
    if (!mc_peer_validate_sdp (signal->sdp, "offer", &error)) {
      mc_log_error ("ignoring an offer from %s: %s", from, error->message);
      return;
    }
    if (e == NULL)
      e = add_entry (call, from, g_hash_table_lookup (call->roster, from));
    create_peer (call, e, FALSE);
    if (e->peer == NULL)
      return;
  }

  r = mc_peer_handle_signal (e->peer, signal, &error);
  if (r == MC_PEER_SIGNAL_RECREATE) {
    bury (call, g_steal_pointer (&e->peer));
    create_peer (call, e, FALSE);
    if (e->peer == NULL)
      return;
    g_clear_error (&error);
    r = mc_peer_handle_signal (e->peer, signal, &error);
  }
  if (r == MC_PEER_SIGNAL_INVALID) {
    mc_log_error ("dropping %s (%s): %s", e->name, e->peer_id, error->message);
    remove_entry (call, from);
  }
}

/* A signal that did not decode: a connection it belonged to cannot go on. */
static void
on_signal_rejected (McSignaling *sig, const char *from, const GError *error, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = g_hash_table_lookup (call->entries, from);

  if (call->leaving)
    return;
  if (e == NULL || e->peer == NULL) {
    mc_log_error ("ignoring a signal from %s: %s", from, error->message);
    return;
  }
  mc_log_error ("dropping %s (%s): %s", e->name, e->peer_id, error->message);
  remove_entry (call, from);
}

#define REMIND_UNREACHABLE_US (30 * G_USEC_PER_SEC)

/* What the user reads while signaling retries on its own: the first failure
 * of each outage at once (an unreachable server, a refused join), then a
 * reminder every 30 s; the rest goes to the debug log. */
static void
report_retry (McCall *call, const GError *error)
{
  gint64 now = g_get_monotonic_time ();
  gboolean refused = error->domain == MC_PROTOCOL_ERROR &&
                     (error->code == MC_PROTOCOL_ERROR_DUPLICATE_PEER || error->code == MC_PROTOCOL_ERROR_CALL_FULL ||
                      error->code == MC_PROTOCOL_ERROR_TOO_MANY_CALLS);
  gboolean unreachable = g_error_matches (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_CONNECT);

  MC_INFO ("signaling: %s", error->message);
  if (!refused && !unreachable)
    return;
  /* A new kind of trouble is news at once; the same one again, every 30 s. */
  if (call->retry_said_us != 0 && call->retry_said_domain == error->domain && call->retry_said_code == error->code &&
      now - call->retry_said_us < REMIND_UNREACHABLE_US)
    return;
  call->retry_said_us = now;
  call->retry_said_domain = error->domain;
  call->retry_said_code = error->code;
  if (error->domain == MC_PROTOCOL_ERROR && error->code == MC_PROTOCOL_ERROR_DUPLICATE_PEER)
    mc_log_user ("peer id %s is already in call %s: someone else uses it, or the server still holds this "
                 "participant's previous connection (it lets go within a minute); retrying. If it is someone "
                 "else, join with another --peer-id", call->peer_id, call->call_id);
  else if (unreachable && call->joined_at < 0)
    mc_log_user ("%s. Is the signaling server running there? (start one with 'meshcall serve')", error->message);
  else
    mc_log_user ("%s", error->message);
}

static void
on_signaling_error (McSignaling *sig, const GError *error, gboolean final, gpointer user_data)
{
  McCall *call = user_data;

  if (!final) {
    report_retry (call, error);
    return;
  }
  if (call->cb.fatal_error)
    call->cb.fatal_error (call, error, call->user_data);
  else
    mc_log_error ("signaling: %s", error->message);
}

static void
on_signaling_state (McSignaling *sig, McSignalingState state, gpointer user_data)
{
  McCall *call = user_data;

  MC_INFO ("signaling %s", mc_signaling_state_to_string (state));
  if (state == MC_SIGNALING_STATE_RECONNECTING) {
    mc_log_user ("signaling lost; reconnecting (the call goes on)");
    /* That says "unreachable" for this outage. */
    call->retry_said_us = g_get_monotonic_time ();
    call->retry_said_domain = MC_SIGNALING_ERROR;
    call->retry_said_code = MC_SIGNALING_ERROR_CONNECT;
  }
  if (state == MC_SIGNALING_STATE_JOINED && call->joined_at < 0)
    call->joined_at = g_get_real_time () / 1e6;
  if (state == MC_SIGNALING_STATE_JOINED) {
    mc_log_user ("in call %s as %s", call->call_id, call->peer_id);
    call->retry_said_us = 0;
  }
  if (call->cb.signaling_state_changed)
    call->cb.signaling_state_changed (call, state, call->user_data);
}

/* ---- stats ----------------------------------------------------------------- */

static void
on_peer_stats (McPeer *peer, const GstStructure *stats, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = lookup_entry_by_peer (call, peer);
  g_autofree char *remote = NULL;

  if (e == NULL)
    return;
  e->stats_pending = FALSE;
  remote = mc_peer_get_remote_sdp (peer);
  mc_call_stats_peer_update_webrtc (e->stats, stats, remote);
}

JsonNode *
mc_call_get_stats_json (McCall *call)
{
  g_autoptr (GPtrArray) peers = g_ptr_array_new ();
  g_autoptr (GArray) tiers = g_array_new (FALSE, TRUE, sizeof (McCaptureTierInfo));
  g_autoptr (GList) ids = g_hash_table_get_keys (call->entries);
  McCallStatsSelf self = {
    .peer_id = call->peer_id,
    .name = call->name,
    .call_id = call->call_id,
    .signaling_state = call->sig ? mc_signaling_state_to_string (mc_signaling_get_state (call->sig)) : "idle",
    .participants = g_hash_table_size (call->roster) + 1,
    .video_codec = mc_video_codec_to_string (call->cfg.media.codec),
    .tiers = tiers,
    .joined_at = call->joined_at,
    .audio_muted = call->media.audio_muted,
    .video_off = call->media.video_off,
  };

  for (guint i = 0; call->capture && i < mc_capture_get_n_tiers (call->capture); i++) {
    McCaptureTierInfo info;
    mc_capture_get_tier_info (call->capture, i, &info);
    g_array_append_val (tiers, info);
  }
  ids = g_list_sort (ids, (GCompareFunc) g_strcmp0);
  for (GList *l = ids; l; l = l->next) {
    Entry *e = g_hash_table_lookup (call->entries, l->data);
    g_ptr_array_add (peers, e->stats);
  }
  return mc_call_stats_to_json (&self, peers);
}

static void
write_stats (McCall *call)
{
  g_autoptr (JsonNode) doc = NULL;
  g_autoptr (GError) error = NULL;

  if (call->cfg.stats_json == NULL)
    return;
  doc = mc_call_get_stats_json (call);
  if (mc_call_stats_write (call->cfg.stats_json, doc, &error)) {
    call->stats_failing = FALSE;
    return;
  }
  /* Once per streak of failures (a full disk would say it every second). */
  if (!call->stats_failing)
    mc_log_error ("cannot write the stats file: %s; trying again every second", error->message);
  call->stats_failing = TRUE;
}

static gboolean
on_stats_tick (gpointer data)
{
  McCall *call = data;
  GHashTableIter it;
  gpointer value;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&it, call->entries);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Entry *e = value;
    McPeerCounters c;
    McCaptureTierInfo info;
    if (e->peer == NULL)
      continue;
    mc_peer_get_counters (e->peer, &c);
    mc_call_stats_peer_update_counters (e->stats, &c, now);
    e->stats->tier = mc_peer_get_tier (e->peer);
    e->stats->tier_bitrate_kbps = 0;
    if (e->stats->tier >= 0 && mc_capture_get_tier_info (call->capture, e->stats->tier, &info))
      e->stats->tier_bitrate_kbps = info.bitrate_kbps;
    if (!e->stats_pending) {
      e->stats_pending = TRUE;
      mc_peer_get_stats (e->peer, on_peer_stats, call);
    }
    if (call->cb.peer_stats)
      call->cb.peer_stats (call, e->stats, call->user_data);
  }
  write_stats (call);
  return G_SOURCE_CONTINUE;
}

char *
mc_call_format_status (McCall *call)
{
  GString *s = g_string_new (NULL);
  g_autoptr (GList) ids = g_list_sort (g_hash_table_get_keys (call->entries), (GCompareFunc) g_strcmp0);
  const char *sstate = call->sig ? mc_signaling_state_to_string (mc_signaling_get_state (call->sig)) : "idle";

  g_string_append_printf (s, "%s: %u in call", call->call_id, g_hash_table_size (call->roster) + 1);
  if (call->sig && mc_signaling_get_state (call->sig) != MC_SIGNALING_STATE_JOINED)
    g_string_append_printf (s, " (signaling %s)", sstate);
  for (GList *l = ids; l; l = l->next) {
    Entry *e = g_hash_table_lookup (call->entries, l->data);
    g_string_append_printf (s, " | %s %s %.0f/%.0f kbps", e->name, e->stats->state, e->stats->inbound_kbps,
                            e->stats->outbound_kbps);
  }
  if (ids == NULL)
    g_string_append (s, " | waiting for others to join");
  return g_string_free (s, FALSE);
}

/* ---- lifecycle -------------------------------------------------------------- */

static void
on_self_frame (GstSample *sample, gpointer user_data)
{
  McCall *call = user_data;

  call->cb.on_self_frame (call, sample, call->user_data);
}

static void
on_capture_error (McCapture *capture, const GError *error, gpointer user_data)
{
  McCall *call = user_data;
  if (call->cb.fatal_error)
    call->cb.fatal_error (call, error, call->user_data);
}

McCall *
mc_call_new (const McCallConfig *cfg, McSignaling *sig, const McCallCallbacks *callbacks, gpointer user_data,
             GError **error)
{
  static const McSignalingEvents events = {
    .peer_joined = on_peer_joined,
    .peer_left = on_peer_left,
    .signal_received = on_signal_received,
    .signal_rejected = on_signal_rejected,
    .error = on_signaling_error,
    .state_changed = on_signaling_state,
  };
  McCall *call = g_new0 (McCall, 1);
  McCaptureConfig *media = &call->cfg.media;
  g_autofree char *notice = NULL;

  mc_peer_warm_up ();
  call_config_copy (&call->cfg, cfg);
  call->sig = sig;
  call->call_id = mc_signaling_get_params (sig)->call_id;
  call->peer_id = mc_signaling_get_params (sig)->peer_id;
  call->name = mc_signaling_get_params (sig)->name;
  mc_signaling_set_events (sig, &events, call);
  if (callbacks)
    call->cb = *callbacks;
  call->user_data = user_data;
  call->roster = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  call->entries = g_hash_table_new (g_str_hash, g_str_equal);
  call->graveyard = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_peer_free);
  call->joined_at = -1;
  call->recorders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  call_set_peer_callbacks (call);

  if (!mc_media_source_resolve_auto (&media->video, &notice) && notice)
    mc_log_user ("%s", notice);
  g_clear_pointer (&notice, g_free);
  if (!mc_media_source_resolve_auto (&media->audio, &notice) && notice)
    mc_log_user ("%s", notice);
  media->audio_processing = media->audio_processing && media->audio.type != MC_MEDIA_SOURCE_NONE;
  /* Echo cancellation needs the playback's echo probe: none when headless. */
  media->echo_cancel = media->audio_processing && !call->cfg.headless;

  call->capture = mc_capture_new (media, error);
  if (call->capture == NULL) {
    mc_call_free (call);
    return NULL;
  }
  mc_capture_set_error_callback (call->capture, on_capture_error, call);
  call->local = mc_local_media_new (call->capture);
  call->media.audio_muted = !mc_capture_has_audio (call->capture);
  call->media.video_off = !mc_capture_has_video (call->capture);
  if (call->cfg.self_view_width > 0 && call->cb.on_self_frame && mc_capture_has_video (call->capture)) {
    g_autoptr (GError) local = NULL;
    if (!mc_local_media_add_preview (call->local, call->cfg.self_view_width, 15, on_self_frame, call, &local))
      MC_WARNING ("no self view: %s", local->message);
  }
  if (!call->cfg.headless) {
    /* Before the capture starts: webrtcdsp looks the echo probe up then. */
    call->playback = mc_playback_new (call->capture, FALSE, error);
    if (call->playback == NULL) {
      mc_call_free (call);
      return NULL;
    }
  }
  if (!mc_capture_start (call->capture, error)) {
    mc_call_free (call);
    return NULL;
  }
  return call;
}

gboolean
mc_call_join (McCall *call, GError **error)
{
  if (!mc_signaling_join (call->sig, error))
    return FALSE;
  call->stats_timer = g_timeout_add_seconds (1, on_stats_tick, call);
  return TRUE;
}

static void
finish_leave (McCall *call)
{
  McCallDoneFunc done = call->leave_done;

  g_clear_handle_id (&call->leave_timeout, g_source_remove);
  if (done == NULL)
    return;
  call->leave_done = NULL;
  done (call, call->leave_data);
}

static void
on_left (McSignaling *sig, gpointer user_data)
{
  finish_leave (user_data);
}

static gboolean
on_leave_timeout (gpointer data)
{
  McCall *call = data;
  call->leave_timeout = 0;
  MC_INFO ("leave-call not confirmed in time; leaving anyway");
  finish_leave (call);
  return G_SOURCE_REMOVE;
}

void
mc_call_leave (McCall *call, McCallDoneFunc done, gpointer user_data)
{
  if (call->leaving)
    return;
  call->leaving = TRUE;
  call->leave_done = done;
  call->leave_data = user_data;
  write_stats (call);
  if (call->sig == NULL) {
    finish_leave (call);
    return;
  }
  call->leave_timeout = g_timeout_add (3000, on_leave_timeout, call);
  mc_signaling_leave (call->sig, on_left, call);
}

void
mc_call_free (McCall *call)
{
  if (call == NULL)
    return;
  mc_peer_warm_up_wait ();   /* at most its 0.2-1.4 s, and only when leaving that early */
  g_clear_handle_id (&call->stats_timer, g_source_remove);
  g_clear_handle_id (&call->leave_timeout, g_source_remove);
  if (call->entries) {
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init (&it, call->entries);
    while (g_hash_table_iter_next (&it, NULL, &value)) {
      Entry *e = value;
      if (e->peer && call->cfg.stats_json) {
        McPeerCounters c;
        mc_peer_get_counters (e->peer, &c);
        mc_call_stats_peer_update_counters (e->stats, &c, g_get_monotonic_time ());
      }
    }
    write_stats (call);
    g_hash_table_iter_init (&it, call->entries);
    while (g_hash_table_iter_next (&it, NULL, &value))
      entry_free (value);
    g_hash_table_destroy (call->entries);
  }
  g_clear_handle_id (&call->reap_source, g_source_remove);
  g_clear_pointer (&call->graveyard, g_ptr_array_unref);   /* peers down before capture/playback */
  g_clear_pointer (&call->sig, mc_signaling_free);
  g_clear_pointer (&call->capture, mc_capture_free);
  g_clear_pointer (&call->local, mc_local_media_free);   /* after the capture: its probes are in that pipeline */
  g_clear_pointer (&call->playback, mc_playback_free);
  g_clear_pointer (&call->roster, g_hash_table_destroy);
  g_clear_pointer (&call->recorders, g_hash_table_destroy);
  call_config_clear (&call->cfg);
  g_free (call);
}

void
mc_call_set_media_state (McCall *call, const McMediaState *state)
{
  McMediaState now = *state;
  GHashTableIter it;
  gpointer value;

  /* Nothing to unmute without a microphone (camera). */
  if (!mc_local_media_set_audio_muted (call->local, now.audio_muted))
    now.audio_muted = TRUE;
  if (!mc_local_media_set_video_off (call->local, now.video_off))
    now.video_off = TRUE;
  if (now.audio_muted == call->media.audio_muted && now.video_off == call->media.video_off)
    return;
  call->media = now;
  mc_log_user ("microphone %s, camera %s", now.audio_muted ? "muted" : "on", now.video_off ? "off" : "on");
  /* Everyone with an entry: a peer still connecting gets it early, which is harmless. */
  g_hash_table_iter_init (&it, call->entries);
  while (g_hash_table_iter_next (&it, NULL, &value))
    send_media_state (call, ((Entry *) value)->peer_id, TRUE);
  write_stats (call);
}

void
mc_call_get_media_state (McCall *call, McMediaState *state)
{
  *state = call->media;
}

const char *
mc_call_get_peer_id (McCall *call)
{
  return call->peer_id;
}

McCapture *
mc_call_get_capture (McCall *call)
{
  return call->capture;
}

guint
mc_call_get_n_peers (McCall *call)
{
  return g_hash_table_size (call->entries);
}

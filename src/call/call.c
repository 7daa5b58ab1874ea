/* The call (call.h): lifecycle, signaling events, our media state. The
 * remote participants are call_peers.c's, the stats call_report.c's. */
#include "call_private.h"

#include "meshcall/base/log.h"

#include <gio/gio.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)

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
  cfg->min_bitrate_kbps = MC_RATE_DEFAULT_MIN_BPS / 1000;
  cfg->max_bitrate_kbps = MC_RATE_DEFAULT_MAX_BPS / 1000;
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
  /* Already connected, or being reconnected (re-reported after a signaling
   * reconnect): keep it. */
  if (e != NULL && (e->peer != NULL || mc_recovery_get_phase (e->recovery) != MC_RECOVERY_IDLE))
    return;
  if (e == NULL)
    e = call_entry_add (call, peer_id, name);
  /* The offer rule: whoever was there first offers to the newcomer. */
  call_peer_create (call, e, !existing);
}

static void
on_peer_left (McSignaling *sig, const char *peer_id, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = g_hash_table_lookup (call->entries, peer_id);

  mc_log_user ("%s left", e ? e->name : peer_id);
  call_recording_set (call, peer_id, FALSE);
  g_hash_table_remove (call->roster, peer_id);
  call_entry_remove (call, peer_id);
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
  call_peer_signal (call, e, from, signal);
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
  call_entry_remove (call, from);
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
                 "else, join with another --peer-id", mc_signaling_get_peer_id (call->sig), call->call_id);
  else if (unreachable && call->joined_at < 0 && mc_signaling_get_unreachable_hint (call->sig) != NULL)
    mc_log_user ("%s. %s", error->message, mc_signaling_get_unreachable_hint (call->sig));
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
  if (state == MC_SIGNALING_STATE_JOINED) {
    gboolean rejoined = call->joined_at >= 0;
    if (!rejoined)
      call->joined_at = g_get_real_time () / 1e6;
    mc_log_user ("in call %s as %s", call->call_id, mc_signaling_get_peer_id (call->sig));
    call->retry_said_us = 0;
    call->signaling_up = TRUE;
    call_peers_signaling (call, TRUE, rejoined);
  } else if (call->signaling_up) {
    call->signaling_up = FALSE;
    call_peers_signaling (call, FALSE, FALSE);
  }
  if (call->cb.signaling_state_changed)
    call->cb.signaling_state_changed (call, state, call->user_data);
}

/* ---- lifecycle -------------------------------------------------------------- */

/* Our addresses changed: connections over a vanished one are made anew,
 * and signaling checks its own connection. */
static void
on_network_changed (gpointer data)
{
  McCall *call = data;

  MC_INFO ("network addresses changed");
  if (call->leaving)
    return;
  call_peers_network_changed (call);
  mc_signaling_check_connection (call->sig);
}

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
  gboolean play;
  g_autofree char *notice = NULL;

  mc_peer_warm_up ();
  call_config_copy (&call->cfg, cfg);
  call->sig = sig;
  call->call_id = mc_signaling_get_params (sig)->call_id;
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
  call_chat_init (call);
  call_files_init (call);
  {
    g_autoptr (GError) local = NULL;
    call->netwatch = mc_netwatch_new (on_network_changed, call, &local);
    if (call->netwatch == NULL)
      MC_WARNING ("%s: a changed address will be noticed only when media stops", local->message);
  }

  if (!mc_media_source_resolve_auto (&media->video, &notice) && notice)
    mc_log_user ("%s", notice);
  g_clear_pointer (&notice, g_free);
  if (!mc_media_source_resolve_auto (&media->audio, &notice) && notice)
    mc_log_user ("%s", notice);
  media->audio_processing = media->audio_processing && media->audio.type != MC_MEDIA_SOURCE_NONE;
  /* Echo cancellation needs the playback's echo probe: none when headless or
   * when nothing is played. */
  play = !call->cfg.headless && mc_playback_have_output ();
  if (!call->cfg.headless && !play)
    mc_log_user ("no audio output device found: remote audio is decoded but not played");
  media->echo_cancel = media->audio_processing && play;

  /* Tier 0 starts inside the adaptation's bounds; so does every estimate
   * (audio included). */
  if (media->video_bitrate_kbps == 0)
    media->video_bitrate_kbps = mc_capture_default_bitrate (media->width, media->height, media->fps);
  call->cfg.max_bitrate_kbps = MAX (call->cfg.max_bitrate_kbps, call->cfg.min_bitrate_kbps);
  media->video_bitrate_kbps = CLAMP (media->video_bitrate_kbps, call->cfg.min_bitrate_kbps / 2 + 1,
                                     call->cfg.max_bitrate_kbps);
  {
    guint audio_kbps = (media->audio_bitrate_kbps ? media->audio_bitrate_kbps : 32) + 8;
    /* No more than twice the rate the size and frame rate are encoded at by
     * default: a path that carries more gets no better picture from it. */
    guint useful = 2 * mc_capture_default_bitrate (media->width, media->height, media->fps) + audio_kbps;
    call->adapt_max_bps = MAX (MIN (call->cfg.max_bitrate_kbps, useful), call->cfg.min_bitrate_kbps) * 1000;
    call->adapt_start_bps = CLAMP ((media->video_bitrate_kbps + audio_kbps) * 1000, call->cfg.min_bitrate_kbps * 1000,
                                   call->adapt_max_bps);
  }
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
  if (play) {
    /* Before the capture starts: webrtcdsp looks the echo probe up then. */
    call->playback = mc_playback_new (call->capture, NULL, error);
    if (call->playback == NULL) {
      mc_call_free (call);
      return NULL;
    }
  }
  if (!mc_capture_start (call->capture, error)) {
    mc_call_free (call);
    return NULL;
  }
  call_adapt_start (call);
  return call;
}

gboolean
mc_call_join (McCall *call, GError **error)
{
  if (!mc_signaling_join (call->sig, error))
    return FALSE;
  call->stats_timer = g_timeout_add_seconds (1, call_on_stats_tick, call);
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
  call_write_stats (call);
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
  call_adapt_stop (call);
  g_clear_pointer (&call->netwatch, mc_netwatch_free);
  call_files_clear (call);   /* before the peers: transfers close their channels */
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
    call_write_stats (call);
    g_hash_table_iter_init (&it, call->entries);
    while (g_hash_table_iter_next (&it, NULL, &value))
      call_entry_free (value);
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
  call_chat_clear (call);
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
    call_send_media_state (call, ((Entry *) value)->peer_id, TRUE);
  call_write_stats (call);
}

void
mc_call_get_media_state (McCall *call, McMediaState *state)
{
  *state = call->media;
}

const char *
mc_call_get_peer_id (McCall *call)
{
  return mc_signaling_get_peer_id (call->sig);
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


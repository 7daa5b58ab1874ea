/* The call's remote participants (call_private.h): entries, their McPeers,
 * the peer callbacks, and staying connected: recovery.h decides what to do
 * when a connection stops carrying media or fails, this file does it. */
#include "call_private.h"

#include "meshcall/base/log.h"

#define MC_LOG_CATEGORY (&mc_log_media)

#define NO_ANSWER_RETRIES 1

/* ---- burying and reaping ------------------------------------------------ */

static gboolean
reap (gpointer data)
{
  McCall *call = data;

  call->reap_source = 0;
  /* set_state(NULL) happens here, on the main loop, never on a streaming thread. */
  g_ptr_array_set_size (call->graveyard, 0);
  return G_SOURCE_REMOVE;
}

void
call_bury (McCall *call, McPeer *peer)
{
  if (peer == NULL)
    return;
  call_files_peer_gone (call, peer);
  g_ptr_array_add (call->graveyard, peer);
  if (call->reap_source == 0)
    call->reap_source = g_idle_add (reap, call);
}

Entry *
call_lookup_entry_by_peer (McCall *call, McPeer *peer)
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

/* An entry's McPeer goes (a new one will follow): the next connection's
 * counters start from zero; the totals go on, and the media gap, if media
 * had flowed, lasts until the new one's first packet. */
static void
retire_peer (McCall *call, Entry *e)
{
  McPeerCounters c;

  if (e->peer == NULL)
    return;
  mc_peer_get_counters (e->peer, &c);
  e->stats->gaps_before += c.media_gaps;
  if (c.last_media_us > 0)
    e->stats->carried_last_media_us = c.last_media_us;
  call_bury (call, g_steal_pointer (&e->peer));
}

/* ---- what the user and the renderer see ----------------------------------- */

static void
set_state (McCall *call, Entry *e, const char *state)
{
  McCallPeerState shown = g_str_equal (state, "connected")      ? MC_CALL_PEER_CONNECTED
                          : g_str_equal (state, "reconnecting") ? MC_CALL_PEER_RECONNECTING
                                                                : MC_CALL_PEER_CONNECTING;
  gboolean changed = g_strcmp0 (e->stats->state, state) != 0;

  g_free (e->stats->state);
  e->stats->state = g_strdup (state);
  if (changed && call->cb.peer_state_changed)
    call->cb.peer_state_changed (call, e->peer_id, shown, call->user_data);
}

void
call_send_media_state (McCall *call, const char *peer_id, gboolean even_if_live)
{
  g_autoptr (McSignal) signal = NULL;
  g_autoptr (GError) error = NULL;

  /* Only a muted microphone or a camera that is off is news when a
   * connection comes up (live is what everyone assumes), so clients that do
   * not know the extension never see it in a normal call. */
  if (call->sig == NULL || (!even_if_live && !call->media.audio_muted && !call->media.video_off))
    return;
  signal = mc_signal_new_media_state (&call->media);
  if (!mc_signaling_send_signal (call->sig, peer_id, signal, &error))
    MC_WARNING ("media-state to %s not sent: %s", peer_id, error->message);
}

/* ---- staying connected -------------------------------------------------------- */

static void schedule_recovery (Entry *e);

static gboolean
is_listed (McCall *call, Entry *e)
{
  return !call->leaving && g_hash_table_contains (call->roster, e->peer_id);
}

static gboolean
on_recovery_step (gpointer data)
{
  Entry *e = data;
  McCall *call = e->call;
  gint64 now = g_get_monotonic_time ();
  McRecoveryAction action;

  g_clear_pointer (&e->recovery_timer, g_source_unref);
  if (!is_listed (call, e))
    return G_SOURCE_REMOVE;
  action = mc_recovery_poll (e->recovery, now, e->peer != NULL && mc_peer_can_restart_ice (e->peer));
  switch (action) {
  case MC_RECOVERY_RESTART_ICE:
    MC_INFO ("%s: restarting ICE (attempt %u)", e->name, mc_recovery_get_attempts (e->recovery));
    mc_peer_restart_ice (e->peer);   /* a peer that cannot fails, and is rebuilt */
    break;
  case MC_RECOVERY_REBUILD:
    MC_INFO ("%s: making the connection again (attempt %u)", e->name, mc_recovery_get_attempts (e->recovery));
    e->offers_sent = 0;
    call_peer_create (call, e, TRUE);
    break;
  case MC_RECOVERY_NONE:
    break;
  }
  schedule_recovery (e);
  return G_SOURCE_REMOVE;
}

/* The recovery's next step as a timer (none while it waits for an event). */
static void
schedule_recovery (Entry *e)
{
  gint64 deadline = mc_recovery_get_deadline (e->recovery);
  gint64 now = g_get_monotonic_time ();

  if (e->recovery_timer) {
    g_source_destroy (e->recovery_timer);
    g_clear_pointer (&e->recovery_timer, g_source_unref);
  }
  if (deadline == 0)
    return;
  e->recovery_timer = g_timeout_source_new ((guint) (MAX (deadline - now, 0) / 1000));
  g_source_set_callback (e->recovery_timer, on_recovery_step, e, NULL);
  g_source_attach (e->recovery_timer, NULL);
}

static void
outage_begins (McCall *call, Entry *e, const char *what)
{
  if (mc_recovery_get_phase (e->recovery) == MC_RECOVERY_IDLE)
    mc_log_user ("lost %s: %s; reconnecting", e->name, what);
}

/* ---- peer callbacks ------------------------------------------------------------ */

static void
on_peer_send_signal (McPeer *peer, const McSignal *signal, gpointer user_data)
{
  McCall *call = user_data;
  g_autoptr (GError) error = NULL;

  if (!mc_signaling_send_signal (call->sig, mc_peer_get_remote_id (peer), signal, &error))
    MC_WARNING ("signal to %s not sent: %s", mc_peer_get_remote_id (peer), error->message);
}

static void
on_peer_state (McPeer *peer, McPeerState state, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = call_lookup_entry_by_peer (call, peer);
  gint64 now = g_get_monotonic_time ();

  if (e == NULL)
    return;
  switch (state) {
  case MC_PEER_STATE_CONNECTED:
    if (mc_recovery_get_since (e->recovery) > 0)
      mc_log_user ("reconnected to %s (after %.1f s)", e->name,
                   (now - mc_recovery_get_since (e->recovery)) / (double) G_USEC_PER_SEC);
    else if (e->was_connected)
      mc_log_user ("reconnected to %s", e->name);
    else
      mc_log_user ("connected to %s", e->name);
    /* Who offered the first connection (after any glare) restarts ICE later. */
    if (!e->was_connected)
      mc_recovery_set_offer_side (e->recovery, mc_peer_is_offerer (peer));
    e->was_connected = TRUE;
    mc_recovery_media_flowing (e->recovery, now);
    schedule_recovery (e);
    set_state (call, e, "connected");
    call_send_media_state (call, e->peer_id, FALSE);
    break;
  case MC_PEER_STATE_DISCONNECTED:
    /* Our own network may be what broke: signaling checks its connection. */
    mc_signaling_check_connection (call->sig);
    outage_begins (call, e, "no media");
    mc_recovery_media_stopped (e->recovery, now);
    schedule_recovery (e);
    set_state (call, e, "reconnecting");
    break;
  case MC_PEER_STATE_FAILED:
    break;   /* on_peer_failed says what now */
  default:
    if (mc_recovery_get_phase (e->recovery) == MC_RECOVERY_IDLE && !e->was_connected)
      set_state (call, e, mc_peer_state_to_string (state));
    break;
  }
}

static void
on_peer_failed (McPeer *peer, McPeerFailure failure, const char *reason, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = call_lookup_entry_by_peer (call, peer);
  gboolean listed;
  g_autofree char *peer_id = NULL;

  if (e == NULL)
    return;
  peer_id = g_strdup (e->peer_id);
  listed = is_listed (call, e);
  if (failure == MC_PEER_FAILURE_NO_ANSWER && e->offers_sent <= NO_ANSWER_RETRIES && listed &&
      mc_recovery_get_phase (e->recovery) == MC_RECOVERY_IDLE) {
    mc_log_user ("%s: %s; offering again", e->name, reason);
    call_peer_create (call, e, TRUE);
    return;
  }
  /* A connection that worked (or ICE that failed) is made again for as long
   * as signaling lists the peer; one that never answered, or spoke
   * nonsense, is given up. */
  if (listed && (failure == MC_PEER_FAILURE_CONNECTION ||
                 (failure == MC_PEER_FAILURE_NO_ANSWER && (e->was_connected ||
                                                           mc_recovery_get_phase (e->recovery) != MC_RECOVERY_IDLE)))) {
    outage_begins (call, e, reason);
    retire_peer (call, e);
    mc_recovery_failed (e->recovery, g_get_monotonic_time ());
    schedule_recovery (e);
    set_state (call, e, "reconnecting");
    return;
  }
  if (failure == MC_PEER_FAILURE_PROTOCOL)
    mc_log_error ("dropping %s (%s): %s", e->name, e->peer_id, reason);
  else
    mc_log_user ("lost %s: %s", e->name, reason);
  call_entry_remove (call, peer_id);
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

static void
on_peer_feedback (McPeer *peer, const McPeerFeedback *feedback, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = call_lookup_entry_by_peer (call, peer);

  if (e != NULL)
    call_adapt_feedback (call, e, feedback);
}

/* ---- entries -------------------------------------------------------------------- */

void
call_peer_create (McCall *call, Entry *e, gboolean offer)
{
  /* What every peer reports, and its data channels (a recorder keeps the
   * chat too); the tables differ in what media it receives. */
#define PEER_COMMON                                                                                              \
  .send_signal = on_peer_send_signal, .state_changed = on_peer_state, .failed = on_peer_failed,                   \
  .chat_open = call_chat_on_open, .chat_message = call_chat_on_message,                                          \
  .channel_announced = call_files_channel_announced
  static const McPeerCallbacks callbacks = {
    PEER_COMMON,
    .on_video_frame = on_peer_video_frame,
    .feedback = on_peer_feedback,
  };
  /* With levels only when someone shows them (a `level` element per peer). */
  static const McPeerCallbacks callbacks_with_levels = {
    PEER_COMMON,
    .on_video_frame = on_peer_video_frame,
    .audio_level = on_peer_audio_level,
    .feedback = on_peer_feedback,
  };
  /* A recorder: the encoded frames of the receive tap, nothing decoded. */
  static const McPeerCallbacks callbacks_recorder = {
    PEER_COMMON,
    .encoded_frame = call_on_peer_encoded_frame,
  };
#undef PEER_COMMON
  McPeerConfig cfg = {
    .local_id = mc_signaling_get_peer_id (call->sig),
    .remote_id = e->peer_id,
    .remote_name = e->name,
    .capture = call->capture,
    .tier = call_adapt_tier_for (call, e),
    .settings = &call->cfg.peer,
    .playback = call->playback,
    .encoded_only = call->cfg.recorder || call->cfg.no_decode,
  };
  const McPeerCallbacks *callbacks_used = call->cfg.recorder  ? &callbacks_recorder
                                          : call->cb.audio_level ? &callbacks_with_levels
                                                                 : &callbacks;
  g_autoptr (GError) error = NULL;

  retire_peer (call, e);
  e->stats->ice_restarts = 0;
  g_clear_pointer (&e->stats->local_address, g_free);
  e->peer = mc_peer_new (&cfg, callbacks_used, call, &error);
  if (e->peer == NULL) {
    mc_log_error ("cannot set up a connection to %s: %s", e->name, error->message);
    return;
  }
  call_recording_announce (call, e->peer_id);
  e->stats->connections++;
  if (!e->was_connected && mc_recovery_get_phase (e->recovery) == MC_RECOVERY_IDLE)
    set_state (call, e, "new");
  if (offer) {
    e->offers_sent++;
    mc_peer_start_offer (e->peer);
  }
}

Entry *
call_entry_add (McCall *call, const char *peer_id, const char *name)
{
  Entry *e = g_new0 (Entry, 1);

  e->call = call;
  e->peer_id = g_strdup (peer_id);
  e->name = g_strdup (name ? name : peer_id);
  e->stats = mc_call_stats_peer_new (peer_id, e->name);
  e->recovery = mc_recovery_new (FALSE, call->signaling_up);
  e->adapt = call_adapt_peer_new (call);
  g_hash_table_insert (call->entries, e->peer_id, e);
  if (call->cb.peer_added)
    call->cb.peer_added (call, e->peer_id, e->name, call->user_data);
  return e;
}

void
call_entry_free (Entry *e)
{
  if (e->recovery_timer)
    g_source_destroy (e->recovery_timer);
  g_clear_pointer (&e->recovery_timer, g_source_unref);
  mc_recovery_free (e->recovery);
  if (e->call->tiers)
    mc_tiers_remove (e->call->tiers, e->peer_id);
  call_adapt_peer_free (e->adapt);
  if (e->peer)
    call_bury (e->call, g_steal_pointer (&e->peer));
  mc_call_stats_peer_free (e->stats);
  call_chat_entry_free (e);
  g_free (e->peer_id);
  g_free (e->name);
  g_free (e);
}

void
call_entry_remove (McCall *call, const char *peer_id)
{
  Entry *e = g_hash_table_lookup (call->entries, peer_id);

  if (e == NULL)
    return;
  g_hash_table_steal (call->entries, peer_id);
  call_bury (call, g_steal_pointer (&e->peer));
  if (call->cb.peer_removed)
    call->cb.peer_removed (call, e->peer_id, call->user_data);
  call_chat_entry_removed (call, e->peer_id);
  call_entry_free (e);
}

/* ---- signals, signaling, the network ----------------------------------------------- */

void
call_peer_signal (McCall *call, Entry *e, const char *from, const McSignal *signal)
{
  g_autoptr (GError) error = NULL;
  McPeerSignalResult r;
  gboolean running;

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
      e = call_entry_add (call, from, g_hash_table_lookup (call->roster, from));
    call_peer_create (call, e, FALSE);
    if (e->peer == NULL)
      return;
  }

  running = mc_peer_get_state (e->peer) == MC_PEER_STATE_CONNECTED ||
            mc_peer_get_state (e->peer) == MC_PEER_STATE_DISCONNECTED;
  r = mc_peer_handle_signal (e->peer, signal, &error);
  if (r == MC_PEER_SIGNAL_RECREATE) {
    call_peer_create (call, e, FALSE);
    if (e->peer == NULL)
      return;
    g_clear_error (&error);
    r = mc_peer_handle_signal (e->peer, signal, &error);
  }
  if (r == MC_PEER_SIGNAL_INVALID) {
    mc_log_error ("dropping %s (%s): %s", e->name, e->peer_id, error->message);
    call_entry_remove (call, from);
    return;
  }
  /* An offer or answer in a running connection: a restart (theirs, or the
   * answer to ours) is under way, so the recovery gives it time. */
  if (running && e->peer != NULL && r == MC_PEER_SIGNAL_OK) {
    if (signal->type == MC_SIGNAL_OFFER)
      mc_recovery_remote_restarted (e->recovery, g_get_monotonic_time ());
    else if (signal->type == MC_SIGNAL_ANSWER)
      mc_recovery_restart_answered (e->recovery, g_get_monotonic_time ());
    schedule_recovery (e);
  }
}

void
call_peers_signaling (McCall *call, gboolean up, gboolean rejoined)
{
  GHashTableIter it;
  gpointer value;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&it, call->entries);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Entry *e = value;
    mc_recovery_signaling (e->recovery, up, now);
    /* An offer of ours for a new connection (a first one or a rebuild),
     * made before the outage, may be lost with the old connection: a new
     * one now, rather than waiting out the answer timer. */
    if (rejoined && e->peer != NULL && mc_peer_is_offerer (e->peer) &&
        mc_peer_get_state (e->peer) == MC_PEER_STATE_NEGOTIATING && is_listed (call, e)) {
      MC_INFO ("%s: offering again after the signaling outage", e->name);
      e->offers_sent = 0;
      call_peer_create (call, e, TRUE);
    }
    schedule_recovery (e);
  }
}

void
call_peers_network_changed (McCall *call)
{
  GHashTableIter it;
  gpointer value;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&it, call->entries);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Entry *e = value;
    g_autofree char *address = e->peer ? mc_peer_get_local_address (e->peer) : NULL;
    /* A link-local address goes with its link (IPv6 drops it while the
     * cable is out) and comes back the same: not a path that is gone. */
    if (address == NULL || mc_netwatch_address_is_local (address) || mc_netwatch_address_is_link_local (address))
      continue;
    /* libnice gathers once: a vanished address needs a new peer. */
    outage_begins (call, e, "our network address changed");
    MC_INFO ("%s: our address %s is gone", e->name, address);
    retire_peer (call, e);
    mc_recovery_path_lost (e->recovery, now);
    set_state (call, e, "reconnecting");
    schedule_recovery (e);
  }
}

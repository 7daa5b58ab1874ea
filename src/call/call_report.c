/* The call's stats (call_private.h): the JSON document, the stats file
 * written every second, the one-line status. */
#include "call_private.h"

#include "meshcall/base/log.h"

#define MC_LOG_CATEGORY (&mc_log_media)

static void
on_peer_stats (McPeer *peer, const GstStructure *stats, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = call_lookup_entry_by_peer (call, peer);
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
    .peer_id = mc_signaling_get_peer_id (call->sig),
    .name = call->name,
    .call_id = call->call_id,
    .signaling_state = call->sig ? mc_signaling_state_to_string (mc_signaling_get_state (call->sig)) : "idle",
    .participants = g_hash_table_size (call->roster) + 1,
    .video_codec = mc_video_codec_to_string (call->cfg.media.codec),
    .tiers = tiers,
    .joined_at = call->joined_at,
    .audio_muted = call->media.audio_muted,
    .video_off = call->media.video_off,
    .dtls_fingerprint = call->cfg.peer.dtls_cert ? mc_dtls_cert_get_fingerprint (call->cfg.peer.dtls_cert) : NULL,
  };

  for (guint i = 0; call->capture && i < mc_capture_get_n_tiers (call->capture); i++) {
    McCaptureTierInfo info;
    mc_capture_get_tier_info (call->capture, i, &info);
    g_array_append_val (tiers, info);
  }
  ids = g_list_sort (ids, (GCompareFunc) g_strcmp0);
  for (GList *l = ids; l; l = l->next) {
    Entry *e = g_hash_table_lookup (call->entries, l->data);
    /* Its recording signal may come before its entry: the table has the last word. */
    e->stats->remote_recording = mc_call_peer_is_recording (call, e->peer_id);
    g_ptr_array_add (peers, e->stats);
  }
  return mc_call_stats_to_json (&self, peers);
}

void
call_write_stats (McCall *call)
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

gboolean
call_on_stats_tick (gpointer data)
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
    e->stats->ice_restarts = mc_peer_get_ice_restarts (e->peer);
    g_free (e->stats->local_address);
    e->stats->local_address = mc_peer_get_local_address (e->peer);
    e->stats->tier_bitrate_kbps = 0;
    e->stats->tier_width = e->stats->tier_height = e->stats->tier_fps = 0;
    if (e->stats->tier >= 0 && mc_capture_get_tier_info (call->capture, e->stats->tier, &info)) {
      e->stats->tier_bitrate_kbps = info.bitrate_kbps;
      e->stats->tier_width = info.width;
      e->stats->tier_height = info.height;
      e->stats->tier_fps = info.fps;
    }
    call_adapt_fill_stats (call, e);
    if (!e->stats_pending) {
      e->stats_pending = TRUE;
      mc_peer_get_stats (e->peer, on_peer_stats, call);
    }
    if (call->cb.peer_stats)
      call->cb.peer_stats (call, e->stats, call->user_data);
  }
  call_write_stats (call);
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
    if (e->stats->estimate_kbps >= 0 && e->stats->tier >= 0 && e->stats->tier_width > 0)
      g_string_append_printf (s, " (est %.0f, tier %d %dx%d@%d)", e->stats->estimate_kbps, e->stats->tier,
                              e->stats->tier_width, e->stats->tier_height, e->stats->tier_fps);
  }
  if (ids == NULL)
    g_string_append (s, " | waiting for others to join");
  call_files_format_status (call, s);
  return g_string_free (s, FALSE);
}


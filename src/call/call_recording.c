/* The recording extension of the call (call.h, docs/protocol.md
 * "recording"): who says it records the call, a recorder's announcement to
 * each peer, and a recorder's encoded frames on to the command. Main thread,
 * except call_on_peer_encoded_frame (a peer's streaming thread). */
#include "call_private.h"

#include "meshcall/base/log.h"

#define MC_LOG_CATEGORY (&mc_log_media)

/* A recorder tells each peer as its connection is set up, before the offer
 * or answer, so their pictures never show it as a tile for long. */
void
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

void
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

void
call_on_peer_encoded_frame (McPeer *peer, McPeerMedia media, GstCaps *caps, GstBuffer *buffer, gpointer user_data)
{
  McCall *call = user_data;

  /* Streaming thread: the remote id string lives as long as the peer. */
  if (call->cb.on_encoded_frame)
    call->cb.on_encoded_frame (call, mc_peer_get_remote_id (peer), media, caps, buffer, call->user_data);
}

/* The call's chat (docs/protocol.md, "Chat"): our messages to every peer's
 * chat channel, theirs checked (talk/chat.h) and de-duplicated, the recent
 * history, and a late joiner's replay from one existing peer.
 *
 *  - A message for a peer whose channel is not open yet waits in its
 *    outbox (at most MC_CHAT_HISTORY), sent when it opens: --say right
 *    after joining reaches the ones being connected to.
 *  - The first peer whose channel opens is asked for its history
 *    (history-request); it replays up to 50 messages (replay: true) and
 *    says history-end. Replays are taken only from the peer we asked and
 *    only until its history-end; if it leaves first, the next open peer is
 *    asked. Ids make everything arrive once.
 *  - A live message must come from its author ("from" = the channel's
 *    peer), and is shown with the name signaling gave that peer. */
#include "call_private.h"

#include "meshcall/base/log.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)

void
call_chat_init (McCall *call)
{
  call->chat = mc_chat_history_new (MC_CHAT_HISTORY);
}

void
call_chat_clear (McCall *call)
{
  g_clear_pointer (&call->chat, mc_chat_history_free);
  g_clear_pointer (&call->chat_history_from, g_free);
}

void
call_chat_entry_free (Entry *e)
{
  g_clear_pointer (&e->chat_outbox, g_ptr_array_unref);
}

static void
send_or_queue (Entry *e, const char *wire)
{
  g_autoptr (GError) error = NULL;

  if (e->peer && mc_peer_chat_is_open (e->peer)) {
    if (mc_peer_send_chat (e->peer, wire, &error))
      return;
    MC_INFO ("chat to %s: %s (kept for when it reopens)", e->peer_id, error->message);
  }
  if (e->chat_outbox == NULL)
    e->chat_outbox = g_ptr_array_new_with_free_func (g_free);
  if (e->chat_outbox->len >= MC_CHAT_HISTORY)
    g_ptr_array_remove_index (e->chat_outbox, 0);
  g_ptr_array_add (e->chat_outbox, g_strdup (wire));
}

static void
deliver (McCall *call, const McChatMessage *msg, gboolean local)
{
  if (call->cb.chat_message)
    call->cb.chat_message (call, msg, local, call->user_data);
}

gboolean
mc_call_send_chat (McCall *call, const char *text, GError **error)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr (McChatMessage) msg = NULL;
  g_autofree char *wire = NULL;
  GHashTableIter it;
  gpointer value;

  if (!mc_chat_check_text (text, error))
    return FALSE;
  msg = mc_chat_message_new (id, mc_call_get_peer_id (call), call->name, text, g_get_real_time () / 1000);
  wire = mc_chat_encode (msg, FALSE);
  mc_chat_history_add (call->chat, msg);
  g_hash_table_iter_init (&it, call->entries);
  while (g_hash_table_iter_next (&it, NULL, &value))
    send_or_queue (value, wire);
  deliver (call, msg, TRUE);
  return TRUE;
}

static void
ask_history (McCall *call, Entry *e)
{
  g_autofree char *req = mc_chat_encode_control (MC_CHAT_KIND_HISTORY_REQUEST);

  g_free (call->chat_history_from);
  call->chat_history_from = g_strdup (e->peer_id);
  MC_INFO ("chat: asking %s for the recent messages", e->peer_id);
  send_or_queue (e, req);
}

/* The peer we asked is gone before it finished: ask another one. */
void
call_chat_entry_removed (McCall *call, const char *peer_id)
{
  GHashTableIter it;
  gpointer value;

  if (call->chat_history_done || g_strcmp0 (call->chat_history_from, peer_id) != 0)
    return;
  g_clear_pointer (&call->chat_history_from, g_free);
  g_hash_table_iter_init (&it, call->entries);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Entry *e = value;
    if (g_strcmp0 (e->peer_id, peer_id) != 0 && e->peer && mc_peer_chat_is_open (e->peer)) {
      ask_history (call, e);
      return;
    }
  }
}

void
call_chat_on_open (McPeer *peer, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = call_lookup_entry_by_peer (call, peer);
  g_autoptr (GPtrArray) outbox = NULL;

  if (e == NULL)
    return;
  outbox = g_steal_pointer (&e->chat_outbox);
  for (guint i = 0; outbox && i < outbox->len; i++)
    send_or_queue (e, g_ptr_array_index (outbox, i));
  if (!call->chat_history_done && call->chat_history_from == NULL)
    ask_history (call, e);
  call_files_peer_ready (call, e);
}

static void
replay_history (McCall *call, Entry *e)
{
  g_autofree char *end = mc_chat_encode_control (MC_CHAT_KIND_HISTORY_END);
  guint n = mc_chat_history_len (call->chat);

  MC_INFO ("chat: sending %s the last %u messages", e->peer_id, n);
  for (guint i = 0; i < n; i++) {
    g_autofree char *wire = mc_chat_encode (mc_chat_history_get (call->chat, i), TRUE);
    send_or_queue (e, wire);
  }
  send_or_queue (e, end);
}

void
call_chat_on_message (McPeer *peer, const char *text, gsize len, gpointer user_data)
{
  McCall *call = user_data;
  Entry *e = call_lookup_entry_by_peer (call, peer);
  g_autoptr (McChatMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  McChatKind kind;
  gboolean replay = FALSE, asked;

  if (e == NULL)
    return;
  if (!mc_chat_decode (text, len, &kind, &msg, &replay, &error)) {
    MC_DEBUG ("chat from %s dropped: %s", e->peer_id, error->message);
    return;
  }
  asked = !call->chat_history_done && g_strcmp0 (call->chat_history_from, e->peer_id) == 0;
  switch (kind) {
  case MC_CHAT_KIND_HISTORY_REQUEST:
    replay_history (call, e);
    return;
  case MC_CHAT_KIND_HISTORY_END:
    if (asked) {
      call->chat_history_done = TRUE;
      MC_INFO ("chat: %s sent its recent messages", e->peer_id);
    }
    return;
  case MC_CHAT_KIND_MESSAGE:
    break;
  }
  if (replay && !asked) {
    MC_DEBUG ("chat from %s dropped: a replay nobody asked it for", e->peer_id);
    return;
  }
  if (!replay) {
    if (strcmp (msg->from, e->peer_id) != 0) {
      MC_DEBUG ("chat from %s dropped: \"from\" names %s", e->peer_id, msg->from);
      return;
    }
    g_free (msg->name);
    msg->name = g_strdup (e->name);
  }
  if (mc_chat_history_add (call->chat, msg))
    deliver (call, msg, FALSE);
}

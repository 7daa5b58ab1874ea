/* The inbox's exactly-once ordering (see firestore_inbox.h). */
#include "meshcall/signal/firestore/firestore_inbox.h"

#include <string.h>

/* A new fetch of a sender's document at most this often while it is awaited. */
#define FETCH_INTERVAL_US (G_USEC_PER_SEC / 2)

typedef struct {
  char *session;
  gint64 joined_at_us;
} Sender;

typedef struct {
  gint64 last_applied;   /* 0: none yet */
  gint64 gap_since_us;   /* when the current gap was first seen, 0 = none */
} Stream;

typedef struct {
  gint64 first_seen_us;
  gint64 last_fetch_us;
} Awaited;

struct _McFirestoreInbox {
  gint64 joined_at_us;
  GHashTable *senders;   /* peer id -> Sender */
  GHashTable *streams;   /* "from/session" -> Stream */
  GHashTable *awaited;   /* "from/session" -> Awaited: messages held for the sender's document */
  GHashTable *departed;  /* peer id -> the session whose document went (char*) */
};

/* Departures remembered at most (a long call sees many): past it, a
 * departed sender's message falls back to the 20 s hold. */
#define DEPARTED_MAX 64

static void
sender_free (gpointer data)
{
  Sender *s = data;

  g_free (s->session);
  g_free (s);
}

McFirestoreInbox *
mc_firestore_inbox_new (void)
{
  McFirestoreInbox *inbox = g_new0 (McFirestoreInbox, 1);

  inbox->senders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, sender_free);
  inbox->streams = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  inbox->awaited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  inbox->departed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return inbox;
}

void
mc_firestore_inbox_free (McFirestoreInbox *inbox)
{
  if (inbox == NULL)
    return;
  g_hash_table_unref (inbox->senders);
  g_hash_table_unref (inbox->streams);
  g_hash_table_unref (inbox->awaited);
  g_hash_table_unref (inbox->departed);
  g_free (inbox);
}

void
mc_firestore_inbox_reset (McFirestoreInbox *inbox, gint64 joined_at_us)
{
  inbox->joined_at_us = joined_at_us;
  g_hash_table_remove_all (inbox->senders);
  g_hash_table_remove_all (inbox->streams);
  g_hash_table_remove_all (inbox->awaited);
  g_hash_table_remove_all (inbox->departed);
}

static char *
stream_key (const char *from, const char *session)
{
  return g_strconcat (from, "/", session, NULL);
}

void
mc_firestore_inbox_set_sender (McFirestoreInbox *inbox, const char *peer_id, const char *session,
                               gint64 joined_at_us)
{
  Sender *s = g_hash_table_lookup (inbox->senders, peer_id);
  g_autofree char *prefix = g_strconcat (peer_id, "/", NULL);
  GHashTableIter iter;
  gpointer key;

  if (s != NULL && g_strcmp0 (s->session, session) == 0)
    return;
  if (session == NULL) {
    /* Its messages still in our inbox (a delete that failed, a last
     * candidate read after its document went) have no one to go to. */
    if (s != NULL) {
      if (g_hash_table_size (inbox->departed) >= DEPARTED_MAX)
        g_hash_table_remove_all (inbox->departed);
      g_hash_table_replace (inbox->departed, g_strdup (peer_id), g_strdup (s->session));
    }
    g_hash_table_remove (inbox->senders, peer_id);
  } else {
    g_hash_table_remove (inbox->departed, peer_id);
    s = g_new0 (Sender, 1);
    s->session = g_strdup (session);
    s->joined_at_us = joined_at_us;
    g_hash_table_replace (inbox->senders, g_strdup (peer_id), s);
  }
  /* Its other sessions' streams are over: keeps the tables bounded. */
  g_hash_table_iter_init (&iter, inbox->streams);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    if (g_str_has_prefix (key, prefix) && (session == NULL || strcmp ((char *) key + strlen (prefix), session) != 0))
      g_hash_table_iter_remove (&iter);
  }
}

static void
add_action (GArray *actions, McInboxVerdict verdict, McFirestoreMessage *m, const char *reason, gint64 skipped)
{
  McInboxAction a = { verdict, m, reason, skipped };

  g_array_append_val (actions, a);
}

static gint
by_seq (gconstpointer a, gconstpointer b)
{
  const McFirestoreMessage *x = *(McFirestoreMessage *const *) a;
  const McFirestoreMessage *y = *(McFirestoreMessage *const *) b;

  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A message whose sender's document we have to see first. */
static void
await_sender (McFirestoreInbox *inbox, McFirestoreMessage *m, gint64 now_us, GArray *actions, GPtrArray *fetch)
{
  g_autofree char *key = stream_key (m->from, m->session);
  Awaited *w = g_hash_table_lookup (inbox->awaited, key);

  if (w == NULL) {
    w = g_new0 (Awaited, 1);
    w->first_seen_us = now_us;
    g_hash_table_insert (inbox->awaited, g_strdup (key), w);
  }
  if (now_us - w->first_seen_us >= MC_INBOX_HOLD_TIMEOUT_US) {
    add_action (actions, MC_INBOX_DROP, m, "its sender's participant document did not appear within 20 s", 0);
    g_hash_table_remove (inbox->awaited, key);
    return;
  }
  add_action (actions, MC_INBOX_HOLD, m, "waiting for its sender's participant document", 0);
  if ((w->last_fetch_us == 0 || now_us - w->last_fetch_us >= FETCH_INTERVAL_US) &&
      !g_ptr_array_find_with_equal_func (fetch, m->from, g_str_equal, NULL)) {
    w->last_fetch_us = now_us;
    g_ptr_array_add (fetch, g_strdup (m->from));
  }
}

/* One (sender, session)'s messages, sorted by seq. */
static void
process_stream (McFirestoreInbox *inbox, const char *key, GPtrArray *msgs, gint64 now_us, GArray *actions)
{
  Stream *st = g_hash_table_lookup (inbox->streams, key);
  gboolean gap = FALSE;

  if (st == NULL) {
    st = g_new0 (Stream, 1);
    g_hash_table_insert (inbox->streams, g_strdup (key), st);
  }
  g_ptr_array_sort (msgs, by_seq);
  for (guint i = 0; i < msgs->len; i++) {
    McFirestoreMessage *m = msgs->pdata[i];

    if (m->seq <= st->last_applied) {
      add_action (actions, MC_INBOX_DROP, m, "already applied", 0);
    } else if (m->seq == st->last_applied + 1) {
      add_action (actions, MC_INBOX_APPLY, m, NULL, 0);
      st->last_applied = m->seq;
    } else if (gap) {
      add_action (actions, MC_INBOX_HOLD, m, "waiting for an earlier seq", 0);
    } else {
      if (st->gap_since_us == 0)
        st->gap_since_us = now_us;
      if (now_us - st->gap_since_us >= MC_INBOX_GAP_TIMEOUT_US) {
        add_action (actions, MC_INBOX_APPLY, m, NULL, m->seq - st->last_applied - 1);
        st->last_applied = m->seq;
        st->gap_since_us = 0;
      } else {
        gap = TRUE;
        add_action (actions, MC_INBOX_HOLD, m, "waiting for an earlier seq", 0);
      }
    }
  }
  if (!gap)
    st->gap_since_us = 0;
}

void
mc_firestore_inbox_process (McFirestoreInbox *inbox, GPtrArray *messages, gint64 now_us, GArray *actions,
                            GPtrArray *fetch)
{
  g_autoptr (GHashTable) streams = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          (GDestroyNotify) g_ptr_array_unref);
  g_autoptr (GList) keys = NULL;

  for (guint i = 0; i < messages->len; i++) {
    McFirestoreMessage *m = messages->pdata[i];
    Sender *s = g_hash_table_lookup (inbox->senders, m->from);
    GPtrArray *list;
    char *key;

    if (m->created_at_us < inbox->joined_at_us) {
      add_action (actions, MC_INBOX_DROP, m, "left over from an earlier session of ours", 0);
      continue;
    }
    if (s == NULL && g_strcmp0 (g_hash_table_lookup (inbox->departed, m->from), m->session) == 0) {
      add_action (actions, MC_INBOX_DROP, m, "its sender left the call", 0);
      continue;
    }
    if (s == NULL || (strcmp (s->session, m->session) != 0 && m->created_at_us >= s->joined_at_us)) {
      await_sender (inbox, m, now_us, actions, fetch);
      continue;
    }
    if (strcmp (s->session, m->session) != 0) {
      add_action (actions, MC_INBOX_DROP, m, "stale: from an earlier session of its sender", 0);
      continue;
    }
    key = stream_key (m->from, m->session);
    g_hash_table_remove (inbox->awaited, key);
    list = g_hash_table_lookup (streams, key);
    if (list == NULL) {
      list = g_ptr_array_new ();
      g_hash_table_insert (streams, key, list);
    } else {
      g_free (key);
    }
    g_ptr_array_add (list, m);
  }
  /* Sorted keys: the same input gives the same order. */
  keys = g_list_sort (g_hash_table_get_keys (streams), (GCompareFunc) strcmp);
  for (GList *l = keys; l; l = l->next)
    process_stream (inbox, l->data, g_hash_table_lookup (streams, l->data), now_us, actions);
}

gint64
mc_firestore_inbox_get_deadline (McFirestoreInbox *inbox)
{
  GHashTableIter iter;
  gpointer value;
  gint64 next = 0;

  g_hash_table_iter_init (&iter, inbox->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Stream *st = value;
    if (st->gap_since_us != 0 && (next == 0 || st->gap_since_us + MC_INBOX_GAP_TIMEOUT_US < next))
      next = st->gap_since_us + MC_INBOX_GAP_TIMEOUT_US;
  }
  g_hash_table_iter_init (&iter, inbox->awaited);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Awaited *w = value;
    if (next == 0 || w->first_seen_us + MC_INBOX_HOLD_TIMEOUT_US < next)
      next = w->first_seen_us + MC_INBOX_HOLD_TIMEOUT_US;
  }
  return next;
}

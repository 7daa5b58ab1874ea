/* The roster diff and re-join grace (see roster.h). */
#include "meshcall/signal/roster.h"

struct _McRoster {
  gint64 grace_us;
  GHashTable *reported;   /* peerId -> name: reported as joined */
  GHashTable *pending;    /* peerId -> name: missing after a re-join, within grace */
  gint64 deadline_us;     /* when the pending ones expire, 0 = none */
};

static void
change_clear (gpointer data)
{
  McRosterChange *c = data;

  g_free (c->peer_id);
  g_free (c->name);
}

GArray *
mc_roster_changes_new (void)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (McRosterChange));

  g_array_set_clear_func (a, change_clear);
  return a;
}

static void
add_change (GArray *changes, McRosterChangeKind kind, const char *peer_id, const char *name, gboolean existing)
{
  McRosterChange c = { kind, g_strdup (peer_id), g_strdup (name), existing };

  g_array_append_val (changes, c);
}

McRoster *
mc_roster_new (gint64 grace_us)
{
  McRoster *r = g_new0 (McRoster, 1);

  r->grace_us = grace_us;
  r->reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return r;
}

void
mc_roster_free (McRoster *r)
{
  if (r == NULL)
    return;
  g_hash_table_unref (r->reported);
  g_hash_table_unref (r->pending);
  g_free (r);
}

void
mc_roster_clear (McRoster *r)
{
  g_hash_table_remove_all (r->reported);
  g_hash_table_remove_all (r->pending);
  r->deadline_us = 0;
}

static void
report_joined (McRoster *r, const char *peer_id, const char *name, gboolean existing, GArray *changes)
{
  g_hash_table_replace (r->reported, g_strdup (peer_id), g_strdup (name));
  add_change (changes, MC_ROSTER_JOINED, peer_id, name, existing);
}

/* Everyone reported or pending, as left, in a stable (sorted) order. */
static void
report_all_left (McRoster *r, GArray *changes)
{
  g_autoptr (GList) ids = g_list_concat (g_hash_table_get_keys (r->reported), g_hash_table_get_keys (r->pending));

  ids = g_list_sort (ids, (GCompareFunc) g_strcmp0);
  for (GList *l = ids; l; l = l->next)
    add_change (changes, MC_ROSTER_LEFT, l->data, NULL, FALSE);
  mc_roster_clear (r);
}

void
mc_roster_snapshot (McRoster *r, const McRosterEntry *entries, guint n_entries, const char *self_id,
                    gboolean rejoin, gboolean stale_session, gint64 now_us, GArray *changes)
{
  g_autoptr (GHashTable) snapshot = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) missing = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  if (rejoin && stale_session)
    report_all_left (r, changes);
  for (guint i = 0; i < n_entries; i++) {
    if (g_strcmp0 (entries[i].peer_id, self_id) != 0)
      g_hash_table_insert (snapshot, (gpointer) entries[i].peer_id, (gpointer) entries[i].name);
  }

  /* Reported peers missing from the list: wait for them to come back. */
  g_hash_table_iter_init (&iter, r->reported);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    if (!g_hash_table_contains (snapshot, key))
      g_ptr_array_add (missing, key);
  }
  for (guint i = 0; i < missing->len; i++) {
    char *id = NULL, *name = NULL;
    g_hash_table_steal_extended (r->reported, missing->pdata[i], (gpointer *) &id, (gpointer *) &name);
    g_hash_table_replace (r->pending, id, name);
  }
  if (missing->len > 0 && r->deadline_us == 0)
    r->deadline_us = now_us + r->grace_us;

  /* Listed peers we had not reported were there before us: they offer. In
   * list order, so the call sees them as the server does. */
  for (guint i = 0; i < n_entries; i++) {
    const char *id = entries[i].peer_id;
    const char *name = g_hash_table_lookup (snapshot, id);

    if (name == NULL || g_hash_table_contains (r->reported, id))
      continue;
    if (g_hash_table_contains (r->pending, id)) {
      char *pid = NULL, *pname = NULL;
      g_hash_table_steal_extended (r->pending, id, (gpointer *) &pid, (gpointer *) &pname);
      g_hash_table_replace (r->reported, pid, pname);
      continue;
    }
    report_joined (r, id, name, TRUE, changes);
  }
  if (g_hash_table_size (r->pending) == 0)
    r->deadline_us = 0;
}

void
mc_roster_peer_joined (McRoster *r, const char *peer_id, const char *name, GArray *changes)
{
  char *pid = NULL, *pname = NULL;

  if (g_hash_table_steal_extended (r->pending, peer_id, (gpointer *) &pid, (gpointer *) &pname)) {
    /* Back after our re-join: it was never reported as gone. */
    g_free (pname);
    g_hash_table_replace (r->reported, pid, g_strdup (name));
    if (g_hash_table_size (r->pending) == 0)
      r->deadline_us = 0;
    return;
  }
  if (g_hash_table_contains (r->reported, peer_id)) {
    /* The server sees a new session without having told us the old one left. */
    g_hash_table_remove (r->reported, peer_id);
    add_change (changes, MC_ROSTER_LEFT, peer_id, NULL, FALSE);
  }
  report_joined (r, peer_id, name, FALSE, changes);
}

void
mc_roster_peer_left (McRoster *r, const char *peer_id, GArray *changes)
{
  if (g_hash_table_remove (r->reported, peer_id) || g_hash_table_remove (r->pending, peer_id))
    add_change (changes, MC_ROSTER_LEFT, peer_id, NULL, FALSE);
  if (g_hash_table_size (r->pending) == 0)
    r->deadline_us = 0;
}

void
mc_roster_expire (McRoster *r, gint64 now_us, GArray *changes)
{
  g_autoptr (GList) ids = NULL;

  if (r->deadline_us == 0 || now_us < r->deadline_us)
    return;
  ids = g_list_sort (g_hash_table_get_keys (r->pending), (GCompareFunc) g_strcmp0);
  for (GList *l = ids; l; l = l->next)
    add_change (changes, MC_ROSTER_LEFT, l->data, NULL, FALSE);
  g_hash_table_remove_all (r->pending);
  r->deadline_us = 0;
}

gint64
mc_roster_get_deadline (McRoster *r)
{
  return r->deadline_us;
}

gboolean
mc_roster_contains (McRoster *r, const char *peer_id)
{
  return g_hash_table_contains (r->reported, peer_id) || g_hash_table_contains (r->pending, peer_id);
}

guint
mc_roster_get_size (McRoster *r)
{
  return g_hash_table_size (r->reported);
}

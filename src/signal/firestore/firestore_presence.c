/* Who is in a Firestore call (docs/firestore.md): the participant list
 * read at join and polled, our heartbeat (and the check of our own document
 * when one fails), stale documents deleted, and the roster's changes
 * reported as McSignaling's joined/left events. The join, leave and re-join
 * that drive it are in signal_firestore.c. */
#include "firestore_private.h"
#include "meshcall/base/json.h"
#include "meshcall/base/log.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_signal)

#define BUSY_PARTICIPANTS_POLL_MS 1000
#define LATE_HEARTBEAT_US (MC_FIRESTORE_HEARTBEAT_MS * 1000 + 2 * G_USEC_PER_SEC)

static const char *
self_id (FsSignaling *self)
{
  return self->base.params.peer_id;
}

/* The pair's offer rule: the later (joinedAt, peerId) offers. TRUE: p offers to us. */
static gboolean
offers_to_us (FsSignaling *self, const McFirestoreParticipant *p)
{
  if (p->joined_at_us != self->joined_at_us)
    return p->joined_at_us > self->joined_at_us;
  return strcmp (p->peer_id, self_id (self)) > 0;
}

gint
fs_by_join_order (gconstpointer a, gconstpointer b)
{
  const McFirestoreParticipant *x = *(McFirestoreParticipant *const *) a;
  const McFirestoreParticipant *y = *(McFirestoreParticipant *const *) b;

  if (x->joined_at_us != y->joined_at_us)
    return x->joined_at_us < y->joined_at_us ? -1 : 1;
  return strcmp (x->peer_id, y->peer_id);
}

/* ---- the roster ------------------------------------------------------------------------- */

void
fs_presence_report (FsSignaling *self, GArray *changes)
{
  for (guint i = 0; i < changes->len && mc_signaling_in_call (&self->base) && fs_joined (self); i++) {
    McRosterChange *c = &g_array_index (changes, McRosterChange, i);
    if (c->kind == MC_ROSTER_JOINED)
      mc_signaling_emit_joined (&self->base, c->peer_id, c->name, c->existing);
    else
      mc_signaling_emit_left (&self->base, c->peer_id);
  }
  if (changes->len > 0)
    fs_busy (self);
}

/* p (taken) is live: new, or a new session of someone we know. */
static void
peer_live (FsSignaling *self, McFirestoreParticipant *p, GArray *changes)
{
  McFirestoreParticipant *known = g_hash_table_lookup (self->peers, p->peer_id);
  gboolean is_new = known == NULL || strcmp (known->session, p->session) != 0;
  guint before = changes->len;

  mc_firestore_inbox_set_sender (self->inbox_rules, p->peer_id, p->session, p->joined_at_us);
  if (is_new) {
    mc_roster_peer_joined (self->roster, p->peer_id, p->name, changes);
    /* The roster calls every newcomer "joined after us": the offer rule here
     * is joinedAt order (existing = TRUE: the other offers). */
    for (guint i = before; i < changes->len; i++) {
      McRosterChange *c = &g_array_index (changes, McRosterChange, i);
      if (c->kind == MC_ROSTER_JOINED)
        c->existing = offers_to_us (self, p);
    }
    MC_INFO ("signaling %s: %s (%s) is in the call, session %s; %s", self_id (self), p->peer_id, p->name,
             p->session, offers_to_us (self, p) ? "it offers" : "we offer");
  }
  g_hash_table_replace (self->peers, g_strdup (p->peer_id), p);
}

static void
peer_gone (FsSignaling *self, const char *peer_id, GArray *changes)
{
  McFirestoreParticipant *known = g_hash_table_lookup (self->peers, peer_id);

  MC_INFO ("signaling %s: %s left the call (its document is gone or stale)", self_id (self), peer_id);
  if (known != NULL)
    fs_mail_peer_gone (self, peer_id, known->session);
  mc_firestore_inbox_set_sender (self->inbox_rules, peer_id, NULL, 0);
  mc_roster_peer_left (self->roster, peer_id, changes);
  g_hash_table_remove (self->peers, peer_id);
}

void
fs_peer_seen (FsSignaling *self, McFirestoreParticipant *p, gint64 read_time_us)
{
  g_autoptr (GArray) changes = mc_roster_changes_new ();

  if (!fs_joined (self) || p == NULL || strcmp (p->peer_id, self_id (self)) == 0 ||
      p->heartbeat_at_us <= read_time_us - MC_FIRESTORE_LIVE_US) {
    mc_firestore_participant_free (p);
    return;
  }
  peer_live (self, p, changes);
  fs_presence_report (self, changes);
}

static gboolean
on_cleanup_done (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  if (r->status != 200) {
    g_autofree char *why = fs_describe_status (r);
    MC_INFO ("signaling %s: removing stale participants: %s", self_id (self), why);
  }
  return TRUE;
}

/* Whoever sees a stale participant may delete its document (and the rules
 * let a participant do so). One commit; failures do not matter. */
static void
delete_stale (FsSignaling *self, GPtrArray *stale)
{
  g_autoptr (GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  if (stale->len == 0 || self->cleanup_op != NULL)
    return;
  for (guint i = 0; i < stale->len; i++) {
    g_autofree char *doc = g_strconcat (self->participants, "/", stale->pdata[i], NULL);
    g_ptr_array_add (writes, mc_firestore_write_delete (doc));
  }
  fs_op_commit (self, &self->cleanup_op, "removing stale participants", writes, FALSE, on_cleanup_done);
}

gboolean
fs_presence_apply (FsSignaling *self, GPtrArray *docs, gint64 read_time_us)
{
  g_autoptr (GHashTable) live = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) fresh = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_firestore_participant_free);
  g_autoptr (GPtrArray) stale = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) changes = mc_roster_changes_new ();
  gboolean self_ok = FALSE;
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; i < docs->len; i++) {
    g_autoptr (GError) error = NULL;
    McFirestoreParticipant *p = mc_firestore_participant_parse (docs->pdata[i], self->participants, &error);

    if (p == NULL) {
      MC_WARNING ("signaling %s: ignoring a participant: %s", self_id (self), error->message);
      continue;
    }
    if (strcmp (p->peer_id, self_id (self)) == 0) {
      self_ok = strcmp (p->session, self->session) == 0;
      mc_firestore_participant_free (p);
    } else if (p->heartbeat_at_us <= read_time_us - MC_FIRESTORE_LIVE_US) {
      g_ptr_array_add (stale, g_strdup (p->peer_id));
      mc_firestore_participant_free (p);
    } else {
      g_ptr_array_add (fresh, p);
    }
  }
  if (!self_ok) {
    fs_rejoin (self, "our participant document is gone (someone took us for stale)");
    return FALSE;
  }
  g_ptr_array_sort (fresh, fs_by_join_order);
  self->peer_late = FALSE;
  for (guint i = 0; i < fresh->len; i++) {
    McFirestoreParticipant *p = fresh->pdata[i];
    g_hash_table_add (live, p->peer_id);
    /* A heartbeat missed: look every second, so that a dead one goes soon after 15 s. */
    if (p->heartbeat_at_us < read_time_us - LATE_HEARTBEAT_US)
      self->peer_late = TRUE;
  }
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    if (!g_hash_table_contains (live, key))
      g_ptr_array_add (gone, g_strdup (key));
  }
  for (guint i = 0; i < gone->len; i++)
    peer_gone (self, gone->pdata[i], changes);
  while (fresh->len > 0)
    peer_live (self, g_ptr_array_steal_index (fresh, 0), changes);
  delete_stale (self, stale);
  fs_presence_report (self, changes);
  return TRUE;
}

/* ---- the participant list poll ------------------------------------------------------------ */

static gboolean
on_participants_polled (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  g_autoptr (GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  gint64 read_time = 0;

  if (r->status != 200) {
    g_autofree char *why = fs_describe_status (r);
    MC_WARNING ("signaling %s: the participant list: %s", self_id (self), why);
  } else if (!mc_firestore_parse_query (r->body, r->body_len, docs, &read_time, retry) || read_time == 0) {
    if (*retry == NULL)
      g_set_error (retry, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_MALFORMED, "runQuery gave no readTime");
    return FALSE;
  } else if (!fs_presence_apply (self, docs, read_time)) {
    return TRUE;
  }
  fs_presence_schedule_list (self);
  return TRUE;
}

static gboolean
on_participants_timer (gpointer data)
{
  FsSignaling *self = data;
  g_autofree char *url = g_strdup_printf ("%s/calls/%s:runQuery", self->docs, self->base.params.call_id);

  g_clear_pointer (&self->participants_timer, g_source_unref);
  fs_op_start (self, &self->participants_op, "the participant list", "POST", url,
               mc_firestore_query_body ("participants", FS_LIST_LIMIT), TRUE, on_participants_polled);
  return G_SOURCE_REMOVE;
}

void
fs_presence_schedule_list (FsSignaling *self)
{
  guint idle = self->cfg.participants_poll_ms;
  gboolean soon = self->peer_late || g_get_monotonic_time () < self->busy_until_us;
  guint ms = soon ? MIN (idle, BUSY_PARTICIPANTS_POLL_MS) : idle;

  mc_signaling_clear_source (&self->participants_timer);
  if (fs_joined (self))
    self->participants_timer = fs_timeout (self, ms, on_participants_timer);
}

/* ---- the heartbeat ------------------------------------------------------------------------ */

static gboolean
on_heartbeat_checked (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr (McFirestoreParticipant) p = NULL;
  gint64 read_time;

  if (r->status != 200 || !mc_firestore_parse_batch_get (r->body, r->body_len, found, NULL, &read_time, retry))
    return r->status != 200 ? (fs_presence_schedule_heartbeat (self), TRUE) : FALSE;
  if (found->len > 0)
    p = mc_firestore_participant_parse (found->pdata[0], self->participants, NULL);
  if (p == NULL || strcmp (p->session, self->session) != 0) {
    fs_rejoin (self, "our participant document was deleted or replaced");
    return TRUE;
  }
  /* Ours: an earlier heartbeat went through but its answer was lost. */
  g_free (self->update_time);
  self->update_time = g_strdup (p->update_time);
  fs_presence_schedule_heartbeat (self);
  return TRUE;
}

static gboolean
on_heartbeat_done (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  g_autoptr (GPtrArray) times = g_ptr_array_new_with_free_func (g_free);
  gint64 transform, commit;

  if (r->status == 200) {
    if (!mc_firestore_parse_commit (r->body, r->body_len, times, &transform, &commit, retry))
      return FALSE;
    if (times->len > 0 && times->pdata[0] != NULL) {
      g_free (self->update_time);
      self->update_time = g_strdup (times->pdata[0]);
    }
    fs_presence_schedule_heartbeat (self);
    return TRUE;
  }
  if (r->status == 400 || r->status == 404 || r->status == 409) {
    g_autofree char *url = g_strconcat (self->docs, ":batchGet", NULL);
    const char *docs[] = { self->self_doc, NULL };
    fs_op_start (self, &self->heartbeat_op, "checking our participant document", "POST", url,
                 mc_firestore_batch_get_body (docs), TRUE, on_heartbeat_checked);
    return TRUE;
  }
  fs_presence_schedule_heartbeat (self);
  return TRUE;
}

static gboolean
on_heartbeat_timer (gpointer data)
{
  FsSignaling *self = data;
  g_autoptr (GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  g_clear_pointer (&self->heartbeat_timer, g_source_unref);
  g_ptr_array_add (writes, mc_firestore_write_heartbeat (self->self_doc, self->update_time));
  fs_op_commit (self, &self->heartbeat_op, "the heartbeat", writes, TRUE, on_heartbeat_done);
  return G_SOURCE_REMOVE;
}

void
fs_presence_schedule_heartbeat (FsSignaling *self)
{
  mc_signaling_clear_source (&self->heartbeat_timer);
  if (fs_joined (self))
    self->heartbeat_timer = fs_timeout (self, MC_FIRESTORE_HEARTBEAT_MS, on_heartbeat_timer);
}

void
fs_presence_poll_list_now (FsSignaling *self)
{
  fs_op_cancel (self->participants_op);
  mc_signaling_clear_source (&self->participants_timer);
  self->participants_timer = fs_timeout (self, 0, on_participants_timer);
}

/* The Firestore back end's mail (see firestore_private.h): signals out as
 * inbox documents of the recipient, batched into one commit while another
 * is under way; our inbox polled, each message applied exactly once in seq
 * order (firestore_inbox.h) and deleted after. */
#include "firestore_private.h"
#include "meshcall/signal/firestore/firestore_sent.h"
#include "meshcall/base/json.h"
#include "meshcall/base/log.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_signal)

#define MAX_QUEUED 1024
#define MAX_BATCH 100
#define MAX_BATCH_BYTES (4 * 1024 * 1024)
#define INBOX_LIMIT 100
#define CLEAR_LIMIT 300
/* An offer or answer waits this long for the candidates gathered right
 * after it (loopback and host candidates come within milliseconds), so
 * that they travel in its commit: the other side applies them together. */
#define COALESCE_MS 10
/* After our offer, the inbox is read again this soon after each read ends,
 * until the answer is applied or ANSWER_WAIT_US have passed: the answer is
 * the joiner's critical path (docs/firestore.md, "Polling and cost"). */
#define ANSWER_POLL_MS 30
#define ANSWER_WAIT_US (2 * G_USEC_PER_SEC)
/* A departed participant's inbox: only its owner may read it, so each of
 * the others deletes what it sent there itself (disjoint sets: no two
 * participants delete the same message), by id. Only what went in the last
 * GONE_WINDOW_US (at most MC_FIRESTORE_SENT_RING) can be left: before that
 * the owner was live, reading and deleting (live: a heartbeat younger than
 * 15 s; the list shows a death within ~6 s more). The delay lets a commit
 * under way land, and the removal of a stale document first (the rules
 * allow the deletes once it is gone). */
#define GONE_WINDOW_US (30 * G_USEC_PER_SEC)
#define GONE_DELAY_MS 1000
#define GONE_JITTER_MS 1000
#define GONE_BATCH 20

static void flush (FsSignaling *self);
static void schedule_inbox (FsSignaling *self, guint ms);
static void handle_messages (FsSignaling *self, GPtrArray *docs);

static const char *
self_id (FsSignaling *self)
{
  return self->base.params.peer_id;
}

/* The id says who, for whom and which: a retried write finds it there. */
static char *
message_path (FsSignaling *self, const char *peer_id, const char *peer_session, gint64 seq)
{
  return g_strdup_printf ("%s/%s/inbox/%s-%s-%" G_GINT64_FORMAT, self->participants, peer_id, self->session,
                          peer_session, seq);
}

void
fs_queued_free (gpointer data)
{
  FsQueued *q = data;

  g_free (q->to);
  json_node_unref (q->signal);
  g_free (q);
}

static const char *
signal_type (JsonNode *signal)
{
  return signal && JSON_NODE_HOLDS_OBJECT (signal) ? mc_json_get_string (json_node_get_object (signal), "type") : NULL;
}

/* Some offer of ours still waits for its answer (expired waits go). */
static gboolean
awaiting_answer (FsSignaling *self)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer deadline;
  gboolean any = FALSE;

  g_hash_table_iter_init (&iter, self->awaiting);
  while (g_hash_table_iter_next (&iter, NULL, &deadline)) {
    if (*(gint64 *) deadline <= now)
      g_hash_table_iter_remove (&iter);
    else
      any = TRUE;
  }
  return any;
}

static guint
inbox_interval (FsSignaling *self)
{
  return awaiting_answer (self) ? ANSWER_POLL_MS : fs_poll_interval (self, self->cfg.inbox_poll_ms);
}

/* ---- the outbox ---------------------------------------------------------------------- */

static gboolean
on_flush_timer (gpointer data)
{
  FsSignaling *self = data;

  g_clear_pointer (&self->flush_timer, g_source_unref);
  flush (self);
  return G_SOURCE_REMOVE;
}

gboolean
fs_mail_send (FsSignaling *self, const char *to, JsonNode *signal, GError **error)
{
  const char *type = signal_type (signal);
  gboolean description = g_strcmp0 (type, "offer") == 0 || g_strcmp0 (type, "answer") == 0;
  FsQueued *q;

  if (g_queue_get_length (&self->queue) >= MAX_QUEUED) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER,
                 "cannot send a signal: %d signals are already waiting for Firestore", MAX_QUEUED);
    return FALSE;
  }
  q = g_new0 (FsQueued, 1);
  q->to = g_strdup (to);
  q->signal = json_node_copy (signal);
  g_queue_push_tail (&self->queue, q);
  fs_busy (self);
  if (g_strcmp0 (type, "offer") == 0) {
    gint64 *deadline = g_new (gint64, 1);
    *deadline = g_get_monotonic_time () + ANSWER_WAIT_US;
    g_hash_table_replace (self->awaiting, g_strdup (to), deadline);
  }
  /* Nothing under way: give its candidates a moment to join it. (With a
   * commit under way, the next batch takes them all anyway.) */
  if (description && self->send_op == NULL && self->flush_timer == NULL && fs_joined (self)) {
    self->flush_timer = fs_timeout (self, COALESCE_MS, on_flush_timer);
    return TRUE;
  }
  flush (self);
  return TRUE;
}

static gboolean
on_sent (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  g_autofree char *why = NULL;

  if (r->status == 409 || (r->status == 400 && fs_answer_is (r, "FAILED_PRECONDITION"))) {
    /* An earlier try of this very batch went through (a commit is atomic). */
    MC_INFO ("signaling %s: %u signals were already written", self_id (self), self->in_flight->len);
  } else if (r->status != 200) {
    why = fs_describe_status (r);
    mc_log_error ("Firestore refused %u of our signals (%s); they are dropped", self->in_flight->len, why);
  }
  g_ptr_array_set_size (self->in_flight, 0);
  /* Our offer is there now: look for the answer without the usual wait. */
  if (awaiting_answer (self) && self->inbox_op == NULL && self->delete_op == NULL)
    schedule_inbox (self, ANSWER_POLL_MS);
  flush (self);
  return TRUE;
}

/* The next batch: whatever queued while the previous commit was under way. */
static void
fill_batch (FsSignaling *self)
{
  gsize bytes = 0;
  FsQueued *q;

  while (self->in_flight->len < MAX_BATCH && bytes < MAX_BATCH_BYTES && (q = g_queue_pop_head (&self->queue))) {
    McFirestoreParticipant *p = g_hash_table_lookup (self->peers, q->to);
    g_autoptr (GError) error = NULL;
    g_autofree char *key = NULL, *doc = NULL;
    McFirestoreSent *sent;
    JsonNode *write;

    if (p == NULL) {
      MC_INFO ("signaling %s: dropping a signal for %s, who is not in the call", self_id (self), q->to);
      fs_queued_free (q);
      continue;
    }
    key = g_strconcat (p->peer_id, "/", p->session, NULL);
    sent = g_hash_table_lookup (self->seqs, key);
    if (sent == NULL) {
      sent = g_new0 (McFirestoreSent, 1);
      g_hash_table_insert (self->seqs, g_strdup (key), sent);
    }
    doc = message_path (self, p->peer_id, p->session, sent->seq + 1);
    write = mc_firestore_write_message (doc, self_id (self), self->session, sent->seq + 1, q->signal, &error);
    if (write == NULL) {
      MC_WARNING ("signaling %s: a signal for %s does not encode: %s", self_id (self), q->to, error->message);
    } else {
      mc_firestore_sent_next (sent, g_get_monotonic_time ());
      bytes += strlen (doc) + 256 + (q->signal ? 2 * 1024 : 0);
      g_ptr_array_add (self->in_flight, write);
    }
    fs_queued_free (q);
  }
}

static void
flush (FsSignaling *self)
{
  g_autofree char *what = NULL;

  if (!fs_joined (self) || self->send_op != NULL || self->flush_timer != NULL)
    return;
  if (self->in_flight->len == 0)
    fill_batch (self);
  if (self->in_flight->len == 0)
    return;
  what = g_strdup_printf ("sending %u signal%s", self->in_flight->len, self->in_flight->len == 1 ? "" : "s");
  fs_op_commit (self, &self->send_op, what, self->in_flight, FALSE, on_sent);
}

/* ---- senders we have not seen yet ------------------------------------------------------ */

static gboolean
on_fetched (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  const char *peer = op->data;
  gint64 read_time = 0;

  if (r->status != 200) {
    g_autofree char *why = fs_describe_status (r);
    MC_INFO ("signaling %s: reading %s's document: %s", self_id (self), peer, why);
  } else if (!mc_firestore_parse_batch_get (r->body, r->body_len, found, NULL, &read_time, retry)) {
    return FALSE;
  }
  g_hash_table_remove (self->fetch_ops, peer);
  if (found->len > 0) {
    g_autoptr (GError) error = NULL;
    McFirestoreParticipant *p = mc_firestore_participant_parse (found->pdata[0], self->participants, &error);
    if (p == NULL)
      MC_WARNING ("signaling %s: %s", self_id (self), error->message);
    fs_peer_seen (self, p, read_time);
  }
  /* Its held messages can go now: from the read that held them, without
   * reading the inbox again (a later read replaced it, or one is under way:
   * that one sees them). */
  if (self->inbox_op == NULL && self->delete_op == NULL) {
    g_autoptr (GPtrArray) held = g_steal_pointer (&self->held_docs);
    if (held != NULL)
      handle_messages (self, held);
    else
      schedule_inbox (self, 0);
  }
  return TRUE;
}

static void
fetch_sender (FsSignaling *self, const char *peer_id)
{
  g_autofree char *url = g_strconcat (self->docs, ":batchGet", NULL);
  g_autofree char *doc = g_strconcat (self->participants, "/", peer_id, NULL);
  g_autofree char *what = g_strdup_printf ("reading %s's participant document", peer_id);
  const char *docs[] = { doc, NULL };
  FsOp *op;

  if (g_hash_table_contains (self->fetch_ops, peer_id))
    return;
  op = fs_op_start (self, NULL, what, "POST", url, mc_firestore_batch_get_body (docs), FALSE, on_fetched);
  op->data = g_strdup (peer_id);
  op->data_free = g_free;
  g_hash_table_insert (self->fetch_ops, g_strdup (peer_id), op);
}

/* ---- the inbox ------------------------------------------------------------------------------- */

static gboolean
on_deleted (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  /* A failed delete is harmless: the next read drops what was applied. */
  if (r->status != 200) {
    g_autofree char *why = fs_describe_status (r);
    MC_INFO ("signaling %s: deleting inbox messages: %s", self_id (self), why);
  }
  if (self->clear_done != NULL) {
    void (*done) (FsSignaling *) = self->clear_done;
    self->clear_done = NULL;
    done (self);
    return TRUE;
  }
  schedule_inbox (self, inbox_interval (self));
  return TRUE;
}

static void
delete_messages (FsSignaling *self, GPtrArray *paths)
{
  g_autoptr (GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  for (guint i = 0; i < paths->len; i++)
    g_ptr_array_add (writes, mc_firestore_write_delete (paths->pdata[i]));
  /* Not retried: the next read finds what is left and drops it as applied. */
  fs_op_commit (self, &self->delete_op, "deleting inbox messages", writes, FALSE, on_deleted)->no_retry = TRUE;
}

static void
apply (FsSignaling *self, const McInboxAction *a)
{
  McFirestoreMessage *m = a->message;

  if (a->skipped > 0)
    mc_log_error ("%" G_GINT64_FORMAT " signal%s from %s never arrived within 3 s; going on without", a->skipped,
                  a->skipped == 1 ? "" : "s", m->from);
  MC_INFO ("signaling %s: inbox: applied from=%s session=%s seq=%" G_GINT64_FORMAT, self_id (self), m->from,
           m->session, m->seq);
  if (g_strcmp0 (signal_type (m->signal), "answer") == 0)
    g_hash_table_remove (self->awaiting, m->from);
  mc_signaling_emit_signal (&self->base, m->from, m->signal);
}

/* One read of our inbox, in the inbox rules' order. */
static void
handle_messages (FsSignaling *self, GPtrArray *docs)
{
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_firestore_message_free);
  g_autoptr (GPtrArray) deletes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) fetch = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) actions = g_array_new (FALSE, FALSE, sizeof (McInboxAction));
  gboolean applied = FALSE;

  for (guint i = 0; i < docs->len; i++) {
    g_autoptr (GError) error = NULL;
    McFirestoreMessage *m = mc_firestore_message_parse (docs->pdata[i], self->inbox, &error);
    const char *name = mc_json_get_string (json_node_get_object (docs->pdata[i]), "name");

    if (m != NULL) {
      g_ptr_array_add (messages, m);
    } else {
      /* Nothing can apply it: out of the way. */
      MC_WARNING ("signaling %s: dropping an inbox document: %s", self_id (self), error->message);
      if (name != NULL && g_str_has_prefix (name, self->inbox))
        g_ptr_array_add (deletes, g_strdup (name));
    }
  }
  mc_firestore_inbox_process (self->inbox_rules, messages, g_get_monotonic_time (), actions, fetch);
  for (guint i = 0; i < actions->len && mc_signaling_in_call (&self->base) && fs_joined (self); i++) {
    McInboxAction *a = &g_array_index (actions, McInboxAction, i);

    if (a->verdict == MC_INBOX_APPLY) {
      apply (self, a);
      applied = TRUE;
    } else if (a->verdict == MC_INBOX_DROP) {
      MC_INFO ("signaling %s: inbox: dropped from=%s session=%s seq=%" G_GINT64_FORMAT ": %s", self_id (self),
               a->message->from, a->message->session, a->message->seq, a->reason);
    } else {
      MC_DEBUG ("signaling %s: inbox: holding from=%s seq=%" G_GINT64_FORMAT ": %s", self_id (self),
                a->message->from, a->message->seq, a->reason);
      continue;
    }
    g_ptr_array_add (deletes, g_strdup (a->message->path));
  }
  if (!fs_joined (self) || !mc_signaling_in_call (&self->base))
    return;
  if (applied)
    fs_busy (self);
  g_clear_pointer (&self->held_docs, g_ptr_array_unref);
  if (fetch->len > 0)
    self->held_docs = g_ptr_array_ref (docs);
  for (guint i = 0; i < fetch->len; i++)
    fetch_sender (self, fetch->pdata[i]);
  if (deletes->len > 0)
    delete_messages (self, deletes);
  else
    schedule_inbox (self, inbox_interval (self));
}

static gboolean
on_inbox_read (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  g_autoptr (GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  gint64 read_time = 0;

  if (r->status != 200) {
    g_autofree char *why = fs_describe_status (r);
    MC_WARNING ("signaling %s: reading our inbox: %s", self_id (self), why);
    schedule_inbox (self, self->cfg.inbox_poll_ms);
    return TRUE;
  }
  if (!mc_firestore_parse_query (r->body, r->body_len, docs, &read_time, retry))
    return FALSE;
  handle_messages (self, docs);
  return TRUE;
}

static void
read_inbox (FsSignaling *self, guint limit, FsOpDone done)
{
  g_autofree char *url = g_strconcat (self->self_doc, ":runQuery", NULL);

  fs_op_start (self, &self->inbox_op, "the inbox poll", "POST", url, mc_firestore_query_body ("inbox", limit), FALSE,
               done);
}

static gboolean
on_inbox_timer (gpointer data)
{
  FsSignaling *self = data;

  g_clear_pointer (&self->inbox_timer, g_source_unref);
  if (fs_joined (self) && self->inbox_op == NULL && self->delete_op == NULL)
    read_inbox (self, INBOX_LIMIT, on_inbox_read);
  return G_SOURCE_REMOVE;
}

static void
schedule_inbox (FsSignaling *self, guint ms)
{
  mc_signaling_clear_source (&self->inbox_timer);
  if (fs_joined (self))
    self->inbox_timer = fs_timeout (self, ms, on_inbox_timer);
}

/* ---- start, stop, leave ------------------------------------------------------------------------ */

void
fs_mail_start (FsSignaling *self)
{
  schedule_inbox (self, 0);
  flush (self);
}

void
fs_mail_poll_now (FsSignaling *self)
{
  fs_op_cancel (self->inbox_op);   /* a read: safe to drop and make again */
  schedule_inbox (self, 0);
}

void
fs_mail_stop (FsSignaling *self)
{
  GHashTableIter iter;
  gpointer op;

  mc_signaling_clear_source (&self->inbox_timer);
  mc_signaling_clear_source (&self->flush_timer);
  mc_signaling_clear_source (&self->gone_timer);
  fs_op_cancel (self->gone_op);
  g_ptr_array_set_size (self->gone_paths, 0);
  g_clear_pointer (&self->held_docs, g_ptr_array_unref);
  g_hash_table_remove_all (self->awaiting);
  fs_op_cancel (self->inbox_op);
  fs_op_cancel (self->delete_op);
  fs_op_cancel (self->send_op);
  g_hash_table_iter_init (&iter, self->fetch_ops);
  while (g_hash_table_iter_next (&iter, NULL, &op))
    fs_op_cancel (op);
  g_hash_table_remove_all (self->fetch_ops);
}

void
fs_mail_reset (FsSignaling *self)
{
  g_queue_clear_full (&self->queue, fs_queued_free);
  g_ptr_array_set_size (self->in_flight, 0);
  g_hash_table_remove_all (self->seqs);
}

static gboolean
on_leftovers_read (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  g_autoptr (GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  gint64 read_time = 0;

  if (r->status == 200 && mc_firestore_parse_query (r->body, r->body_len, docs, &read_time, NULL)) {
    for (guint i = 0; i < docs->len; i++) {
      const char *name = mc_json_get_string (json_node_get_object (docs->pdata[i]), "name");
      if (name != NULL && g_str_has_prefix (name, self->inbox))
        g_ptr_array_add (paths, g_strdup (name));
    }
  }
  if (paths->len == 0) {
    void (*done) (FsSignaling *) = self->clear_done;
    self->clear_done = NULL;
    done (self);
    return TRUE;
  }
  delete_messages (self, paths);
  return TRUE;
}

void
fs_mail_clear_inbox (FsSignaling *self, void (*done) (FsSignaling *self))
{
  self->clear_done = done;
  read_inbox (self, CLEAR_LIMIT, on_leftovers_read);
}

/* ---- what we left in departed participants' inboxes ----------------------------------- */

static void gone_next (FsSignaling *self, guint ms);

static gboolean
on_gone_deleted (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  /* Refused (its document is back or not yet gone) or failed: the owner's
   * next session drops them, or a TTL policy does. */
  if (r->status != 200) {
    g_autofree char *why = fs_describe_status (r);
    MC_INFO ("signaling %s: deleting our messages in departed participants' inboxes: %s", self_id (self), why);
  }
  gone_next (self, 0);
  return TRUE;
}

static gboolean
on_gone_timer (gpointer data)
{
  FsSignaling *self = data;
  g_autoptr (GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  g_clear_pointer (&self->gone_timer, g_source_unref);
  for (guint i = 0; i < self->gone_paths->len && i < GONE_BATCH; i++)
    g_ptr_array_add (writes, mc_firestore_write_delete (self->gone_paths->pdata[i]));
  g_ptr_array_remove_range (self->gone_paths, 0, writes->len);
  if (writes->len > 0)
    fs_op_commit (self, &self->gone_op, "deleting our messages in a departed participant's inbox", writes, FALSE,
                  on_gone_deleted);
  return G_SOURCE_REMOVE;
}

static void
gone_next (FsSignaling *self, guint ms)
{
  if (self->gone_paths->len > 0 && self->gone_timer == NULL && self->gone_op == NULL && fs_joined (self))
    self->gone_timer = fs_timeout (self, ms, on_gone_timer);
}

void
fs_mail_peer_gone (FsSignaling *self, const char *peer_id, const char *session)
{
  g_autofree char *key = g_strconcat (peer_id, "/", session, NULL);
  McFirestoreSent *sent = g_hash_table_lookup (self->seqs, key);
  gint64 seqs[MC_FIRESTORE_SENT_RING];
  guint n = sent ? mc_firestore_sent_recent (sent, g_get_monotonic_time (), GONE_WINDOW_US, seqs) : 0;
  guint before = self->gone_paths->len;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->gone_paths, message_path (self, peer_id, session, seqs[i]));
  if (n == 0)
    return;
  MC_INFO ("signaling %s: %s left: deleting the %u message%s we sent it in its last %d s, in %.1f s or so",
           self_id (self), peer_id, self->gone_paths->len - before, self->gone_paths->len - before == 1 ? "" : "s",
           (int) (GONE_WINDOW_US / G_USEC_PER_SEC), GONE_DELAY_MS / 1000.0);
  gone_next (self, GONE_DELAY_MS + (guint) g_random_int_range (0, GONE_JITTER_MS + 1));
}

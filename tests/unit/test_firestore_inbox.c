/* The inbox rules (signal/firestore/firestore_inbox.h): seq order and
 * exactly once per (sender, session), gaps skipped after 3 s, leftovers of
 * our earlier sessions and stale sender sessions dropped, unknown senders
 * held and fetched for up to 20 s. And the other side of a departure
 * (firestore_sent.h): which of the messages we sent may still be in the
 * departed inbox. Pure: time is passed in. */
#include "meshcall/signal/firestore/firestore_inbox.h"
#include "meshcall/signal/firestore/firestore_sent.h"

#define S (G_USEC_PER_SEC)

typedef struct {
  McFirestoreInbox *inbox;
  GPtrArray *messages;   /* McFirestoreMessage* */
  GArray *actions;
  GPtrArray *fetch;
} Fixture;

static McFirestoreMessage *
message (const char *from, const char *session, gint64 seq, gint64 created_s)
{
  McFirestoreMessage *m = g_new0 (McFirestoreMessage, 1);

  m->from = g_strdup (from);
  m->session = g_strdup (session);
  m->seq = seq;
  m->created_at_us = created_s * S;
  m->id = g_strdup_printf ("%s-%s-%" G_GINT64_FORMAT, from, session, seq);
  m->path = g_strdup (m->id);
  m->signal = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (m->signal, json_object_new ());
  return m;
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->inbox = mc_firestore_inbox_new ();
  mc_firestore_inbox_reset (f->inbox, 100 * S);   /* we joined at t=100 s server time */
  mc_firestore_inbox_set_sender (f->inbox, "alice", "a1", 90 * S);
  f->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_firestore_message_free);
  f->actions = g_array_new (FALSE, FALSE, sizeof (McInboxAction));
  f->fetch = g_ptr_array_new_with_free_func (g_free);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_array_unref (f->actions);
  g_ptr_array_unref (f->messages);
  g_ptr_array_unref (f->fetch);
  mc_firestore_inbox_free (f->inbox);
}

/* Runs one poll over f->messages; returns "A1 D2 H3" (verdict, seq) in action order. */
static char *
poll (Fixture *f, gint64 now_us)
{
  GString *s = g_string_new (NULL);

  g_array_set_size (f->actions, 0);
  g_ptr_array_set_size (f->fetch, 0);
  mc_firestore_inbox_process (f->inbox, f->messages, now_us, f->actions, f->fetch);
  for (guint i = 0; i < f->actions->len; i++) {
    McInboxAction *a = &g_array_index (f->actions, McInboxAction, i);
    g_string_append_printf (s, "%s%c%" G_GINT64_FORMAT, s->len ? " " : "",
                            "ADH"[a->verdict], a->message->seq);
  }
  return g_string_free (s, FALSE);
}

/* What a poll after deleting applied and dropped messages reads. */
static void
delete_handled (Fixture *f)
{
  for (guint i = f->actions->len; i > 0; i--) {
    McInboxAction *a = &g_array_index (f->actions, McInboxAction, i - 1);
    if (a->verdict != MC_INBOX_HOLD)
      g_ptr_array_remove (f->messages, a->message);
  }
}

static void
test_order_and_once (Fixture *f, gconstpointer data)
{
  g_autofree char *first = NULL, *again = NULL;

  /* Out of order in one read: applied in seq order. */
  g_ptr_array_add (f->messages, message ("alice", "a1", 3, 101));
  g_ptr_array_add (f->messages, message ("alice", "a1", 1, 101));
  g_ptr_array_add (f->messages, message ("alice", "a1", 2, 101));
  first = poll (f, 1 * S);
  g_assert_cmpstr (first, ==, "A1 A2 A3");
  /* The deletes failed (or the poller restarted between read and delete):
   * the same messages again are dropped, never applied twice. */
  again = poll (f, 2 * S);
  g_assert_cmpstr (again, ==, "D1 D2 D3");
}

static void
test_gap (Fixture *f, gconstpointer data)
{
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

  g_ptr_array_add (f->messages, message ("alice", "a1", 1, 101));
  g_ptr_array_add (f->messages, message ("alice", "a1", 3, 101));
  g_ptr_array_add (f->messages, message ("alice", "a1", 4, 101));
  a = poll (f, 10 * S);
  g_assert_cmpstr (a, ==, "A1 H3 H4");
  delete_handled (f);
  b = poll (f, 12 * S);   /* 2 s into the gap: still held */
  g_assert_cmpstr (b, ==, "H3 H4");
  g_assert_cmpint (mc_firestore_inbox_get_deadline (f->inbox), ==, 13 * S);
  c = poll (f, 13 * S);   /* 3 s: seq 2 is skipped */
  g_assert_cmpstr (c, ==, "A3 A4");
  g_assert_cmpint (g_array_index (f->actions, McInboxAction, 0).skipped, ==, 1);
  g_assert_cmpint (g_array_index (f->actions, McInboxAction, 1).skipped, ==, 0);
  /* Seq 2 arriving late is too late. */
  g_ptr_array_set_size (f->messages, 0);
  g_ptr_array_add (f->messages, message ("alice", "a1", 2, 101));
  d = poll (f, 14 * S);
  g_assert_cmpstr (d, ==, "D2");
}

static void
test_gap_filled (Fixture *f, gconstpointer data)
{
  g_autofree char *a = NULL, *b = NULL;

  g_ptr_array_add (f->messages, message ("alice", "a1", 2, 101));
  a = poll (f, 10 * S);
  g_assert_cmpstr (a, ==, "H2");
  g_ptr_array_add (f->messages, message ("alice", "a1", 1, 101));
  b = poll (f, 11 * S);
  g_assert_cmpstr (b, ==, "A1 A2");
  g_assert_cmpint (mc_firestore_inbox_get_deadline (f->inbox), ==, 0);
}

static void
test_leftovers_and_stale (Fixture *f, gconstpointer data)
{
  g_autofree char *a = NULL;

  /* Before our own joinedAt (100 s): a previous session of ours. */
  g_ptr_array_add (f->messages, message ("alice", "a1", 1, 99));
  /* Alice's earlier session, written before her current one began (90 s). */
  g_ptr_array_add (f->messages, message ("alice", "a0", 1, 100));
  a = poll (f, 1 * S);
  /* The second is dropped because a0 was... created at 100 >= 90: a newer
   * session we have not seen would be held; see test_unknown_session. */
  g_assert_cmpuint (f->actions->len, ==, 2);
  g_assert_cmpint (g_array_index (f->actions, McInboxAction, 0).verdict, ==, MC_INBOX_DROP);
  g_assert_cmpstr (g_array_index (f->actions, McInboxAction, 0).reason, ==, "left over from an earlier session of ours");
}

static void
test_stale_session (Fixture *f, gconstpointer data)
{
  g_autofree char *a = NULL;

  mc_firestore_inbox_set_sender (f->inbox, "alice", "a2", 150 * S);
  g_ptr_array_add (f->messages, message ("alice", "a1", 1, 120));   /* before a2 began */
  a = poll (f, 1 * S);
  g_assert_cmpstr (a, ==, "D1");
  g_assert_cmpstr (g_array_index (f->actions, McInboxAction, 0).reason, ==,
                   "stale: from an earlier session of its sender");
}

static void
test_unknown_sender (Fixture *f, gconstpointer data)
{
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

  g_ptr_array_add (f->messages, message ("bob", "b1", 1, 105));
  a = poll (f, 1 * S);
  g_assert_cmpstr (a, ==, "H1");
  g_assert_cmpuint (f->fetch->len, ==, 1);
  g_assert_cmpstr (f->fetch->pdata[0], ==, "bob");
  b = poll (f, 1 * S + 100000);   /* no second fetch within half a second */
  g_assert_cmpstr (b, ==, "H1");
  g_assert_cmpuint (f->fetch->len, ==, 0);
  /* Bob's document came in: his message applies. */
  mc_firestore_inbox_set_sender (f->inbox, "bob", "b1", 104 * S);
  c = poll (f, 2 * S);
  g_assert_cmpstr (c, ==, "A1");
  /* Another never shows up: dropped after 20 s. */
  g_ptr_array_set_size (f->messages, 0);
  g_ptr_array_add (f->messages, message ("carol", "c1", 1, 105));
  g_free (poll (f, 3 * S));
  d = poll (f, 23 * S);
  g_assert_cmpstr (d, ==, "D1");
}

/* Alice's messages still in the inbox when her document goes (a delete that
 * failed, a candidate read late) are dropped, not held for 20 s; a new
 * session of hers is awaited as usual. */
static void
test_departed_sender (Fixture *f, gconstpointer data)
{
  g_autofree char *a = NULL, *b = NULL, *c = NULL;

  g_ptr_array_add (f->messages, message ("alice", "a1", 1, 101));
  a = poll (f, 1 * S);
  g_assert_cmpstr (a, ==, "A1");
  mc_firestore_inbox_set_sender (f->inbox, "alice", NULL, 0);
  g_ptr_array_add (f->messages, message ("alice", "a1", 2, 102));
  b = poll (f, 2 * S);
  g_assert_cmpstr (b, ==, "D1 D2");
  g_assert_cmpstr (g_array_index (f->actions, McInboxAction, 1).reason, ==, "its sender left the call");
  g_assert_cmpuint (f->fetch->len, ==, 0);
  g_ptr_array_set_size (f->messages, 0);
  g_ptr_array_add (f->messages, message ("alice", "a2", 1, 110));
  c = poll (f, 3 * S);
  g_assert_cmpstr (c, ==, "H1");
  g_assert_cmpuint (f->fetch->len, ==, 1);
}

static void
test_unknown_session (Fixture *f, gconstpointer data)
{
  g_autofree char *a = NULL, *b = NULL;

  /* Alice restarted (session a2, created after a1 began): held, fetched. */
  g_ptr_array_add (f->messages, message ("alice", "a2", 1, 130));
  a = poll (f, 1 * S);
  g_assert_cmpstr (a, ==, "H1");
  g_assert_cmpuint (f->fetch->len, ==, 1);
  mc_firestore_inbox_set_sender (f->inbox, "alice", "a2", 129 * S);
  b = poll (f, 2 * S);
  g_assert_cmpstr (b, ==, "A1");
}

static void
test_senders_independent (Fixture *f, gconstpointer data)
{
  g_autofree char *a = NULL;

  mc_firestore_inbox_set_sender (f->inbox, "bob", "b1", 95 * S);
  g_ptr_array_add (f->messages, message ("bob", "b1", 2, 101));
  g_ptr_array_add (f->messages, message ("alice", "a1", 1, 101));
  g_ptr_array_add (f->messages, message ("bob", "b1", 1, 101));
  a = poll (f, 1 * S);
  g_assert_cmpstr (a, ==, "A1 A1 A2");
}

static void
test_reset (Fixture *f, gconstpointer data)
{
  g_autofree char *a = NULL, *b = NULL;

  g_ptr_array_add (f->messages, message ("alice", "a1", 1, 101));
  a = poll (f, 1 * S);
  g_assert_cmpstr (a, ==, "A1");
  /* A new session of ours: old messages are leftovers, and seqs start over. */
  mc_firestore_inbox_reset (f->inbox, 200 * S);
  mc_firestore_inbox_set_sender (f->inbox, "alice", "a1", 90 * S);
  g_ptr_array_add (f->messages, message ("alice", "a1", 1, 201));
  b = poll (f, 2 * S);
  g_assert_cmpstr (b, ==, "D1 A1");
}

/* The seqs we sent within the window, newest first, at most the ring. */
static void
test_sent_recent (void)
{
  McFirestoreSent sent = { 0 };
  gint64 seqs[MC_FIRESTORE_SENT_RING];

  g_assert_cmpuint (mc_firestore_sent_recent (&sent, 100 * S, 30 * S, seqs), ==, 0);
  /* 1..3 at 10 s (read long ago), 4..5 at 80 s, 6 at 99 s. */
  for (int i = 0; i < 3; i++)
    g_assert_cmpint (mc_firestore_sent_next (&sent, 10 * S), ==, i + 1);
  mc_firestore_sent_next (&sent, 80 * S);
  mc_firestore_sent_next (&sent, 80 * S);
  g_assert_cmpint (mc_firestore_sent_next (&sent, 99 * S), ==, 6);
  g_assert_cmpuint (mc_firestore_sent_recent (&sent, 100 * S, 30 * S, seqs), ==, 3);
  g_assert_cmpint (seqs[0], ==, 6);
  g_assert_cmpint (seqs[1], ==, 5);
  g_assert_cmpint (seqs[2], ==, 4);
  /* Exactly at the window's edge: out. */
  g_assert_cmpuint (mc_firestore_sent_recent (&sent, 110 * S, 30 * S, seqs), ==, 1);
  g_assert_cmpuint (mc_firestore_sent_recent (&sent, 200 * S, 30 * S, seqs), ==, 0);
  /* A burst longer than the ring: only the newest RING, none twice. */
  for (int i = 0; i < 3 * MC_FIRESTORE_SENT_RING; i++)
    mc_firestore_sent_next (&sent, 150 * S + i);
  g_assert_cmpuint (mc_firestore_sent_recent (&sent, 160 * S, 30 * S, seqs), ==, MC_FIRESTORE_SENT_RING);
  g_assert_cmpint (seqs[0], ==, sent.seq);
  g_assert_cmpint (seqs[MC_FIRESTORE_SENT_RING - 1], ==, sent.seq - MC_FIRESTORE_SENT_RING + 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/firestore/inbox/order-and-once", test_order_and_once);
  ADD ("/firestore/inbox/gap", test_gap);
  ADD ("/firestore/inbox/gap-filled", test_gap_filled);
  ADD ("/firestore/inbox/leftovers", test_leftovers_and_stale);
  ADD ("/firestore/inbox/stale-session", test_stale_session);
  ADD ("/firestore/inbox/unknown-sender", test_unknown_sender);
  ADD ("/firestore/inbox/unknown-session", test_unknown_session);
  ADD ("/firestore/inbox/departed-sender", test_departed_sender);
  ADD ("/firestore/inbox/senders-independent", test_senders_independent);
  ADD ("/firestore/inbox/reset", test_reset);
  g_test_add_func ("/firestore/sent/recent", test_sent_recent);
  return g_test_run ();
}

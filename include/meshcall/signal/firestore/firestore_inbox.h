/* The inbox rules of docs/firestore.md as a pure decision module: given the
 * messages one poll of our inbox returned, which to apply now, which to
 * delete unapplied, which to leave for a later poll, and whose participant
 * document to fetch. It keeps, per (sender, sender session), the last seq
 * applied, so each message is applied exactly once however often it is read
 * (a delete that failed, a poll repeated), and the times a gap or an
 * unknown sender was first seen. Time is passed in (server timestamps for
 * createdAt/joinedAt, monotonic µs for the waits); it arms no timers.
 *
 *  - createdAt before our own joinedAt: a leftover of an earlier session of
 *    our peer id: drop.
 *  - a sender we do not know, or a session other than the one we know
 *    created after that session began: hold and fetch the sender's document,
 *    for up to 20 s; then drop.
 *  - from the session of a sender whose document went (it left, or its
 *    heartbeat went stale): drop.
 *  - a session other than the sender's current one, created before that one
 *    began: stale, drop.
 *  - per (sender, session), in seq order from 1: the next one is applied; a
 *    seq already applied is dropped; one past a gap is held until the gap
 *    fills, or for 3 s, after which the gap is skipped (and reported).
 *
 * Threading: none of its own; one owner. */
#pragma once

#include "meshcall/signal/firestore/firestore_doc.h"

G_BEGIN_DECLS

#define MC_INBOX_GAP_TIMEOUT_US (3 * G_USEC_PER_SEC)
#define MC_INBOX_HOLD_TIMEOUT_US (20 * G_USEC_PER_SEC)

typedef enum {
  MC_INBOX_APPLY,   /* apply, then delete */
  MC_INBOX_DROP,    /* delete unapplied (reason says why) */
  MC_INBOX_HOLD,    /* leave it: a later poll looks again */
} McInboxVerdict;

typedef struct {
  McInboxVerdict verdict;
  McFirestoreMessage *message;   /* borrowed from the caller's array */
  const char *reason;            /* DROP, HOLD: static text */
  gint64 skipped;                /* APPLY after a skipped gap: how many seqs were skipped, else 0 */
} McInboxAction;

typedef struct _McFirestoreInbox McFirestoreInbox;

McFirestoreInbox *mc_firestore_inbox_new (void);
void mc_firestore_inbox_free (McFirestoreInbox *inbox);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McFirestoreInbox, mc_firestore_inbox_free)

/* Our session began (a new join): forgets everything. */
void mc_firestore_inbox_reset (McFirestoreInbox *inbox, gint64 joined_at_us);
/* What we know of a sender: its current session and when it began (server
 * time); session NULL: its document is gone. */
void mc_firestore_inbox_set_sender (McFirestoreInbox *inbox, const char *peer_id, const char *session,
                                    gint64 joined_at_us);

/* messages: McFirestoreMessage*, in any order. Appends one McInboxAction
 * per message to actions (APPLY in the order to apply them), and to fetch
 * the peer ids whose documents to read (each once per call). */
void mc_firestore_inbox_process (McFirestoreInbox *inbox, GPtrArray *messages, gint64 now_us, GArray *actions,
                                 GPtrArray *fetch);
/* When a held message next needs a look (monotonic µs), or 0 for none. */
gint64 mc_firestore_inbox_get_deadline (McFirestoreInbox *inbox);

G_END_DECLS

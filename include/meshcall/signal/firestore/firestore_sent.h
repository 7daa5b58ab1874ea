/* What we sent one recipient session, as a pure module: the last seq
 * (numbering from 1 per recipient session, docs/firestore.md "Sending")
 * and when the latest ones went, so that when the recipient's document
 * goes, the seqs it may not have read are known (docs/firestore.md,
 * "Clean-up"): those sent within a window before the departure, newest
 * first, at most MC_FIRESTORE_SENT_RING. Time is passed in (monotonic µs).
 *
 * Threading: none of its own; one owner. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_FIRESTORE_SENT_RING 32

typedef struct {
  gint64 seq;                                /* the last one sent, 0: none yet */
  gint64 sent_us[MC_FIRESTORE_SENT_RING];    /* seq s went at sent_us[s % RING] */
} McFirestoreSent;

/* One more message: returns its seq (1, 2, ...). */
gint64 mc_firestore_sent_next (McFirestoreSent *sent, gint64 now_us);
/* The seqs sent after now_us - window_us, newest first, into seqs (room for
 * MC_FIRESTORE_SENT_RING); returns how many. */
guint mc_firestore_sent_recent (const McFirestoreSent *sent, gint64 now_us, gint64 window_us, gint64 *seqs);

G_END_DECLS

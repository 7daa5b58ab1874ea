/* What we sent one recipient session (see firestore_sent.h). */
#include "meshcall/signal/firestore/firestore_sent.h"

gint64
mc_firestore_sent_next (McFirestoreSent *sent, gint64 now_us)
{
  sent->seq++;
  sent->sent_us[sent->seq % MC_FIRESTORE_SENT_RING] = now_us;
  return sent->seq;
}

guint
mc_firestore_sent_recent (const McFirestoreSent *sent, gint64 now_us, gint64 window_us, gint64 *seqs)
{
  guint n = 0;

  /* Newest first; the first one older than the window ends it (older ones
   * went before it). */
  for (gint64 s = sent->seq; s >= 1 && n < MC_FIRESTORE_SENT_RING; s--) {
    if (sent->sent_us[s % MC_FIRESTORE_SENT_RING] <= now_us - window_us)
      break;
    seqs[n++] = s;
  }
  return n;
}

/* Failed authentication throttled per address (auth_throttle.h). */
#include "meshcall/server/auth_throttle.h"

#include <string.h>

typedef struct {
  guint failures;          /* in the current window */
  gint64 window_start;
  gint64 blocked_until;
  gint64 last_seen;
} Entry;

struct _McAuthThrottle {
  GHashTable *by_address;  /* char* -> Entry* */
  McAuthThrottleStats stats;
};

McAuthThrottle *
mc_auth_throttle_new (void)
{
  McAuthThrottle *t = g_new0 (McAuthThrottle, 1);

  t->by_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return t;
}

void
mc_auth_throttle_free (McAuthThrottle *t)
{
  if (t == NULL)
    return;
  g_hash_table_unref (t->by_address);
  g_free (t);
}

/* Room for one more: the entry idle longest goes (rarely: only when full). */
static void
make_room (McAuthThrottle *t)
{
  GHashTableIter it;
  gpointer key, value, oldest_key = NULL;
  gint64 oldest = G_MAXINT64;

  if (g_hash_table_size (t->by_address) < MC_AUTH_MAX_ADDRESSES)
    return;
  g_hash_table_iter_init (&it, t->by_address);
  while (g_hash_table_iter_next (&it, &key, &value)) {
    Entry *e = value;
    if (e->last_seen < oldest) {
      oldest = e->last_seen;
      oldest_key = key;
    }
  }
  if (oldest_key)
    g_hash_table_remove (t->by_address, oldest_key);
}

gboolean
mc_auth_throttle_allow (McAuthThrottle *t, const char *address, gint64 now_us, guint *retry_s)
{
  Entry *e = g_hash_table_lookup (t->by_address, address);

  if (e == NULL || now_us >= e->blocked_until)
    return TRUE;
  e->last_seen = now_us;
  t->stats.blocked++;
  if (retry_s)
    *retry_s = (guint) ((e->blocked_until - now_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  return FALSE;
}

guint
mc_auth_throttle_failed (McAuthThrottle *t, const char *address, gint64 now_us)
{
  Entry *e = g_hash_table_lookup (t->by_address, address);
  guint over, delay;

  t->stats.failures++;
  if (e == NULL) {
    make_room (t);
    e = g_new0 (Entry, 1);
    g_hash_table_insert (t->by_address, g_strdup (address), e);
  }
  if (e->failures == 0 || now_us - e->window_start > (gint64) MC_AUTH_WINDOW_S * G_USEC_PER_SEC) {
    e->failures = 0;
    e->window_start = now_us;
  }
  e->failures++;
  e->last_seen = now_us;
  if (e->failures >= MC_AUTH_BLOCK_AFTER) {
    e->blocked_until = now_us + (gint64) MC_AUTH_BLOCK_S * G_USEC_PER_SEC;
    e->failures = 0;
  }
  if (e->failures <= MC_AUTH_FREE_FAILURES && e->blocked_until <= now_us)
    return 0;
  over = e->blocked_until > now_us ? MC_AUTH_BLOCK_AFTER - MC_AUTH_FREE_FAILURES
                                   : e->failures - MC_AUTH_FREE_FAILURES;
  delay = MC_AUTH_FIRST_DELAY_MS << MIN (over - 1, 5u);
  t->stats.delayed++;
  return MIN (delay, MC_AUTH_MAX_DELAY_MS);
}

void
mc_auth_throttle_succeeded (McAuthThrottle *t, const char *address)
{
  /* Only ever called after mc_auth_throttle_allow said yes: not blocked. */
  g_hash_table_remove (t->by_address, address);
}

void
mc_auth_throttle_get_stats (McAuthThrottle *t, gint64 now_us, McAuthThrottleStats *stats)
{
  GHashTableIter it;
  gpointer value;

  *stats = t->stats;
  stats->blocked_now = 0;
  g_hash_table_iter_init (&it, t->by_address);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (((Entry *) value)->blocked_until > now_us)
      stats->blocked_now++;
}

char *
mc_auth_throttle_address_of (const char *remote)
{
  const char *colon = remote ? strrchr (remote, ':') : NULL;

  if (remote == NULL)
    return g_strdup ("?");
  if (remote[0] == '[') {
    const char *end = strchr (remote, ']');
    return end ? g_strndup (remote + 1, end - remote - 1) : g_strdup (remote);
  }
  /* "host:port": an IPv4 address or name has no other colon; "::1:port" keeps its own. */
  return colon ? g_strndup (remote, colon - remote) : g_strdup (remote);
}

/* The roster diff and re-join grace (signal/roster.h), as the Socket.IO
 * back end drives it: joins, re-joins after a server restart, peers coming
 * back within the grace or not, stale sessions, and repeated joins. */
#include "meshcall/signal/roster.h"

#include <string.h>

#define S (G_USEC_PER_SEC)
#define GRACE (8 * S)

/* The changes as one line: "+a(existing) +b -c". */
static char *
describe (GArray *changes)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < changes->len; i++) {
    McRosterChange *c = &g_array_index (changes, McRosterChange, i);
    if (s->len)
      g_string_append_c (s, ' ');
    if (c->kind == MC_ROSTER_JOINED)
      g_string_append_printf (s, "+%s%s", c->peer_id, c->existing ? "(existing)" : "");
    else
      g_string_append_printf (s, "-%s", c->peer_id);
  }
  g_array_set_size (changes, 0);
  return g_string_free (s, FALSE);
}

static void
snapshot (McRoster *r, const char *ids, gboolean rejoin, gboolean stale, gint64 now, GArray *changes)
{
  g_auto (GStrv) list = g_strsplit (ids, " ", -1);
  g_autoptr (GArray) entries = g_array_new (FALSE, FALSE, sizeof (McRosterEntry));

  for (guint i = 0; list[i]; i++) {
    McRosterEntry e = { list[i], list[i] };
    if (*list[i])
      g_array_append_val (entries, e);
  }
  mc_roster_snapshot (r, (McRosterEntry *) entries->data, entries->len, "me", rejoin, stale, now, changes);
}

#define EXPECT(changes, want)                     \
  G_STMT_START {                                  \
    g_autofree char *got_ = describe (changes);   \
    g_assert_cmpstr (got_, ==, want);             \
  } G_STMT_END

static void
test_first_join (void)
{
  g_autoptr (McRoster) r = mc_roster_new (GRACE);
  g_autoptr (GArray) c = mc_roster_changes_new ();

  snapshot (r, "a me b", FALSE, FALSE, 0, c);   /* ourselves are skipped */
  EXPECT (c, "+a(existing) +b(existing)");
  mc_roster_peer_joined (r, "c", "Carol", c);
  EXPECT (c, "+c");
  mc_roster_peer_left (r, "a", c);
  EXPECT (c, "-a");
  mc_roster_peer_left (r, "a", c);              /* not reported twice */
  EXPECT (c, "");
  mc_roster_peer_left (r, "zz", c);             /* never reported: nothing */
  EXPECT (c, "");
  g_assert_cmpuint (mc_roster_get_size (r), ==, 2);
  g_assert_cmpint (mc_roster_get_deadline (r), ==, 0);
}

/* After a server restart everyone re-joins one by one: a peer missing from
 * our re-join snapshot that comes back within the grace is never reported. */
static void
test_rejoin_grace (void)
{
  g_autoptr (McRoster) r = mc_roster_new (GRACE);
  g_autoptr (GArray) c = mc_roster_changes_new ();

  snapshot (r, "a b", FALSE, FALSE, 0, c);
  EXPECT (c, "+a(existing) +b(existing)");
  snapshot (r, "a", TRUE, FALSE, 10 * S, c);     /* b not back yet */
  EXPECT (c, "");
  g_assert_cmpint (mc_roster_get_deadline (r), ==, 10 * S + GRACE);
  g_assert_true (mc_roster_contains (r, "b"));   /* queued signals may still reach it */
  g_assert_cmpuint (mc_roster_get_size (r), ==, 1);
  mc_roster_expire (r, 10 * S + GRACE - 1, c);   /* not yet */
  EXPECT (c, "");
  mc_roster_peer_joined (r, "b", "b", c);        /* back: silently */
  EXPECT (c, "");
  g_assert_cmpint (mc_roster_get_deadline (r), ==, 0);
  mc_roster_expire (r, 100 * S, c);
  EXPECT (c, "");
  g_assert_cmpuint (mc_roster_get_size (r), ==, 2);
}

static void
test_rejoin_expire (void)
{
  g_autoptr (McRoster) r = mc_roster_new (GRACE);
  g_autoptr (GArray) c = mc_roster_changes_new ();

  snapshot (r, "a b c", FALSE, FALSE, 0, c);
  EXPECT (c, "+a(existing) +b(existing) +c(existing)");
  snapshot (r, "", TRUE, FALSE, 1 * S, c);
  EXPECT (c, "");
  /* a second re-join within the grace keeps the first deadline */
  snapshot (r, "c d", TRUE, FALSE, 5 * S, c);
  EXPECT (c, "+d(existing)");
  g_assert_cmpint (mc_roster_get_deadline (r), ==, 1 * S + GRACE);
  mc_roster_expire (r, 1 * S + GRACE, c);
  EXPECT (c, "-a -b");
  g_assert_false (mc_roster_contains (r, "a"));
  g_assert_true (mc_roster_contains (r, "c"));
  /* a peer that left within the grace is reported at once */
  snapshot (r, "c", TRUE, FALSE, 20 * S, c);
  EXPECT (c, "");
  mc_roster_peer_left (r, "d", c);
  EXPECT (c, "-d");
  g_assert_cmpint (mc_roster_get_deadline (r), ==, 0);
}

/* Our re-join met our own old session: everyone saw us leave and will offer
 * to us as a newcomer, so all are left, then the list is new and existing. */
static void
test_stale_session (void)
{
  g_autoptr (McRoster) r = mc_roster_new (GRACE);
  g_autoptr (GArray) c = mc_roster_changes_new ();

  snapshot (r, "b a", FALSE, FALSE, 0, c);
  EXPECT (c, "+b(existing) +a(existing)");
  snapshot (r, "a", TRUE, FALSE, 1 * S, c);     /* b within grace */
  EXPECT (c, "");
  snapshot (r, "a b", TRUE, TRUE, 2 * S, c);
  EXPECT (c, "-a -b +a(existing) +b(existing)");
  g_assert_cmpint (mc_roster_get_deadline (r), ==, 0);
}

/* The server reports a peer joining again without having said it left: a
 * new session of it, so the old connection goes and a new one comes. */
static void
test_rejoined_without_leaving (void)
{
  g_autoptr (McRoster) r = mc_roster_new (GRACE);
  g_autoptr (GArray) c = mc_roster_changes_new ();

  mc_roster_peer_joined (r, "a", "Ann", c);
  EXPECT (c, "+a");
  mc_roster_peer_joined (r, "a", "Ann 2", c);
  g_assert_cmpuint (c->len, ==, 2);
  g_assert_cmpstr (g_array_index (c, McRosterChange, 1).name, ==, "Ann 2");
  EXPECT (c, "-a +a");
  mc_roster_clear (r);
  g_assert_false (mc_roster_contains (r, "a"));
  mc_roster_peer_joined (r, "a", "Ann", c);
  EXPECT (c, "+a");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/roster/first-join", test_first_join);
  g_test_add_func ("/roster/rejoin-grace", test_rejoin_grace);
  g_test_add_func ("/roster/rejoin-expire", test_rejoin_expire);
  g_test_add_func ("/roster/stale-session", test_stale_session);
  g_test_add_func ("/roster/rejoined-without-leaving", test_rejoined_without_leaving);
  return g_test_run ();
}

/* Who is in the call, as a signaling back end reports it: the roster diff
 * and the re-join grace that every back end needs, as a pure state machine
 * (time is passed in; it arms no timers and calls nobody).
 *
 * A back end feeds it what its server says and reports the changes it
 * returns, in order, as peer_joined / peer_left events:
 *
 *  - the list of participants after (re-)joining (mc_roster_snapshot):
 *    peers not reported before are reported as joined with existing=TRUE
 *    (they were there first, so they offer). After a re-join, reported peers
 *    missing from the list are not reported as left at once: a restarted
 *    server sees everyone re-join one by one, so they get grace_us to come
 *    back (a later snapshot or peer_joined) before mc_roster_expire reports
 *    them as left;
 *  - after a re-join that met our own stale session (the server had kept it
 *    until it timed out, so everyone else saw us leave and will offer to us
 *    as a newcomer): every reported peer is reported as left first, then the
 *    list as existing peers;
 *  - a peer that joined (mc_roster_peer_joined): joined with existing=FALSE
 *    (we offer); one back within its grace is taken back silently; one we
 *    had reported, appearing again without having left, is reported as left
 *    and joined again (the server sees a new session of it);
 *  - a peer that left (mc_roster_peer_left): left, if reported. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_ROSTER_DEFAULT_GRACE_US (8 * G_USEC_PER_SEC)

typedef enum {
  MC_ROSTER_JOINED,
  MC_ROSTER_LEFT,
} McRosterChangeKind;

typedef struct {
  McRosterChangeKind kind;
  char *peer_id;
  char *name;          /* JOINED */
  gboolean existing;   /* JOINED: was in the call before us */
} McRosterChange;

/* An array of McRosterChange that frees its elements. */
GArray *mc_roster_changes_new (void);

typedef struct {
  const char *peer_id;
  const char *name;
} McRosterEntry;

typedef struct _McRoster McRoster;

McRoster *mc_roster_new (gint64 grace_us);
void mc_roster_free (McRoster *roster);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McRoster, mc_roster_free)

/* The participant list after a join (rejoin FALSE) or a re-join (rejoin
 * TRUE; stale_session: it met our own old session first). Entries with
 * self_id are skipped. Appends the changes to report to changes. */
void mc_roster_snapshot (McRoster *roster, const McRosterEntry *entries, guint n_entries, const char *self_id,
                         gboolean rejoin, gboolean stale_session, gint64 now_us, GArray *changes);
void mc_roster_peer_joined (McRoster *roster, const char *peer_id, const char *name, GArray *changes);
void mc_roster_peer_left (McRoster *roster, const char *peer_id, GArray *changes);
/* Peers whose grace ran out by now_us are reported as left. */
void mc_roster_expire (McRoster *roster, gint64 now_us, GArray *changes);
/* When mc_roster_expire has something to do next (monotonic µs), or 0. */
gint64 mc_roster_get_deadline (McRoster *roster);

/* Reported, or missing within grace: a peer a queued signal may still reach. */
gboolean mc_roster_contains (McRoster *roster, const char *peer_id);
guint mc_roster_get_size (McRoster *roster);   /* reported peers (not those within grace) */
/* Forgets everyone without reporting anything (we left). */
void mc_roster_clear (McRoster *roster);

G_END_DECLS

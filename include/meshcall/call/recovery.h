/* Staying connected to one peer: when a connection that worked stops
 * carrying media or fails, what to do and when. A pure decision module (no
 * GStreamer, no timers; time is passed in), unit-tested in
 * tests/unit/test_recovery.c; the call runs one per remote participant that
 * signaling lists and carries out what it decides (call.c).
 *
 *   media stops (the peer is DISCONNECTED) ──> INTERRUPTED
 *       The side that made the first offer (the offer rule) restarts ICE in
 *       place at once, which keeps the pipeline, the decoders and the tile.
 *       One restart is out at a time: another is made only after signaling
 *       re-joined (the first may have been lost with the old connection),
 *       after an answered one did not bring media back within 5 s, or after
 *       20 s without an answer (a frozen peer answers when it runs again);
 *       at most MC_RECOVERY_MAX_RESTARTS times, then the peer is rebuilt.
 *       The other side never restarts ICE itself: two restarts that cross
 *       (both sides cut off at once, each offer held up until the cable is
 *       back) would be glare, which webrtcbin 1.22 can only settle by a new
 *       peer (it cannot roll back). It waits for the offer side's restart
 *       and rebuilds only if media is still gone after 60 s (for when only
 *       its direction broke, or the offer side lost its state): sooner, a
 *       rebuild would replace a connection whose path comes back by
 *       itself when a cable is plugged in again after half a minute.
 *   the peer failed (ICE failed, DTLS closed, a new remote session), or the
 *   network address it used went away ──> REBUILDING
 *       a new peer (new webrtcbin) offers again after 1, 2, 4 ... 30 s on
 *       the offer side, 2x + 2 s on the other, for as long as signaling
 *       lists the peer.
 *   media flows again ──> IDLE (attempts reset)
 *
 * Nothing is attempted while signaling is down: a restart or an offer could
 * not get through, and media between connected peers needs no signaling;
 * once signaling is up again the next step is due at once. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_RECOVERY_MAX_RESTARTS 3                      /* in-place restarts per outage before a rebuild */
#define MC_RECOVERY_OTHER_SIDE_WAIT_US (60 * G_USEC_PER_SEC)  /* before the non-offering side rebuilds */
#define MC_RECOVERY_ANSWERED_GRACE_US (5 * G_USEC_PER_SEC)    /* an answered restart has to bring media in */
#define MC_RECOVERY_ANSWER_WAIT_US (20 * G_USEC_PER_SEC)      /* an unanswered restart is made again */

typedef enum {
  MC_RECOVERY_IDLE,         /* connected (or not yet): nothing to recover */
  MC_RECOVERY_INTERRUPTED,  /* media stopped: restarting ICE in place */
  MC_RECOVERY_REBUILDING,   /* failed: new peers with back-off */
} McRecoveryPhase;

typedef enum {
  MC_RECOVERY_NONE,         /* nothing now */
  MC_RECOVERY_RESTART_ICE,  /* restart ICE in place (mc_peer_restart_ice) */
  MC_RECOVERY_REBUILD,      /* tear the peer down and make a new one that offers */
} McRecoveryAction;

const char *mc_recovery_phase_to_string (McRecoveryPhase phase);
const char *mc_recovery_action_to_string (McRecoveryAction action);

typedef struct _McRecovery McRecovery;

/* offer_side: the offer rule named us (we made the first offer to this peer). */
McRecovery *mc_recovery_new (gboolean offer_side, gboolean signaling_up);
void mc_recovery_free (McRecovery *r);
/* The offer rule decided who offers (the first offer of ours sets it). */
void mc_recovery_set_offer_side (McRecovery *r, gboolean offer_side);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McRecovery, mc_recovery_free)

/* ---- what happened ---- */
void mc_recovery_media_stopped (McRecovery *r, gint64 now_us);
void mc_recovery_media_flowing (McRecovery *r, gint64 now_us);
void mc_recovery_failed (McRecovery *r, gint64 now_us);
/* The address our connection used is gone: in-place restarts cannot help
 * (libnice gathers once), the peer is rebuilt at once. */
void mc_recovery_path_lost (McRecovery *r, gint64 now_us);
/* Our restart offer got its answer / theirs was taken (and answered by us):
 * either way media gets time to come back. */
void mc_recovery_restart_answered (McRecovery *r, gint64 now_us);
void mc_recovery_remote_restarted (McRecovery *r, gint64 now_us);
/* Signaling joined (TRUE) or lost (FALSE). */
void mc_recovery_signaling (McRecovery *r, gboolean up, gint64 now_us);

/* What is due by now_us (and the schedule moves on), or MC_RECOVERY_NONE.
 * `restart_possible`: the peer can take a restart now (its negotiation is
 * stable); a restart that cannot be made waits for the next step. */
McRecoveryAction mc_recovery_poll (McRecovery *r, gint64 now_us, gboolean restart_possible);
/* When mc_recovery_poll has something to do next (monotonic µs), or 0. */
gint64 mc_recovery_get_deadline (const McRecovery *r);

McRecoveryPhase mc_recovery_get_phase (const McRecovery *r);
/* Restarts and rebuilds made in the current outage. */
guint mc_recovery_get_attempts (const McRecovery *r);
/* When the current outage began (0 = none). */
gint64 mc_recovery_get_since (const McRecovery *r);

G_END_DECLS

/* The recovery schedule (call/recovery.h) without a call: who restarts ICE
 * when, how a restart waits for its answer or a re-join, when restarts give
 * way to rebuilds, the rebuild back-off of each side, and that nothing is
 * attempted while signaling is down. Time is in seconds here. */
#include "meshcall/call/recovery.h"

#define S(x) ((gint64) ((x) * G_USEC_PER_SEC))

static McRecoveryAction
poll_at (McRecovery *r, double t)
{
  return mc_recovery_poll (r, S (t), TRUE);
}

/* The offer side restarts at once; its answer gives media 5 s to come;
 * media flowing ends the outage. */
static void
test_offer_side_restart (void)
{
  g_autoptr (McRecovery) r = mc_recovery_new (TRUE, TRUE);

  g_assert_cmpint (mc_recovery_get_phase (r), ==, MC_RECOVERY_IDLE);
  g_assert_cmpint (mc_recovery_get_deadline (r), ==, 0);
  g_assert_cmpint (poll_at (r, 1), ==, MC_RECOVERY_NONE);
  mc_recovery_media_stopped (r, S (10));
  g_assert_cmpint (mc_recovery_get_phase (r), ==, MC_RECOVERY_INTERRUPTED);
  g_assert_cmpint (mc_recovery_get_since (r), ==, S (10));
  g_assert_cmpint (mc_recovery_get_deadline (r), ==, S (10));
  g_assert_cmpint (poll_at (r, 10), ==, MC_RECOVERY_RESTART_ICE);
  g_assert_cmpuint (mc_recovery_get_attempts (r), ==, 1);
  /* One restart out at a time: the next look is when it is overdue. */
  g_assert_cmpint (poll_at (r, 10), ==, MC_RECOVERY_NONE);
  g_assert_cmpint (mc_recovery_get_deadline (r), ==, S (30));
  mc_recovery_restart_answered (r, S (10.2));
  g_assert_cmpint (mc_recovery_get_deadline (r), ==, S (15.2));
  g_assert_cmpint (poll_at (r, 15), ==, MC_RECOVERY_NONE);
  mc_recovery_media_flowing (r, S (10.5));
  g_assert_cmpint (mc_recovery_get_phase (r), ==, MC_RECOVERY_IDLE);
  g_assert_cmpint (mc_recovery_get_deadline (r), ==, 0);
  g_assert_cmpuint (mc_recovery_get_attempts (r), ==, 0);
  g_assert_cmpint (mc_recovery_get_since (r), ==, 0);
  g_assert_cmpint (poll_at (r, 16), ==, MC_RECOVERY_NONE);
}

/* The other side never restarts ICE (crossing restarts would be glare): it
 * waits 60 s for the offer side's restart, then rebuilds; a restart of
 * theirs that it took puts that off by another 60 s. */
static void
test_other_side_waits (void)
{
  g_autoptr (McRecovery) r = mc_recovery_new (FALSE, TRUE);

  mc_recovery_media_stopped (r, S (0));
  g_assert_cmpint (mc_recovery_get_deadline (r), ==, S (60));
  g_assert_cmpint (poll_at (r, 59.9), ==, MC_RECOVERY_NONE);
  g_assert_cmpint (poll_at (r, 60), ==, MC_RECOVERY_REBUILD);
  g_assert_cmpint (mc_recovery_get_phase (r), ==, MC_RECOVERY_REBUILDING);

  mc_recovery_media_flowing (r, S (65));
  mc_recovery_media_stopped (r, S (100));
  mc_recovery_remote_restarted (r, S (101));
  g_assert_cmpint (mc_recovery_get_deadline (r), ==, S (161));
  g_assert_cmpint (poll_at (r, 160), ==, MC_RECOVERY_NONE);
  g_assert_cmpint (poll_at (r, 161), ==, MC_RECOVERY_REBUILD);
}

/* Signaling down: nothing is due (no deadline, polls do nothing); back up,
 * the step that was due is taken at once. A restart sent before an outage
 * may be lost: after the re-join it is made again at once. */
static void
test_signaling_outage (void)
{
  g_autoptr (McRecovery) r = mc_recovery_new (TRUE, TRUE);

  mc_recovery_signaling (r, FALSE, S (0));
  mc_recovery_media_stopped (r, S (1));
  g_assert_cmpint (mc_recovery_get_deadline (r), ==, 0);
  g_assert_cmpint (poll_at (r, 2), ==, MC_RECOVERY_NONE);
  mc_recovery_signaling (r, TRUE, S (20));
  g_assert_cmpint (mc_recovery_get_deadline (r), ==, S (1));
  g_assert_cmpint (poll_at (r, 20), ==, MC_RECOVERY_RESTART_ICE);
  g_assert_cmpint (poll_at (r, 20.5), ==, MC_RECOVERY_NONE);   /* out, unanswered */

  mc_recovery_signaling (r, FALSE, S (21));
  mc_recovery_signaling (r, TRUE, S (25));
  g_assert_cmpint (mc_recovery_get_deadline (r), ==, S (25));
  g_assert_cmpint (poll_at (r, 25), ==, MC_RECOVERY_RESTART_ICE);
  g_assert_cmpuint (mc_recovery_get_attempts (r), ==, 2);
}

/* A restart that gets no answer is made again after 20 s; answered ones
 * that bring no media are made again after 5 s; after
 * MC_RECOVERY_MAX_RESTARTS the peer is rebuilt, and then the schedule waits
 * for the new peer to connect or fail. */
static void
test_restarts_then_rebuild (void)
{
  g_autoptr (McRecovery) r = mc_recovery_new (TRUE, TRUE);

  mc_recovery_media_stopped (r, S (0));
  g_assert_cmpint (poll_at (r, 0), ==, MC_RECOVERY_RESTART_ICE);
  g_assert_cmpint (poll_at (r, 19.9), ==, MC_RECOVERY_NONE);
  g_assert_cmpint (poll_at (r, 20), ==, MC_RECOVERY_RESTART_ICE);
  mc_recovery_restart_answered (r, S (21));
  g_assert_cmpint (poll_at (r, 26), ==, MC_RECOVERY_RESTART_ICE);
  g_assert_cmpuint (mc_recovery_get_attempts (r), ==, MC_RECOVERY_MAX_RESTARTS);
  mc_recovery_restart_answered (r, S (26.1));
  g_assert_cmpint (poll_at (r, 31.1), ==, MC_RECOVERY_REBUILD);
  g_assert_cmpint (mc_recovery_get_phase (r), ==, MC_RECOVERY_REBUILDING);
  g_assert_cmpint (mc_recovery_get_deadline (r), ==, 0);
  g_assert_cmpint (poll_at (r, 100), ==, MC_RECOVERY_NONE);
  /* Media stopping again on the new peer before it ever flowed changes nothing. */
  mc_recovery_media_stopped (r, S (101));
  g_assert_cmpint (mc_recovery_get_phase (r), ==, MC_RECOVERY_REBUILDING);
  g_assert_cmpint (mc_recovery_get_since (r), ==, S (0));
}

/* A restart that cannot be made now (a negotiation is under way) is looked
 * at again a second later, without counting as an attempt. */
static void
test_restart_not_possible (void)
{
  g_autoptr (McRecovery) r = mc_recovery_new (TRUE, TRUE);

  mc_recovery_media_stopped (r, S (0));
  g_assert_cmpint (mc_recovery_poll (r, S (0), FALSE), ==, MC_RECOVERY_NONE);
  g_assert_cmpuint (mc_recovery_get_attempts (r), ==, 0);
  g_assert_cmpint (mc_recovery_get_deadline (r), ==, S (1));
  g_assert_cmpint (mc_recovery_poll (r, S (1), TRUE), ==, MC_RECOVERY_RESTART_ICE);
}

/* A failed connection is rebuilt after 1, 2, 4 ... 30 s on the offer side,
 * after 4, 6, 10 ... s on the other. */
static void
test_rebuild_backoff (void)
{
  static const double offer[] = { 1, 2, 4, 8, 16, 30, 30 };
  static const double other[] = { 4, 6, 10, 18, 34, 62, 62 };   /* 2x + 2 s */

  for (int side = 0; side < 2; side++) {
    g_autoptr (McRecovery) r = mc_recovery_new (side == 0, TRUE);
    const double *delays = side == 0 ? offer : other;
    double t = 0;

    for (guint i = 0; i < G_N_ELEMENTS (offer); i++) {
      mc_recovery_failed (r, S (t));
      g_assert_cmpint (mc_recovery_get_phase (r), ==, MC_RECOVERY_REBUILDING);
      g_assert_cmpint (mc_recovery_get_deadline (r), ==, S (t + delays[i]));
      g_assert_cmpint (poll_at (r, t + delays[i] - 0.001), ==, MC_RECOVERY_NONE);
      g_assert_cmpint (poll_at (r, t + delays[i]), ==, MC_RECOVERY_REBUILD);
      t += delays[i] + 0.5;
    }
    g_assert_cmpint (mc_recovery_get_since (r), ==, S (0));   /* the first failure */
    g_assert_cmpuint (mc_recovery_get_attempts (r), ==, G_N_ELEMENTS (offer));
    mc_recovery_media_flowing (r, S (t));
    mc_recovery_failed (r, S (t));
    g_assert_cmpint (mc_recovery_get_deadline (r), ==, S (t + delays[0]));   /* back to the start */
  }
}

/* A vanished address: rebuilt at once, whichever side, even mid-restart. */
static void
test_path_lost (void)
{
  for (int side = 0; side < 2; side++) {
    g_autoptr (McRecovery) r = mc_recovery_new (side == 0, TRUE);

    mc_recovery_media_stopped (r, S (0));
    mc_recovery_path_lost (r, S (1));
    g_assert_cmpint (mc_recovery_get_phase (r), ==, MC_RECOVERY_REBUILDING);
    g_assert_cmpint (mc_recovery_get_since (r), ==, S (0));
    g_assert_cmpint (poll_at (r, 1), ==, MC_RECOVERY_REBUILD);
  }
}

static void
test_names (void)
{
  g_assert_cmpstr (mc_recovery_phase_to_string (MC_RECOVERY_INTERRUPTED), ==, "interrupted");
  g_assert_cmpstr (mc_recovery_phase_to_string (MC_RECOVERY_REBUILDING), ==, "rebuilding");
  g_assert_cmpstr (mc_recovery_action_to_string (MC_RECOVERY_RESTART_ICE), ==, "restart-ice");
  g_assert_cmpstr (mc_recovery_action_to_string (MC_RECOVERY_REBUILD), ==, "rebuild");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/recovery/offer-side-restart", test_offer_side_restart);
  g_test_add_func ("/recovery/other-side-waits", test_other_side_waits);
  g_test_add_func ("/recovery/signaling-outage", test_signaling_outage);
  g_test_add_func ("/recovery/restarts-then-rebuild", test_restarts_then_rebuild);
  g_test_add_func ("/recovery/restart-not-possible", test_restart_not_possible);
  g_test_add_func ("/recovery/rebuild-backoff", test_rebuild_backoff);
  g_test_add_func ("/recovery/path-lost", test_path_lost);
  g_test_add_func ("/recovery/names", test_names);
  return g_test_run ();
}

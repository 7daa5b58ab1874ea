/* Wrong tokens throttled per address (server/auth_throttle.h): free
 * failures, the growing delay, the block (no check at all while blocked),
 * the window, other addresses untouched, a success clearing, the address
 * labels. Time is in seconds here. */
#include "meshcall/server/auth_throttle.h"

#define S(x) ((gint64) ((x) * G_USEC_PER_SEC))

static void
test_schedule (void)
{
  g_autoptr (McAuthThrottle) t = mc_auth_throttle_new ();
  static const guint delays[] = { 0, 0, 0, 250, 500, 1000, 2000, 4000, 4000 };
  McAuthThrottleStats st;
  guint retry = 0;

  for (guint i = 0; i < G_N_ELEMENTS (delays); i++) {
    g_assert_true (mc_auth_throttle_allow (t, "10.0.0.9", S (i), NULL));
    g_assert_cmpuint (mc_auth_throttle_failed (t, "10.0.0.9", S (i)), ==, delays[i]);
  }
  /* The 10th failure in the window blocks the address for a minute. */
  g_assert_true (mc_auth_throttle_allow (t, "10.0.0.9", S (9), NULL));
  g_assert_cmpuint (mc_auth_throttle_failed (t, "10.0.0.9", S (9)), ==, 4000);
  g_assert_false (mc_auth_throttle_allow (t, "10.0.0.9", S (10), &retry));
  g_assert_cmpuint (retry, ==, 59);
  g_assert_false (mc_auth_throttle_allow (t, "10.0.0.9", S (68.5), &retry));
  g_assert_cmpuint (retry, ==, 1);
  /* Nobody else is slowed meanwhile. */
  g_assert_true (mc_auth_throttle_allow (t, "10.0.0.10", S (11), NULL));
  g_assert_cmpuint (mc_auth_throttle_failed (t, "10.0.0.10", S (11)), ==, 0);
  mc_auth_throttle_get_stats (t, S (12), &st);
  g_assert_cmpuint (st.failures, ==, 11);
  g_assert_cmpuint (st.delayed, ==, 7);
  g_assert_cmpuint (st.blocked, ==, 2);
  g_assert_cmpuint (st.blocked_now, ==, 1);
  /* After the block, it may try again (a new window, a few free ones). */
  g_assert_true (mc_auth_throttle_allow (t, "10.0.0.9", S (69), NULL));
  g_assert_cmpuint (mc_auth_throttle_failed (t, "10.0.0.9", S (69)), ==, 0);
  mc_auth_throttle_get_stats (t, S (69), &st);
  g_assert_cmpuint (st.blocked_now, ==, 0);
}

static void
test_window_and_success (void)
{
  g_autoptr (McAuthThrottle) t = mc_auth_throttle_new ();

  for (int i = 0; i < 5; i++)
    mc_auth_throttle_failed (t, "a", S (i));
  /* Past the window: forgotten. */
  g_assert_cmpuint (mc_auth_throttle_failed (t, "a", S (70)), ==, 0);
  for (int i = 0; i < 4; i++)
    mc_auth_throttle_failed (t, "a", S (71));
  g_assert_cmpuint (mc_auth_throttle_failed (t, "a", S (71)), >, 0);
  /* The right token clears the address. */
  mc_auth_throttle_succeeded (t, "a");
  g_assert_cmpuint (mc_auth_throttle_failed (t, "a", S (72)), ==, 0);
}

static void
test_bounded (void)
{
  g_autoptr (McAuthThrottle) t = mc_auth_throttle_new ();
  McAuthThrottleStats st;

  for (guint i = 0; i < MC_AUTH_MAX_ADDRESSES + 100; i++) {
    g_autofree char *a = g_strdup_printf ("addr-%u", i);
    mc_auth_throttle_failed (t, a, S (i) / 1000);
  }
  /* A block survives the churn when it is not the oldest entry. */
  for (int i = 0; i < 10; i++)
    mc_auth_throttle_failed (t, "attacker", S (5));
  for (guint i = 0; i < 50; i++) {
    g_autofree char *a = g_strdup_printf ("later-%u", i);
    mc_auth_throttle_failed (t, a, S (6));
  }
  g_assert_false (mc_auth_throttle_allow (t, "attacker", S (7), NULL));
  mc_auth_throttle_get_stats (t, S (7), &st);
  g_assert_cmpuint (st.blocked_now, ==, 1);
}

static void
test_address_of (void)
{
  static const char *const cases[][2] = {
    { "10.0.0.7:51234", "10.0.0.7" }, { "::1:51234", "::1" }, { "[fe80::1]:80", "fe80::1" },
    { "host", "host" }, { "fe80::2%eth0:5000", "fe80::2%eth0" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *a = mc_auth_throttle_address_of (cases[i][0]);
    g_assert_cmpstr (a, ==, cases[i][1]);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/auth-throttle/schedule", test_schedule);
  g_test_add_func ("/auth-throttle/window-and-success", test_window_and_success);
  g_test_add_func ("/auth-throttle/bounded", test_bounded);
  g_test_add_func ("/auth-throttle/address-of", test_address_of);
  return g_test_run ();
}

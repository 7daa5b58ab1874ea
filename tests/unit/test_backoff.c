/* The retry schedule (base/backoff.h): socket.io-client's numbers, the
 * jitter in both directions, the cap, and the plain doubling without jitter. */
#include "meshcall/base/backoff.h"

static void
test_socketio_schedule (void)
{
  const McBackoff b = { 1000, 5000, 0.5 };

  /* r = 0: the first decimal digit is 0 (even), deviation 0. */
  g_assert_cmpuint (mc_backoff_delay_ms (&b, 0, 0.0), ==, 1000);
  g_assert_cmpuint (mc_backoff_delay_ms (&b, 1, 0.0), ==, 2000);
  g_assert_cmpuint (mc_backoff_delay_ms (&b, 2, 0.0), ==, 4000);
  g_assert_cmpuint (mc_backoff_delay_ms (&b, 3, 0.0), ==, 5000);     /* capped */
  g_assert_cmpuint (mc_backoff_delay_ms (&b, 1000, 0.0), ==, 5000);  /* huge attempt: still capped, no overflow */
  /* r = 0.8 (even digit 8): down by floor(0.8 * 0.5 * 1000) = 400. */
  g_assert_cmpuint (mc_backoff_delay_ms (&b, 0, 0.8), ==, 600);
  /* r = 0.9 (odd digit 9): up by 450. */
  g_assert_cmpuint (mc_backoff_delay_ms (&b, 0, 0.9), ==, 1450);
  g_assert_cmpuint (mc_backoff_delay_ms (&b, 1, 0.9), ==, 2900);
  g_assert_cmpuint (mc_backoff_delay_ms (&b, 2, 0.9), ==, 5000);     /* 5800 capped */
}

/* Every draw stays within +-jitter of the doubling and under the cap. */
static void
test_bounds (void)
{
  const McBackoff b = { 1000, 5000, 0.5 };

  for (guint attempt = 0; attempt < 8; attempt++) {
    double base = 1000.0 * (1u << attempt);
    for (int i = 0; i < 1000; i++) {
      guint d = mc_backoff_delay_ms (&b, attempt, g_random_double ());
      g_assert_cmpuint (d, <=, 5000);
      g_assert_cmpfloat (d, >=, MIN (base * 0.5, 5000.0) - 1);
      g_assert_cmpfloat (d, <=, base * 1.5);
    }
  }
}

static void
test_no_jitter (void)
{
  const McBackoff b = { 1000, 30000, 0 };
  const guint want[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000 };

  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpuint (mc_backoff_delay_ms (&b, i, g_random_double ()), ==, want[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backoff/socketio", test_socketio_schedule);
  g_test_add_func ("/backoff/bounds", test_bounds);
  g_test_add_func ("/backoff/no-jitter", test_no_jitter);
  return g_test_run ();
}

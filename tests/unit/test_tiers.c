/* Encoder tiers (adapt/tiers.h): grouping by estimates, the hysteresis that
 * keeps peers where they are, at most three tiers, and the resolution and
 * frame rate ladder. Time is in seconds here. */
#include "meshcall/adapt/tiers.h"

#define S(x) ((gint64) ((x) * G_USEC_PER_SEC))
#define K(x) ((guint) ((x) * 1000))

static const McTierFormat vga = { 640, 480, 30 };

static void
assert_format (const McTier *tier, guint w, guint h, guint fps)
{
  g_assert_cmpuint (tier->format.width, ==, w);
  g_assert_cmpuint (tier->format.height, ==, h);
  g_assert_cmpuint (tier->format.fps, ==, fps);
}

/* A healthy 6-party call: everyone in one tier, one encoder. */
static void
test_healthy_call_one_tier (void)
{
  g_autoptr (McTiers) t = mc_tiers_new (&vga, 3);
  const guint est[] = { 1900, 1800, 2000, 1500, 1700 };

  for (guint i = 0; i < G_N_ELEMENTS (est); i++) {
    g_autofree char *id = g_strdup_printf ("p%u", i);
    mc_tiers_set_estimate (t, id, K (est[i]));
  }
  g_assert_cmpint (mc_tiers_get_peer_tier (t, "p0"), ==, -1);   /* not planned yet */
  g_assert_true (mc_tiers_update (t, S (0)));
  g_assert_cmpuint (mc_tiers_get_n_tiers (t), ==, 1);
  const McTier *tier = mc_tiers_get_tier (t, 0);
  g_assert_cmpuint (tier->bitrate_bps, ==, K (1500));   /* the lowest */
  g_assert_cmpuint (tier->n_peers, ==, 5);
  g_assert_cmpuint (tier->rung, ==, 0);
  assert_format (tier, 640, 480, 30);
  /* Nothing moved: nothing changed. */
  g_assert_false (mc_tiers_update (t, S (0.2)));
  g_assert_cmpint (mc_tiers_get_peer_tier (t, "nobody"), ==, -1);
}

/* A slow peer gets its own tier (after the hold) and does not drag the
 * others down; four levels of estimates make three tiers, the slowest two
 * together. */
static void
test_slow_peer_split (void)
{
  g_autoptr (McTiers) t = mc_tiers_new (&vga, 3);

  mc_tiers_set_estimate (t, "a", K (1500));
  mc_tiers_set_estimate (t, "b", K (1400));
  mc_tiers_set_estimate (t, "c", K (1450));
  mc_tiers_update (t, S (0));
  g_assert_cmpuint (mc_tiers_get_n_tiers (t), ==, 1);
  /* c falls to 500 kbit/s (a capped uplink). */
  mc_tiers_set_estimate (t, "c", K (500));
  g_assert_true (mc_tiers_update (t, S (1)));   /* the tier follows c down at once */
  g_assert_cmpuint (mc_tiers_get_n_tiers (t), ==, 1);
  g_assert_cmpuint (mc_tiers_get_tier (t, 0)->bitrate_bps, ==, K (500));
  g_assert_false (mc_tiers_update (t, S (1.5)));
  g_assert_true (mc_tiers_update (t, S (2)));   /* bad for 1 s: re-planned */
  g_assert_cmpuint (mc_tiers_get_n_tiers (t), ==, 2);
  g_assert_cmpint (mc_tiers_get_peer_tier (t, "a"), ==, 0);
  g_assert_cmpint (mc_tiers_get_peer_tier (t, "b"), ==, 0);
  g_assert_cmpint (mc_tiers_get_peer_tier (t, "c"), ==, 1);
  g_assert_cmpuint (mc_tiers_get_tier (t, 0)->bitrate_bps, ==, K (1400));
  g_assert_cmpuint (mc_tiers_get_tier (t, 1)->bitrate_bps, ==, K (500));

  /* Four levels, three tiers at most: the last takes the rest. */
  mc_tiers_set_estimate (t, "d", K (250));
  mc_tiers_set_estimate (t, "e", K (900));
  g_assert_true (mc_tiers_update (t, S (3)));   /* new peers: planned at once */
  g_assert_cmpuint (mc_tiers_get_n_tiers (t), ==, 3);
  g_assert_cmpint (mc_tiers_get_peer_tier (t, "e"), ==, 1);
  g_assert_cmpint (mc_tiers_get_peer_tier (t, "c"), ==, 2);
  g_assert_cmpint (mc_tiers_get_peer_tier (t, "d"), ==, 2);
  g_assert_cmpuint (mc_tiers_get_tier (t, 2)->bitrate_bps, ==, K (250));
  g_assert_cmpuint (mc_tiers_get_tier (t, 2)->n_peers, ==, 2);

  /* A departure re-plans at once. */
  mc_tiers_remove (t, "d");
  mc_tiers_remove (t, "nobody");
  g_assert_true (mc_tiers_update (t, S (3.1)));
  g_assert_cmpuint (mc_tiers_get_tier (t, 2)->bitrate_bps, ==, K (500));
  g_assert_cmpint (mc_tiers_get_peer_tier (t, "d"), ==, -1);
}

/* Two peers oscillating around a tier boundary move nobody, and one noisy
 * estimate shorter than the hold moves nobody either. */
static void
test_oscillation_around_boundary (void)
{
  g_autoptr (McTiers) t = mc_tiers_new (&vga, 3);

  mc_tiers_set_estimate (t, "a", K (1000));
  mc_tiers_set_estimate (t, "b", K (650));   /* below 0.7 x 1000 */
  mc_tiers_set_estimate (t, "c", K (660));
  mc_tiers_update (t, S (0));
  g_assert_cmpuint (mc_tiers_get_n_tiers (t), ==, 2);
  for (int i = 1; i <= 60; i++) {
    /* b and c swing 620..780, across the 700 where the ideal plan would
     * merge them with a; out of phase with each other. */
    mc_tiers_set_estimate (t, "b", K (i % 2 ? 780 : 620));
    mc_tiers_set_estimate (t, "c", K (i % 2 ? 620 : 780));
    mc_tiers_update (t, S (i * 0.25));
    g_assert_cmpint (mc_tiers_get_peer_tier (t, "a"), ==, 0);
    g_assert_cmpint (mc_tiers_get_peer_tier (t, "b"), ==, 1);
    g_assert_cmpint (mc_tiers_get_peer_tier (t, "c"), ==, 1);
  }
  /* In one tier, a swing that dips under STAY for less than the hold. */
  g_autoptr (McTiers) u = mc_tiers_new (&vga, 3);
  mc_tiers_set_estimate (u, "a", K (1000));
  mc_tiers_set_estimate (u, "b", K (900));
  mc_tiers_update (u, S (0));
  mc_tiers_set_estimate (u, "b", K (400));
  mc_tiers_update (u, S (1));
  mc_tiers_set_estimate (u, "b", K (850));
  mc_tiers_update (u, S (1.8));
  mc_tiers_set_estimate (u, "b", K (400));
  mc_tiers_update (u, S (2.1));
  mc_tiers_set_estimate (u, "b", K (900));
  mc_tiers_update (u, S (3.5));
  g_assert_cmpuint (mc_tiers_get_n_tiers (u), ==, 1);
  /* Tiers that came close merge (after the hold). */
  mc_tiers_set_estimate (t, "b", K (900));
  mc_tiers_set_estimate (t, "c", K (880));
  mc_tiers_update (t, S (20));
  g_assert_cmpuint (mc_tiers_get_n_tiers (t), ==, 2);
  mc_tiers_update (t, S (21));
  g_assert_cmpuint (mc_tiers_get_n_tiers (t), ==, 1);
  g_assert_cmpuint (mc_tiers_get_tier (t, 0)->bitrate_bps, ==, K (880));
}

/* The ladder: down at once below 0.05 bit per pixel, up after 3 s at 1.3 x
 * the floor of the rung above. */
static void
test_ladder (void)
{
  g_autoptr (McTiers) t = mc_tiers_new (&vga, 1);
  McTierFormat f = mc_tiers_rung_format (&vga, 1);

  g_assert_cmpuint (f.width, ==, 480);
  g_assert_cmpuint (f.height, ==, 360);
  g_assert_cmpuint (f.fps, ==, 30);
  f = mc_tiers_rung_format (&vga, 2);
  g_assert_cmpuint (f.width, ==, 320);
  g_assert_cmpuint (f.height, ==, 240);
  g_assert_cmpuint (f.fps, ==, 15);
  g_assert_cmpuint (mc_tiers_rung_floor (&vga, 0), ==, 460800);
  g_assert_cmpuint (mc_tiers_rung_floor (&vga, 1), ==, 259200);
  g_assert_cmpuint (mc_tiers_rung_floor (&vga, 2), ==, 0);

  mc_tiers_set_estimate (t, "a", K (1000));
  mc_tiers_update (t, S (0));
  assert_format (mc_tiers_get_tier (t, 0), 640, 480, 30);
  mc_tiers_set_estimate (t, "a", K (400));
  g_assert_true (mc_tiers_update (t, S (1)));
  assert_format (mc_tiers_get_tier (t, 0), 480, 360, 30);
  mc_tiers_set_estimate (t, "a", K (150));
  mc_tiers_update (t, S (2));
  g_assert_cmpuint (mc_tiers_get_tier (t, 0)->rung, ==, 2);
  assert_format (mc_tiers_get_tier (t, 0), 320, 240, 15);
  /* Enough for rung 1 but not 1.3 x its floor: stays. */
  mc_tiers_set_estimate (t, "a", K (300));
  mc_tiers_update (t, S (3));
  mc_tiers_update (t, S (10));
  g_assert_cmpuint (mc_tiers_get_tier (t, 0)->rung, ==, 2);
  /* 1.3 x: up after 3 s, one rung at a time. */
  mc_tiers_set_estimate (t, "a", K (700));
  mc_tiers_update (t, S (11));
  mc_tiers_update (t, S (13.9));
  g_assert_cmpuint (mc_tiers_get_tier (t, 0)->rung, ==, 2);
  g_assert_true (mc_tiers_update (t, S (14)));
  g_assert_cmpuint (mc_tiers_get_tier (t, 0)->rung, ==, 1);
  mc_tiers_update (t, S (15));
  g_assert_cmpuint (mc_tiers_get_tier (t, 0)->rung, ==, 1);   /* just stepped up: the next rung waits its own 3 s */
  mc_tiers_set_estimate (t, "a", K (1000));
  mc_tiers_update (t, S (16));
  mc_tiers_update (t, S (19));
  g_assert_cmpuint (mc_tiers_get_tier (t, 0)->rung, ==, 0);
  /* A new tier starts on the rung its bitrate fits. */
  g_autoptr (McTiers) u = mc_tiers_new (&vga, 3);
  mc_tiers_set_estimate (u, "a", K (1200));
  mc_tiers_set_estimate (u, "b", K (200));
  mc_tiers_update (u, S (0));
  g_assert_cmpuint (mc_tiers_get_tier (u, 0)->rung, ==, 0);
  g_assert_cmpuint (mc_tiers_get_tier (u, 1)->rung, ==, 2);
}

/* With one tier allowed (one encoder for all), everyone shares it. */
static void
test_single_tier (void)
{
  g_autoptr (McTiers) t = mc_tiers_new (&vga, 0);   /* clamped to 1 */

  mc_tiers_set_estimate (t, "a", K (2000));
  mc_tiers_set_estimate (t, "b", K (300));
  mc_tiers_update (t, S (0));
  g_assert_cmpuint (mc_tiers_get_n_tiers (t), ==, 1);
  g_assert_cmpuint (mc_tiers_get_tier (t, 0)->bitrate_bps, ==, K (300));
  mc_tiers_update (t, S (5));
  g_assert_cmpuint (mc_tiers_get_n_tiers (t), ==, 1);
  mc_tiers_remove (t, "a");
  mc_tiers_remove (t, "b");
  g_assert_true (mc_tiers_update (t, S (6)));
  g_assert_cmpuint (mc_tiers_get_n_tiers (t), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tiers/healthy-call-one-tier", test_healthy_call_one_tier);
  g_test_add_func ("/tiers/slow-peer-split", test_slow_peer_split);
  g_test_add_func ("/tiers/oscillation-around-boundary", test_oscillation_around_boundary);
  g_test_add_func ("/tiers/ladder", test_ladder);
  g_test_add_func ("/tiers/single-tier", test_single_tier);
  return g_test_run ();
}

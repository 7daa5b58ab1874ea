/* Unit tests for active-speaker detection (speaker.c). Levels arrive every
 * 100 ms as GStreamer's level element posts them by default. */
#include "meshcall/base/log.h"
#include "meshcall/render/speaker.h"

#include <math.h>

#define MS G_TIME_SPAN_MILLISECOND
#define LOUD (-20.0)
#define QUIET (-70.0)

/* Feeds `id` with `db` every 100 ms over [from, to) and the others with
 * silence; returns the time after the last reading. */
static gint64
feed (McSpeaker *sp, const char *const *ids, const double *dbs, gint64 from, gint64 to)
{
  gint64 t;

  for (t = from; t < to; t += 100 * MS)
    for (guint i = 0; ids[i]; i++)
      mc_speaker_update (sp, ids[i], dbs[i], t);
  return t;
}

static void
test_single_speaker (void)
{
  g_autoptr (McSpeaker) sp = mc_speaker_new (NULL);

  g_assert_null (mc_speaker_get_active (sp));
  g_assert_false (mc_speaker_update (sp, "a", LOUD, 0));
  g_assert_false (mc_speaker_update (sp, "a", LOUD, 100 * MS));
  g_assert_null (mc_speaker_get_active (sp));  /* not yet min_speech */
  g_assert_false (mc_speaker_update (sp, "a", LOUD, 200 * MS));
  g_assert_true (mc_speaker_update (sp, "a", LOUD, 300 * MS));
  g_assert_cmpstr (mc_speaker_get_active (sp), ==, "a");
}

static void
test_blip_ignored (void)
{
  g_autoptr (McSpeaker) sp = mc_speaker_new (NULL);
  const char *ids[] = { "a", NULL };
  double loud[] = { LOUD }, quiet[] = { QUIET };
  gint64 t;

  t = feed (sp, ids, loud, 0, 200 * MS);          /* a cough: 2 readings */
  t = feed (sp, ids, quiet, t, t + 2 * G_TIME_SPAN_SECOND);
  g_assert_null (mc_speaker_get_active (sp));
}

static void
test_hold_off_and_takeover (void)
{
  g_autoptr (McSpeaker) sp = mc_speaker_new (NULL);
  const char *ids[] = { "a", "b", NULL };
  double a_only[] = { LOUD, QUIET };
  double both_b_louder[] = { -30.0, -10.0 };
  double both_b_slightly[] = { -20.0, -19.0 };
  gint64 t;

  t = feed (sp, ids, a_only, 0, 500 * MS);
  g_assert_cmpstr (mc_speaker_get_active (sp), ==, "a");
  /* b talks louder right away: a keeps the role during the hold time. */
  t = feed (sp, ids, both_b_louder, t, t + 800 * MS);
  g_assert_cmpstr (mc_speaker_get_active (sp), ==, "a");
  /* After the hold time, b (10+ dB louder) takes over. */
  t = feed (sp, ids, both_b_louder, t, t + 1000 * MS);
  g_assert_cmpstr (mc_speaker_get_active (sp), ==, "b");

  /* Both talking, a only slightly louder than b: no flip-flop. */
  {
    g_autoptr (McSpeaker) sp2 = mc_speaker_new (NULL);
    double a_first[] = { LOUD, QUIET };
    gint64 u = feed (sp2, ids, a_first, 0, 500 * MS);
    guint changes = 0;

    for (gint64 end = u + 10 * G_TIME_SPAN_SECOND; u < end; u += 100 * MS) {
      changes += mc_speaker_update (sp2, "a", both_b_slightly[0], u);
      changes += mc_speaker_update (sp2, "b", both_b_slightly[1], u);
    }
    g_assert_cmpuint (changes, ==, 0);
    g_assert_cmpstr (mc_speaker_get_active (sp2), ==, "a");
  }
}

static void
test_silence_drops_and_hands_over (void)
{
  g_autoptr (McSpeaker) sp = mc_speaker_new (NULL);
  const char *ids[] = { "a", "b", NULL };
  double a_only[] = { LOUD, QUIET };
  double b_only[] = { QUIET, -35.0 };
  double none[] = { QUIET, QUIET };
  gint64 t;

  t = feed (sp, ids, a_only, 0, 2 * G_TIME_SPAN_SECOND);
  g_assert_cmpstr (mc_speaker_get_active (sp), ==, "a");
  /* a stops, b (quieter than a was) starts: b gets it once a is silent. */
  t = feed (sp, ids, b_only, t, t + 600 * MS);
  g_assert_cmpstr (mc_speaker_get_active (sp), ==, "b");
  /* Everyone silent: the role is dropped after silence_us, and only then. */
  t = feed (sp, ids, none, t, t + 2 * G_TIME_SPAN_SECOND);
  g_assert_cmpstr (mc_speaker_get_active (sp), ==, "b");
  t = feed (sp, ids, none, t, t + 2 * G_TIME_SPAN_SECOND);
  g_assert_null (mc_speaker_get_active (sp));
}

static void
test_tick_without_readings (void)
{
  g_autoptr (McSpeaker) sp = mc_speaker_new (NULL);
  const char *ids[] = { "a", NULL };
  double loud[] = { LOUD };
  gint64 t = feed (sp, ids, loud, 0, G_TIME_SPAN_SECOND);

  g_assert_cmpstr (mc_speaker_get_active (sp), ==, "a");
  g_assert_false (mc_speaker_tick (sp, t + G_TIME_SPAN_SECOND));
  g_assert_true (mc_speaker_tick (sp, t + 4 * G_TIME_SPAN_SECOND));
  g_assert_null (mc_speaker_get_active (sp));
}

static void
test_remove_and_bad_levels (void)
{
  g_autoptr (McSpeaker) sp = mc_speaker_new (NULL);
  const char *ids[] = { "a", NULL };
  double loud[] = { LOUD };

  feed (sp, ids, loud, 0, G_TIME_SPAN_SECOND);
  g_assert_false (mc_speaker_remove (sp, "nobody"));
  g_assert_true (mc_speaker_remove (sp, "a"));
  g_assert_null (mc_speaker_get_active (sp));
  /* NaN / -inf are silence, never a crash or a speaker. */
  for (gint64 t = 0; t < G_TIME_SPAN_SECOND; t += 100 * MS) {
    mc_speaker_update (sp, "x", NAN, t);
    mc_speaker_update (sp, "y", -INFINITY, t);
    mc_speaker_update (sp, "z", INFINITY, t);
  }
  g_assert_null (mc_speaker_get_active (sp));
}

static void
test_custom_params (void)
{
  McSpeakerParams p;
  g_autoptr (McSpeaker) sp = NULL;

  mc_speaker_get_default_params (&p);
  p.threshold_db = -10.0;
  sp = mc_speaker_new (&p);
  for (gint64 t = 0; t < G_TIME_SPAN_SECOND; t += 100 * MS)
    mc_speaker_update (sp, "a", -20.0, t);
  g_assert_null (mc_speaker_get_active (sp));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
  g_test_add_func ("/speaker/single", test_single_speaker);
  g_test_add_func ("/speaker/blip-ignored", test_blip_ignored);
  g_test_add_func ("/speaker/hold-off-and-takeover", test_hold_off_and_takeover);
  g_test_add_func ("/speaker/silence", test_silence_drops_and_hands_over);
  g_test_add_func ("/speaker/tick", test_tick_without_readings);
  g_test_add_func ("/speaker/remove-and-bad-levels", test_remove_and_bad_levels);
  g_test_add_func ("/speaker/custom-params", test_custom_params);
  return g_test_run ();
}

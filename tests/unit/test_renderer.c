/* Unit tests for the renderer core with the "none" back end and fake
 * classes: the model a back end draws, frames pushed from streaming threads
 * while tiles come and go, hotkeys, the overlay's words, and choosing from a
 * table (--render parsing, auto's probes, fallback and notices). Real
 * samples from a videotestsrc -> appsink pipeline. */
#include "meshcall/base/log.h"
#include "meshcall/render/overlay.h"
#include "meshcall/render/renderer.h"
#include "meshcall/render/renderer_table.h"

#include <gst/app/gstappsink.h>
#include <string.h>

static GstSample *
make_sample (int width, int height)
{
  g_autofree char *desc = g_strdup_printf (
      "videotestsrc num-buffers=1 ! video/x-raw,format=I420,width=%d,height=%d,pixel-aspect-ratio=1/1 ! "
      "appsink name=sink", width, height);
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);
  GstElement *sink;
  GstSample *sample;

  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
  g_assert_nonnull (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return sample;
}

static McRenderer *
new_none (McRendererOptions *opts)
{
  g_autoptr (GError) error = NULL;
  McRenderer *r;

  r = mc_renderer_new (NULL, opts, &error);
  g_assert_no_error (error);
  g_assert_true (mc_renderer_start (r, &error));
  g_assert_no_error (error);
  return r;
}

static const McRendererTileView *
tile_at (const McRendererView *v, guint i)
{
  return &g_array_index (v->tiles, McRendererTileView, i);
}

/* ---- a table of two fake classes ---------------------------------------------- */

static gboolean win_available, term_available, win_starts;
static guint win_started, term_started;

/* What a fake's probe or start says: ok, or FALSE with why. */
static gboolean
fake_result (gboolean ok, const char *why, GError **error)
{
  if (!ok)
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE, "%s", why);
  return ok;
}

static gboolean
win_probe (GError **error)
{
  return fake_result (win_available, "no display here", error);
}

static gboolean
win_start (McRenderer *r, GError **error)
{
  win_started++;
  return fake_result (win_starts, "no window here", error);
}

static gboolean
term_probe (GError **error)
{
  return fake_result (term_available, "not a terminal", error);
}

static gboolean
term_start (McRenderer *r, GError **error)
{
  term_started++;
  return TRUE;
}

static gboolean
term_check_variant (const char *variant)
{
  return g_str_equal (variant, "fine") || g_str_equal (variant, "coarse") || g_str_equal (variant, "auto");
}

static const char *const term_variants[] = { "fine", "coarse", NULL };

static const McRendererClass win_class = {
  .name = "win",
  .where = "a window",
  .when = "when there is a display",
  .probe = win_probe,
  .start = win_start,
};

static const McRendererClass term_class = {
  .name = "term",
  .where = "the terminal",
  .variants = term_variants,
  .check_variant = term_check_variant,
  .probe = term_probe,
  .start = term_start,
};

static const McRendererClass *const table[] = { &win_class, &term_class, NULL };
static const McRendererClass *const empty_table[] = { NULL };

static void
fakes_reset (gboolean win, gboolean win_ok, gboolean term)
{
  win_available = win;
  win_starts = win_ok;
  term_available = term;
  win_started = term_started = 0;
}

static void
test_choice_parse (void)
{
  McRendererChoice c = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (mc_renderer_choice_parse (&c, table, "auto", NULL));
  g_assert_true (c.automatic);
  g_assert_null (c.klass);
  g_assert_true (mc_renderer_choice_parse (&c, table, "WIN", NULL));
  g_assert_false (c.automatic);
  g_assert_true (c.klass == &win_class);
  g_assert_null (c.variant);
  g_assert_true (mc_renderer_choice_parse (&c, table, "term:Coarse", NULL));
  g_assert_true (c.klass == &term_class);
  g_assert_cmpstr (c.variant, ==, "coarse");
  /* A variant the class accepts without listing it. */
  g_assert_true (mc_renderer_choice_parse (&c, table, "term:auto", NULL));
  g_assert_cmpstr (c.variant, ==, "auto");

  /* Refusals name what the table accepts, and leave the choice alone. */
  g_assert_false (mc_renderer_choice_parse (&c, table, "term:ascii", &error));
  g_assert_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_BAD_KIND);
  g_assert_cmpstr (error->message, ==,
                   "unknown renderer 'term:ascii': expected auto, win, term, term:fine, term:coarse or none");
  g_assert_true (c.klass == &term_class);
  g_clear_error (&error);
  g_assert_false (mc_renderer_choice_parse (&c, table, "win:big", &error));  /* no variants */
  g_clear_error (&error);
  g_assert_false (mc_renderer_choice_parse (&c, table, "term:", &error));
  g_clear_error (&error);
  g_assert_false (mc_renderer_choice_parse (&c, table, "auto:x", &error));
  g_clear_error (&error);
  g_assert_false (mc_renderer_choice_parse (&c, table, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (mc_renderer_choice_parse (&c, empty_table, "win", &error));
  g_assert_cmpstr (error->message, ==, "unknown renderer 'win': expected auto or none");

  g_assert_true (mc_renderer_choice_parse (&c, table, "none", NULL));
  g_assert_false (c.automatic);
  g_assert_null (c.klass);
  g_assert_null (c.variant);
  mc_renderer_choice_clear (&c);
}

static void
test_describe (void)
{
  g_autofree char *all = mc_renderer_table_describe (table, " (default: x)");
  g_autofree char *automatic = mc_renderer_table_describe_auto (table);
  g_autofree char *nothing = mc_renderer_table_describe_auto (empty_table);
  const McRendererClass *const term_only[] = { &term_class, NULL };
  g_autofree char *terminal = mc_renderer_table_describe_auto (term_only);

  g_assert_cmpstr (all, ==, "auto (default: x), win, term, term:fine, term:coarse or none");
  g_assert_cmpstr (automatic, ==, "a window when there is a display, else the terminal");
  g_assert_cmpstr (terminal, ==, "the terminal");
  g_assert_cmpstr (nothing, ==, "no picture");
}

static McRenderer *
open_spec (const McRendererClass *const *t, const char *spec, GError **error)
{
  McRendererChoice c = { 0 };
  McRendererOptions opts = { 0 };
  McRenderer *r;

  g_assert_true (mc_renderer_choice_parse (&c, t, spec, NULL));
  r = mc_renderer_open (t, &c, &opts, error);
  mc_renderer_choice_clear (&c);
  return r;
}

static void
test_open_by_name (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McRenderer) r = NULL;

  fakes_reset (FALSE, FALSE, FALSE);
  g_assert_null (open_spec (table, "none", &error));
  g_assert_no_error (error);
  /* By name, the probe is not asked: the start says what failed. */
  g_assert_null (open_spec (table, "win", &error));
  g_assert_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE);
  g_assert_cmpstr (error->message, ==, "no window here");
  g_assert_cmpuint (win_started, ==, 1);
  g_assert_cmpuint (term_started, ==, 0);
  g_clear_error (&error);
  r = open_spec (table, "term:fine", &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_cmpstr (mc_renderer_get_name (r), ==, "term");
  g_assert_true (mc_renderer_get_class (r) == &term_class);
  g_assert_cmpstr (mc_renderer_get_options (r)->variant, ==, "fine");
}

/* Auto, in a subprocess for the notices on stderr. */
typedef struct {
  const char *path;
  gboolean win, win_ok, term;   /* win probes / starts, term probes */
  const char *opened;           /* the class auto ends with, or NULL */
  guint win_starts;
  const char *notice;           /* the one user line, or NULL for none */
} AutoCase;

static const AutoCase auto_cases[] = {
  { "/renderer/open-auto/first", TRUE, TRUE, TRUE, "win", 1, NULL },
  { "/renderer/open-auto/fallback", TRUE, FALSE, TRUE, "term", 1,
    "meshcall: no window here; drawing in the terminal instead\n" },
  /* No display: not even tried. */
  { "/renderer/open-auto/probe", FALSE, TRUE, TRUE, "term", 0, NULL },
  /* The only candidate fails: one notice, then no picture. */
  { "/renderer/open-auto/none", TRUE, FALSE, FALSE, NULL, 1, "meshcall: no window here; going on without a picture\n" },
  /* Nothing available: quietly none. */
  { "/renderer/open-auto/nothing", FALSE, FALSE, FALSE, NULL, 0, NULL },
};

static void
test_open_auto (gconstpointer data)
{
  const AutoCase *c = data;

  if (g_test_subprocess ()) {
    g_autoptr (GError) error = NULL;
    g_autoptr (McRenderer) r = NULL;

    fakes_reset (c->win, c->win_ok, c->term);
    r = open_spec (table, "auto", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (r ? mc_renderer_get_name (r) : NULL, ==, c->opened);
    if (r)
      g_assert_null (mc_renderer_get_options (r)->variant);
    g_assert_cmpuint (win_started, ==, c->win_starts);
    g_assert_cmpuint (term_started, ==, g_strcmp0 (c->opened, "term") == 0);
    g_printerr ("[done]\n");
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* Only the notice (debug output aside: those lines say "meshcall-render"). */
  if (c->notice) {
    g_autofree char *pattern = g_strdup_printf ("*%s*[done]*", c->notice);
    g_test_trap_assert_stderr (pattern);
    g_test_trap_assert_stderr_unmatched (strstr (c->notice, "instead") ? "*without a picture*" : "*instead*");
  } else {
    g_test_trap_assert_stderr_unmatched ("*meshcall:*");
  }
}

static void
test_overlay (void)
{
  McRendererTileView v = { 0 };
  McOverlayMark marks[MC_OVERLAY_MAX_MARKS];
  g_auto (GStrv) none = NULL;
  g_auto (GStrv) all = NULL;
  g_auto (GStrv) some = NULL;

  none = mc_overlay_stats_lines (&v);
  g_assert_cmpstrv (none, ((const char *[]) { "no video", NULL }));
  v.width = 640;
  v.height = 480;
  v.fps = 29.6;
  v.has_stats = TRUE;
  v.stats = (McTileStats) { 812.4, 790, 12, 0.005 };
  all = mc_overlay_stats_lines (&v);
  g_assert_cmpstrv (all, ((const char *[]) { "640x480  30 fps", "in 812 kbps  out 790 kbps", "RTT 12 ms  loss 0.5 %",
                                             NULL }));
  v.stats = (McTileStats) { -1, 100, -1, 0.25 };
  some = mc_overlay_stats_lines (&v);
  g_assert_cmpstrv (some, ((const char *[]) { "640x480  30 fps", "in 0 kbps  out 100 kbps", "loss 25.0 %", NULL }));
  /* What we send it: the estimate and its tier's format, once known. */
  v.stats = (McTileStats) { 300, 520, -1, -1, 548.6, 1, 480, 360, 30 };
  {
    g_auto (GStrv) sending = mc_overlay_stats_lines (&v);
    g_assert_cmpstrv (sending, ((const char *[]) { "640x480  30 fps", "in 300 kbps  out 520 kbps",
                                                   "send 549 kbps  tier 1 480x360@30", NULL }));
  }

  g_assert_cmpuint (mc_overlay_marks (0, marks), ==, 0);
  g_assert_cmpuint (mc_overlay_marks (MC_TILE_MUTED | MC_TILE_CAMERA_OFF | MC_TILE_SPEAKING, marks), ==, 2);
  g_assert_cmpuint (marks[0].flag, ==, MC_TILE_MUTED);
  g_assert_cmpstr (marks[0].text, ==, "mic off");
  g_assert_cmpstr (marks[1].text, ==, "camera off");
  g_assert_cmpuint (mc_overlay_marks (MC_TILE_RECONNECTING | MC_TILE_MUTED | MC_TILE_CAMERA_OFF, marks), ==, 3);
  g_assert_cmpstr (marks[0].text, ==, "reconnecting\xe2\x80\xa6");
  g_assert_cmpstr (marks[1].text, ==, "mic off");
  g_assert_cmpstr (mc_overlay_placeholder (MC_TILE_RECONNECTING), ==, "reconnecting\xe2\x80\xa6");
  g_assert_cmpstr (mc_overlay_placeholder (MC_TILE_RECONNECTING | MC_TILE_CAMERA_OFF), ==, "camera off");
  g_assert_cmpstr (mc_overlay_placeholder (MC_TILE_CAMERA_OFF), ==, "camera off");
  g_assert_cmpstr (mc_overlay_placeholder (MC_TILE_MUTED), ==, "connecting\xe2\x80\xa6");
}

static void
test_model (void)
{
  McRendererOptions opts = { 0 };
  g_autoptr (McRenderer) r = NULL;
  g_autoptr (GstSample) s = make_sample (320, 180);
  McRendererView v;
  McTileStats st = { 100, 200, 5, 0.01 };

  opts.call_id = "room1";
  r = new_none (&opts);
  g_assert_cmpstr (mc_renderer_get_name (r), ==, "none");
  g_assert_null (mc_renderer_get_options (r)->variant);

  /* Empty call: the waiting text names the call and how to join. */
  g_assert_true (mc_renderer_take_view (r, &v));
  g_assert_cmpuint (v.tiles->len, ==, 0);
  g_assert_nonnull (strstr (v.waiting, "meshcall join room1"));
  mc_renderer_view_clear (&v);
  g_assert_false (mc_renderer_take_view (r, &v));  /* nothing changed */

  mc_renderer_add_tile (r, "p1", "Alice");
  mc_renderer_add_tile (r, "p2", NULL);
  mc_renderer_push_frame (r, "p1", s);
  mc_renderer_push_frame (r, "nobody", s);  /* dropped */
  mc_renderer_set_tile_flags (r, "p2", MC_TILE_MUTED | MC_TILE_CAMERA_OFF);
  mc_renderer_set_tile_stats (r, "p1", &st);
  mc_renderer_set_status (r, "Reconnecting to signaling\xe2\x80\xa6");
  g_assert_true (mc_renderer_take_view (r, &v));
  g_assert_cmpuint (v.tiles->len, ==, 2);
  g_assert_cmpstr (tile_at (&v, 0)->name, ==, "Alice");
  g_assert_cmpstr (tile_at (&v, 1)->name, ==, "p2");  /* no name: the id */
  g_assert_cmpuint (tile_at (&v, 0)->seq, ==, 1);
  g_assert_true (tile_at (&v, 0)->sample == s);
  g_assert_cmpint (tile_at (&v, 0)->width, ==, 320);
  g_assert_cmpfloat_with_epsilon (tile_at (&v, 0)->aspect, 16.0 / 9.0, 1e-6);
  g_assert_true (tile_at (&v, 0)->has_stats);
  g_assert_cmpfloat (tile_at (&v, 0)->stats.rtt_ms, ==, 5);
  g_assert_null (tile_at (&v, 1)->sample);
  g_assert_cmpuint (tile_at (&v, 1)->flags, ==, MC_TILE_MUTED | MC_TILE_CAMERA_OFF);
  g_assert_cmpstr (v.status, ==, "Reconnecting to signaling\xe2\x80\xa6");
  mc_renderer_view_clear (&v);

  mc_renderer_rename_tile (r, "p2", "Bob");
  mc_renderer_remove_tile (r, "p1");
  mc_renderer_remove_tile (r, "p1");  /* twice: no-op */
  mc_renderer_set_status (r, NULL);
  g_assert_true (mc_renderer_take_view (r, &v));
  g_assert_cmpuint (v.tiles->len, ==, 1);
  g_assert_cmpstr (tile_at (&v, 0)->name, ==, "Bob");
  g_assert_null (v.status);
  mc_renderer_view_clear (&v);
  g_assert_cmpuint (mc_renderer_get_n_tiles (r), ==, 1);
}

typedef struct {
  GList *actions;
} Actions;

static void
on_action (McRenderer *r, McRenderAction action, gpointer data)
{
  Actions *a = data;
  a->actions = g_list_append (a->actions, GINT_TO_POINTER (action));
}

static void
test_hotkeys (void)
{
  McRendererOptions opts = { 0 };
  Actions a = { NULL };
  g_autoptr (McRenderer) r = NULL;
  McRendererView v;
  const int keys[] = { 'm', 'v', 'f', 's', 'p', 'q', 27, 'x' };
  const McRenderAction expected[] = {
    MC_RENDER_ACTION_MUTE, MC_RENDER_ACTION_CAMERA, MC_RENDER_ACTION_FULLSCREEN, MC_RENDER_ACTION_STATS,
    MC_RENDER_ACTION_SELF_VIEW, MC_RENDER_ACTION_QUIT, MC_RENDER_ACTION_QUIT,
  };

  opts.action = on_action;
  opts.user_data = &a;
  opts.self_view = TRUE;
  r = new_none (&opts);
  g_assert_true (mc_renderer_take_view (r, &v));
  g_assert_false (v.show_stats);
  g_assert_true (v.self_view);
  g_assert_false (v.fullscreen);
  mc_renderer_view_clear (&v);
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (mc_renderer_handle_key (r, keys[i]) == (keys[i] != 'x'));
  g_assert_cmpuint (g_list_length (a.actions), ==, G_N_ELEMENTS (expected));
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (GPOINTER_TO_INT (g_list_nth_data (a.actions, i)), ==, expected[i]);
  /* s, p and f are carried out by the renderer itself. */
  g_assert_true (mc_renderer_take_view (r, &v));
  g_assert_true (v.show_stats);
  g_assert_false (v.self_view);
  g_assert_true (v.fullscreen);
  mc_renderer_view_clear (&v);
  g_list_free (a.actions);
}

static void
test_active_speaker (void)
{
  McRendererOptions opts = { 0 };
  g_autoptr (McRenderer) r = new_none (&opts);
  McRendererView v;
  gint64 end = g_get_monotonic_time () + 600 * G_TIME_SPAN_MILLISECOND;

  mc_renderer_add_tile (r, "a", "A");
  mc_renderer_add_tile (r, "b", "B");
  /* Real time: the detector needs 250 ms of speech. */
  while (g_get_monotonic_time () < end) {
    mc_renderer_set_tile_level (r, "a", -60.0);
    mc_renderer_set_tile_level (r, "b", -15.0);
    g_usleep (20 * 1000);
  }
  g_assert_true (mc_renderer_take_view (r, &v));
  g_assert_false (tile_at (&v, 0)->flags & MC_TILE_SPEAKING);
  g_assert_true (tile_at (&v, 1)->flags & MC_TILE_SPEAKING);
  mc_renderer_view_clear (&v);
  mc_renderer_remove_tile (r, "b");
  g_assert_true (mc_renderer_take_view (r, &v));
  g_assert_false (tile_at (&v, 0)->flags & MC_TILE_SPEAKING);
  mc_renderer_view_clear (&v);
}

typedef struct {
  McRenderer *r;
  GstSample *sample;
  const char *id;
  volatile gint *stop;
  gint pushed;
} Pusher;

static gpointer
pusher_thread (gpointer data)
{
  Pusher *p = data;

  while (!g_atomic_int_get (p->stop)) {
    mc_renderer_push_frame (p->r, p->id, p->sample);
    mc_renderer_push_self_frame (p->r, p->sample);
    g_atomic_int_inc (&p->pushed);
  }
  return NULL;
}

/* Streaming threads push while the main thread adds, removes and draws:
 * no crash, no leak (ASan/valgrind), the latest sample always wins. */
static void
test_threads (void)
{
  McRendererOptions opts = { 0 };
  g_autoptr (McRenderer) r = new_none (&opts);
  g_autoptr (GstSample) s1 = make_sample (64, 48);
  g_autoptr (GstSample) s2 = make_sample (32, 32);
  volatile gint stop = 0;
  Pusher p[2] = { { r, s1, "a", &stop, 0 }, { r, s2, "b", &stop, 0 } };
  GThread *th[2];
  McRendererView v;

  for (int i = 0; i < 2; i++)
    th[i] = g_thread_new ("pusher", pusher_thread, &p[i]);
  /* Until both threads have pushed a while (they may start late). */
  for (int i = 0; i < 2000 || g_atomic_int_get (&p[0].pushed) < 200 || g_atomic_int_get (&p[1].pushed) < 200;
       i++) {
    if (i % 3 == 0)
      mc_renderer_add_tile (r, "a", "A");
    if (i % 5 == 0)
      mc_renderer_add_tile (r, "b", "B");
    if (i % 7 == 0)
      mc_renderer_remove_tile (r, "a");
    if (mc_renderer_take_view (r, &v))
      mc_renderer_view_clear (&v);
  }
  g_atomic_int_set (&stop, 1);
  for (int i = 0; i < 2; i++)
    g_thread_join (th[i]);
  g_assert_cmpint (p[0].pushed, >=, 200);
  g_assert_cmpint (p[1].pushed, >=, 200);
  mc_renderer_add_tile (r, "a", "A");
  mc_renderer_push_frame (r, "a", s2);
  mc_renderer_push_frame (r, "a", s1);
  g_assert_true (mc_renderer_take_view (r, &v));
  for (guint i = 0; i < v.tiles->len; i++)
    if (strcmp (tile_at (&v, i)->id, "a") == 0) {
      g_assert_true (tile_at (&v, i)->sample == s1);
      g_assert_cmpint (tile_at (&v, i)->width, ==, 64);
    }
  mc_renderer_view_clear (&v);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
  g_test_add_func ("/renderer/choice-parse", test_choice_parse);
  g_test_add_func ("/renderer/describe", test_describe);
  g_test_add_func ("/renderer/open-by-name", test_open_by_name);
  for (gsize i = 0; i < G_N_ELEMENTS (auto_cases); i++)
    g_test_add_data_func (auto_cases[i].path, &auto_cases[i], test_open_auto);
  g_test_add_func ("/renderer/overlay", test_overlay);
  g_test_add_func ("/renderer/model", test_model);
  g_test_add_func ("/renderer/hotkeys", test_hotkeys);
  g_test_add_func ("/renderer/active-speaker", test_active_speaker);
  g_test_add_func ("/renderer/threads", test_threads);
  return g_test_run ();
}

/* Unit tests for the renderer core (renderer.c) with the "none" back end:
 * the model a back end draws, frames pushed from streaming threads while
 * tiles come and go, hotkeys, overlays and --render parsing. Real samples
 * from a videotestsrc -> appsink pipeline. */
#include "meshcall/base/log.h"
#include "meshcall/render/renderer.h"

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

  opts->kind = MC_RENDER_NONE;
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

static void
test_parse_kind (void)
{
  McRenderKind kind;
  McTextMode mode;
  g_autoptr (GError) error = NULL;

  g_assert_true (mc_renderer_parse_kind ("text:sixel", &kind, &mode, NULL));
  g_assert_cmpint (kind, ==, MC_RENDER_TEXT);
  g_assert_cmpint (mode, ==, MC_TEXT_MODE_SIXEL);
  g_assert_true (mc_renderer_parse_kind ("SDL", &kind, &mode, NULL));
  g_assert_cmpint (kind, ==, MC_RENDER_SDL);
  g_assert_true (mc_renderer_parse_kind ("none", &kind, NULL, NULL));
  g_assert_false (mc_renderer_parse_kind ("text:ascii", &kind, &mode, &error));
  g_assert_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_BAD_KIND);
  g_assert_nonnull (strstr (error->message, "text:symbols"));
  g_clear_error (&error);
  g_assert_false (mc_renderer_parse_kind (NULL, &kind, &mode, &error));
  g_assert_nonnull (error);
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
  g_assert_cmpint (mc_renderer_get_kind (r), ==, MC_RENDER_NONE);

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
  g_test_add_func ("/renderer/parse-kind", test_parse_kind);
  g_test_add_func ("/renderer/model", test_model);
  g_test_add_func ("/renderer/hotkeys", test_hotkeys);
  g_test_add_func ("/renderer/active-speaker", test_active_speaker);
  g_test_add_func ("/renderer/threads", test_threads);
  return g_test_run ();
}

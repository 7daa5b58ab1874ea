/* The audio playback pipeline (playback.h) on a fakesink: the mix reaches
 * the output, a remote's audio is mixed in, and removing an input that
 * never got a buffer (a peer that never connected) returns. The output
 * device itself cannot run here (no sound card): only its sink differs. */
#include "meshcall/media/playback.h"

/* A removal that hangs must fail the test with a message, not wait for
 * ctest's timeout: the main thread is blocked then, so the watchdog is a
 * thread of its own. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean done;
  const char *what;
  GThread *thread;
} Watchdog;

static gpointer
watchdog_run (gpointer data)
{
  Watchdog *w = data;
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_mutex_lock (&w->lock);
  while (!w->done)
    if (!g_cond_wait_until (&w->cond, &w->lock, end) && !w->done)
      g_error ("timed out after 10 s: %s", w->what);
  g_mutex_unlock (&w->lock);
  return NULL;
}

static void
watchdog_start (Watchdog *w, const char *what)
{
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  w->done = FALSE;
  w->what = what;
  w->thread = g_thread_new ("watchdog", watchdog_run, w);
}

static void
watchdog_stop (Watchdog *w)
{
  g_mutex_lock (&w->lock);
  w->done = TRUE;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
  g_thread_join (w->thread);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
}

typedef struct {
  gint buffers;   /* output buffers */
  gint peak;      /* highest |sample| seen at the output */
} Out;

static void
on_handoff (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer user_data)
{
  Out *out = user_data;
  GstMapInfo map;
  int peak = 0;

  (void) sink;
  (void) pad;
  if (gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    const gint16 *s = (const gint16 *) map.data;
    for (gsize i = 0; i < map.size / 2; i++)
      peak = MAX (peak, ABS (s[i]));
    gst_buffer_unmap (buffer, &map);
  }
  if (peak > g_atomic_int_get (&out->peak))
    g_atomic_int_set (&out->peak, peak);
  g_atomic_int_inc (&out->buffers);
}

static void
iterate_until (gint *counter, gint at_least, guint timeout_ms, const char *what)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_atomic_int_get (counter) < at_least) {
    if (g_get_monotonic_time () > end)
      g_error ("timed out after %u ms waiting for %s (%d of %d)", timeout_ms, what, g_atomic_int_get (counter),
               at_least);
    g_main_context_iteration (NULL, FALSE);
    g_usleep (2000);
  }
}

/* 10 ms of a loud square wave at 48 kHz stereo, stamped for the pipeline's
 * running time now (its clock and base time). */
static GstBuffer *
loud_buffer (GstElement *pipeline)
{
  const gsize frames = 480;
  GstBuffer *buf = gst_buffer_new_allocate (NULL, frames * 2 * sizeof (gint16), NULL);
  g_autoptr (GstClock) clock = gst_element_get_clock (pipeline);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < frames * 2; i++)
    ((gint16 *) map.data)[i] = (i / 40) % 2 ? 12000 : -12000;
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_clock_get_time (clock) - gst_element_get_base_time (pipeline) + 30 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 10 * GST_MSECOND;
  return buf;
}

static GstElement *
pipeline_of (GstElement *sink)
{
  GstObject *p = GST_OBJECT (sink);

  while (GST_OBJECT_PARENT (p))
    p = GST_OBJECT_PARENT (p);
  return GST_ELEMENT (p);
}

static void
test_mix_reaches_output (void)
{
  g_autoptr (GError) error = NULL;
  McPlayback *pb = mc_playback_new (NULL, "fakesink name=out sync=true async=false signal-handoffs=true", &error);
  Out out = { 0, 0 };
  GstElement *sink, *pipeline;
  McPlaybackInput *in;
  Watchdog dog;

  g_assert_no_error (error);
  g_assert_nonnull (pb);
  sink = mc_playback_get_sink (pb);
  g_assert_nonnull (sink);
  pipeline = pipeline_of (sink);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &out);
  /* The silent source keeps the output running with no input at all. */
  iterate_until (&out.buffers, 10, 5000, "the silent mix at the output");
  g_assert_cmpint (g_atomic_int_get (&out.peak), ==, 0);

  in = mc_playback_add_input (pb, "peer-a");
  {
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (g_atomic_int_get (&out.peak) < 6000) {
      if (g_get_monotonic_time () > end)
        g_error ("a remote's loud audio never reached the output (peak %d)", g_atomic_int_get (&out.peak));
      mc_playback_input_push (in, loud_buffer (pipeline));
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  }
  watchdog_start (&dog, "removing an input that got audio");
  mc_playback_remove_input (pb, in);
  watchdog_stop (&dog);
  gst_object_unref (sink);
  mc_playback_free (pb);
}

/* Inputs that never got a buffer (peers whose connections never came up):
 * their removal returns, and the output goes on without them. */
static void
test_remove_silent_input (void)
{
  g_autoptr (GError) error = NULL;
  McPlayback *pb = mc_playback_new (NULL, "fakesink name=out sync=true async=false signal-handoffs=true", &error);
  Out out = { 0, 0 };
  GstElement *sink;
  McPlaybackInput *a, *b;
  Watchdog dog;

  g_assert_no_error (error);
  sink = mc_playback_get_sink (pb);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &out);
  iterate_until (&out.buffers, 5, 5000, "the silent mix at the output");
  a = mc_playback_add_input (pb, "peer-a");
  b = mc_playback_add_input (pb, "peer-b");
  iterate_until (&out.buffers, 25, 5000, "the mix at the output with two silent inputs");
  watchdog_start (&dog, "removing inputs that never got audio");
  mc_playback_remove_input (pb, a);
  mc_playback_remove_input (pb, b);
  watchdog_stop (&dog);
  /* The output goes on after both left. */
  {
    gint seen = g_atomic_int_get (&out.buffers);
    iterate_until (&out.buffers, seen + 10, 5000, "the mix at the output after the inputs left");
  }
  gst_object_unref (sink);
  mc_playback_free (pb);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/playback/mix-reaches-output", test_mix_reaches_output);
  g_test_add_func ("/playback/remove-silent-input", test_remove_silent_input);
  return g_test_run ();
}

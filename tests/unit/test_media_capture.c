/* The capture pipeline: encode once per tier, fan the same buffers out to
 * every subscriber, keyframe first for a new subscriber (the one prepared
 * for it when it is recent), keyframe requests (upstream GstForceKeyUnit at
 * a subscriber's appsrc) rate-limited per tier. */
#include "meshcall/media/capture.h"
#include "meshcall/base/log.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <string.h>

typedef struct {
  GstElement *pipeline;
  GstElement *src;
  GMutex lock;
  guint buffers;
  gboolean first_was_key;
  GstBuffer *last;
} Sink;

static GstFlowReturn
on_sample (GstAppSink *appsink, gpointer data)
{
  Sink *s = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (appsink);
  GstBuffer *buf = gst_sample_get_buffer (sample);

  g_mutex_lock (&s->lock);
  if (s->buffers == 0)
    s->first_was_key = !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  s->buffers++;
  gst_buffer_replace (&s->last, buf);
  g_mutex_unlock (&s->lock);
  return GST_FLOW_OK;
}

/* A stand-in for a peer pipeline: appsrc ! appsink on the capture's clock. */
static void
sink_init (Sink *s, McCapture *capture, const char *name)
{
  GstAppSinkCallbacks cb = { .new_sample = on_sample };
  GstElement *appsink;
  g_autoptr (GstCaps) caps = mc_video_codec_encoded_caps (MC_VIDEO_CODEC_VP8);

  memset (s, 0, sizeof *s);
  g_mutex_init (&s->lock);
  s->pipeline = gst_parse_launch ("appsrc name=src is-live=true format=time ! appsink name=sink sync=false", NULL);
  s->src = gst_bin_get_by_name (GST_BIN (s->pipeline), "src");
  gst_object_set_name (GST_OBJECT (s->src), name);
  g_object_set (s->src, "caps", caps, NULL);
  appsink = gst_bin_get_by_name (GST_BIN (s->pipeline), "sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &cb, s, NULL);
  gst_object_unref (appsink);
  mc_capture_sync_pipeline (capture, s->pipeline);
  gst_element_set_state (s->pipeline, GST_STATE_PLAYING);
}

static void
sink_clear (Sink *s)
{
  gst_element_set_state (s->pipeline, GST_STATE_NULL);
  gst_object_unref (s->src);
  gst_object_unref (s->pipeline);
  gst_buffer_replace (&s->last, NULL);
  g_mutex_clear (&s->lock);
}

static guint
sink_count (Sink *s)
{
  guint n;
  g_mutex_lock (&s->lock);
  n = s->buffers;
  g_mutex_unlock (&s->lock);
  return n;
}

static void
wait_frames (Sink *s, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (sink_count (s) < n && g_get_monotonic_time () < deadline)
    g_usleep (5000);
  g_assert_cmpuint (sink_count (s), >=, n);
}

static McCapture *
make_capture (void)
{
  McCaptureConfig cfg = { 0 };
  g_autoptr (GError) error = NULL;
  McCapture *c;

  g_assert_true (mc_media_source_parse (MC_MEDIA_VIDEO, "test", &cfg.video, NULL));
  g_assert_true (mc_media_source_parse (MC_MEDIA_AUDIO, "none", &cfg.audio, NULL));
  cfg.width = 160;
  cfg.height = 120;
  cfg.fps = 30;
  cfg.codec = MC_VIDEO_CODEC_VP8;
  c = mc_capture_new (&cfg, &error);
  g_assert_no_error (error);
  g_assert_true (mc_capture_start (c, &error));
  g_assert_no_error (error);
  return c;
}

static void
test_fan_out (void)
{
  McCapture *c = make_capture ();
  McCaptureTierInfo info;
  Sink a, b;
  g_autoptr (GError) error = NULL;
  int tier1;

  g_assert_cmpuint (mc_capture_get_n_tiers (c), ==, 1);
  sink_init (&a, c, "sink-a");
  sink_init (&b, c, "sink-b");
  mc_capture_subscribe (c, 0, GST_APP_SRC (a.src));
  wait_frames (&a, 10);
  mc_capture_subscribe (c, 0, GST_APP_SRC (b.src));
  wait_frames (&b, 10);
  /* Late subscriber: its first buffer was a keyframe. */
  g_assert_true (a.first_was_key);
  g_assert_true (b.first_was_key);
  g_assert_true (mc_capture_get_tier_info (c, 0, &info));
  g_assert_cmpuint (info.subscribers, ==, 2);
  /* One encoder for both: as many frames encoded as the busier sink got, not twice. */
  g_assert_cmpuint (info.frames, <, sink_count (&a) + 10);
  g_assert_cmpint (mc_capture_get_sink_tier (c, GST_APP_SRC (b.src)), ==, 0);

  /* A second tier; moving b there gives it a keyframe again. */
  tier1 = mc_capture_add_tier (c, 80, 60, 15, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tier1, ==, 1);
  g_assert_true (mc_capture_set_tier_bitrate (c, 1, 120));
  mc_capture_subscribe (c, 1, GST_APP_SRC (b.src));
  g_assert_cmpint (mc_capture_get_sink_tier (c, GST_APP_SRC (b.src)), ==, 1);
  {
    guint before = sink_count (&b);
    wait_frames (&b, before + 5);
  }
  g_assert_true (mc_capture_get_tier_info (c, 1, &info));
  g_assert_cmpuint (info.subscribers, ==, 1);
  g_assert_cmpuint (info.bitrate_kbps, ==, 120);
  g_assert_cmpint (info.width, ==, 80);

  mc_capture_unsubscribe (c, GST_APP_SRC (a.src));
  mc_capture_unsubscribe (c, GST_APP_SRC (b.src));
  g_assert_cmpint (mc_capture_get_sink_tier (c, GST_APP_SRC (a.src)), ==, -1);
  sink_clear (&a);
  sink_clear (&b);
  mc_capture_free (c);
}

static void
test_keyframe_requests (void)
{
  McCapture *c = make_capture ();
  McCaptureTierInfo before, after;
  Sink a;
  g_autoptr (GstPad) pad = NULL;

  sink_init (&a, c, "sink-a");
  mc_capture_subscribe (c, 0, GST_APP_SRC (a.src));
  wait_frames (&a, 5);
  g_usleep (600 * 1000);   /* past the subscription's own forced keyframe */
  mc_capture_get_tier_info (c, 0, &before);

  /* What rtpsession sends upstream on a PLI, as a payloader would forward
   * it to the appsrc: a burst of 10 in a few ms. */
  {
    GstElement *appsink = gst_bin_get_by_name (GST_BIN (a.pipeline), "sink");
    pad = gst_element_get_static_pad (appsink, "sink");
    gst_object_unref (appsink);
  }
  for (int i = 0; i < 10; i++)
    gst_pad_push_event (pad, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
  wait_frames (&a, sink_count (&a) + 30);   /* one second at 30 fps */
  mc_capture_get_tier_info (c, 0, &after);

  g_assert_cmpuint (after.keyframe_requests - before.keyframe_requests, ==, 10);
  /* Rate-limited: one now, the rest merged into at most one more after 500 ms. */
  g_assert_cmpuint (after.keyframes_forced - before.keyframes_forced, >=, 1);
  g_assert_cmpuint (after.keyframes_forced - before.keyframes_forced, <=, 2);
  g_assert_cmpuint (after.keyframes - before.keyframes, >=, 1);

  mc_capture_unsubscribe (c, GST_APP_SRC (a.src));
  sink_clear (&a);
  mc_capture_free (c);
}

static McCaptureTierInfo
tier_info (McCapture *c)
{
  McCaptureTierInfo info;
  g_assert_true (mc_capture_get_tier_info (c, 0, &info));
  return info;
}

/* Waits for the tier to have encoded `n` keyframes. */
static void
wait_keyframes (McCapture *c, guint64 n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (tier_info (c).keyframes < n && g_get_monotonic_time () < deadline)
    g_usleep (2000);
  g_assert_cmpuint (tier_info (c).keyframes, >=, n);
}

/* A subscriber that comes within MC_CAPTURE_RECENT_FRAMES of the keyframe
 * prepared for it starts from that keyframe and forces none; one that comes
 * later forces its own at once (the prepared one does not hold it back). */
static void
test_prepared_subscriber (void)
{
  McCapture *c = make_capture ();
  McCaptureTierInfo before, after;
  Sink a, b, late;

  sink_init (&a, c, "sink-a");
  sink_init (&b, c, "sink-b");
  sink_init (&late, c, "sink-late");
  mc_capture_subscribe (c, 0, GST_APP_SRC (a.src));
  wait_frames (&a, 5);
  g_usleep (600 * 1000);   /* past the subscription's own forced keyframe */

  before = tier_info (c);
  mc_capture_prepare_subscriber (c, 0);
  wait_keyframes (c, before.keyframes + 1);
  mc_capture_subscribe (c, 0, GST_APP_SRC (b.src));
  after = tier_info (c);
  g_assert_cmpuint (after.keyframes_forced, ==, before.keyframes_forced + 1);   /* the prepared one */
  g_assert_cmpuint (after.keyframe_requests, ==, before.keyframe_requests);     /* none from b */
  wait_frames (&b, 3);
  g_assert_true (b.first_was_key);

  before = tier_info (c);
  mc_capture_prepare_subscriber (c, 0);   /* within the interval of the last one: none */
  g_assert_cmpuint (tier_info (c).keyframes_forced, ==, before.keyframes_forced);
  wait_frames (&a, sink_count (&a) + MC_CAPTURE_RECENT_FRAMES + 3);
  mc_capture_subscribe (c, 0, GST_APP_SRC (late.src));
  after = tier_info (c);
  g_assert_cmpuint (after.keyframe_requests, ==, before.keyframe_requests + 1);
  g_assert_cmpuint (after.keyframes_forced, ==, before.keyframes_forced + 1);   /* at once */
  wait_frames (&late, 3);
  g_assert_true (late.first_was_key);

  mc_capture_unsubscribe (c, GST_APP_SRC (a.src));
  mc_capture_unsubscribe (c, GST_APP_SRC (b.src));
  mc_capture_unsubscribe (c, GST_APP_SRC (late.src));
  sink_clear (&a);
  sink_clear (&b);
  sink_clear (&late);
  mc_capture_free (c);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  mc_log_init ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/media/capture/fan-out", test_fan_out);
  g_test_add_func ("/media/capture/keyframe-requests", test_keyframe_requests);
  g_test_add_func ("/media/capture/prepared-subscriber", test_prepared_subscriber);
  return g_test_run ();
}

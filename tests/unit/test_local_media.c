/* Local media controls on a real capture pipeline (test sources): the self
 * view delivers small frames, camera off turns them (and what the encoders
 * get) black and back, mute turns the Opus stream peers receive into
 * silence and back. */
#include "meshcall/media/capture.h"
#include "meshcall/media/local_media.h"
#include "meshcall/base/log.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <stdlib.h>

typedef struct {
  gint frames;          /* self-view frames */
  gint center_luma;     /* of the latest one */
  gint width;
  gint audio_buffers;   /* decoded buffers the "peer" got */
  gint audio_peak;      /* peak |sample| of the latest one */
} Seen;

static void
on_preview (GstSample *sample, gpointer user_data)
{
  Seen *seen = user_data;
  GstVideoInfo info;
  GstVideoFrame frame;

  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) ||
      !gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
    return;
  {
    const guint8 *y = GST_VIDEO_FRAME_COMP_DATA (&frame, 0);
    int stride = GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0);
    /* Left third, mid-height: a bright bar of the SMPTE test picture. */
    g_atomic_int_set (&seen->center_luma, y[(GST_VIDEO_INFO_HEIGHT (&info) / 3) * stride + GST_VIDEO_INFO_WIDTH (&info) / 10]);
  }
  g_atomic_int_set (&seen->width, GST_VIDEO_INFO_WIDTH (&info));
  gst_video_frame_unmap (&frame);
  g_atomic_int_inc (&seen->frames);
}

static GstFlowReturn
on_audio (GstAppSink *sink, gpointer user_data)
{
  Seen *seen = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstMapInfo map;
  int peak = 0;

  if (sample == NULL)
    return GST_FLOW_EOS;
  if (gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ)) {
    const gint16 *s = (const gint16 *) map.data;
    for (gsize i = 0; i < map.size / 2; i++)
      peak = MAX (peak, abs (s[i]));
    gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
  }
  g_atomic_int_set (&seen->audio_peak, peak);
  g_atomic_int_inc (&seen->audio_buffers);
  return GST_FLOW_OK;
}

/* Runs the default context until cond holds for `times` consecutive checks
 * 50 ms apart, or 5 s pass. */
static gboolean
wait_for (gboolean (*cond) (Seen *), Seen *seen, int times)
{
  gint64 end = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  int ok = 0;

  while (g_get_monotonic_time () < end) {
    gint64 step = g_get_monotonic_time () + 50 * G_TIME_SPAN_MILLISECOND;
    while (g_get_monotonic_time () < step)
      g_main_context_iteration (NULL, FALSE), g_usleep (5000);
    ok = cond (seen) ? ok + 1 : 0;
    if (ok >= times)
      return TRUE;
  }
  return FALSE;
}

static gboolean is_black (Seen *s) { return g_atomic_int_get (&s->center_luma) <= 20; }
static gboolean is_bright (Seen *s) { return g_atomic_int_get (&s->center_luma) >= 100; }
static gboolean is_silent (Seen *s) { return g_atomic_int_get (&s->audio_peak) <= 64; }
static gboolean is_loud (Seen *s) { return g_atomic_int_get (&s->audio_peak) >= 2000; }

static void
test_controls (void)
{
  McCaptureConfig cfg = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GstCaps) opus = mc_capture_audio_caps ();
  GstAppSinkCallbacks cb = { .new_sample = on_audio };
  Seen seen = { 0 };
  McCapture *capture;
  McLocalMedia *local;
  GstElement *peer, *src, *sink;

  cfg.video.kind = MC_MEDIA_VIDEO;
  cfg.video.type = MC_MEDIA_SOURCE_TEST;
  cfg.audio.kind = MC_MEDIA_AUDIO;
  cfg.audio.type = MC_MEDIA_SOURCE_TEST;
  cfg.width = 320;
  cfg.height = 240;
  cfg.fps = 15;
  cfg.codec = MC_VIDEO_CODEC_VP8;
  capture = mc_capture_new (&cfg, &error);
  g_assert_no_error (error);
  local = mc_local_media_new (capture);
  g_assert_true (mc_local_media_add_preview (local, 160, 15, on_preview, &seen, &error));
  g_assert_no_error (error);

  /* A stand-in for a peer: what the capture fans out, decoded. */
  peer = gst_parse_launch ("appsrc name=src is-live=true format=time ! opusdec ! audioconvert "
                           "! audio/x-raw,format=S16LE ! appsink name=sink sync=false", &error);
  g_assert_no_error (error);
  src = gst_bin_get_by_name (GST_BIN (peer), "src");
  g_object_set (src, "caps", opus, NULL);
  sink = gst_bin_get_by_name (GST_BIN (peer), "sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, &seen, NULL);
  mc_capture_sync_pipeline (capture, peer);
  gst_element_set_state (peer, GST_STATE_PLAYING);
  mc_capture_subscribe_audio (capture, GST_APP_SRC (src));
  g_assert_true (mc_capture_start (capture, &error));

  g_assert_true (wait_for (is_bright, &seen, 3));
  g_assert_cmpint (g_atomic_int_get (&seen.width), ==, 160);
  g_assert_true (wait_for (is_loud, &seen, 3));

  g_assert_true (mc_local_media_set_video_off (local, TRUE));
  g_assert_true (mc_local_media_get_video_off (local));
  g_assert_true (wait_for (is_black, &seen, 5));
  g_assert_true (is_loud (&seen));   /* the other control is untouched */
  g_assert_true (mc_local_media_set_video_off (local, FALSE));
  g_assert_true (wait_for (is_bright, &seen, 3));

  g_assert_true (mc_local_media_set_audio_muted (local, TRUE));
  g_assert_true (mc_local_media_get_audio_muted (local));
  g_assert_true (wait_for (is_silent, &seen, 5));
  g_assert_true (is_bright (&seen));
  {
    int before = g_atomic_int_get (&seen.audio_buffers);
    g_assert_true (wait_for (is_silent, &seen, 3));
    g_assert_cmpint (g_atomic_int_get (&seen.audio_buffers), >, before);   /* packets keep coming */
  }
  g_assert_true (mc_local_media_set_audio_muted (local, FALSE));
  g_assert_true (wait_for (is_loud, &seen, 3));

  mc_capture_unsubscribe_audio (capture, GST_APP_SRC (src));
  gst_element_set_state (peer, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (peer);
  mc_capture_free (capture);
  mc_local_media_free (local);   /* after the capture, as documented */
}

static void
test_nothing_to_control (void)
{
  McCaptureConfig cfg = { 0 };
  g_autoptr (GError) error = NULL;
  McCapture *capture;
  McLocalMedia *local;

  cfg.video.kind = MC_MEDIA_VIDEO;
  cfg.video.type = MC_MEDIA_SOURCE_NONE;
  cfg.audio.kind = MC_MEDIA_AUDIO;
  cfg.audio.type = MC_MEDIA_SOURCE_NONE;
  cfg.width = 320;
  cfg.height = 240;
  cfg.fps = 15;
  capture = mc_capture_new (&cfg, &error);
  g_assert_no_error (error);
  local = mc_local_media_new (capture);
  g_assert_false (mc_local_media_set_audio_muted (local, TRUE));
  g_assert_false (mc_local_media_set_video_off (local, TRUE));
  g_assert_false (mc_local_media_add_preview (local, 160, 15, on_preview, NULL, &error));
  g_assert_nonnull (error);
  mc_capture_free (capture);
  mc_local_media_free (local);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  mc_log_init ();
  g_test_add_func ("/local-media/controls", test_controls);
  g_test_add_func ("/local-media/nothing-to-control", test_nothing_to_control);
  return g_test_run ();
}

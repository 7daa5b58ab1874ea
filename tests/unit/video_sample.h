/* One decoded frame for renderer tests: a real sample from a videotestsrc
 * (solid colour argb, 0 = the default test pattern) -> appsink pipeline. */
#pragma once

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

static inline GstSample *
test_video_sample (const char *format, int width, int height, guint32 argb)
{
  g_autofree char *pattern =
      argb ? g_strdup_printf ("pattern=solid-color foreground-color=0x%08x", argb) : g_strdup ("");
  g_autofree char *desc = g_strdup_printf (
      "videotestsrc num-buffers=1 %s ! video/x-raw,format=%s,width=%d,height=%d,pixel-aspect-ratio=1/1 ! "
      "appsink name=sink", pattern, format, width, height);
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

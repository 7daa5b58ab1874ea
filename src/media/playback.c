/* The one audio playback path: remotes mixed, echo probe, output (playback.h). */
#include "meshcall/media/playback.h"
#include "meshcall/media/capture.h"
#include "meshcall/base/log.h"
#include "meshcall/media/pipelines.h"

#include <gio/gio.h>
#include <gst/app/gstappsrc.h>

#define MC_LOG_CATEGORY (&mc_log_media)

struct _McPlayback {
  GstElement *pipeline;
  GstElement *mixer;
};

struct _McPlaybackInput {
  GstElement *src;
  GstPad *mixer_pad;
};

gboolean
mc_playback_have_output (void)
{
  g_autoptr (GstDeviceMonitor) monitor = gst_device_monitor_new ();
  GList *devices;
  gboolean found;

  gst_device_monitor_add_filter (monitor, "Audio/Sink", NULL);
  if (!gst_device_monitor_start (monitor))
    return FALSE;
  devices = gst_device_monitor_get_devices (monitor);
  found = devices != NULL;
  g_list_free_full (devices, gst_object_unref);
  gst_device_monitor_stop (monitor);
  return found;
}

McPlayback *
mc_playback_new (McCapture *capture, const char *sink, GError **error)
{
  McPlayback *pb;
  GstElement *pipeline;
  g_autofree char *desc = NULL;

  /* The silent source keeps the mixer (and the echo probe) running while no
   * remote audio arrives. */
  desc = g_strdup_printf ("audiotestsrc is-live=true wave=silence samplesperbuffer=480 ! " MC_PLAYBACK_CAPS " "
                          "! audiomixer name=mix latency=20000000 ! audioconvert ! audioresample "
                          "! webrtcechoprobe ! %s",
                          sink ? sink : "autoaudiosink");
  pipeline = gst_parse_launch (desc, error);
  if (pipeline == NULL)
    return NULL;
  gst_object_set_name (GST_OBJECT (pipeline), "playback");
  pb = g_new0 (McPlayback, 1);
  pb->pipeline = pipeline;
  pb->mixer = gst_bin_get_by_name (GST_BIN (pipeline), "mix");
  if (capture)
    mc_capture_sync_pipeline (capture, pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_STATE, "audio playback pipeline failed to start");
    mc_playback_free (pb);
    return NULL;
  }
  return pb;
}

void
mc_playback_free (McPlayback *pb)
{
  if (pb == NULL)
    return;
  gst_element_set_state (pb->pipeline, GST_STATE_NULL);
  gst_object_unref (pb->mixer);
  gst_object_unref (pb->pipeline);
  g_free (pb);
}

GstElement *
mc_playback_get_sink (McPlayback *pb)
{
  GstIterator *it = gst_bin_iterate_sinks (GST_BIN (pb->pipeline));
  GValue v = G_VALUE_INIT;
  GstElement *sink = NULL;

  if (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    sink = g_value_dup_object (&v);
    g_value_unset (&v);
  }
  gst_iterator_free (it);
  return sink;
}

McPlaybackInput *
mc_playback_add_input (McPlayback *pb, const char *name)
{
  McPlaybackInput *in = g_new0 (McPlaybackInput, 1);
  g_autoptr (GstCaps) caps = gst_caps_from_string (MC_PLAYBACK_CAPS);
  g_autoptr (GstPad) srcpad = NULL;

  in->src = gst_element_factory_make ("appsrc", name);
  g_object_set (in->src, "is-live", TRUE, "format", GST_FORMAT_TIME, "caps", caps, "max-buffers", (guint64) 50,
                "leaky-type", 2 /* downstream */, "block", FALSE, NULL);
  gst_bin_add (GST_BIN (pb->pipeline), gst_object_ref (in->src));
  in->mixer_pad = gst_element_request_pad_simple (pb->mixer, "sink_%u");
  srcpad = gst_element_get_static_pad (in->src, "src");
  gst_pad_link (srcpad, in->mixer_pad);
  gst_element_sync_state_with_parent (in->src);
  return in;
}

void
mc_playback_input_push (McPlaybackInput *in, GstBuffer *buffer)
{
  gst_app_src_push_buffer (GST_APP_SRC (in->src), buffer);
}

void
mc_playback_remove_input (McPlayback *pb, McPlaybackInput *in)
{
  /* The mixer's pad first: releasing it flushes it, which frees a streaming
   * thread of the appsrc waiting in the mixer (an input that never got audio,
   * from a peer that never connected, hung the NULL state change here). */
  gst_element_set_locked_state (in->src, TRUE);
  gst_element_release_request_pad (pb->mixer, in->mixer_pad);
  gst_element_set_state (in->src, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (pb->pipeline), in->src);
  gst_object_unref (in->mixer_pad);
  gst_object_unref (in->src);
  g_free (in);
}

/* McPeer's receive side: for each stream webrtcbin adds, a bin from the
 * decoder descriptions in pipelines/ (depayloader ! decoder ! appsink), or a
 * fakesink for a stream meshcall cannot decode. Decoded video goes to the
 * on_video_frame callback, decoded audio to the playback input (or is only
 * counted), and a `level` element drives the audio_level callback. With
 * encoded_only the bin is the depayloader and a fakesink: the receive tap
 * (peer_tap.c) is all that reads it. Pad-added,
 * the probes and the appsink callbacks run on streaming threads and touch
 * only the `lock`-protected counters and playback input. */
#include "peer_private.h"

#include "meshcall/base/log.h"
#include "meshcall/media/pipelines.h"
#include "meshcall/peer/peer_sdp.h"

#include <gst/app/gstappsink.h>

#define MC_LOG_CATEGORY (&mc_log_media)

static GstFlowReturn
on_video_sample (GstAppSink *sink, gpointer user_data)
{
  McPeer *peer = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstCaps *caps;
  int width = 0, height = 0;

  if (sample == NULL)
    return GST_FLOW_EOS;
  caps = gst_sample_get_caps (sample);
  if (caps != NULL && gst_caps_get_size (caps) > 0) {
    GstStructure *s = gst_caps_get_structure (caps, 0);
    gst_structure_get_int (s, "width", &width);
    gst_structure_get_int (s, "height", &height);
  }
  g_mutex_lock (&peer->lock);
  peer->counters.video_frames_decoded++;
  peer->counters.video_width = width;
  peer->counters.video_height = height;
  if (peer->counters.first_frame_us == 0)
    peer->counters.first_frame_us = g_get_monotonic_time ();
  g_mutex_unlock (&peer->lock);
  if (peer->cb.on_video_frame && !peer_is_closed (peer))
    peer->cb.on_video_frame (peer, sample, peer->user_data);
  return GST_FLOW_OK;
}

static GstFlowReturn
on_audio_sample (GstAppSink *sink, gpointer user_data)
{
  McPeer *peer = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;
  g_mutex_lock (&peer->lock);
  peer->counters.audio_buffers_decoded++;
  if (peer->playback_input) {
    GstBuffer *buffer = gst_buffer_copy (gst_sample_get_buffer (sample));
    const GstSegment *seg = gst_sample_get_segment (sample);
    /* Move timestamps to running time: the playback pipeline shares clock and base time. */
    if (seg && GST_BUFFER_PTS_IS_VALID (buffer))
      GST_BUFFER_PTS (buffer) = gst_segment_to_running_time (seg, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
    mc_playback_input_push (peer->playback_input, buffer);
  }
  g_mutex_unlock (&peer->lock);
  return GST_FLOW_OK;
}

static GstPadProbeReturn
count_decoded_audio (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  McPeer *peer = user_data;

  g_mutex_lock (&peer->lock);
  peer->counters.audio_buffers_decoded++;
  g_mutex_unlock (&peer->lock);
  return GST_PAD_PROBE_OK;
}

/* Depayloading only, for the receive tap; NULL for a stream it cannot take. */
static char *
encoded_description (const char *media, const char *encoding, GError **error)
{
  const char *sink = "fakesink name=sink sync=false async=false enable-last-sample=false";

  if (g_strcmp0 (media, "video") == 0 && g_ascii_strcasecmp (encoding, "VP8") == 0)
    return g_strdup_printf ("rtpvp8depay request-keyframe=true wait-for-keyframe=true ! %s", sink);
  if (g_strcmp0 (media, "video") == 0 && g_ascii_strcasecmp (encoding, "H264") == 0)
    return g_strdup_printf ("rtph264depay request-keyframe=true wait-for-keyframe=true "
                            "! video/x-h264,stream-format=byte-stream,alignment=au ! %s", sink);
  if (g_strcmp0 (media, "audio") == 0 && g_ascii_strcasecmp (encoding, "OPUS") == 0)
    return g_strdup_printf ("rtpopusdepay ! %s", sink);
  g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_UNSUPPORTED, "unsupported %s stream %s", media, encoding);
  return NULL;
}

/* The decoding description for a stream, or NULL (MC_SDP_ERROR_UNSUPPORTED
 * or the pipelines error) when meshcall cannot take it. */
static char *
receive_description (McPeer *peer, const char *media, const char *encoding, GError **error)
{
  g_autofree char *dec = NULL;

  if (peer->encoded_only)
    return encoded_description (media, encoding, error);
  if (g_strcmp0 (media, "video") == 0 && (g_ascii_strcasecmp (encoding, "VP8") == 0 ||
                                           g_ascii_strcasecmp (encoding, "H264") == 0)) {
    gboolean vp8 = g_ascii_strcasecmp (encoding, "VP8") == 0;
    dec = mc_pipelines_load (vp8 ? "decoder-vp8" : "decoder-h264", NULL, error);
    if (dec == NULL)
      return NULL;
    return g_strdup_printf ("%s request-keyframe=true wait-for-keyframe=true ! %s ! appsink name=videosink",
                            vp8 ? "rtpvp8depay" : "rtph264depay", dec);
  }
  if (g_strcmp0 (media, "audio") == 0 && g_ascii_strcasecmp (encoding, "OPUS") == 0) {
    dec = mc_pipelines_load ("decoder-opus", NULL, error);
    if (dec == NULL)
      return NULL;
    /* The level element posts the RMS on the bus for the active-speaker border. */
    const char *level = peer->cb.audio_level ? "level interval=100000000 post-messages=true ! " : "";
    if (peer->playback)
      return g_strdup_printf ("rtpopusdepay ! %s ! audioconvert ! audioresample ! " MC_PLAYBACK_CAPS
                              " ! %sappsink name=audiosink", dec, level);
    return g_strdup_printf ("rtpopusdepay ! %s ! %sfakesink name=audiosink sync=false async=false", dec, level);
  }
  g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_UNSUPPORTED, "unsupported %s stream %s", media, encoding);
  return NULL;
}

/* The decoder bin's sink: an appsink with our callbacks, or (audio without
 * playback) a fakesink whose buffers are counted. */
static void
attach_sink (McPeer *peer, GstElement *bin, gboolean video)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (bin), video ? "videosink" : "audiosink");

  if (video || peer->playback) {
    GstAppSinkCallbacks cb = { .new_sample = video ? on_video_sample : on_audio_sample };
    g_object_set (sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, "max-buffers", 2, "drop", TRUE,
                  NULL);
    gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, peer, NULL);
  } else {
    g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (sink, "sink");
    gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, count_decoded_audio, peer, NULL);
  }
  gst_object_unref (sink);
}

void
peer_receive_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  McPeer *peer = user_data;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *desc = NULL;
  g_autoptr (GstPad) sinkpad = NULL;
  GstStructure *s;
  const char *media, *encoding;
  GstElement *bin;
  gboolean video;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC || peer_is_closed (peer))
    return;
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  s = gst_caps_get_structure (caps, 0);
  media = gst_structure_get_string (s, "media");
  encoding = gst_structure_get_string (s, "encoding-name");
  video = g_strcmp0 (media, "video") == 0;
  MC_INFO ("peer %s: incoming %s %s", peer->remote_id, media, encoding);

  desc = receive_description (peer, media, encoding ? encoding : "", &error);
  if (desc == NULL) {
    MC_WARNING ("peer %s: %s; discarding it", peer->remote_id, error->message);
    bin = gst_element_factory_make ("fakesink", NULL);
    g_object_set (bin, "async", FALSE, "sync", FALSE, NULL);
  } else {
    bin = mc_pipelines_parse_bin (desc, "receive", &error);
    if (bin == NULL) {
      peer_queue_fail (peer, MC_PEER_FAILURE_INTERNAL, "%s", error->message);
      return;
    }
    if (!peer->encoded_only)
      attach_sink (peer, bin, video);
    peer_tap_install (peer, bin, video);
  }
  gst_bin_add (GST_BIN (peer->pipeline), bin);
  gst_element_sync_state_with_parent (bin);
  sinkpad = gst_element_get_static_pad (bin, "sink");
  peer_add_count_probe (peer, sinkpad, video ? PEER_COUNT_VIDEO_IN : PEER_COUNT_AUDIO_IN);
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    peer_queue_fail (peer, MC_PEER_FAILURE_INTERNAL, "could not link the incoming %s stream", media);
  else if (desc != NULL)
    peer_tap_started (peer, video);
}

void
peer_receive_report_level (McPeer *peer, const GstStructure *s)
{
  const GValue *v = gst_structure_get_value (s, "rms");
  double loudest = -G_MAXDOUBLE;

  if (v == NULL || !G_VALUE_HOLDS_BOXED (v) || g_value_get_boxed (v) == NULL)
    return;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GValueArray *rms = g_value_get_boxed (v);
  for (guint i = 0; i < rms->n_values; i++)
    if (G_VALUE_HOLDS_DOUBLE (&rms->values[i]))
      loudest = MAX (loudest, MAX (g_value_get_double (&rms->values[i]), -200.0));  /* -inf: silence */
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (loudest > -G_MAXDOUBLE)
    peer->cb.audio_level (peer, loudest, peer->user_data);
}

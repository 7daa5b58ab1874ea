/* Mute, camera off and the self-view branch on the capture pipeline (see
 * local_media.h). */
#include "meshcall/media/local_media.h"
#include "meshcall/base/log.h"
#include "meshcall/media/pipelines.h"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)

struct _McLocalMedia {
  McCapture *capture;
  gint audio_muted;          /* atomic */
  gint video_off;            /* atomic */
  GstPad *audio_pad;         /* encoder sink pad with the mute probe, or NULL */
  GstPad *video_pad;         /* tee sink pad with the camera-off probe, or NULL */
  gulong audio_probe, video_probe;

  /* Touched only from the video streaming thread (and at free). */
  GstCaps *black_caps;
  GstMemory *black;

  McLocalMediaPreviewFunc preview_func;
  gpointer preview_data;
};

/* ---- mute ------------------------------------------------------------------ */

static GstPadProbeReturn
mute_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  McLocalMedia *m = user_data;
  GstBuffer *buf;
  GstMapInfo map;

  if (!g_atomic_int_get (&m->audio_muted))
    return GST_PAD_PROBE_OK;
  buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  /* Zero is silence for every signed integer and float sample format. */
  if (gst_buffer_map (buf, &map, GST_MAP_WRITE)) {
    memset (map.data, 0, map.size);
    gst_buffer_unmap (buf, &map);
  }
  return GST_PAD_PROBE_OK;
}

/* ---- camera off ------------------------------------------------------------ */

/* One black frame for these caps, shared by every replaced buffer. */
static gboolean
ensure_black (McLocalMedia *m, GstCaps *caps)
{
  GstVideoInfo vinfo;
  GstMapInfo map;
  GstBuffer *buf;
  guint n_planes;

  if (m->black && m->black_caps && gst_caps_is_equal (caps, m->black_caps))
    return TRUE;
  g_clear_pointer (&m->black, gst_memory_unref);
  gst_caps_replace (&m->black_caps, caps);
  if (!gst_video_info_from_caps (&vinfo, caps))
    return FALSE;
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&vinfo), NULL);
  if (buf == NULL || !gst_buffer_map (buf, &map, GST_MAP_WRITE)) {
    gst_clear_buffer (&buf);
    return FALSE;
  }
  /* Planar YUV: luma 16, chroma 128 (video-range black); RGB: 0. */
  n_planes = GST_VIDEO_INFO_N_PLANES (&vinfo);
  for (guint p = 0; p < n_planes; p++) {
    gsize start = GST_VIDEO_INFO_PLANE_OFFSET (&vinfo, p);
    gsize end = p + 1 < n_planes ? GST_VIDEO_INFO_PLANE_OFFSET (&vinfo, p + 1) : GST_VIDEO_INFO_SIZE (&vinfo);
    if (start < end && end <= map.size)
      memset (map.data + start, GST_VIDEO_INFO_IS_YUV (&vinfo) ? (p == 0 ? 16 : 128) : 0, end - start);
  }
  gst_buffer_unmap (buf, &map);
  m->black = gst_memory_ref (gst_buffer_peek_memory (buf, 0));
  gst_buffer_unref (buf);
  return TRUE;
}

static GstPadProbeReturn
camera_off_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  McLocalMedia *m = user_data;
  GstBuffer *in = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr (GstCaps) caps = NULL;
  GstBuffer *out;

  if (!g_atomic_int_get (&m->video_off))
    return GST_PAD_PROBE_OK;
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL || !ensure_black (m, caps))
    return GST_PAD_PROBE_OK;
  /* Same timestamps and flags, black pixels (default strides: no video meta). */
  out = gst_buffer_new ();
  gst_buffer_append_memory (out, gst_memory_ref (m->black));
  gst_buffer_copy_into (out, in, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0, (gsize) -1);
  gst_buffer_unref (in);
  GST_PAD_PROBE_INFO_DATA (info) = out;
  return GST_PAD_PROBE_OK;
}

/* ---- self view --------------------------------------------------------------- */

static GstFlowReturn
on_preview_sample (GstAppSink *sink, gpointer user_data)
{
  McLocalMedia *m = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;
  if (m->preview_func)
    m->preview_func (sample, m->preview_data);
  return GST_FLOW_OK;
}

gboolean
mc_local_media_add_preview (McLocalMedia *m, int max_width, int fps, McLocalMediaPreviewFunc func,
                            gpointer user_data, GError **error)
{
  g_autoptr (GstElement) sink = NULL;
  g_autofree char *desc = NULL;
  GstAppSinkCallbacks cb = { .new_sample = on_preview_sample };
  McCaptureTierInfo tier;
  GstElement *bin;
  int w, h;

  if (!mc_capture_has_video (m->capture) || !mc_capture_get_tier_info (m->capture, 0, &tier)) {
    g_set_error (error, MC_CAPTURE_ERROR, MC_CAPTURE_ERROR_NO_CAMERA, "no camera to show a self view of");
    return FALSE;
  }
  if (m->preview_func != NULL)
    return TRUE;
  w = MIN (max_width, tier.width) & ~1;
  h = (int) ((gint64) w * tier.height / MAX (1, tier.width)) & ~1;
  w = MAX (w, 16);
  h = MAX (h, 16);
  /* Leaky and small: the self view never holds back the encoders. */
  desc = g_strdup_printf ("queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 "
                          "! videoscale method=nearest-neighbour ! videorate drop-only=true "
                          "! video/x-raw,width=%d,height=%d,framerate=%d/1,pixel-aspect-ratio=1/1 "
                          "! appsink name=selfview",
                          w, h, MAX (1, fps));
  bin = gst_parse_bin_from_description (desc, TRUE, error);
  if (bin == NULL)
    return FALSE;
  gst_object_set_name (GST_OBJECT (bin), "selfview-branch");
  sink = gst_bin_get_by_name (GST_BIN (bin), "selfview");
  g_object_set (sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, "max-buffers", 1, "drop", TRUE,
                NULL);
  m->preview_func = func;
  m->preview_data = user_data;
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, m, NULL);
  if (!mc_capture_add_video_branch (m->capture, bin, error)) {
    m->preview_func = NULL;
    return FALSE;
  }
  MC_INFO ("self view: %dx%d@%d", w, h, fps);
  return TRUE;
}

/* ---- object ------------------------------------------------------------------ */

McLocalMedia *
mc_local_media_new (McCapture *capture)
{
  McLocalMedia *m = g_new0 (McLocalMedia, 1);

  m->capture = capture;
  if (mc_capture_has_audio (capture)) {
    GstPad *pad = mc_capture_get_raw_audio_pad (capture);
    m->audio_pad = pad ? gst_object_ref (pad) : NULL;
    if (m->audio_pad)
      m->audio_probe = gst_pad_add_probe (m->audio_pad, GST_PAD_PROBE_TYPE_BUFFER, mute_probe, m, NULL);
    else
      MC_WARNING ("no raw-audio encoder input found before 'audiosink': mute is not available");
  }
  if (mc_capture_has_video (capture)) {
    GstPad *pad = mc_capture_get_raw_video_pad (capture);
    m->video_pad = pad ? gst_object_ref (pad) : NULL;
    if (m->video_pad)
      m->video_probe = gst_pad_add_probe (m->video_pad, GST_PAD_PROBE_TYPE_BUFFER, camera_off_probe, m, NULL);
  }
  return m;
}

void
mc_local_media_free (McLocalMedia *m)
{
  if (m == NULL)
    return;
  if (m->audio_pad) {
    gst_pad_remove_probe (m->audio_pad, m->audio_probe);
    gst_object_unref (m->audio_pad);
  }
  if (m->video_pad) {
    gst_pad_remove_probe (m->video_pad, m->video_probe);
    gst_object_unref (m->video_pad);
  }
  g_clear_pointer (&m->black, gst_memory_unref);
  gst_clear_caps (&m->black_caps);
  g_free (m);
}

gboolean
mc_local_media_set_audio_muted (McLocalMedia *m, gboolean muted)
{
  g_atomic_int_set (&m->audio_muted, muted ? 1 : 0);
  MC_INFO ("microphone %s", muted ? "muted" : "live");
  return m->audio_pad != NULL;
}

gboolean
mc_local_media_set_video_off (McLocalMedia *m, gboolean off)
{
  g_atomic_int_set (&m->video_off, off ? 1 : 0);
  MC_INFO ("camera %s", off ? "off" : "live");
  return m->video_pad != NULL;
}

gboolean
mc_local_media_get_audio_muted (McLocalMedia *m)
{
  return g_atomic_int_get (&m->audio_muted) != 0;
}

gboolean
mc_local_media_get_video_off (McLocalMedia *m)
{
  return g_atomic_int_get (&m->video_off) != 0;
}

/* The one capture pipeline: building, running and tearing it down, and the
 * extra consumers of its raw media (capture.h). The tiers and the fan-out
 * are in capture_fanout.c. */
#include "meshcall/media/capture.h"
#include "meshcall/base/log.h"
#include "meshcall/media/pipelines.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)
#include "capture_private.h"

G_DEFINE_QUARK (mc-capture-error-quark, mc_capture_error)

static GstPad *find_encoder_sink (GstElement *pipeline);

gboolean
mc_video_codec_from_string (const char *s, McVideoCodec *codec, GError **error)
{
  if (g_strcmp0 (s, "vp8") == 0 || g_strcmp0 (s, "VP8") == 0) {
    *codec = MC_VIDEO_CODEC_VP8;
    return TRUE;
  }
  if (g_strcmp0 (s, "h264") == 0 || g_strcmp0 (s, "H264") == 0) {
    *codec = MC_VIDEO_CODEC_H264;
    return TRUE;
  }
  g_set_error (error, MC_CAPTURE_ERROR, MC_CAPTURE_ERROR_BAD_CODEC, "video codec '%s' is not vp8 or h264",
               s ? s : "");
  return FALSE;
}

const char *
mc_video_codec_to_string (McVideoCodec codec)
{
  return codec == MC_VIDEO_CODEC_H264 ? "h264" : "vp8";
}

GstCaps *
mc_video_codec_encoded_caps (McVideoCodec codec)
{
  if (codec == MC_VIDEO_CODEC_H264)
    /* What browsers decode everywhere (and what the SDP announces: 42e01f). */
    return gst_caps_from_string ("video/x-h264,stream-format=byte-stream,alignment=au,"
                                 "profile=constrained-baseline,level=(string)3.1");
  return gst_caps_from_string ("video/x-vp8");
}

GstCaps *
mc_capture_audio_caps (void)
{
  return gst_caps_from_string ("audio/x-opus,channel-mapping-family=0,channels=1,rate=48000");
}

guint
mc_capture_default_bitrate (int width, int height, int fps)
{
  double kbps = (double) width * height * fps / 11000.0;
  return (guint) CLAMP (kbps, 150.0, 2500.0);
}

/* ---- pipeline ------------------------------------------------------------- */

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  McCapture *capture = user_data;

  switch (GST_MESSAGE_TYPE (msg)) {
  case GST_MESSAGE_ERROR: {
    g_autoptr (GError) err = NULL;
    g_autofree char *dbg = NULL;
    gst_message_parse_error (msg, &err, &dbg);
    MC_ERROR ("capture: %s (%s)", err->message, dbg ? dbg : "");
    mc_log_error ("capture failed: %s (from %s)", err->message, GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)));
    if (capture->error_func)
      capture->error_func (capture, err, capture->error_data);
    break;
  }
  case GST_MESSAGE_WARNING: {
    g_autoptr (GError) err = NULL;
    gst_message_parse_warning (msg, &err, NULL);
    MC_WARNING ("capture: %s", err->message);
    break;
  }
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

static char *
audio_chain (const McCaptureConfig *cfg, GError **error)
{
  g_autofree char *src = mc_media_source_to_description (&cfg->audio, cfg->width, cfg->height, cfg->fps, error);
  g_autofree char *bps = g_strdup_printf ("%u", (cfg->audio_bitrate_kbps ? cfg->audio_bitrate_kbps : 32) * 1000);
  const char *vars[] = { "BITRATE_BPS", bps, NULL };
  g_autofree char *enc = NULL;
  g_autofree char *dsp = NULL;

  if (src == NULL)
    return NULL;
  enc = mc_pipelines_load ("encoder-opus", vars, error);
  if (enc == NULL)
    return NULL;
  if (cfg->audio_processing)
    dsp = g_strdup_printf ("webrtcdsp name=dsp echo-cancel=%s noise-suppression=true gain-control=true "
                           "! audioconvert ! ",
                           cfg->echo_cancel ? "true" : "false");
  return g_strdup_printf ("%s ! audioconvert ! audioresample "
                          "! audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved "
                          "! queue max-size-buffers=0 max-size-bytes=0 max-size-time=200000000 leaky=downstream "
                          "! %s%s ! appsink name=audiosink",
                          src, dsp ? dsp : "", enc);
}

McCapture *
mc_capture_new (const McCaptureConfig *cfg, GError **error)
{
  g_autoptr (GString) desc = g_string_new (NULL);
  g_autoptr (GError) local = NULL;
  McCapture *capture;
  GstElement *pipeline;

  g_return_val_if_fail (cfg->video.type != MC_MEDIA_SOURCE_AUTO && cfg->audio.type != MC_MEDIA_SOURCE_AUTO, NULL);

  if (cfg->video.type != MC_MEDIA_SOURCE_NONE) {
    g_autofree char *src = mc_media_source_to_description (&cfg->video, cfg->width, cfg->height, cfg->fps, error);
    if (src == NULL)
      return NULL;
    g_string_append_printf (desc,
                            "%s ! videoconvert ! videoscale ! videorate drop-only=true "
                            "! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,pixel-aspect-ratio=1/1 "
                            "! tee name=videotee allow-not-linked=true ",
                            src, cfg->width, cfg->height, cfg->fps);
  }
  if (cfg->audio.type != MC_MEDIA_SOURCE_NONE) {
    g_autofree char *chain = audio_chain (cfg, error);
    if (chain == NULL)
      return NULL;
    g_string_append (desc, chain);
  }
  if (desc->len == 0) {
    /* Nothing to send: keep a pipeline anyway for the shared clock. */
    g_string_append (desc, "fakesrc num-buffers=0 ! fakesink");
  }

  pipeline = gst_parse_launch_full (desc->str, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &local);
  if (pipeline == NULL) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_PARSE, "capture pipeline: %s (pipeline: %s)",
                 local->message, desc->str);
    return NULL;
  }
  gst_object_set_name (GST_OBJECT (pipeline), "capture");

  capture = g_new0 (McCapture, 1);
  capture->cfg = *cfg;
  capture->cfg.video.device = g_strdup (cfg->video.device);
  capture->cfg.video.description = g_strdup (cfg->video.description);
  capture->cfg.audio.device = g_strdup (cfg->audio.device);
  capture->cfg.audio.description = g_strdup (cfg->audio.description);
  capture->pipeline = pipeline;
  g_mutex_init (&capture->lock);
  capture->subs_by_sink = g_hash_table_new_full (NULL, NULL, NULL, mc_capture_sub_free);
  capture->audio_subs = g_ptr_array_new_with_free_func (gst_object_unref);
  capture->tee = gst_bin_get_by_name (GST_BIN (pipeline), "videotee");
  capture->tee_sink = capture->tee ? gst_element_get_static_pad (capture->tee, "sink") : NULL;
  capture->encoder_sink = find_encoder_sink (pipeline);

  /* One monotonic clock and base time for every pipeline of the process. */
  capture->clock = gst_system_clock_obtain ();
  gst_pipeline_use_clock (GST_PIPELINE (pipeline), capture->clock);
  gst_element_set_start_time (pipeline, GST_CLOCK_TIME_NONE);
  gst_element_set_base_time (pipeline, gst_clock_get_time (capture->clock));

  {
    GstElement *asink = gst_bin_get_by_name (GST_BIN (pipeline), "audiosink");
    if (asink != NULL) {
      GstAppSinkCallbacks cb = { .new_sample = mc_capture_on_audio_sample };
      mc_capture_setup_appsink (asink, &cb, capture);
      gst_object_unref (asink);
    }
  }
  if (capture->tee != NULL) {
    int tier = mc_capture_add_tier (capture, cfg->width, cfg->height, cfg->fps, cfg->video_bitrate_kbps, error);
    if (tier < 0) {
      mc_capture_free (capture);
      return NULL;
    }
  }
  {
    g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
    capture->bus_watch = gst_bus_add_watch (bus, on_bus_message, capture);
  }
  return capture;
}

/* "camera", "microphone" or "capture pipeline": which part an element that
 * failed belongs to, for the user's message. */
static const char *
capture_part (McCapture *capture, GstObject *element)
{
  gboolean video = FALSE, audio = FALSE;

  for (GstObject *o = element ? gst_object_ref (element) : NULL; o != NULL;) {
    GstObject *parent = gst_object_get_parent (o);
    const char *name = GST_OBJECT_NAME (o);
    video = video || g_str_has_prefix (name, "video") || g_str_has_prefix (name, "v4l2");
    audio = audio || g_str_has_prefix (name, "audio") || g_str_has_prefix (name, "pulse") ||
            g_str_has_prefix (name, "alsa");
    gst_object_unref (o);
    o = parent;
  }
  if (video != audio)
    return video ? "camera" : "microphone";
  return "capture pipeline";
}

gboolean
mc_capture_start (McCapture *capture, GError **error)
{
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  g_autoptr (GError) cause = NULL;
  g_autofree char *debug = NULL;
  const char *part, *hint;

  if (gst_element_set_state (capture->pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE)
    return TRUE;
  /* The element that failed says why on the bus ("Cannot identify device
   * '/dev/video9'."): tell the user that, not where to look. */
  bus = gst_element_get_bus (capture->pipeline);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg == NULL) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_STATE,
                 "the capture pipeline failed to start (GST_DEBUG=3 shows why)");
    return FALSE;
  }
  gst_message_parse_error (msg, &cause, &debug);
  MC_INFO ("capture start failed in %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), cause->message,
           debug ? debug : "");
  part = capture_part (capture, GST_MESSAGE_SRC (msg));
  /* What is wrong, then what to do, on the one line the user reads. */
  if (g_str_equal (part, "camera"))
    hint = "'meshcall devices' lists the cameras; --video test sends a test picture, --video none no picture";
  else if (g_str_equal (part, "microphone"))
    hint = "'meshcall devices' lists the microphones; --audio test sends a tone, --audio none no sound";
  else
    hint = "check --video and --audio ('meshcall devices' lists the values for this machine)";
  g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_STATE, "cannot start the %s: %s (%s)", part,
               cause->message, hint);
  return FALSE;
}

void
mc_capture_set_error_callback (McCapture *capture, void (*func) (McCapture *, const GError *, gpointer),
                               gpointer user_data)
{
  capture->error_func = func;
  capture->error_data = user_data;
}

void
mc_capture_free (McCapture *capture)
{
  if (capture == NULL)
    return;
  gst_element_set_state (capture->pipeline, GST_STATE_NULL);
  if (capture->bus_watch)
    g_source_remove (capture->bus_watch);
  g_hash_table_destroy (capture->subs_by_sink);
  g_ptr_array_unref (capture->audio_subs);
  for (guint i = 0; i < capture->n_tiers; i++) {
    Tier *tier = &capture->tiers[i];
    gst_element_release_request_pad (capture->tee, tier->tee_pad);
    gst_object_unref (tier->tee_pad);
    gst_object_unref (tier->encoder);
    g_clear_object (&tier->caps_filter);
    g_ptr_array_unref (tier->subs);
    g_ptr_array_unref (tier->recent);
  }
  g_clear_object (&capture->tee_sink);
  g_clear_object (&capture->encoder_sink);
  g_clear_object (&capture->tee);
  gst_object_unref (capture->pipeline);
  gst_object_unref (capture->clock);
  g_mutex_clear (&capture->lock);
  mc_media_source_clear (&capture->cfg.video);
  mc_media_source_clear (&capture->cfg.audio);
  g_free (capture);
}

gboolean
mc_capture_has_video (McCapture *capture)
{
  return capture->n_tiers > 0;
}

gboolean
mc_capture_has_audio (McCapture *capture)
{
  return capture->cfg.audio.type != MC_MEDIA_SOURCE_NONE;
}

McVideoCodec
mc_capture_get_codec (McCapture *capture)
{
  return capture->cfg.codec;
}

/* ---- extra consumers of the raw media ------------------------------------ */

GstPad *
mc_capture_get_raw_video_pad (McCapture *capture)
{
  return capture->tee_sink;
}

static gboolean
takes_raw_audio (GstPad *sinkpad)
{
  g_autoptr (GstCaps) templ = gst_pad_get_pad_template_caps (sinkpad);

  if (templ == NULL || gst_caps_is_any (templ) || gst_caps_is_empty (templ))
    return FALSE;
  for (guint i = 0; i < gst_caps_get_size (templ); i++)
    if (!gst_structure_has_name (gst_caps_get_structure (templ, i), "audio/x-raw"))
      return FALSE;
  return TRUE;
}

/* The sink pad of the audio encoder: walk upstream from the audio appsink to
 * the first element that only takes raw audio (the encoder comes from a
 * pipeline file, so its name is the user's). */
static GstPad *
find_encoder_sink (GstElement *pipeline)
{
  g_autoptr (GstElement) el = gst_bin_get_by_name (GST_BIN (pipeline), "audiosink");

  for (int hops = 0; el != NULL && hops < 8; hops++) {
    g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (el, "sink");
    g_autoptr (GstPad) peer = NULL;
    GstElement *up;

    if (sinkpad == NULL)
      return NULL;
    if (hops > 0 && takes_raw_audio (sinkpad))
      return g_steal_pointer (&sinkpad);
    peer = gst_pad_get_peer (sinkpad);
    up = peer ? gst_pad_get_parent_element (peer) : NULL;
    gst_object_unref (el);
    el = up;
  }
  return NULL;
}

GstPad *
mc_capture_get_raw_audio_pad (McCapture *capture)
{
  return capture->encoder_sink;
}

gboolean
mc_capture_add_video_branch (McCapture *capture, GstElement *branch, GError **error)
{
  g_autoptr (GstPad) binpad = NULL;
  GstPad *teepad;

  gst_object_ref_sink (branch);
  if (capture->tee == NULL) {
    g_set_error (error, MC_CAPTURE_ERROR, MC_CAPTURE_ERROR_NO_CAMERA, "no camera to take pictures from");
    gst_object_unref (branch);
    return FALSE;
  }
  gst_bin_add (GST_BIN (capture->pipeline), branch);
  teepad = gst_element_request_pad_simple (capture->tee, "src_%u");
  binpad = gst_element_get_static_pad (branch, "sink");
  if (teepad == NULL || binpad == NULL || gst_pad_link (teepad, binpad) != GST_PAD_LINK_OK) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_LINK, "cannot link %s to the camera",
                 GST_OBJECT_NAME (branch));
    if (teepad) {
      gst_element_release_request_pad (capture->tee, teepad);
      gst_object_unref (teepad);
    }
    gst_element_set_state (branch, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (capture->pipeline), branch);
    gst_object_unref (branch);
    return FALSE;
  }
  g_object_set_data_full (G_OBJECT (branch), "mc-tee-pad", teepad, gst_object_unref);
  gst_element_sync_state_with_parent (branch);
  gst_object_unref (branch);   /* the pipeline holds it now */
  return TRUE;
}

void
mc_capture_remove_video_branch (McCapture *capture, GstElement *branch)
{
  GstPad *teepad = g_object_get_data (G_OBJECT (branch), "mc-tee-pad");

  if (teepad == NULL)
    return;
  gst_object_ref (branch);
  gst_element_release_request_pad (capture->tee, teepad);
  g_object_set_data (G_OBJECT (branch), "mc-tee-pad", NULL);
  gst_element_set_state (branch, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (capture->pipeline), branch);
  gst_object_unref (branch);
}

void
mc_capture_sync_pipeline (McCapture *capture, GstElement *pipeline)
{
  gst_pipeline_use_clock (GST_PIPELINE (pipeline), capture->clock);
  gst_element_set_start_time (pipeline, GST_CLOCK_TIME_NONE);
  gst_element_set_base_time (pipeline, gst_element_get_base_time (capture->pipeline));
}

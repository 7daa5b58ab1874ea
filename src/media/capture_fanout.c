/* Encoding per tier and the fan-out: every encoded buffer pushed into each
 * subscribed appsrc (the same refcounted GstBuffer), keyframes forced for new
 * subscribers and on requests, at most one per tier per interval, a keyframe
 * a few frames old handed to a new subscriber at once (capture.h). */
#include "capture_private.h"
#include "meshcall/base/log.h"
#include "meshcall/media/pipelines.h"

#include <gst/video/video.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)

static GstClockTime
now_mono (void)
{
  return (GstClockTime) g_get_monotonic_time () * GST_USECOND;
}

/* ---- keyframes ----------------------------------------------------------- */

static void
force_keyframe (Tier *tier)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (tier->encoder, "src");
  MC_DEBUG ("tier %u: forcing a keyframe", tier->index);
  gst_pad_send_event (pad, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
}

/* Called with the lock held; returns TRUE when the caller must force one now
 * (outside the lock). */
static gboolean
keyframe_due_locked (Tier *tier, gboolean new_request)
{
  GstClockTime now = now_mono ();

  if (new_request)
    tier->requests++;
  if (!new_request && !tier->pending)
    return FALSE;
  if (tier->last_forced != GST_CLOCK_TIME_NONE && now - tier->last_forced < MC_CAPTURE_KEYFRAME_MIN_INTERVAL) {
    tier->pending = TRUE;
    return FALSE;
  }
  tier->pending = FALSE;
  tier->last_forced = now;
  tier->forced++;
  return TRUE;
}

/* Not counted against the interval of requests (last_forced): when the
 * subscription comes too late to start from this keyframe, it forces its
 * own at once, as it would have without this one. */
void
mc_capture_prepare_subscriber (McCapture *capture, guint tier_index)
{
  Tier *tier;
  GstClockTime now = now_mono ();
  gboolean due;

  if (tier_index >= capture->n_tiers)
    return;
  tier = &capture->tiers[tier_index];
  g_mutex_lock (&capture->lock);
  due = tier->prepared == GST_CLOCK_TIME_NONE || now - tier->prepared >= MC_CAPTURE_KEYFRAME_MIN_INTERVAL;
  if (due) {
    tier->prepared = now;
    tier->forced++;
  }
  g_mutex_unlock (&capture->lock);
  if (due)
    force_keyframe (tier);
}

void
mc_capture_request_keyframe (McCapture *capture, guint tier_index)
{
  gboolean due;

  if (tier_index >= capture->n_tiers)
    return;
  g_mutex_lock (&capture->lock);
  due = keyframe_due_locked (&capture->tiers[tier_index], TRUE);
  g_mutex_unlock (&capture->lock);
  if (due)
    force_keyframe (&capture->tiers[tier_index]);
}

/* ---- fan-out ------------------------------------------------------------- */

/* Tiers past the first encode only while someone takes their frames: a
 * call whose links are all healthy runs one encoder. */
static void
update_active_locked (Tier *tier)
{
  gboolean active = tier->index == 0 || tier->subs->len > 0;

  g_atomic_int_set (&tier->active, active);
  /* An idle tier's last frames are stale by the time someone subscribes. */
  if (!active)
    g_ptr_array_set_size (tier->recent, 0);
}

static GstPadProbeReturn
on_tier_input (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Tier *tier = user_data;

  return g_atomic_int_get (&tier->active) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

/* The sample's buffer with PTS/DTS in running time (a new ref). Encoders may
 * put their output in a segment of their own (x264enc starts it at 1000 h so
 * DTS can precede PTS); the peer's appsrc has a plain segment on the same
 * clock and base time, where only running time means "now" — a buffer still
 * stamped +1000 h waits in webrtcbin's clocksync forever. */
static GstBuffer *
to_running_time (GstSample *sample)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  const GstSegment *seg = gst_sample_get_segment (sample);
  GstClockTime pts, dts;

  if (seg == NULL || seg->format != GST_FORMAT_TIME)
    return gst_buffer_ref (buffer);
  pts = gst_segment_to_running_time (seg, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  dts = gst_segment_to_running_time (seg, GST_FORMAT_TIME, GST_BUFFER_DTS (buffer));
  if (pts == GST_BUFFER_PTS (buffer) && dts == GST_BUFFER_DTS (buffer))
    return gst_buffer_ref (buffer);
  buffer = gst_buffer_copy (buffer);   /* shares the memory: only the metadata is new */
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DTS (buffer) = dts;
  return buffer;
}

/* Called with the lock held. */
static void
remember_locked (Tier *tier, GstBuffer *buffer, gboolean key)
{
  if (key)
    g_ptr_array_set_size (tier->recent, 0);
  else if (tier->recent->len == 0 || tier->recent->len >= MC_CAPTURE_RECENT_FRAMES) {
    g_ptr_array_set_size (tier->recent, 0);
    return;
  }
  g_ptr_array_add (tier->recent, gst_buffer_ref (buffer));
}

static GstFlowReturn
on_tier_sample (GstAppSink *appsink, gpointer user_data)
{
  Tier *tier = user_data;
  McCapture *capture = tier->capture;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (appsink);
  g_autoptr (GstBuffer) buffer = NULL;
  gboolean key, due;
  GstAppSrc *targets[64];
  guint n = 0;

  if (sample == NULL)
    return GST_FLOW_EOS;
  buffer = to_running_time (sample);
  key = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);

  g_mutex_lock (&capture->lock);
  tier->frames++;
  if (key)
    tier->keyframes++;
  remember_locked (tier, buffer, key);
  for (guint i = 0; i < tier->subs->len && n < G_N_ELEMENTS (targets);) {
    Sub *sub = g_ptr_array_index (tier->subs, i);
    if (sub->tier != (int) tier->index) {
      /* Moving away: fed from here until its new tier's keyframe, pushed
       * under the lock so no frame of ours can follow that keyframe. */
      if (sub->need_keyframe)
        gst_app_src_push_buffer (sub->sink, gst_buffer_ref (buffer));
      i++;
      continue;
    }
    i++;
    if (sub->need_keyframe && !key)
      continue;
    if (sub->need_keyframe && sub->leaving >= 0) {
      gst_app_src_push_buffer (sub->sink, gst_buffer_ref (buffer));
      g_ptr_array_remove (capture->tiers[sub->leaving].subs, sub);
      update_active_locked (&capture->tiers[sub->leaving]);
      sub->leaving = -1;
      sub->need_keyframe = FALSE;
      continue;
    }
    sub->need_keyframe = FALSE;
    targets[n++] = gst_object_ref (sub->sink);
  }
  due = keyframe_due_locked (tier, FALSE);
  g_mutex_unlock (&capture->lock);

  for (guint i = 0; i < n; i++) {
    gst_app_src_push_buffer (targets[i], gst_buffer_ref (buffer));
    gst_object_unref (targets[i]);
  }
  if (due)
    force_keyframe (tier);
  return GST_FLOW_OK;
}

GstFlowReturn
mc_capture_on_audio_sample (GstAppSink *appsink, gpointer user_data)
{
  McCapture *capture = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (appsink);
  GstAppSrc *targets[64];
  guint n = 0;

  if (sample == NULL)
    return GST_FLOW_EOS;
  g_mutex_lock (&capture->lock);
  for (guint i = 0; i < capture->audio_subs->len && n < G_N_ELEMENTS (targets); i++)
    targets[n++] = gst_object_ref (g_ptr_array_index (capture->audio_subs, i));
  g_mutex_unlock (&capture->lock);
  for (guint i = 0; i < n; i++) {
    gst_app_src_push_buffer (targets[i], gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_object_unref (targets[i]);
  }
  return GST_FLOW_OK;
}

void
mc_capture_setup_appsink (GstElement *sink, GstAppSinkCallbacks *cb, gpointer user_data)
{
  g_object_set (sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, "max-buffers", 8, "drop", TRUE,
                NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), cb, user_data, NULL);
}

/* ---- subscriptions -------------------------------------------------------- */

typedef struct {
  McCapture *capture;
  GstAppSrc *sink;
} ProbeCtx;

static GstPadProbeReturn
on_upstream_event (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  ProbeCtx *ctx = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  int tier;

  if (!gst_video_event_is_force_key_unit (event))
    return GST_PAD_PROBE_OK;
  tier = mc_capture_get_sink_tier (ctx->capture, ctx->sink);
  MC_DEBUG ("keyframe request from %s for tier %d", GST_OBJECT_NAME (ctx->sink), tier);
  if (tier >= 0)
    mc_capture_request_keyframe (ctx->capture, (guint) tier);
  return GST_PAD_PROBE_DROP;
}

void
mc_capture_sub_free (gpointer data)
{
  Sub *sub = data;

  if (sub->probe_id) {
    g_autoptr (GstPad) pad = gst_element_get_static_pad (GST_ELEMENT (sub->sink), "src");
    gst_pad_remove_probe (pad, sub->probe_id);
  }
  gst_object_unref (sub->sink);
  g_free (sub);
}

void
mc_capture_subscribe (McCapture *capture, guint tier_index, GstAppSrc *sink)
{
  Tier *tier;
  Sub *sub;
  gboolean due = FALSE;
  guint replayed;

  g_return_if_fail (tier_index < capture->n_tiers);
  tier = &capture->tiers[tier_index];
  g_mutex_lock (&capture->lock);
  sub = g_hash_table_lookup (capture->subs_by_sink, sink);
  if (sub == NULL) {
    g_autoptr (GstPad) pad = gst_element_get_static_pad (GST_ELEMENT (sink), "src");
    ProbeCtx *ctx = g_new0 (ProbeCtx, 1);
    ctx->capture = capture;
    ctx->sink = sink;
    sub = g_new0 (Sub, 1);
    sub->sink = gst_object_ref (sink);
    sub->tier = -1;
    sub->leaving = -1;
    sub->probe_id = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_upstream_event, ctx, g_free);
    g_hash_table_insert (capture->subs_by_sink, sink, sub);
  }
  if (sub->tier == (int) tier_index) {
    g_mutex_unlock (&capture->lock);
    return;
  }
  if (sub->leaving >= 0) {
    /* Moved again before the last move's keyframe: leave that one now. */
    g_ptr_array_remove (capture->tiers[sub->leaving].subs, sub);
    sub->leaving = -1;
  }
  if (sub->tier >= 0 && !sub->need_keyframe)
    sub->leaving = sub->tier;   /* fed by its old tier until the new one's keyframe: no freeze */
  else if (sub->tier >= 0)
    g_ptr_array_remove (capture->tiers[sub->tier].subs, sub);
  sub->tier = (int) tier_index;
  sub->need_keyframe = TRUE;
  g_ptr_array_add (tier->subs, sub);
  update_active_locked (tier);
  /* A keyframe a few frames old (one asked for as the peer started
   * connecting, mc_capture_prepare_subscriber): start from it and the deltas
   * since, now, rather than wait for the next frame and its encoding.
   * Under the lock, so the next frame follows them; the push never blocks. */
  for (guint i = 0; i < tier->recent->len; i++)
    gst_app_src_push_buffer (sink, gst_buffer_ref (g_ptr_array_index (tier->recent, i)));
  replayed = tier->recent->len;
  if (replayed > 0) {
    sub->need_keyframe = FALSE;
    /* A move: the replayed keyframe is the switch, the old tier stops now. */
    if (sub->leaving >= 0) {
      g_ptr_array_remove (capture->tiers[sub->leaving].subs, sub);
      update_active_locked (&capture->tiers[sub->leaving]);
      sub->leaving = -1;
    }
  } else {
    due = keyframe_due_locked (tier, TRUE);
  }
  g_mutex_unlock (&capture->lock);
  MC_INFO ("%s subscribed to tier %u%s", GST_OBJECT_NAME (sink), tier_index,
           replayed ? " (from its latest keyframe)" : "");
  if (due)
    force_keyframe (tier);
}

void
mc_capture_unsubscribe (McCapture *capture, GstAppSrc *sink)
{
  Sub *sub;

  g_mutex_lock (&capture->lock);
  sub = g_hash_table_lookup (capture->subs_by_sink, sink);
  if (sub != NULL) {
    if (sub->tier >= 0)
      g_ptr_array_remove (capture->tiers[sub->tier].subs, sub);
    if (sub->leaving >= 0)
      g_ptr_array_remove (capture->tiers[sub->leaving].subs, sub);
    for (guint i = 0; i < capture->n_tiers; i++)
      update_active_locked (&capture->tiers[i]);
    g_hash_table_steal (capture->subs_by_sink, sink);
  }
  g_mutex_unlock (&capture->lock);
  if (sub != NULL)
    mc_capture_sub_free (sub);
}

int
mc_capture_get_sink_tier (McCapture *capture, GstAppSrc *sink)
{
  Sub *sub;
  int tier;

  g_mutex_lock (&capture->lock);
  sub = g_hash_table_lookup (capture->subs_by_sink, sink);
  tier = sub ? sub->tier : -1;
  g_mutex_unlock (&capture->lock);
  return tier;
}

void
mc_capture_subscribe_audio (McCapture *capture, GstAppSrc *sink)
{
  g_mutex_lock (&capture->lock);
  if (!g_ptr_array_find (capture->audio_subs, sink, NULL))
    g_ptr_array_add (capture->audio_subs, gst_object_ref (sink));
  g_mutex_unlock (&capture->lock);
}

void
mc_capture_unsubscribe_audio (McCapture *capture, GstAppSrc *sink)
{
  g_mutex_lock (&capture->lock);
  g_ptr_array_remove (capture->audio_subs, sink);
  g_mutex_unlock (&capture->lock);
}

/* ---- tiers --------------------------------------------------------------- */

static const char *
bitrate_property (GstElement *encoder, gboolean *in_bps)
{
  const char *factory = GST_OBJECT_NAME (gst_element_get_factory (encoder));

  *in_bps = TRUE;
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (encoder), "target-bitrate"))
    return "target-bitrate";                           /* vp8enc, vp9enc: bit/s */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (encoder), "bitrate")) {
    *in_bps = !g_str_equal (factory, "x264enc");        /* x264enc: kbit/s; openh264enc: bit/s */
    return "bitrate";
  }
  return NULL;
}

gboolean
mc_capture_set_tier_bitrate (McCapture *capture, guint tier_index, guint kbps)
{
  Tier *tier;
  const char *prop;
  gboolean in_bps;

  if (tier_index >= capture->n_tiers || kbps == 0)
    return FALSE;
  tier = &capture->tiers[tier_index];
  prop = bitrate_property (tier->encoder, &in_bps);
  if (prop == NULL) {
    MC_WARNING ("tier %u: encoder %s has no bitrate property", tier_index, GST_OBJECT_NAME (tier->encoder));
    return FALSE;
  }
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (tier->encoder), prop);
  guint64 value = in_bps ? (guint64) kbps * 1000 : kbps;
  if (G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_INT)
    g_object_set (tier->encoder, prop, (gint) MIN (value, G_MAXINT), NULL);
  else if (G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_UINT)
    g_object_set (tier->encoder, prop, (guint) MIN (value, G_MAXUINT), NULL);
  else
    return FALSE;
  g_mutex_lock (&capture->lock);
  tier->bitrate_kbps = kbps;
  g_mutex_unlock (&capture->lock);
  MC_INFO ("tier %u: bitrate %u kbit/s", tier_index, kbps);
  return TRUE;
}

int
mc_capture_add_tier (McCapture *capture, int width, int height, int fps, guint bitrate_kbps, GError **error)
{
  Tier *tier;
  g_autofree char *enc_desc = NULL;
  g_autofree char *desc = NULL;
  GstAppSinkCallbacks cb = { .new_sample = on_tier_sample };
  GstElement *bin, *sink;
  const char *file = capture->cfg.codec == MC_VIDEO_CODEC_H264 ? "encoder-h264" : "encoder-vp8";

  if (capture->tee == NULL) {
    g_set_error (error, MC_CAPTURE_ERROR, MC_CAPTURE_ERROR_NO_CAMERA, "no video source to encode");
    return -1;
  }
  if (capture->n_tiers >= MC_CAPTURE_MAX_TIERS) {
    g_set_error (error, MC_CAPTURE_ERROR, MC_CAPTURE_ERROR_TIERS, "at most %d quality tiers",
                 MC_CAPTURE_MAX_TIERS);
    return -1;
  }
  if (bitrate_kbps == 0)
    bitrate_kbps = mc_capture_default_bitrate (width, height, fps);

  {
    g_autofree char *kbps = g_strdup_printf ("%u", bitrate_kbps);
    g_autofree char *bps = g_strdup_printf ("%u", bitrate_kbps * 1000);
    g_autofree char *f = g_strdup_printf ("%d", fps);
    g_autofree char *kf = g_strdup_printf ("%d", fps * 3);
    const char *threads = width * height > 640 * 480 ? "2" : "1";
    const char *vars[] = { "BITRATE", kbps, "BITRATE_BPS", bps, "FPS", f, "KEYFRAME_INTERVAL", kf,
                           "THREADS", threads, NULL };
    enc_desc = mc_pipelines_load (file, vars, error);
    if (enc_desc == NULL)
      return -1;
  }
  /* The queue decouples each encoder from the camera thread and drops frames
   * (not latency) when an encoder cannot keep up. */
  desc = g_strdup_printf ("queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 "
                          "! videoscale ! videorate drop-only=true "
                          "! capsfilter name=tiercaps caps=video/x-raw,width=%d,height=%d,framerate=%d/1,pixel-aspect-ratio=1/1 "
                          "! %s ! appsink name=tiersink",
                          width, height, fps, enc_desc);
  bin = mc_pipelines_parse_bin (desc, file, error);
  if (bin == NULL)
    return -1;

  tier = &capture->tiers[capture->n_tiers];
  memset (tier, 0, sizeof *tier);
  tier->capture = capture;
  tier->index = capture->n_tiers;
  tier->bin = bin;
  tier->width = width;
  tier->height = height;
  tier->fps = fps;
  tier->bitrate_kbps = bitrate_kbps;
  tier->last_forced = GST_CLOCK_TIME_NONE;
  tier->subs = g_ptr_array_new ();
  tier->recent = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  tier->prepared = GST_CLOCK_TIME_NONE;
  tier->encoder = gst_bin_get_by_name (GST_BIN (bin), "encoder");
  if (tier->encoder == NULL) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_PARSE,
                 "%s.pipeline: no element named 'encoder' (meshcall needs it for keyframes and bitrate)", file);
    gst_object_unref (gst_object_ref_sink (bin));
    g_ptr_array_unref (tier->subs);
    g_ptr_array_unref (tier->recent);
    return -1;
  }
  tier->caps_filter = gst_bin_get_by_name (GST_BIN (bin), "tiercaps");
  tier->active = TRUE;
  sink = gst_bin_get_by_name (GST_BIN (bin), "tiersink");
  {
    g_autofree char *name = g_strdup_printf ("tier%u", tier->index);
    gst_object_set_name (GST_OBJECT (bin), name);
  }
  mc_capture_setup_appsink (sink, &cb, tier);
  gst_object_unref (sink);

  gst_bin_add (GST_BIN (capture->pipeline), bin);
  /* Playing before it is linked: a tier added to a running capture would
   * otherwise answer the tee's first buffer with FLUSHING, and the tee would
   * hand that to the camera's streaming thread, which stops (every tier's
   * video with it). */
  gst_element_sync_state_with_parent (bin);
  tier->tee_pad = gst_element_request_pad_simple (capture->tee, "src_%u");
  {
    g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (bin, "sink");
    gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, on_tier_input, tier, NULL);
    gst_pad_link (tier->tee_pad, sinkpad);
  }
  capture->n_tiers++;
  MC_INFO ("tier %u: %dx%d@%d %s %u kbit/s", tier->index, width, height, fps,
            mc_video_codec_to_string (capture->cfg.codec), bitrate_kbps);
  return (int) tier->index;
}

gboolean
mc_capture_set_tier_format (McCapture *capture, guint tier_index, int width, int height, int fps)
{
  Tier *tier;
  g_autoptr (GstCaps) caps = NULL;

  if (tier_index >= capture->n_tiers || width <= 0 || height <= 0 || fps <= 0)
    return FALSE;
  tier = &capture->tiers[tier_index];
  if (tier->width == width && tier->height == height && tier->fps == fps)
    return TRUE;
  caps = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, width, "height", G_TYPE_INT, height, "framerate",
                              GST_TYPE_FRACTION, fps, 1, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  /* videoscale and videorate renegotiate; the encoder restarts at the new
   * size with a keyframe, which every subscriber can start from. */
  g_object_set (tier->caps_filter, "caps", caps, NULL);
  g_mutex_lock (&capture->lock);
  tier->width = width;
  tier->height = height;
  tier->fps = fps;
  g_ptr_array_set_size (tier->recent, 0);   /* frames of the old size: nobody starts from them */
  g_mutex_unlock (&capture->lock);
  MC_INFO ("tier %u: %dx%d@%d", tier_index, width, height, fps);
  return TRUE;
}

guint
mc_capture_get_n_tiers (McCapture *capture)
{
  return capture->n_tiers;
}

gboolean
mc_capture_get_tier_info (McCapture *capture, guint tier_index, McCaptureTierInfo *info)
{
  Tier *tier;

  if (tier_index >= capture->n_tiers)
    return FALSE;
  tier = &capture->tiers[tier_index];
  g_mutex_lock (&capture->lock);
  info->width = tier->width;
  info->height = tier->height;
  info->fps = tier->fps;
  info->bitrate_kbps = tier->bitrate_kbps;
  info->subscribers = tier->subs->len;
  info->frames = tier->frames;
  info->keyframes = tier->keyframes;
  info->keyframe_requests = tier->requests;
  info->keyframes_forced = tier->forced;
  g_mutex_unlock (&capture->lock);
  return TRUE;
}

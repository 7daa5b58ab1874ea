/* Glass-to-glass latency probe for bench/call-latency.sh: one call
 * participant (meshcall_core's McCall, test sources) that
 *  - stamps the wall-clock time (CLOCK_REALTIME, ms, low 24 bits + an 8-bit
 *    check) into every captured frame before it is encoded, as a row of
 *    black/white 16x16 blocks in the top of the picture, and
 *  - reads the stamp back from every frame it decodes from the others and
 *    records now - stamp.
 * Two of these on one machine share the clock, so the difference is capture
 * to decoded picture: encode, packetize, SRTP, loopback, jitter buffer, decode.
 *
 *   call-latency --signal URL --call ID --peer-id NAME [--size 640x480] [--fps 30]
 *                [--seconds 20] [--warmup 3] [--jitter-latency 50] [--codec vp8|h264] --out FILE
 * FILE gets {samples, p50_ms, p90_ms, p99_ms, max_ms, mean_ms, unreadable}. */
#include "meshcall/call/call.h"
#include "meshcall/cli/backends.h"
#include "meshcall/media/gst_log.h"
#include "meshcall/base/log.h"

#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 16
#define BITS 32          /* 24 bits of time, 8 bits of check */
#define TIME_MASK 0xffffffu

typedef struct {
  GMainLoop *loop;
  McCall *call;
  GMutex lock;
  GArray *samples;       /* double, ms */
  guint unreadable;
  gint64 measure_from_us;   /* monotonic; 0 = not yet */
  double warmup_s, seconds;
  guint finish_id;
  GstVideoInfo cap_info;
  gboolean cap_info_set;
  gint64 age_sum_us;     /* how old frames were when they reached the tee */
  guint64 age_n;
} Probe;

static guint32
code_of (guint32 ms)
{
  guint32 t = ms & TIME_MASK;
  guint32 check = ((t ^ (t >> 8) ^ (t >> 16)) & 0xff) ^ 0xa5;
  return t | (check << 24);
}

static void
block_origin (const GstVideoInfo *info, guint i, guint *x, guint *y)
{
  guint cols = MAX (1, GST_VIDEO_INFO_WIDTH (info) / BLOCK);
  *x = (i % cols) * BLOCK;
  *y = (i / cols) * BLOCK;
}

/* Capture side: a pad probe on the capture pipeline's tee (after convert and
 * scale, before every encoder). */
static GstPadProbeReturn
stamp_frame (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Probe *p = user_data;
  GstBuffer *buffer;
  GstVideoFrame frame;
  gint64 real_us = g_get_real_time ();
  GstElement *element = GST_ELEMENT (GST_OBJECT_PARENT (pad));
  g_autoptr (GstClock) clock = gst_element_get_clock (element);
  GstClockTime pts = GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));
  guint32 code;

  /* The capture time is the buffer's timestamp (running time of capture on
   * the pipeline clock), not now: the frame may have waited in the capture
   * chain (videorate holds one) before it reached the tee. */
  if (clock != NULL && GST_CLOCK_TIME_IS_VALID (pts)) {
    GstClockTimeDiff age = GST_CLOCK_DIFF (gst_element_get_base_time (element) + pts, gst_clock_get_time (clock));
    real_us -= age / 1000;
    g_mutex_lock (&p->lock);
    p->age_sum_us += age / 1000;
    p->age_n++;
    g_mutex_unlock (&p->lock);
  }
  code = code_of ((guint32) (real_us / 1000));

  if (!p->cap_info_set) {
    g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
    if (caps == NULL || !gst_video_info_from_caps (&p->cap_info, caps))
      return GST_PAD_PROBE_OK;
    p->cap_info_set = TRUE;
  }
  buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (!gst_video_frame_map (&frame, &p->cap_info, buffer, GST_MAP_WRITE))
    return GST_PAD_PROBE_OK;
  for (guint i = 0; i < BITS; i++) {
    guint x0, y0;
    guint8 luma = (code >> i) & 1 ? 235 : 16;
    block_origin (&p->cap_info, i, &x0, &y0);
    for (guint y = y0; y < y0 + BLOCK && y < (guint) GST_VIDEO_FRAME_HEIGHT (&frame); y++) {
      guint8 *row = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
      memset (row + x0, luma, BLOCK);
    }
    /* Neutral chroma under the blocks (I420: planes 1 and 2 at half size). */
    for (guint c = 1; c < GST_VIDEO_FRAME_N_PLANES (&frame) && c < 3; c++) {
      for (guint y = y0 / 2; y < (y0 + BLOCK) / 2 && y < (guint) GST_VIDEO_FRAME_COMP_HEIGHT (&frame, c); y++) {
        guint8 *row = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, c) + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, c);
        memset (row + x0 / 2, 128, BLOCK / 2);
      }
    }
  }
  gst_video_frame_unmap (&frame);
  return GST_PAD_PROBE_OK;
}

static gboolean
read_code (GstSample *sample, guint32 *code)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstCaps *caps = gst_sample_get_caps (sample);

  *code = 0;
  if (caps == NULL || !gst_video_info_from_caps (&info, caps) ||
      !gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
    return FALSE;
  for (guint i = 0; i < BITS; i++) {
    guint x0, y0, sum = 0;
    block_origin (&info, i, &x0, &y0);
    /* The inner 8x8 of each block: away from the edges the codec blurs. */
    for (guint y = y0 + 4; y < y0 + 12; y++) {
      const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
                          y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
      for (guint x = x0 + 4; x < x0 + 12; x++)
        sum += row[x];
    }
    if (sum / 64 > 125)
      *code |= 1u << i;
  }
  gst_video_frame_unmap (&frame);
  return code_of (*code & TIME_MASK) == *code;
}

/* Receive side: a peer's streaming thread, for every decoded frame. */
static void
on_video_frame (McCall *call, const char *peer_id, GstSample *sample, gpointer user_data)
{
  Probe *p = user_data;
  guint32 now = (guint32) (g_get_real_time () / 1000) & TIME_MASK;
  guint32 code;
  gint64 mono = g_get_monotonic_time ();
  gboolean ok = read_code (sample, &code);

  g_mutex_lock (&p->lock);
  if (p->measure_from_us == 0)
    p->measure_from_us = mono + (gint64) (p->warmup_s * G_USEC_PER_SEC);
  if (mono >= p->measure_from_us) {
    if (ok) {
      double ms = (double) ((now - (code & TIME_MASK)) & TIME_MASK);
      g_array_append_val (p->samples, ms);
    } else {
      p->unreadable++;
    }
  }
  g_mutex_unlock (&p->lock);
}

static void
on_left (McCall *call, gpointer user_data)
{
  g_main_loop_quit (((Probe *) user_data)->loop);
}

static gboolean
on_tick (gpointer data)
{
  Probe *p = data;
  gboolean done;

  g_mutex_lock (&p->lock);
  done = p->measure_from_us > 0 &&
         g_get_monotonic_time () >= p->measure_from_us + (gint64) (p->seconds * G_USEC_PER_SEC);
  g_mutex_unlock (&p->lock);
  if (!done)
    return G_SOURCE_CONTINUE;
  p->finish_id = 0;
  mc_call_leave (p->call, on_left, p);
  return G_SOURCE_REMOVE;
}

static void
on_fatal (McCall *call, const GError *error, gpointer user_data)
{
  g_printerr ("call-latency: %s\n", error->message);
  exit (1);
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *sorted, double q)
{
  guint i = (guint) (q * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, double, MIN (i, sorted->len - 1));
}

static gboolean
write_result (Probe *p, const char *path, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  double sum = 0;

  g_array_sort (p->samples, cmp_double);
  for (guint i = 0; i < p->samples->len; i++)
    sum += g_array_index (p->samples, double, i);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "samples");
  json_builder_add_int_value (b, p->samples->len);
  json_builder_set_member_name (b, "unreadable");
  json_builder_add_int_value (b, p->unreadable);
  json_builder_set_member_name (b, "sender_capture_to_tee_mean_ms");
  json_builder_add_double_value (b, p->age_n ? p->age_sum_us / 1000.0 / p->age_n : -1);
  if (p->samples->len > 0) {
    const char *names[] = { "p50_ms", "p90_ms", "p99_ms" };
    const double qs[] = { 0.5, 0.9, 0.99 };
    for (guint i = 0; i < G_N_ELEMENTS (qs); i++) {
      json_builder_set_member_name (b, names[i]);
      json_builder_add_double_value (b, percentile (p->samples, qs[i]));
    }
    json_builder_set_member_name (b, "min_ms");
    json_builder_add_double_value (b, g_array_index (p->samples, double, 0));
    json_builder_set_member_name (b, "max_ms");
    json_builder_add_double_value (b, g_array_index (p->samples, double, p->samples->len - 1));
    json_builder_set_member_name (b, "mean_ms");
    json_builder_add_double_value (b, sum / p->samples->len);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_file (gen, path, error);
}

int
main (int argc, char **argv)
{
  g_autofree char *signal = NULL, *call_id = NULL, *peer_id = NULL, *size = NULL, *out = NULL, *codec = NULL;
  gint fps = 30, jitter = 50;
  double seconds = 20, warmup = 3;
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- glass-to-glass latency probe (a call participant)");
  g_autoptr (GError) error = NULL;
  const char *const loopback[] = { "127.0.0.1", NULL };
  GOptionEntry entries[] = {
    { "signal", 0, 0, G_OPTION_ARG_STRING, &signal, "Signaling URL", "URL" },
    { "call", 0, 0, G_OPTION_ARG_STRING, &call_id, "Call id", "ID" },
    { "peer-id", 0, 0, G_OPTION_ARG_STRING, &peer_id, "Our peer id", "ID" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Video size (default 640x480)", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frame rate (default 30)", "N" },
    { "codec", 0, 0, G_OPTION_ARG_STRING, &codec, "vp8 (default) or h264", "CODEC" },
    { "jitter-latency", 0, 0, G_OPTION_ARG_INT, &jitter, "Jitter buffer ms (default 50)", "MS" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Measure for S seconds (default 20)", "S" },
    { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &warmup, "Skip the first S seconds of frames (default 3)", "S" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Result JSON", "FILE" },
    { NULL },
  };
  McCallCallbacks callbacks = { .on_video_frame = on_video_frame, .fatal_error = on_fatal };
  McCallConfig cfg;
  Probe p = { 0 };

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || !signal || !call_id || !peer_id || !out) {
    g_printerr ("call-latency: %s\n", error ? error->message : "--signal, --call, --peer-id and --out are required");
    return 2;
  }
  gst_init (NULL, NULL);
  mc_gst_log_install ();
  mc_peer_warm_up ();
  mc_call_config_init (&cfg);
  cfg.headless = TRUE;
  cfg.media.audio_processing = FALSE;
  cfg.media.fps = fps;
  cfg.peer.jitter_latency_ms = (guint) jitter;
  cfg.peer.ice = mc_ice_config_new (NULL, NULL, loopback, FALSE);
  if (size && sscanf (size, "%dx%d", &cfg.media.width, &cfg.media.height) != 2) {
    g_printerr ("call-latency: bad --size\n");
    return 2;
  }
  if (!mc_media_source_parse (MC_MEDIA_VIDEO, "test", &cfg.media.video, &error) ||
      !mc_media_source_parse (MC_MEDIA_AUDIO, "test", &cfg.media.audio, &error) ||
      !mc_video_codec_from_string (codec ? codec : "vp8", &cfg.media.codec, &error)) {
    g_printerr ("call-latency: %s\n", error->message);
    return 2;
  }

  p.loop = g_main_loop_new (NULL, FALSE);
  p.samples = g_array_new (FALSE, FALSE, sizeof (double));
  p.warmup_s = warmup;
  p.seconds = seconds;
  g_mutex_init (&p.lock);
  {
    McSignalingParams params = { .call_id = call_id, .peer_id = peer_id };
    McSignaling *sig = mc_signaling_new (mc_cli_signaling_backends, signal, &params, &error);
    p.call = sig ? mc_call_new (&cfg, sig, &callbacks, &p, &error) : NULL;
  }
  mc_media_source_clear (&cfg.media.video);
  mc_media_source_clear (&cfg.media.audio);
  mc_peer_settings_clear (&cfg.peer);
  if (p.call == NULL) {
    g_printerr ("call-latency: %s\n", error->message);
    return 1;
  }
  {
    GstPad *pad = mc_capture_get_raw_video_pad (mc_call_get_capture (p.call));
    if (pad == NULL) {
      g_printerr ("call-latency: the capture has no camera\n");
      return 1;
    }
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, stamp_frame, &p, NULL);
  }
  if (!mc_call_join (p.call, &error)) {
    g_printerr ("call-latency: %s\n", error->message);
    return 1;
  }
  p.finish_id = g_timeout_add (100, on_tick, &p);
  g_main_loop_run (p.loop);

  g_clear_handle_id (&p.finish_id, g_source_remove);
  mc_call_free (p.call);
  if (!write_result (&p, out, &error)) {
    g_printerr ("call-latency: %s\n", error->message);
    return 1;
  }
  g_print ("%u samples, %u unreadable\n", p.samples->len, p.unreadable);
  g_array_unref (p.samples);
  g_main_loop_unref (p.loop);
  g_mutex_clear (&p.lock);
  return 0;
}

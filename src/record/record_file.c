/* One recorded file (record_private.h): its own pipeline
 *
 *   appsrc (VP8 | H.264 au)  [! h264parse] ─┐
 *   appsrc (Opus) ! opusparse ──────────────┴─ webmmux | matroskamux ! filesink
 *
 * built with element factories (nothing is looked up by name), no clock
 * (nothing is played: the muxer writes the frames' own timestamps). */
#include "record_private.h"

#include "meshcall/base/log.h"

#include <gst/app/gstappsrc.h>
#include <glib/gstdio.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)

/* What a track may hold in memory when the disk is slower than the call:
 * past it the oldest frames go (the call is never held back). */
#define TRACK_MAX_BYTES (8 * 1024 * 1024)
/* Clusters close at least this often: a killed file loses at most the
 * frames its last cluster header does not cover yet. */
#define MAX_CLUSTER_DURATION (2 * GST_SECOND)

static gboolean
caps_is (GstCaps *caps, const char *name)
{
  return caps != NULL && gst_caps_get_size (caps) > 0 &&
         gst_structure_has_name (gst_caps_get_structure (caps, 0), name);
}

static const char *
codec_of (GstCaps *caps)
{
  if (caps_is (caps, "video/x-vp8"))
    return "VP8";
  if (caps_is (caps, "video/x-h264"))
    return "H264";
  if (caps_is (caps, "audio/x-opus"))
    return "Opus";
  return NULL;
}

static gboolean
make (const char *factory, GstElement **out, GError **error)
{
  *out = gst_element_factory_make (factory, NULL);
  if (*out == NULL)
    g_set_error (error, MC_RECORD_ERROR, MC_RECORD_ERROR_PIPELINE, "the GStreamer element %s is missing", factory);
  return *out != NULL;
}

/* appsrc [! parser] into a new pad of mux. */
static gboolean
add_track (RecordFile *f, GstElement *mux, McRecordMedia media, GstCaps *caps, GError **error)
{
  gboolean h264 = caps_is (caps, "video/x-h264");
  const char *parser = media == MC_RECORD_AUDIO ? "opusparse" : h264 ? "h264parse" : NULL;
  GstElement *src = NULL, *parse = NULL, *last;

  if (!make ("appsrc", &src, error) || (parser && !make (parser, &parse, error))) {
    g_clear_object (&src);
    return FALSE;
  }
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, "is-live", FALSE, "block", FALSE, "max-bytes",
                (guint64) TRACK_MAX_BYTES, "leaky-type", 2 /* downstream: drop the oldest */, NULL);
  gst_bin_add (GST_BIN (f->pipeline), src);
  last = src;
  if (parse) {
    gst_bin_add (GST_BIN (f->pipeline), parse);
    if (!gst_element_link (src, parse))
      goto link_failed;
    last = parse;
  }
  if (!gst_element_link_pads (last, "src", mux, media == MC_RECORD_VIDEO ? "video_%u" : "audio_%u"))
    goto link_failed;
  f->src[media] = gst_object_ref (src);
  f->caps[media] = gst_caps_ref (caps);
  return TRUE;

link_failed:
  g_set_error (error, MC_RECORD_ERROR, MC_RECORD_ERROR_PIPELINE, "cannot mux %s into %s",
               codec_of (caps) ? codec_of (caps) : "this stream", f->file);
  return FALSE;
}

/* The file is down: finished (EOS came) or failed. */
static void
file_closed (RecordFile *f, McRecordFileState state, const char *error)
{
  record_lock (f->rec);
  if (f->closed) {
    record_unlock (f->rec);
    return;
  }
  f->closed = TRUE;
  f->eos_sent = TRUE;
  f->info.state = state;
  if (error) {
    g_free (f->error);
    f->error = g_strdup (error);
    f->info.error = f->error;
  }
  record_unlock (f->rec);
  record_clear_source (&f->bus_source);
  gst_element_set_state (f->pipeline, GST_STATE_NULL);
  record_file_changed (f->rec, f);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  RecordFile *f = user_data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    MC_INFO ("recording %s finalized", f->path);
    file_closed (f, MC_RECORD_FILE_FINISHED, NULL);
    return G_SOURCE_REMOVE;
  }
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autofree char *what = record_error_text (msg, f->path);
    mc_log_error ("recording of %s (%s) stopped: %s (%s); the call and the other recordings go on", f->name,
                  f->peer_id, what, f->path);
    file_closed (f, MC_RECORD_FILE_FAILED, what);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
build (RecordFile *f, GstCaps *const caps[RECORD_N_MEDIA], GError **error)
{
  gboolean h264 = caps_is (caps[MC_RECORD_VIDEO], "video/x-h264");
  GstElement *mux = NULL, *sink = NULL;
  g_autoptr (GstBus) bus = NULL;

  if (!make (h264 ? "matroskamux" : "webmmux", &mux, error) || !make ("filesink", &sink, error)) {
    g_clear_object (&mux);
    return FALSE;
  }
  g_object_set (mux, "max-cluster-duration", (gint64) MAX_CLUSTER_DURATION, "writing-app", "meshcall record", NULL);
  /* Unbuffered: every block is in the file as soon as it is muxed. */
  g_object_set (sink, "location", f->path, "sync", FALSE, "async", FALSE, "buffer-mode", 2, NULL);
  gst_bin_add_many (GST_BIN (f->pipeline), mux, sink, NULL);
  if (!gst_element_link (mux, sink)) {
    g_set_error (error, MC_RECORD_ERROR, MC_RECORD_ERROR_PIPELINE, "cannot link the muxer of %s", f->file);
    return FALSE;
  }
  for (int m = 0; m < RECORD_N_MEDIA; m++)
    if (caps[m] && !add_track (f, mux, (McRecordMedia) m, caps[m], error))
      return FALSE;
  bus = gst_element_get_bus (f->pipeline);
  f->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (f->bus_source, (GSourceFunc) (void (*) (void)) on_bus_message, f, NULL);
  g_source_attach (f->bus_source, record_get_context (f->rec));
  if (gst_element_set_state (f->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, MC_RECORD_ERROR, MC_RECORD_ERROR_WRITE, "cannot start writing %s", f->path);
    return FALSE;
  }
  return TRUE;
}

RecordFile *
record_file_open (McRecord *rec, const char *dir, const char *peer_id, const char *name,
                  GstCaps *const caps[RECORD_N_MEDIA], GstClockTime origin, GError **error)
{
  RecordFile *f = g_new0 (RecordFile, 1);
  gboolean h264 = caps_is (caps[MC_RECORD_VIDEO], "video/x-h264");
  const char *ext = h264 ? "mkv" : "webm";
  gint64 start = record_clock_to_utc (rec, origin);

  f->rec = rec;
  f->peer_id = g_strdup (peer_id);
  f->name = g_strdup (name);
  f->origin = origin;
  f->need_keyframe = caps[MC_RECORD_VIDEO] != NULL;
  for (int m = 0; m < RECORD_N_MEDIA; m++)
    f->last_pts[m] = GST_CLOCK_TIME_NONE;
  /* A second file in the same second (left and came back): -2, -3, ... */
  for (guint n = 1; f->path == NULL || g_file_test (f->path, G_FILE_TEST_EXISTS); n++) {
    g_autofree char *suffix = n > 1 ? g_strdup_printf ("-%u", n) : g_strdup ("");
    g_free (f->file);
    g_free (f->path);
    f->file = mc_record_file_name (start, name, peer_id, suffix, ext);
    f->path = g_build_filename (dir, f->file, NULL);
  }
  f->info = (McRecordManifestFile) {
    .file = f->file, .peer_id = f->peer_id, .name = f->name,
    .container = h264 ? "matroska" : "webm",
    .video_codec = codec_of (caps[MC_RECORD_VIDEO]),
    .audio_codec = codec_of (caps[MC_RECORD_AUDIO]),
    .start_utc_us = start, .end_utc_us = start,
    .offset_s = record_clock_to_offset (rec, origin),
    .state = MC_RECORD_FILE_RECORDING,
  };
  f->pipeline = gst_object_ref_sink (gst_pipeline_new (f->file));
  if (!build (f, caps, error)) {
    record_file_free (f);
    return NULL;
  }
  MC_INFO ("recording %s into %s", peer_id, f->path);
  return f;
}

void
record_file_push (RecordFile *f, McRecordMedia media, GstCaps *caps, GstBuffer *buffer)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer), dur = GST_BUFFER_DURATION (buffer);
  GstBuffer *out;

  if (f->eos_sent || f->src[media] == NULL || !GST_CLOCK_TIME_IS_VALID (pts) || pts < f->origin)
    return;
  if (caps != f->caps[media] && g_strcmp0 (codec_of (caps), codec_of (f->caps[media])) != 0) {
    if (!f->said_caps_change)
      MC_WARNING ("recording %s: the %s codec changed mid-call; dropping it", f->path,
                  media == MC_RECORD_VIDEO ? "video" : "audio");
    f->said_caps_change = TRUE;
    return;
  }
  if (media == MC_RECORD_VIDEO && f->need_keyframe) {
    if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
      return;
    f->need_keyframe = FALSE;
  }
  /* Each track in order (a reconnect's new jitter buffer may start earlier). */
  if (GST_CLOCK_TIME_IS_VALID (f->last_pts[media]) && pts < f->last_pts[media])
    return;
  f->last_pts[media] = pts;
  out = gst_buffer_copy (buffer);   /* metadata only; the payload is shared */
  GST_BUFFER_PTS (out) = pts - f->origin;
  GST_BUFFER_DTS (out) = pts - f->origin;   /* no reordering: VP8, Opus, constrained baseline H.264 */
  if (media == MC_RECORD_VIDEO)
    f->info.video_frames++;
  else
    f->info.audio_frames++;
  f->info.bytes += gst_buffer_get_size (buffer);
  f->info.end_utc_us = MAX (f->info.end_utc_us, record_clock_to_utc (f->rec, pts + (GST_CLOCK_TIME_IS_VALID (dur)
                                                                                      ? dur : 0)));
  gst_app_src_push_buffer (GST_APP_SRC (f->src[media]), out);
}

void
record_file_finish (RecordFile *f)
{
  if (f->eos_sent)
    return;
  f->eos_sent = TRUE;
  for (int m = 0; m < RECORD_N_MEDIA; m++)
    if (f->src[m])
      gst_app_src_end_of_stream (GST_APP_SRC (f->src[m]));
}

void
record_file_close (RecordFile *f)
{
  if (f->pipeline == NULL)
    return;
  if (!f->closed)
    MC_INFO ("recording %s closed before its end of stream (it plays without an index)", f->path);
  file_closed (f, f->info.state == MC_RECORD_FILE_RECORDING ? MC_RECORD_FILE_FINISHED : f->info.state, NULL);
}

void
record_file_free (RecordFile *f)
{
  if (f == NULL)
    return;
  record_clear_source (&f->bus_source);
  if (f->pipeline)
    gst_element_set_state (f->pipeline, GST_STATE_NULL);
  gst_clear_object (&f->pipeline);
  /* Opened and never written (it failed to start): leave nothing behind. */
  if (f->info.bytes == 0 && f->info.state == MC_RECORD_FILE_RECORDING && f->path)
    g_remove (f->path);
  for (int m = 0; m < RECORD_N_MEDIA; m++) {
    gst_clear_object (&f->src[m]);
    gst_clear_caps (&f->caps[m]);
  }
  g_free (f->path);
  g_free (f->file);
  g_free (f->peer_id);
  g_free (f->name);
  g_free (f->error);
  g_free (f);
}

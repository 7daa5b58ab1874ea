/* The recorder (record/record.h) fed like the peers' receive taps feed it:
 * encoded VP8 and Opus from real GStreamer encoders (test sources), with
 * clock-time PTS. Checks the files, the manifest, a participant who leaves
 * and comes back, the composed file, and the refusals.
 * MESHCALL_NO_VALGRIND: real-time encoders and a live compositor, too slow
 * under valgrind to keep their timing; ASan+LSan cover it. */
#include "meshcall/base/json.h"
#include "meshcall/record/record.h"
#include "meshcall/render/layout.h"

#include <gst/app/gstappsink.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

typedef struct {
  McRecord *rec;
  const char *peer_id;
  McRecordMedia media;
} Feed;

typedef struct {
  GstElement *pipeline;
  Feed video, audio;
} Sender;

static GstFlowReturn
on_sample (GstAppSink *sink, gpointer data)
{
  Feed *feed = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer;
  const GstSegment *seg;
  GstClockTime base;

  if (sample == NULL)
    return GST_FLOW_EOS;
  /* What the peer's tap does: running time + base time = clock time. */
  buffer = gst_buffer_copy (gst_sample_get_buffer (sample));
  seg = gst_sample_get_segment (sample);
  base = gst_element_get_base_time (GST_ELEMENT (gst_object_get_parent (GST_OBJECT (sink))));
  gst_object_unref (gst_object_get_parent (GST_OBJECT (sink)));
  GST_BUFFER_PTS (buffer) = gst_segment_to_running_time (seg, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer)) + base;
  mc_record_push (feed->rec, feed->peer_id, feed->media, gst_sample_get_caps (sample), buffer);
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static Sender *
sender_start (McRecord *rec, const char *peer_id, const char *color, int hz)
{
  Sender *s = g_new0 (Sender, 1);
  g_autofree char *desc = g_strdup_printf (
      "videotestsrc is-live=true pattern=solid-color foreground-color=%s ! video/x-raw,width=320,height=240,"
      "framerate=15/1 ! vp8enc deadline=1 keyframe-max-dist=15 ! appsink name=v "
      "audiotestsrc is-live=true freq=%d volume=0.3 samplesperbuffer=960 ! audioconvert ! audioresample "
      "! audio/x-raw,rate=48000,channels=1 ! opusenc ! appsink name=a", color, hz);
  GstAppSinkCallbacks cb = { .new_sample = on_sample };
  g_autoptr (GstElement) v = NULL, a = NULL;

  s->pipeline = gst_parse_launch (desc, NULL);
  g_assert_nonnull (s->pipeline);
  s->video = (Feed) { rec, peer_id, MC_RECORD_VIDEO };
  s->audio = (Feed) { rec, peer_id, MC_RECORD_AUDIO };
  v = gst_bin_get_by_name (GST_BIN (s->pipeline), "v");
  a = gst_bin_get_by_name (GST_BIN (s->pipeline), "a");
  gst_app_sink_set_callbacks (GST_APP_SINK (v), &cb, &s->video, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (a), &cb, &s->audio, NULL);
  g_object_set (v, "sync", FALSE, NULL);
  g_object_set (a, "sync", FALSE, NULL);
  g_assert_cmpint (gst_element_set_state (s->pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
  return s;
}

static void
sender_stop (Sender *s)
{
  gst_element_set_state (s->pipeline, GST_STATE_NULL);
  gst_object_unref (s->pipeline);
  g_free (s);
}

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (5000), TRUE);
}

static void
on_done (McRecord *rec, gpointer data)
{
  *(gboolean *) data = TRUE;
}

static JsonNode *
read_manifest (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "manifest.json", NULL);
  g_autofree char *text = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  return mc_json_decode (text, len, NULL);
}

/* The duration gst-discoverer would see, through GStreamer's demuxer: the
 * last decoded video frame's time. */
static double
played_seconds (const char *path)
{
  g_autofree char *desc = g_strdup_printf ("filesrc location=\"%s\" ! matroskademux name=d d.video_0 ! vp8dec "
                                           "! appsink name=s sync=false", path);
  g_autoptr (GstElement) p = gst_parse_launch (desc, NULL);
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (p), "s");
  GstClockTime last = 0;
  GstSample *sample;

  gst_element_set_state (p, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 5 * GST_SECOND)) != NULL) {
    last = GST_BUFFER_PTS (gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  return (double) last / GST_SECOND;
}

/* A frame of a composed file as RGB, 2 s (20 frames at 10/s) before its
 * end: at the very end the tiles have ended before the black background. */
static GstSample *
last_frame (const char *path)
{
  g_autofree char *desc = g_strdup_printf ("filesrc location=\"%s\" ! matroskademux name=d d.video_0 ! vp8dec "
                                           "! videoconvert ! video/x-raw,format=RGB ! appsink name=s sync=false",
                                           path);
  g_autoptr (GstElement) p = gst_parse_launch (desc, NULL);
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (p), "s");
  GQueue recent = G_QUEUE_INIT;
  GstSample *sample;

  gst_element_set_state (p, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 5 * GST_SECOND)) != NULL) {
    g_queue_push_tail (&recent, sample);
    if (g_queue_get_length (&recent) > 20)
      gst_sample_unref (g_queue_pop_head (&recent));
  }
  gst_element_set_state (p, GST_STATE_NULL);
  sample = g_queue_pop_head (&recent);
  g_queue_clear_full (&recent, (GDestroyNotify) gst_sample_unref);
  return sample;
}

/* The composed grid: alice (red) and bob (blue) where the renderers' layout
 * puts two 4:3 tiles in 320x180, black between them. */
static void
check_composed (const char *path)
{
  g_autoptr (GstSample) frame = last_frame (path);
  GstMapInfo map;
  McLayoutTile lt[2];
  double aspects[2] = { 4.0 / 3, 4.0 / 3 };
  McLayoutParams params = { 6, 16 };
  GstBuffer *buffer;
  int stride = (320 * 3 + 3) & ~3;

  g_assert_nonnull (frame);
  buffer = gst_sample_get_buffer (frame);
  mc_layout_compute (320, 180, 2, aspects, &params, lt, NULL);
  g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
  for (int i = 0; i < 2; i++) {
    int x = lt[i].video.x + lt[i].video.w / 2, y = lt[i].video.y + lt[i].video.h / 2;
    const guint8 *px = map.data + y * stride + x * 3;
    if (i == 0)
      g_assert_true (px[0] > 180 && px[1] < 70 && px[2] < 70);
    else
      g_assert_true (px[2] > 180 && px[0] < 70 && px[1] < 70);
  }
  /* Between the cells: the black background. */
  {
    int x = lt[1].cell.x, y = lt[0].video.y + lt[0].video.h / 2;
    const guint8 *px = map.data + y * stride + x * 3;
    g_assert_true (px[0] < 40 && px[1] < 40 && px[2] < 40);
  }
  gst_buffer_unmap (buffer, &map);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *child = g_build_filename (path, name, NULL);
    if (g_file_test (child, G_FILE_TEST_IS_DIR))
      remove_tree (child);
    else
      g_unlink (child);
  }
  g_rmdir (path);
}

static void
test_files_and_manifest (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("meshcall-record-XXXXXX", NULL);
  g_autofree char *compose = g_build_filename (tmp, "composed.webm", NULL);
  McRecordConfig cfg = { .dir = tmp, .call_id = "c1", .recorder_peer_id = "rec", .recorder_name = "bot",
                         .compose_path = compose, .compose_width = 320, .compose_height = 180, .compose_fps = 10 };
  g_autoptr (GError) error = NULL;
  g_autoptr (McRecord) rec = mc_record_new (&cfg, &error);
  g_autoptr (JsonNode) manifest = NULL;
  JsonArray *files;
  Sender *alice, *bob;
  gboolean done = FALSE;

  g_assert_no_error (error);
  mc_record_add_participant (rec, "alice", "Alice A.");
  mc_record_add_participant (rec, "bob", "bob");
  alice = sender_start (rec, "alice", "0xffff0000", 440);
  bob = sender_start (rec, "bob", "0xff0000ff", 880);
  mc_record_push (rec, "nobody", MC_RECORD_VIDEO, NULL, NULL);   /* ignored: not a participant, no caps */
  iterate_for (2500);
  /* Bob leaves and comes back: a second file. */
  mc_record_remove_participant (rec, "bob");
  iterate_for (300);
  mc_record_add_participant (rec, "bob", "bob");
  iterate_for (4500);
  mc_record_finish (rec, 5000, on_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  sender_stop (alice);
  sender_stop (bob);

  manifest = read_manifest (mc_record_get_dir (rec));
  g_assert_nonnull (manifest);
  g_assert_cmpstr (mc_json_get_string (json_node_get_object (manifest), "recorderName"), ==, "bot");
  files = json_object_get_array_member (json_node_get_object (manifest), "files");
  g_assert_cmpuint (json_array_get_length (files), ==, 3);
  for (guint i = 0; i < 3; i++) {
    JsonObject *f = json_array_get_object_element (files, i);
    g_autofree char *path = g_build_filename (mc_record_get_dir (rec), mc_json_get_string (f, "file"), NULL);
    double duration = json_object_get_double_member (f, "duration");
    g_assert_cmpstr (mc_json_get_string (f, "state"), ==, "finished");
    g_assert_cmpstr (mc_json_get_string (f, "video"), ==, "VP8");
    g_assert_cmpstr (mc_json_get_string (f, "audio"), ==, "Opus");
    g_assert_true (g_str_has_suffix (path, ".webm"));
    g_assert_cmpfloat (duration, >, 1.5);
    g_assert_cmpfloat (fabs (played_seconds (path) - duration), <, 0.5);
  }
  g_assert_true (strstr (mc_json_get_string (json_array_get_object_element (files, 0), "file"), "-Alice_A.-alice")
                 != NULL || strstr (mc_json_get_string (json_array_get_object_element (files, 1), "file"),
                                    "-Alice_A.-alice") != NULL);
  /* The composed file plays for about as long as the recording ran. */
  g_assert_true (g_file_test (compose, G_FILE_TEST_EXISTS));
  g_assert_cmpfloat (played_seconds (compose), >, 3.0);
  check_composed (compose);
  g_clear_pointer (&rec, mc_record_free);
  remove_tree (tmp);
}

static void
test_unwritable_dir (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("meshcall-record-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (tmp, "file", NULL);
  McRecordConfig cfg = { .dir = file, .call_id = "c1" };
  g_autoptr (GError) error = NULL;
  McRecord *rec;

  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  rec = mc_record_new (&cfg, &error);
  g_assert_null (rec);
  g_assert_error (error, MC_RECORD_ERROR, MC_RECORD_ERROR_DIRECTORY);
  g_assert_nonnull (strstr (error->message, "--out"));
  g_unlink (file);
  g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/record/files-and-manifest", test_files_and_manifest);
  g_test_add_func ("/record/unwritable-dir", test_unwritable_dir);
  return g_test_run ();
}

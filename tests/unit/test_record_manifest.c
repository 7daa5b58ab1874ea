/* The recorder's names and manifest (record/manifest.h): what
 * docs/recording.md says, member by member. */
#include "meshcall/base/json.h"
#include "meshcall/record/manifest.h"

#include <string.h>

/* 2024-12-01T19:50:04.339Z */
#define T0 (G_GINT64_CONSTANT (1733082604339000))

static void
test_utc (void)
{
  g_autofree char *full = mc_record_format_utc (T0);
  g_autofree char *compact = mc_record_format_utc_compact (T0);

  g_assert_cmpstr (full, ==, "2024-12-01T19:50:04.339Z");
  g_assert_cmpstr (compact, ==, "20241201T195004Z");
}

static void
test_sanitize (void)
{
  static const struct { const char *in, *out; gsize max; } cases[] = {
    { "alice", "alice", 48 },
    { "Ana María", "Ana_María", 48 },
    { "../../etc/passwd", "_._.._etc_passwd", 48 },   /* no separator survives */
    { ".hidden", "_hidden", 48 },
    { "a/b\\c:d*e\n", "a_b_c_d_e_", 48 },
    { "", "_", 48 },
    { "日本語のなまえ", "日本語", 9 },       /* whole characters only */
    { "p-77b2e0", "p-77b2e0", 64 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *s = mc_record_sanitize (cases[i].in, cases[i].max);
    g_assert_cmpstr (s, ==, cases[i].out);
    g_assert_true (g_utf8_validate (s, -1, NULL));
  }
}

static void
test_file_name (void)
{
  g_autofree char *a = mc_record_file_name (T0, "Bob Smith", "p-1", "", "webm");
  g_autofree char *b = mc_record_file_name (T0, "bob", "p/1", "-2", "mkv");

  g_assert_cmpstr (a, ==, "20241201T195004Z-Bob_Smith-p-1.webm");
  g_assert_cmpstr (b, ==, "20241201T195004Z-bob-p_1-2.mkv");
}

static void
test_manifest (void)
{
  McRecordManifestFile files[] = {
    { .file = "20241201T195004Z-alice-alice.webm", .peer_id = "alice", .name = "alice", .container = "webm",
      .video_codec = "VP8", .audio_codec = "Opus", .start_utc_us = T0, .end_utc_us = T0 + 6746000,
      .offset_s = 1.1684, .state = MC_RECORD_FILE_FINISHED, .video_frames = 102, .audio_frames = 338,
      .bytes = 33072 },
    { .file = "x.mkv", .peer_id = "bob", .name = "bob", .container = "matroska", .video_codec = "H264",
      .start_utc_us = T0, .end_utc_us = 0, .offset_s = 2, .state = MC_RECORD_FILE_FAILED,
      .error = "the disk is full" },
  };
  McRecordManifestInfo info = { .call_id = "standup", .recorder_peer_id = "rec", .recorder_name = "recorder",
                                .start_utc_us = T0 - 1168000, .updated_utc_us = T0 + 7000000 };
  g_autoptr (JsonNode) doc = mc_record_manifest_build (&info, files, G_N_ELEMENTS (files));
  g_autofree char *text = mc_json_encode (doc);
  g_autoptr (JsonNode) back = mc_json_decode (text, strlen (text), NULL);   /* the strict reader takes it */
  JsonObject *o = json_node_get_object (back);
  JsonArray *list = json_object_get_array_member (o, "files");
  JsonObject *a = json_array_get_object_element (list, 0), *b = json_array_get_object_element (list, 1);

  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "callId"), ==, "standup");
  g_assert_cmpstr (json_object_get_string_member (o, "start"), ==, "2024-12-01T19:50:03.171Z");
  g_assert_true (json_object_get_null_member (o, "end"));
  g_assert_true (json_object_get_null_member (o, "composed"));
  g_assert_cmpuint (json_array_get_length (list), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (a, "start"), ==, "2024-12-01T19:50:04.339Z");
  g_assert_cmpstr (json_object_get_string_member (a, "end"), ==, "2024-12-01T19:50:11.085Z");
  g_assert_cmpfloat (json_object_get_double_member (a, "offset"), ==, 1.168);
  g_assert_cmpfloat (json_object_get_double_member (a, "duration"), ==, 6.746);
  g_assert_cmpstr (json_object_get_string_member (a, "state"), ==, "finished");
  g_assert_true (json_object_get_null_member (a, "error"));
  g_assert_cmpint (json_object_get_int_member (a, "videoFrames"), ==, 102);
  g_assert_cmpstr (json_object_get_string_member (b, "container"), ==, "matroska");
  g_assert_true (json_object_get_null_member (b, "audio"));
  g_assert_cmpstr (json_object_get_string_member (b, "state"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (b, "error"), ==, "the disk is full");
  /* Nothing written yet: it ends where it starts. */
  g_assert_cmpstr (json_object_get_string_member (b, "end"), ==, json_object_get_string_member (b, "start"));
  g_assert_cmpfloat (json_object_get_double_member (b, "duration"), ==, 0);
}

/* ms of "YYYY-MM-DDTHH:MM:SS.mmmZ" since the epoch. */
static gint64
parse_ms (const char *text)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (text, NULL);

  g_assert_nonnull (t);
  return g_date_time_to_unix (t) * 1000 + g_date_time_get_microsecond (t) / 1000;
}

/* docs/recording.md: duration is end - start and offset is start - the
 * manifest's start, to the millisecond, as a reader computes them from the
 * times written (sub-millisecond parts do not round them apart). */
static void
test_manifest_exact (void)
{
  static const struct { gint64 rec_start, start, end; } cases[] = {
    { T0 - 1168000, T0 + 999, T0 + 6746000 + 1 },     /* 04.339999 .. 11.085001 */
    { T0 - 1167001, T0, T0 + 6745999 },
    { T0 - 500, T0 + 400, T0 + 400 },
    { T0, T0 + 12345678, T0 + 99999999 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    McRecordManifestFile f = { .file = "f.webm", .peer_id = "p", .name = "p", .container = "webm",
                               .start_utc_us = cases[i].start, .end_utc_us = cases[i].end,
                               .offset_s = (double) (cases[i].start - cases[i].rec_start) / G_USEC_PER_SEC };
    McRecordManifestInfo info = { .call_id = "c", .recorder_peer_id = "r", .recorder_name = "r",
                                  .start_utc_us = cases[i].rec_start, .updated_utc_us = cases[i].end };
    g_autoptr (JsonNode) doc = mc_record_manifest_build (&info, &f, 1);
    g_autofree char *text = mc_json_encode (doc);
    g_autoptr (JsonNode) back = mc_json_decode (text, strlen (text), NULL);
    JsonObject *o = json_node_get_object (back);
    JsonObject *a = json_array_get_object_element (json_object_get_array_member (o, "files"), 0);
    gint64 start = parse_ms (json_object_get_string_member (a, "start"));
    gint64 end = parse_ms (json_object_get_string_member (a, "end"));
    gint64 rec_start = parse_ms (json_object_get_string_member (o, "start"));

    g_assert_cmpfloat (json_object_get_double_member (a, "duration"), ==, (double) (end - start) / 1000.0);
    g_assert_cmpfloat (json_object_get_double_member (a, "offset"), ==, (double) (start - rec_start) / 1000.0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/record/utc", test_utc);
  g_test_add_func ("/record/sanitize", test_sanitize);
  g_test_add_func ("/record/file-name", test_file_name);
  g_test_add_func ("/record/manifest", test_manifest);
  g_test_add_func ("/record/manifest-exact", test_manifest_exact);
  return g_test_run ();
}

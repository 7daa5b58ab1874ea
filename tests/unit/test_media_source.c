/* --video/--audio values, pipeline files and their placeholders. */
#include "meshcall/base/log.h"
#include "meshcall/media/media_source.h"
#include "meshcall/media/pipelines.h"

#include <gst/gst.h>
#include <string.h>

static void
test_parse_valid (void)
{
  static const struct {
    McMediaKind kind;
    const char *spec;
    McMediaSourceType type;
    const char *device;
  } cases[] = {
    { MC_MEDIA_VIDEO, "auto", MC_MEDIA_SOURCE_AUTO, NULL },
    { MC_MEDIA_VIDEO, "test", MC_MEDIA_SOURCE_TEST, NULL },
    { MC_MEDIA_VIDEO, "none", MC_MEDIA_SOURCE_NONE, NULL },
    { MC_MEDIA_VIDEO, "v4l2", MC_MEDIA_SOURCE_V4L2, NULL },
    { MC_MEDIA_VIDEO, "v4l2:/dev/video2", MC_MEDIA_SOURCE_V4L2, "/dev/video2" },
    { MC_MEDIA_AUDIO, "pulse", MC_MEDIA_SOURCE_PULSE, NULL },
    { MC_MEDIA_AUDIO, "alsa:hw:1,0", MC_MEDIA_SOURCE_ALSA, "hw:1,0" },
    { MC_MEDIA_AUDIO, "pulse:alsa_input.usb-mic", MC_MEDIA_SOURCE_PULSE, "alsa_input.usb-mic" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    McMediaSource src;
    g_autoptr (GError) error = NULL;
    g_autofree char *back = NULL;
    g_assert_true (mc_media_source_parse (cases[i].kind, cases[i].spec, &src, &error));
    g_assert_no_error (error);
    g_assert_cmpint (src.type, ==, cases[i].type);
    g_assert_cmpstr (src.device, ==, cases[i].device);
    back = mc_media_source_to_spec (&src);
    g_assert_cmpstr (back, ==, cases[i].spec);
    mc_media_source_clear (&src);
  }
}

static void
test_parse_invalid (void)
{
  static const struct {
    McMediaKind kind;
    const char *spec;
    const char *says;
  } cases[] = {
    { MC_MEDIA_VIDEO, "camera", "unknown video source 'camera'" },
    { MC_MEDIA_VIDEO, "pulse", "unknown video source 'pulse'" },     /* audio-only kind */
    { MC_MEDIA_AUDIO, "v4l2", "unknown audio source 'v4l2'" },
    { MC_MEDIA_VIDEO, "v4l2:", "needs a device name" },
    { MC_MEDIA_VIDEO, "pipeline:", "needs a GStreamer description" },
    { MC_MEDIA_VIDEO, "v4l2x", "unknown video source" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    McMediaSource src;
    g_autoptr (GError) error = NULL;
    g_assert_false (mc_media_source_parse (cases[i].kind, cases[i].spec, &src, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, cases[i].says));
    /* The kind, not a flag: the value may come from the config file. */
    g_assert_nonnull (strstr (error->message, cases[i].kind == MC_MEDIA_VIDEO ? "video source" : "audio source"));
    g_assert_null (strstr (error->message, "--"));
  }
}

static void
test_descriptions (void)
{
  McMediaSource src;
  g_autoptr (GError) error = NULL;
  g_autofree char *desc = NULL;
  g_autofree char *v4l2 = NULL;
  g_autofree char *custom = NULL;
  GstElement *bin;

  g_assert_true (mc_media_source_parse (MC_MEDIA_VIDEO, "test", &src, NULL));
  desc = mc_media_source_to_description (&src, 320, 240, 15, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (desc, "videotestsrc"));
  g_assert_null (strstr (desc, "#"));
  bin = mc_pipelines_parse_bin (desc, "test", &error);
  g_assert_no_error (error);
  gst_object_unref (gst_object_ref_sink (bin));
  mc_media_source_clear (&src);

  g_assert_true (mc_media_source_parse (MC_MEDIA_VIDEO, "v4l2:/dev/my \"cam\"", &src, NULL));
  v4l2 = mc_media_source_to_description (&src, 320, 240, 15, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (v4l2, "device=\"/dev/my \\\"cam\\\"\""));
  mc_media_source_clear (&src);

  g_assert_true (mc_media_source_parse (MC_MEDIA_AUDIO, "pipeline:audiotestsrc wave=ticks", &src, NULL));
  custom = mc_media_source_to_description (&src, 0, 0, 0, &error);
  g_assert_cmpstr (custom, ==, "audiotestsrc wave=ticks");
  mc_media_source_clear (&src);

  g_assert_true (mc_media_source_parse (MC_MEDIA_AUDIO, "none", &src, NULL));
  g_assert_null (mc_media_source_to_description (&src, 0, 0, 0, &error));
  g_assert_nonnull (error);
}

static void
test_expand (void)
{
  const char *vars[] = { "WIDTH", "640", "NAME", "x", NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *out = mc_pipelines_expand ("# comment @UNKNOWN@\n  a w=@WIDTH@\n\n ! b n=@NAME@ mail=me@@host\n",
                                              vars, "t.pipeline", &error);
  g_autofree char *bad = NULL;
  g_autofree char *open = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "a w=640 ! b n=x mail=me@host");
  bad = mc_pipelines_expand ("a b=@NOPE@", vars, "t.pipeline", &error);
  g_assert_null (bad);
  g_assert_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_PLACEHOLDER);
  g_assert_nonnull (strstr (error->message, "t.pipeline:1: unknown placeholder @NOPE@"));
  g_clear_error (&error);
  open = mc_pipelines_expand ("a\nb=@WIDTH", vars, "t.pipeline", &error);
  g_assert_null (open);
  g_assert_nonnull (strstr (error->message, "t.pipeline:2: unterminated"));
}

/* Every shipped pipeline file loads and parses with the values meshcall gives it. */
static void
test_shipped_files (void)
{
  static const char *files[] = { "video-test", "audio-test", "encoder-vp8", "encoder-h264", "encoder-opus",
                                 "decoder-vp8", "decoder-h264", "decoder-opus" };
  const char *vars[] = { "WIDTH", "320", "HEIGHT", "240", "FPS", "15", "BITRATE", "300", "BITRATE_BPS", "300000",
                         "KEYFRAME_INTERVAL", "45", "THREADS", "1", "DEVICE_PROPERTY", "", NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autoptr (GError) error = NULL;
    g_autofree char *desc = mc_pipelines_load (files[i], vars, &error);
    g_autofree char *full = NULL;
    GstElement *bin;
    g_assert_no_error (error);
    /* As meshcall uses them: followed by a sink (a trailing caps filter needs one). */
    full = g_strconcat (desc, " ! fakesink", NULL);
    bin = mc_pipelines_parse_bin (full, files[i], &error);
    g_assert_no_error (error);
    gst_object_unref (gst_object_ref_sink (bin));
  }
  {
    g_autoptr (GError) error = NULL;
    g_assert_null (mc_pipelines_load ("no-such-file", vars, &error));
    g_assert_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_NOT_FOUND);
  }
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  mc_log_init ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/media/source/parse-valid", test_parse_valid);
  g_test_add_func ("/media/source/parse-invalid", test_parse_invalid);
  g_test_add_func ("/media/source/descriptions", test_descriptions);
  g_test_add_func ("/media/pipelines/expand", test_expand);
  g_test_add_func ("/media/pipelines/shipped-files", test_shipped_files);
  return g_test_run ();
}

/* Unit tests for meshcall record's options (cli/record_options.c and the
 * groups of cli/call_options.c it shares with join): a receive-only
 * recorder by default, [record] config values, flags over them, and every
 * refusal's message and exit code. */
#include "meshcall/cli/commands.h"
#include "meshcall/cli/record_options.h"

#include "option_args.h"

/* Parses "record ARGS... --config FILE" with FILE holding config_text. */
static int
parse (McRecordOptions *o, const char *config_text, const char *const *args, GError **error)
{
  OptionArgs a;
  int code;

  option_args_init (&a, "record", config_text, args);
  code = mc_record_options_parse (o, a.argc, a.argv, error);
  option_args_clear (&a);
  return code;
}

#define ARGS(...) ((const char *const[]) { __VA_ARGS__, NULL })

static void
test_defaults (void)
{
  McRecordOptions o;
  g_autoptr (GError) error = NULL;

  mc_record_options_init (&o);
  g_assert_cmpint (parse (&o, NULL, ARGS ("standup", "--out", "/tmp/rec"), &error), ==, MC_EXIT_OK);
  g_assert_no_error (error);
  g_assert_cmpstr (o.call_id, ==, "standup");
  g_assert_cmpstr (o.signal_url, ==, "ws://127.0.0.1:7300");
  g_assert_cmpstr (o.signal.name, ==, "recorder");
  /* Sends nothing, decodes nothing. */
  g_assert_true (o.call.recorder);
  g_assert_true (o.call.headless);
  g_assert_cmpint (o.call.media.video.type, ==, MC_MEDIA_SOURCE_NONE);
  g_assert_cmpint (o.call.media.audio.type, ==, MC_MEDIA_SOURCE_NONE);
  g_assert_false (o.call.media.audio_processing);
  g_assert_cmpuint (o.call.peer.media_timeout_ms, ==, 10000);
  g_assert_cmpuint (o.call.peer.jitter_latency_ms, ==, 200);
  g_assert_cmpstr (o.record.dir, ==, "/tmp/rec");
  g_assert_cmpstr (o.record.call_id, ==, "standup");
  g_assert_null (o.record.compose_path);
  g_assert_cmpuint (o.duration_s, ==, 0);
  g_assert_null (o.stats_json);
  mc_record_options_clear (&o);
}

static void
test_config_and_flags (void)
{
  const char *config = "[signaling]\nname = Bot\n[record]\nout = /srv/rec\ncompose = /srv/grid.webm\n"
                       "compose-size = 640x360\ncompose-fps = 10\nmedia-timeout = 5\nstats-json = /tmp/s.json\n";
  McRecordOptions o;
  g_autoptr (GError) error = NULL;

  mc_record_options_init (&o);
  g_assert_cmpint (parse (&o, config, ARGS ("c1", "--compose-fps", "12", "--duration", "60", "--signal",
                                            "http://10.0.0.2:7300"), &error), ==, MC_EXIT_OK);
  g_assert_no_error (error);
  g_assert_cmpstr (o.signal.name, ==, "Bot");
  g_assert_cmpstr (o.signal_url, ==, "http://10.0.0.2:7300");
  g_assert_cmpstr (o.record.dir, ==, "/srv/rec");
  g_assert_cmpstr (o.record.compose_path, ==, "/srv/grid.webm");
  g_assert_cmpint (o.record.compose_width, ==, 640);
  g_assert_cmpint (o.record.compose_height, ==, 360);
  g_assert_cmpint (o.record.compose_fps, ==, 12);
  g_assert_cmpuint (o.call.peer.media_timeout_ms, ==, 5000);
  g_assert_cmpstr (o.stats_json, ==, "/tmp/s.json");
  g_assert_cmpuint (o.duration_s, ==, 60);
  mc_record_options_clear (&o);
}

static void
test_refusals (void)
{
  const struct {
    const char *const *args;
    const char *says;
  } cases[] = {
    { ARGS ("c1"), "--out DIR" },
    { ARGS ("--out", "/tmp/x"), "exactly one CALL_ID" },
    { ARGS ("c1", "c2", "--out", "/tmp/x"), "exactly one CALL_ID" },
    { ARGS ("c1", "--out", "/tmp/x", "--compose", "grid.mp4"), "name it FILE.webm" },
    { ARGS ("c1", "--out", "/tmp/x", "--compose", "g.webm", "--compose-size", "big"), "--compose-size 'big'" },
    { ARGS ("c1", "--out", "/tmp/x", "--compose-fps", "0"), "--compose-fps 0" },
    { ARGS ("c1", "--out", "/tmp/x", "--jitter-latency", "9000"), "--jitter-latency 9000" },
    { ARGS ("c1", "--out", "/tmp/x", "--media-timeout", "0"), "--media-timeout" },
    { ARGS ("c1", "--out", "/tmp/x", "--duration", "-1"), "--duration" },
    { ARGS ("c1", "--out", "/tmp/x", "--no-such-flag"), "meshcall record --help" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    McRecordOptions o;
    g_autoptr (GError) error = NULL;

    mc_record_options_init (&o);
    g_assert_cmpint (parse (&o, NULL, cases[i].args, &error), ==, MC_EXIT_USAGE);
    g_assert_nonnull (error);
    if (strstr (error->message, cases[i].says) == NULL)
      g_error ("case %" G_GSIZE_FORMAT ": '%s' does not say '%s'", i, error->message, cases[i].says);
    mc_record_options_clear (&o);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/record-options/defaults", test_defaults);
  g_test_add_func ("/record-options/config-and-flags", test_config_and_flags);
  g_test_add_func ("/record-options/refusals", test_refusals);
  return g_test_run ();
}

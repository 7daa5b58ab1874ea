/* Unit tests for meshcall join's options (cli/join_options.c and the
 * groups of cli/call_options.c): the defaults, config file values mapped
 * to the typed configuration, flags overriding them, every refusal's
 * message and exit code, the ICE configuration for a local server, and the
 * --render help built from this build's table. */
#include "meshcall/base/log.h"
#include "meshcall/cli/call_options.h"
#include "meshcall/cli/commands.h"
#include "meshcall/cli/join_options.h"

#include "option_args.h"

/* Parses "join ARGS... --config FILE" with FILE holding config_text. */
static int
parse (McJoinOptions *o, const char *config_text, const char *const *args, GError **error)
{
  OptionArgs a;
  int code;

  option_args_init (&a, "join", config_text, args);
  code = mc_join_options_parse (o, a.argc, a.argv, error);
  option_args_clear (&a);
  return code;
}

#define ARGS(...) ((const char *const[]) { __VA_ARGS__, NULL })

static void
check_media (const McCaptureConfig *m, McMediaSourceType video, McMediaSourceType audio, int width, int height,
             int fps, McVideoCodec codec, gboolean processing)
{
  g_assert_cmpint (m->video.type, ==, video);
  g_assert_cmpint (m->audio.type, ==, audio);
  g_assert_cmpint (m->width, ==, width);
  g_assert_cmpint (m->height, ==, height);
  g_assert_cmpint (m->fps, ==, fps);
  g_assert_cmpint (m->codec, ==, codec);
  g_assert_true (m->audio_processing == processing);
}

static void
test_defaults (void)
{
  McJoinOptions o;
  g_autoptr (GError) error = NULL;
  g_autofree char *who = g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());

  mc_join_options_init (&o);
  g_assert_cmpint (parse (&o, NULL, ARGS ("c1"), &error), ==, MC_EXIT_OK);
  g_assert_no_error (error);
  g_assert_cmpstr (o.call_id, ==, "c1");
  g_assert_null (o.signal_url);
  g_assert_cmpstr (o.signal.call_id, ==, "c1");
  if (g_utf8_strlen (who, -1) <= 64)
    g_assert_cmpstr (o.signal.name, ==, who);
  g_assert_null (o.signal.peer_id);
  g_assert_null (o.signal.token);
  check_media (&o.call.media, MC_MEDIA_SOURCE_AUTO, MC_MEDIA_SOURCE_AUTO, 640, 480, 30, MC_VIDEO_CODEC_VP8, TRUE);
  g_assert_cmpuint (o.call.peer.jitter_latency_ms, ==, 50);
  g_assert_cmpuint (o.call.peer.media_timeout_ms, ==, 2000);
  g_assert_cmpuint (o.call.peer.answer_timeout_ms, ==, 0);   /* the peer's default */
  g_assert_nonnull (o.call.peer.ice);
  g_assert_null (o.call.peer.ice->stun_server);
  g_assert_null (o.call.peer.ice->turn_servers[0]);
  g_assert_null (o.call.peer.ice->local_addresses);
  g_assert_false (o.call.peer.ice->relay_only);
  g_assert_false (o.call.headless);
  g_assert_null (o.call.stats_json);
  g_assert_null (o.state_dir);   /* the default directory (cli_dtls.h) */
  g_assert_cmpint (o.call.self_view_width, ==, 0);
  g_assert_true (o.render.automatic);
  g_assert_true (o.render_options.self_view);
  g_assert_false (o.render_options.show_stats);
  g_assert_false (o.render_options.fullscreen);
  g_assert_cmpint (o.render_options.width, ==, 0);
  g_assert_cmpuint (o.render_options.max_fps, ==, 0);
  g_assert_cmpstr (o.render_options.path, ==, "auto");
  g_assert_null (o.render_options.font);
  g_assert_cmpstr (o.render_options.call_id, ==, "c1");
  g_assert_cmpuint (o.duration_s, ==, 0);
  g_assert_null (o.status_host);
  g_assert_cmpuint (o.status_min_peers, ==, 0);
  mc_join_options_clear (&o);
}

static const char full_config[] =
  "[signaling]\nurl = ws://example.org:7300\nname = Ann\npeer-id = ann1\ntoken = s3cret\n"
  "[media]\nvideo = test\naudio = none\nsize = 320x240\nfps = 20\nvideo-codec = h264\n"
  "audio-processing = false\njitter-latency = 200\n"
  "[ice]\nstun = stun://stun.example.org:3478\nturn = turn://u:p@a:3478, turn://u:p@b:3478\n"
  "transport-policy = relay\n"
  "[call]\nheadless = false\nstats-json = /tmp/s.json\nmedia-timeout = 9\nstate-dir = /var/lib/mc\n"
  "[status]\nlisten = 0.0.0.0:9100\nmin-peers = 2\n"
  "[display]\nrender = text:sixel\nfont = Mono\nfullscreen = true\nself-view = false\nstats = true\n"
  "width = 1280\nheight = 720\nmax-fps = 24\nrender-path = opengl\n";

static void
test_config_values (void)
{
  McJoinOptions o;
  g_autoptr (GError) error = NULL;

  mc_join_options_init (&o);
  g_assert_cmpint (parse (&o, full_config, ARGS ("c1"), &error), ==, MC_EXIT_OK);
  g_assert_no_error (error);
  g_assert_cmpstr (o.signal_url, ==, "ws://example.org:7300");
  g_assert_cmpstr (o.signal.name, ==, "Ann");
  g_assert_cmpstr (o.signal.peer_id, ==, "ann1");
  g_assert_cmpstr (o.signal.token, ==, "s3cret");
  check_media (&o.call.media, MC_MEDIA_SOURCE_TEST, MC_MEDIA_SOURCE_NONE, 320, 240, 20, MC_VIDEO_CODEC_H264, FALSE);
  g_assert_cmpuint (o.call.peer.jitter_latency_ms, ==, 200);
  g_assert_cmpuint (o.call.peer.media_timeout_ms, ==, 9000);
  g_assert_cmpstr (o.call.peer.ice->stun_server, ==, "stun://stun.example.org:3478");
  g_assert_cmpstrv (o.call.peer.ice->turn_servers, ARGS ("turn://u:p@a:3478", "turn://u:p@b:3478"));
  g_assert_true (o.call.peer.ice->relay_only);
  g_assert_cmpstr (o.call.stats_json, ==, "/tmp/s.json");
  g_assert_cmpstr (o.state_dir, ==, "/var/lib/mc");
  g_assert_cmpstr (o.status_host, ==, "0.0.0.0");
  g_assert_cmpuint (o.status_port, ==, 9100);
  g_assert_cmpuint (o.status_min_peers, ==, 2);
  g_assert_false (o.render.automatic);
  g_assert_cmpstr (o.render.klass->name, ==, "text");
  g_assert_cmpstr (o.render.variant, ==, "sixel");
  g_assert_cmpstr (o.render_options.font, ==, "Mono");
  g_assert_true (o.render_options.fullscreen);
  g_assert_false (o.render_options.self_view);
  g_assert_true (o.render_options.show_stats);
  g_assert_cmpint (o.render_options.width, ==, 1280);
  g_assert_cmpint (o.render_options.height, ==, 720);
  g_assert_cmpuint (o.render_options.max_fps, ==, 24);
  g_assert_cmpstr (o.render_options.path, ==, "opengl");
  mc_join_options_clear (&o);
}

static void
test_flags_override (void)
{
  McJoinOptions o;
  g_autoptr (GError) error = NULL;

  mc_join_options_init (&o);
  g_assert_cmpint (parse (&o, full_config,
                          ARGS ("--signal", "http://127.0.0.1:9", "--name", "Bob", "--token", "t2", "--fps", "15",
                                "--size", "160x120", "--video-codec", "vp8", "--video", "none", "--turn",
                                "turns://x:y@c:5349", "--ice-transport-policy", "all", "--jitter-latency", "0",
                                "--media-timeout", "0", "--answer-timeout", "500", "--duration", "7",
                                "--stats-json", "/tmp/t.json", "--state-dir", "none", "--render", "none", "--font", "Sans",
                                "--window-size", "800x600", "--max-fps", "10", "--status-listen", "[::1]:9200",
                                "--status-min-peers", "0", "--render-path", "surface", "c2"),
                          &error), ==, MC_EXIT_OK);
  g_assert_no_error (error);
  g_assert_cmpstr (o.call_id, ==, "c2");
  g_assert_cmpstr (o.signal_url, ==, "http://127.0.0.1:9");
  g_assert_cmpstr (o.signal.name, ==, "Bob");
  g_assert_cmpstr (o.signal.peer_id, ==, "ann1");   /* not given: the config's */
  g_assert_cmpstr (o.signal.token, ==, "t2");
  check_media (&o.call.media, MC_MEDIA_SOURCE_NONE, MC_MEDIA_SOURCE_NONE, 160, 120, 15, MC_VIDEO_CODEC_VP8, FALSE);
  g_assert_cmpstrv (o.call.peer.ice->turn_servers, ARGS ("turns://x:y@c:5349"));   /* replaces the list */
  g_assert_false (o.call.peer.ice->relay_only);
  g_assert_cmpuint (o.call.peer.jitter_latency_ms, ==, 0);
  g_assert_cmpuint (o.call.peer.media_timeout_ms, ==, 0);
  g_assert_cmpuint (o.call.peer.answer_timeout_ms, ==, 500);
  g_assert_cmpuint (o.duration_s, ==, 7);
  g_assert_cmpstr (o.call.stats_json, ==, "/tmp/t.json");
  g_assert_cmpstr (o.state_dir, ==, "none");
  g_assert_false (o.render.automatic);
  g_assert_null (o.render.klass);
  g_assert_cmpstr (o.render_options.font, ==, "Sans");
  g_assert_cmpint (o.render_options.width, ==, 800);
  g_assert_cmpint (o.render_options.height, ==, 600);
  g_assert_cmpuint (o.render_options.max_fps, ==, 10);
  g_assert_cmpstr (o.render_options.path, ==, "surface");
  g_assert_cmpstr (o.status_host, ==, "::1");
  g_assert_cmpuint (o.status_port, ==, 9200);
  g_assert_cmpuint (o.status_min_peers, ==, 0);
  mc_join_options_clear (&o);

  /* A bare port listens on loopback only. */
  mc_join_options_init (&o);
  g_assert_cmpint (parse (&o, NULL, ARGS ("c1", "--status-listen", "9300"), &error), ==, MC_EXIT_OK);
  g_assert_cmpstr (o.status_host, ==, "127.0.0.1");
  g_assert_cmpuint (o.status_port, ==, 9300);
  mc_join_options_clear (&o);

  /* Booleans: --no-self-view over self-view = true; --headless means no
   * picture; an empty state-dir is the default one. */
  mc_join_options_init (&o);
  g_assert_cmpint (parse (&o, "[display]\nself-view = true\nrender = text\n[call]\nstate-dir =\n",
                          ARGS ("c1", "--no-self-view", "--headless", "--show-stats", "--fullscreen",
                                "--no-audio-processing"), &error), ==, MC_EXIT_OK);
  g_assert_false (o.render_options.self_view);
  g_assert_true (o.render_options.show_stats);
  g_assert_true (o.render_options.fullscreen);
  g_assert_true (o.call.headless);
  g_assert_false (o.call.media.audio_processing);
  g_assert_false (o.render.automatic);
  g_assert_null (o.render.klass);
  g_assert_null (o.state_dir);
  mc_join_options_clear (&o);
}

typedef struct {
  const char *config;
  const char *const *args;
  int code;
  const char *message;  /* the whole message, or with a leading '*' a part of it */
} Refusal;

static void
test_refusals (void)
{
  const Refusal refusals[] = {
    { NULL, ARGS ("--fps", "20"), MC_EXIT_USAGE, "join needs exactly one CALL_ID (see 'meshcall join --help')" },
    { NULL, ARGS ("c1", "c2"), MC_EXIT_USAGE, "join needs exactly one CALL_ID (see 'meshcall join --help')" },
    { NULL, ARGS ("c1", "--frobnicate"), MC_EXIT_USAGE, "Unknown option --frobnicate (see 'meshcall join --help')" },
    { NULL, ARGS ("c1", "--fps", "many"), MC_EXIT_USAGE, "*for --fps (see 'meshcall join --help')" },
    { NULL, ARGS ("bad call id"), MC_EXIT_USAGE, "*CALL_ID" },
    { NULL, ARGS ("c1", "--signal", "foo://x"), MC_EXIT_USAGE,
      "*accepted are ws://HOST:PORT, wss://HOST:PORT, http://HOST:PORT, https://HOST:PORT" },
    { NULL, ARGS ("c1", "--signal", "firestore://demo-project"), MC_EXIT_FAILURE,
      "*needs credentials: set [firestore] api-key in the config to the project's Web API key (anonymous sign-in; Firebase console, Project settings), or give --id-token-file FILE (with the emulator, FIRESTORE_EMULATOR_HOST=HOST:PORT is enough)" },
    { NULL, ARGS ("c1", "--signal", "firestore://Demo_Project"), MC_EXIT_USAGE,
      "*does not name a Firestore project" },
    { NULL, ARGS ("c1", "--peer-id", "a b"), MC_EXIT_USAGE, "*peerId contains a character" },
    { NULL, ARGS ("c1", "--name", "x\001"), MC_EXIT_USAGE, "*name contains a control character" },
    { NULL, ARGS ("c1", "--name", "evil\xe2\x80\xae" "gnp"), MC_EXIT_USAGE,
      "--name (or [signaling] name): name contains the bidirectional control character U+202E, which would reorder "
      "the text shown around it; choose a name the others can read" },
    { NULL, ARGS ("c1", "--name", "\xe2\x80\x8b\xe2\x80\x8b"), MC_EXIT_USAGE, "*--name (or [signaling] name): name has no visible character" },
    { NULL, ARGS ("c1", "--video", "bogus"), MC_EXIT_USAGE, "*--video: " },
    { NULL, ARGS ("c1", "--audio", "bogus"), MC_EXIT_USAGE, "*--audio: " },
    { NULL, ARGS ("c1", "--video-codec", "av1"), MC_EXIT_USAGE, "--video-codec: video codec 'av1' is not vp8 or h264" },
    { NULL, ARGS ("c1", "--size", "big"), MC_EXIT_USAGE,
      "--size 'big': expected WIDTHxHEIGHT with even numbers, e.g. 640x480" },
    { NULL, ARGS ("c1", "--size", "641x480"), MC_EXIT_USAGE, "*--size '641x480'" },
    { NULL, ARGS ("c1", "--fps", "0"), MC_EXIT_USAGE, "--fps 0: expected 1 to 120" },
    { NULL, ARGS ("c1", "--fps", "121"), MC_EXIT_USAGE, "--fps 121: expected 1 to 120" },
    { NULL, ARGS ("c1", "--jitter-latency", "5001"), MC_EXIT_USAGE, "--jitter-latency 5001: expected 0 to 5000 ms" },
    { NULL, ARGS ("c1", "--duration", "-1"), MC_EXIT_USAGE,
      "--duration must be >= 0 and --media-timeout 0 to 600 seconds" },
    { NULL, ARGS ("c1", "--media-timeout", "601"), MC_EXIT_USAGE,
      "--duration must be >= 0 and --media-timeout 0 to 600 seconds" },
    { NULL, ARGS ("c1", "--answer-timeout", "600001"), MC_EXIT_USAGE,
      "--answer-timeout 600001: expected 0 to 600000 ms" },
    { NULL, ARGS ("c1", "--stun", "x"), MC_EXIT_USAGE, "--stun 'x': expected stun://HOST:PORT" },
    { NULL, ARGS ("c1", "--ice-transport-policy", "any"), MC_EXIT_USAGE,
      "--ice-transport-policy 'any': expected all or relay" },
    { NULL, ARGS ("c1", "--turn", "foo"), MC_EXIT_USAGE, "--turn 'foo': expected turn://USER:PASS@HOST:PORT" },
    { NULL, ARGS ("c1", "--ice-transport-policy", "relay"), MC_EXIT_USAGE,
      "--ice-transport-policy relay needs a --turn server" },
    { NULL, ARGS ("c1", "--render", "hologram"), MC_EXIT_USAGE, "*--render: unknown renderer 'hologram': expected auto, " },
    { NULL, ARGS ("c1", "--window-size", "3x3"), MC_EXIT_USAGE,
      "--window-size '3x3': expected WIDTHxHEIGHT with even numbers, e.g. 1280x720" },
    { NULL, ARGS ("c1", "--max-fps", "241"), MC_EXIT_USAGE, "--max-fps 241: expected 0 (default) to 240" },
    { NULL, ARGS ("c1", "--render-path", "gl"), MC_EXIT_USAGE,
      "--render-path: unknown drawing path 'gl': expected auto, surface, software, opengl, opengles2" },
    { NULL, ARGS ("c1", "--status-listen", "127.0.0.1:port"), MC_EXIT_USAGE,
      "--status-listen '127.0.0.1:port': 'port' is not a port number (0-65535)" },
    { NULL, ARGS ("c1", "--status-listen", "127.0.0.1:65536"), MC_EXIT_USAGE,
      "--status-listen '127.0.0.1:65536': '65536' is not a port number (0-65535)" },
    { NULL, ARGS ("c1", "--status-listen", "127.0.0.1:-1"), MC_EXIT_USAGE, "*'-1' is not a port number" },
    { NULL, ARGS ("c1", "--status-listen", "127.0.0.1:0"), MC_EXIT_USAGE,
      "--status-listen '127.0.0.1:0': expected HOST:PORT with a port from 1 to 65535, e.g. 127.0.0.1:9100" },
    { NULL, ARGS ("c1", "--status-listen", "127.0.0.1"), MC_EXIT_USAGE, "*with a port from 1 to 65535" },
    { NULL, ARGS ("c1", "--status-listen", "monitor.example:9100"), MC_EXIT_USAGE,
      "*'monitor.example' is not an IP address" },
    { NULL, ARGS ("c1", "--status-listen", "300.1.2.3:9100"), MC_EXIT_USAGE, "*'300.1.2.3' is not an IP address" },
    { NULL, ARGS ("c1", "--status-listen", "[::1:9100"), MC_EXIT_USAGE, "*expected [IPV6]:PORT" },
    { NULL, ARGS ("c1", "--status-listen", ""), MC_EXIT_USAGE, "*empty listen address" },
    { NULL, ARGS ("c1", "--status-listen", "9100", "--status-min-peers", "65"), MC_EXIT_USAGE,
      "--status-min-peers 65: expected 0 to 64" },
    { "[status]\nlisten = 127.0.0.1:x\n", ARGS ("c1"), MC_EXIT_USAGE, "*--status-listen '127.0.0.1:x'" },
    { "[status]\nmin-peers = 65\n", ARGS ("c1"), MC_EXIT_USAGE, "*[status] min-peers" },
    /* The config file's values are checked as the flags are. */
    { "[media]\nsize = huge\n", ARGS ("c1"), MC_EXIT_USAGE, "*--size 'huge'" },
    { "[ice]\nturn = stun://x\n", ARGS ("c1"), MC_EXIT_USAGE, "*--turn 'stun://x'" },
    { "[display]\nrender = hologram\n", ARGS ("c1"), MC_EXIT_USAGE, "*unknown renderer 'hologram'" },
    /* ... and the file itself. */
    { "[media]\nfps = fast\n", ARGS ("c1"), MC_EXIT_USAGE, "*.conf:2: [media] fps expects a whole number" },
    { "[media]\nfsp = 30\n", ARGS ("c1"), MC_EXIT_USAGE, "*.conf:2: unknown key 'fsp' in [media]" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (refusals); i++) {
    const Refusal *r = &refusals[i];
    McJoinOptions o;
    g_autoptr (GError) error = NULL;

    mc_join_options_init (&o);
    g_assert_cmpint (parse (&o, r->config, r->args, &error), ==, r->code);
    g_assert_nonnull (error);
    if (r->message[0] == '*') {
      if (!strstr (error->message, r->message + 1))
        g_error ("refusal %" G_GSIZE_FORMAT ": '%s' does not say '%s'", i, error->message, r->message + 1);
    } else {
      g_assert_cmpstr (error->message, ==, r->message);
    }
    mc_join_options_clear (&o);
  }
}

static void
test_missing_config (void)
{
  McJoinOptions o;
  g_autoptr (GError) error = NULL;
  char *argv[] = { (char *) "join", (char *) "c1", (char *) "--config", (char *) "/nonexistent.conf", NULL };

  mc_join_options_init (&o);
  g_assert_cmpint (mc_join_options_parse (&o, 4, argv, &error), ==, MC_EXIT_USAGE);
  g_assert_nonnull (strstr (error->message, "cannot read config file /nonexistent.conf"));
  mc_join_options_clear (&o);
}

static void
test_ice_for_url (void)
{
  const char *const turn[] = { "turn://u:p@h:1", NULL };
  g_autoptr (McIceConfig) ice = mc_ice_config_new ("stun://s:1", turn, NULL, TRUE);
  const char *const local[] = { "http://127.0.0.1:7300", "ws://localhost:1", "ws://127.0.0.2:1", "ws://[::1]:1", NULL };

  for (guint i = 0; local[i]; i++) {
    g_autoptr (McIceConfig) l = mc_ice_config_for_signal_url (ice, local[i]);

    g_assert_true (l != ice);
    g_assert_cmpstrv (l->local_addresses, ARGS ("127.0.0.1"));
    g_assert_cmpstr (l->stun_server, ==, "stun://s:1");
    g_assert_cmpstrv (l->turn_servers, turn);
    g_assert_true (l->relay_only);
  }
  {
    g_autoptr (McIceConfig) remote = mc_ice_config_for_signal_url (ice, "wss://example.org:443");

    g_assert_true (remote == ice);
    g_assert_null (remote->local_addresses);
  }
  /* firestore:// judges the emulator of FIRESTORE_EMULATOR_HOST; production is remote. */
  {
    const char *const emulators[] = { "127.0.0.1:8085", "localhost:1", "[::1]:8085", NULL };
    g_autofree char *saved = g_strdup (g_getenv ("FIRESTORE_EMULATOR_HOST"));

    for (guint i = 0; emulators[i]; i++) {
      g_setenv ("FIRESTORE_EMULATOR_HOST", emulators[i], TRUE);
      g_autoptr (McIceConfig) l = mc_ice_config_for_signal_url (ice, "firestore://demo-p");
      g_assert_cmpstrv (l->local_addresses, ARGS ("127.0.0.1"));
    }
    g_setenv ("FIRESTORE_EMULATOR_HOST", "10.0.0.5:8085", TRUE);
    {
      g_autoptr (McIceConfig) r = mc_ice_config_for_signal_url (ice, "firestore://demo-p");
      g_assert_true (r == ice);
    }
    g_unsetenv ("FIRESTORE_EMULATOR_HOST");
    {
      g_autoptr (McIceConfig) r = mc_ice_config_for_signal_url (ice, "firestore://my-project/db");
      g_assert_true (r == ice);
    }
    if (saved != NULL)
      g_setenv ("FIRESTORE_EMULATOR_HOST", saved, TRUE);
  }
}

static void
test_render_help (void)
{
  McJoinOptions o;

  mc_join_options_init (&o);
#if defined(MESHCALL_WITH_SDL) && defined(MESHCALL_WITH_CHAFA)
  g_assert_cmpstr (mc_join_options_render_help (&o), ==,
                   "What to draw on: auto (default: a window when there is a display, else the terminal), sdl, "
                   "text, text:symbols, text:sixel, text:kitty or none");
#else
  g_assert_true (g_str_has_prefix (mc_join_options_render_help (&o), "What to draw on: auto (default: "));
#endif
  mc_join_options_clear (&o);
}

static void
test_parse_size (void)
{
  int w = 0, h = 0;

  g_assert_true (mc_option_parse_size ("1280x720", &w, &h));
  g_assert_cmpint (w, ==, 1280);
  g_assert_cmpint (h, ==, 720);
  g_assert_true (mc_option_parse_size ("16X16", &w, &h));
  g_assert_false (mc_option_parse_size ("14x16", &w, &h));
  g_assert_false (mc_option_parse_size ("7682x16", &w, &h));
  g_assert_false (mc_option_parse_size ("640x480x", &w, &h));
  g_assert_false (mc_option_parse_size (NULL, &w, &h));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
  g_test_add_func ("/join-options/defaults", test_defaults);
  g_test_add_func ("/join-options/config-values", test_config_values);
  g_test_add_func ("/join-options/flags-override", test_flags_override);
  g_test_add_func ("/join-options/refusals", test_refusals);
  g_test_add_func ("/join-options/missing-config", test_missing_config);
  g_test_add_func ("/join-options/ice-for-url", test_ice_for_url);
  g_test_add_func ("/join-options/render-help", test_render_help);
  g_test_add_func ("/join-options/parse-size", test_parse_size);
  return g_test_run ();
}

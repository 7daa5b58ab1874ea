/* meshcall join CALL_ID: be in a call until 'q', SIGINT, SIGTERM or --duration. */
#include "meshcall/call.h"
#include "meshcall/call_server.h"
#include "meshcall/commands.h"
#include "meshcall/config.h"
#include "meshcall/log.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define GST_CAT_DEFAULT mc_cat_main

typedef struct {
  GMainLoop *loop;
  McCall *call;
  int exit_code;
  gboolean leaving;
  gboolean tty_status;
  gboolean status_shown;
  gboolean raw_stdin;
  struct termios saved_termios;
  guint duration_id;
} Join;

static void
clear_status (Join *j)
{
  if (j->status_shown) {
    fputs ("\r\033[K", stderr);
    j->status_shown = FALSE;
  }
}

static void
on_left (McCall *call, gpointer user_data)
{
  Join *j = user_data;
  g_main_loop_quit (j->loop);
}

static void
leave (Join *j, const char *why)
{
  if (j->leaving) {
    return;
  }
  j->leaving = TRUE;
  clear_status (j);
  GST_INFO ("leaving: %s", why);
  mc_call_leave (j->call, on_left, j);
}

static gboolean
on_signal (gpointer data)
{
  Join *j = data;
  if (j->leaving) {
    /* Second Ctrl-C: stop waiting for the server. */
    g_main_loop_quit (j->loop);
    return G_SOURCE_CONTINUE;
  }
  leave (j, "signal");
  return G_SOURCE_CONTINUE;
}

static gboolean
on_duration (gpointer data)
{
  Join *j = data;
  j->duration_id = 0;
  leave (j, "--duration elapsed");
  return G_SOURCE_REMOVE;
}

static gboolean
on_stdin (gint fd, GIOCondition cond, gpointer data)
{
  Join *j = data;
  char buf[64];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n <= 0) {
    return G_SOURCE_REMOVE;   /* closed: no more keys */
  }
  for (ssize_t i = 0; i < n; i++) {
    if (buf[i] == 'q' || buf[i] == 'Q' || buf[i] == 4 /* Ctrl-D */)
      leave (j, "q pressed");
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_status_tick (gpointer data)
{
  Join *j = data;
  g_autofree char *line = NULL;

  if (j->leaving)
    return G_SOURCE_CONTINUE;
  line = mc_call_format_status (j->call);
  fprintf (stderr, "\r\033[K%s", line);
  fflush (stderr);
  j->status_shown = TRUE;
  return G_SOURCE_CONTINUE;
}

static void
on_fatal (McCall *call, const GError *error, gpointer user_data)
{
  Join *j = user_data;
  clear_status (j);
  mc_log_error ("%s", error->message);
  j->exit_code = MC_EXIT_FAILURE;
  g_main_loop_quit (j->loop);
}

static gboolean
parse_size (const char *text, int *w, int *h)
{
  char *end;
  long a, b;

  if (text == NULL)
    return FALSE;
  a = strtol (text, &end, 10);
  if (*end != 'x' && *end != 'X')
    return FALSE;
  b = strtol (end + 1, &end, 10);
  if (*end != '\0' || a < 16 || b < 16 || a > 7680 || b > 4320 || a % 2 || b % 2)
    return FALSE;
  *w = (int) a;
  *h = (int) b;
  return TRUE;
}

/* Loopback signaling means a call on this machine: ICE on 127.0.0.1 only
 * (libnice skips loopback unless told; see docs). */
static gboolean
url_is_loopback (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri ? g_uri_get_host (uri) : NULL;

  return host && (g_str_equal (host, "localhost") || g_str_has_prefix (host, "127.") || g_str_equal (host, "::1") ||
                  g_str_equal (host, "[::1]"));
}

static gboolean
server_answers (const char *host, guint port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;

  g_socket_client_set_timeout (client, 1);
  conn = g_socket_client_connect_to_host (client, host, port, NULL, NULL);
  return conn != NULL;
}

static char **
split_list (const char *text)
{
  g_auto (GStrv) parts = NULL;
  GPtrArray *out = g_ptr_array_new ();

  if (text != NULL) {
    parts = g_strsplit_set (text, ", ", -1);
    for (guint i = 0; parts[i]; i++)
      if (*parts[i])
        g_ptr_array_add (out, g_strdup (parts[i]));
  }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* GOption replaces a string option's pointer without freeing the config
 * default it held; keep every string we own in one list. */
static char *
keep (GPtrArray *owned, char *s)
{
  if (s)
    g_ptr_array_add (owned, s);
  return s;
}

static void
keep_if_new (GPtrArray *owned, char *s)
{
  if (s && !g_ptr_array_find (owned, s, NULL))
    g_ptr_array_add (owned, s);
}

int
mc_cmd_join (int argc, char **argv)
{
  g_autoptr (McConfig) config = NULL;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (McCallServer) server = NULL;
  g_auto (GStrv) turn_list = NULL;
  g_auto (GStrv) turn_opt = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *signal_url = NULL;
  McCallConfig cfg;
  Join j = { 0 };
  char *signal = NULL, *name = NULL, *peer_id = NULL, *token = NULL, *video = NULL, *audio = NULL, *size = NULL,
       *codec = NULL, *stun = NULL, *turn = NULL, *stats_json = NULL;
  gint fps, jitter, duration = 0, media_timeout;
  gboolean headless, no_processing = FALSE;
  guint sigint, sigterm, status_id = 0, stdin_id = 0;
  const char *const loopback[] = { "127.0.0.1", NULL };

  config = mc_config_load_for_command (argc, argv);
  if (config == NULL)
    return MC_EXIT_USAGE;
  signal = keep (owned, mc_config_get_string (config, "signaling", "url", NULL));
  name = keep (owned, mc_config_get_string (config, "signaling", "name", NULL));
  peer_id = keep (owned, mc_config_get_string (config, "signaling", "peer-id", NULL));
  token = keep (owned, mc_config_get_string (config, "signaling", "token", NULL));
  video = keep (owned, mc_config_get_string (config, "media", "video", "auto"));
  audio = keep (owned, mc_config_get_string (config, "media", "audio", "auto"));
  size = keep (owned, mc_config_get_string (config, "media", "size", "640x480"));
  codec = keep (owned, mc_config_get_string (config, "media", "video-codec", "vp8"));
  stun = keep (owned, mc_config_get_string (config, "ice", "stun", NULL));
  turn = keep (owned, mc_config_get_string (config, "ice", "turn", NULL));
  stats_json = keep (owned, mc_config_get_string (config, "call", "stats-json", NULL));
  fps = (gint) mc_config_get_int (config, "media", "fps", 30);
  jitter = (gint) mc_config_get_int (config, "media", "jitter-latency", 50);
  media_timeout = (gint) mc_config_get_int (config, "call", "media-timeout", 4);
  headless = mc_config_get_bool (config, "call", "headless", FALSE);
  no_processing = !mc_config_get_bool (config, "media", "audio-processing", TRUE);

  GOptionEntry entries[] = {
    { "signal", 's', 0, G_OPTION_ARG_STRING, &signal,
      "Signaling server: ws://HOST:PORT, http://HOST:PORT (Socket.IO). Default: a server on "
      "127.0.0.1:7300 if one answers, else one started inside this process", "URL" },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, "Name the others see (default: the peer id)", "NAME" },
    { "peer-id", 0, 0, G_OPTION_ARG_STRING, &peer_id, "Our id in the call (default: random)", "ID" },
    { "token", 't', 0, G_OPTION_ARG_STRING, &token, "Shared secret the signaling server asks for", "TOKEN" },
    { "video", 0, 0, G_OPTION_ARG_STRING, &video,
      "Camera: auto, test, v4l2[:DEVICE], none or pipeline:DESCRIPTION (see 'meshcall devices'; default auto)", "SRC" },
    { "audio", 0, 0, G_OPTION_ARG_STRING, &audio,
      "Microphone: auto, test, pulse[:DEVICE], alsa[:DEVICE], none or pipeline:DESCRIPTION (default auto)", "SRC" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Video size sent (default 640x480)", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Video frame rate sent (default 30)", "N" },
    { "video-codec", 0, 0, G_OPTION_ARG_STRING, &codec, "vp8 (default) or h264", "CODEC" },
    { "stun", 0, 0, G_OPTION_ARG_STRING, &stun, "STUN server (none by default: host candidates suffice on a LAN)",
      "stun://HOST:PORT" },
    { "turn", 0, 0, G_OPTION_ARG_STRING_ARRAY, &turn_opt, "TURN server (repeatable)", "turn://USER:PASS@HOST:PORT" },
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, "No window and no audio output (bots, tests)", NULL },
    { "stats-json", 0, 0, G_OPTION_ARG_FILENAME, &stats_json,
      "Rewrite FILE every second (and at exit) with per-peer statistics", "FILE" },
    { "duration", 0, 0, G_OPTION_ARG_INT, &duration, "Leave after SECONDS", "SECONDS" },
    { "no-audio-processing", 0, 0, G_OPTION_ARG_NONE, &no_processing,
      "No echo cancellation, noise suppression or gain control on the microphone", NULL },
    { "jitter-latency", 0, 0, G_OPTION_ARG_INT, &jitter, "Receive jitter buffer in ms (default 50, for a LAN)", "MS" },
    { "media-timeout", 0, 0, G_OPTION_ARG_INT, &media_timeout,
      "Drop a connected peer that sent nothing for SECONDS (default 4)", "SECONDS" },
    MC_CONFIG_OPTION_ENTRY (&config_path),
    { NULL },
  };

  ctx = g_option_context_new ("CALL_ID - join a video call");
  g_option_context_set_summary (ctx,
    "Be in an audio+video call with everyone else who joins CALL_ID (2-6 people, every\n"
    "participant connected directly to every other one). Leave with 'q', Ctrl-C or --duration.\n"
    "Two terminals on one machine can call each other with no set-up: the first one starts\n"
    "a signaling server on 127.0.0.1:7300 unless one is already running there.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    mc_log_error ("%s (see 'meshcall join --help')", error->message);
    return MC_EXIT_USAGE;
  }
  for (char **p = (char *[]) { signal, name, peer_id, token, video, audio, size, codec, stun, turn, stats_json }, **e = p + 11;
       p < e; p++)
    keep_if_new (owned, *p);

  if (argc != 2) {
    mc_log_error ("join needs exactly one CALL_ID (see 'meshcall join --help')");
    return MC_EXIT_USAGE;
  }
  if (!mc_signaling_validate_id ("CALL_ID", argv[1], &error)) {
    mc_log_error ("%s", error->message);
    return MC_EXIT_USAGE;
  }

  gst_init (NULL, NULL);
  mc_call_config_init (&cfg);
  cfg.call_id = argv[1];
  cfg.peer_id = peer_id;
  cfg.name = name;
  cfg.token = token;
  if (!mc_media_source_parse (MC_MEDIA_VIDEO, video, &cfg.video, &error) ||
      !mc_media_source_parse (MC_MEDIA_AUDIO, audio, &cfg.audio, &error) ||
      !mc_video_codec_from_string (codec, &cfg.codec, &error)) {
    mc_log_error ("%s", error->message);
    mc_media_source_clear (&cfg.video);
    mc_media_source_clear (&cfg.audio);
    return MC_EXIT_USAGE;
  }
  if (!parse_size (size, &cfg.width, &cfg.height)) {
    mc_log_error ("--size '%s': expected WIDTHxHEIGHT with even numbers, e.g. 640x480", size);
    goto usage;
  }
  if (fps < 1 || fps > 120) {
    mc_log_error ("--fps %d: expected 1 to 120", fps);
    goto usage;
  }
  if (jitter < 0 || jitter > 5000) {
    mc_log_error ("--jitter-latency %d: expected 0 to 5000 ms", jitter);
    goto usage;
  }
  if (duration < 0 || media_timeout < 0 || media_timeout > 600) {
    mc_log_error ("--duration must be >= 0 and --media-timeout 0 to 600 seconds");
    goto usage;
  }
  if (stun && !g_str_has_prefix (stun, "stun://")) {
    mc_log_error ("--stun '%s': expected stun://HOST:PORT", stun);
    goto usage;
  }
  turn_list = turn_opt ? g_strdupv (turn_opt) : split_list (turn);
  for (guint i = 0; turn_list[i]; i++) {
    if (!g_str_has_prefix (turn_list[i], "turn://") && !g_str_has_prefix (turn_list[i], "turns://")) {
      mc_log_error ("--turn '%s': expected turn://USER:PASS@HOST:PORT", turn_list[i]);
      goto usage;
    }
  }
  cfg.fps = fps;
  cfg.jitter_latency_ms = (guint) jitter;
  cfg.media_timeout_ms = (guint) media_timeout * 1000;
  cfg.audio_processing = !no_processing;
  cfg.headless = headless;
  cfg.stun_server = stun;
  cfg.turn_servers = (const char *const *) turn_list;
  cfg.stats_json = stats_json;

  /* Start capture and the DTLS key while signaling connects. */
  j.exit_code = MC_EXIT_OK;
  j.loop = g_main_loop_new (NULL, FALSE);
  McCallCallbacks callbacks = { .fatal_error = on_fatal };

  if (signal != NULL) {
    signal_url = g_strdup (signal);
  } else if (server_answers ("127.0.0.1", MC_CALL_SERVER_DEFAULT_PORT)) {
    signal_url = g_strdup_printf ("http://127.0.0.1:%u", MC_CALL_SERVER_DEFAULT_PORT);
  } else {
    McCallServerConfig scfg;
    mc_call_server_config_init (&scfg);
    scfg.address = "127.0.0.1";
    scfg.port = MC_CALL_SERVER_DEFAULT_PORT;
    server = mc_call_server_new (&scfg, NULL);
    if (server == NULL) {
      scfg.port = 0;
      server = mc_call_server_new (&scfg, &error);
    }
    if (server == NULL) {
      mc_log_error ("no signaling server configured and none could be started: %s", error->message);
      j.exit_code = MC_EXIT_FAILURE;
      goto out;
    }
    signal_url = mc_call_server_get_url (server);
    mc_log_user ("started a signaling server at %s; others on this machine: meshcall join %s", signal_url, argv[1]);
  }
  cfg.signal_url = signal_url;
  if (url_is_loopback (signal_url))
    cfg.local_addresses = loopback;

  j.call = mc_call_new (&cfg, &callbacks, &j, &error);
  if (j.call == NULL) {
    mc_log_error ("%s", error->message);
    j.exit_code = MC_EXIT_FAILURE;
    goto out;
  }
  if (!mc_call_join (j.call, &error)) {
    gboolean usage = g_error_matches (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL);
    mc_log_error ("%s", error->message);
    j.exit_code = usage ? MC_EXIT_USAGE : MC_EXIT_FAILURE;
    goto out;
  }

  sigint = g_unix_signal_add (SIGINT, on_signal, &j);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &j);
  if (duration > 0)
    j.duration_id = g_timeout_add_seconds ((guint) duration, on_duration, &j);
  j.tty_status = isatty (STDERR_FILENO);
  if (j.tty_status)
    status_id = g_timeout_add_seconds (1, on_status_tick, &j);
  if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &j.saved_termios) == 0) {
    struct termios raw = j.saved_termios;
    raw.c_lflag &= ~(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    j.raw_stdin = tcsetattr (STDIN_FILENO, TCSANOW, &raw) == 0;
    stdin_id = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP, on_stdin, &j);
    mc_log_user ("press q to leave");
  }

  g_main_loop_run (j.loop);

  clear_status (&j);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_clear_handle_id (&j.duration_id, g_source_remove);
  g_clear_handle_id (&status_id, g_source_remove);
  if (stdin_id)
    g_source_remove (stdin_id);
  if (j.raw_stdin)
    tcsetattr (STDIN_FILENO, TCSANOW, &j.saved_termios);

out:
  g_clear_pointer (&j.call, mc_call_free);
  g_clear_pointer (&server, mc_call_server_free);
  g_clear_pointer (&j.loop, g_main_loop_unref);
  mc_media_source_clear (&cfg.video);
  mc_media_source_clear (&cfg.audio);
  return j.exit_code;

usage:
  mc_media_source_clear (&cfg.video);
  mc_media_source_clear (&cfg.audio);
  return MC_EXIT_USAGE;
}

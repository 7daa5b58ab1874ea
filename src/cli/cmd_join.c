/* meshcall join CALL_ID: be in a call until 'q', SIGINT, SIGTERM or --duration. */
#include "meshcall/call/call.h"
#include "meshcall/cli/backends.h"
#include "meshcall/media/gst_log.h"
#include "meshcall/server/call_server.h"
#include "meshcall/cli/commands.h"
#include "meshcall/cli/cli_config.h"
#include "meshcall/base/log.h"
#include "meshcall/render/renderer.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_main)

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
  McRenderer *renderer;   /* NULL: nothing to draw on (headless, no display, no terminal) */
  gboolean text_ui;       /* the terminal belongs to the text renderer */
  char *fatal_message;    /* printed once the terminal is restored */
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
  MC_INFO ("leaving: %s", why);
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
  if (j->text_ui && j->fatal_message == NULL)
    j->fatal_message = g_strdup (error->message);
  else if (!j->text_ui)
    mc_log_error ("%s", error->message);
  j->exit_code = MC_EXIT_FAILURE;
  g_main_loop_quit (j->loop);
}

/* ---- the picture: call events -> renderer, hotkeys -> call ------------------ */

static void
on_video_frame (McCall *call, const char *peer_id, GstSample *sample, gpointer user_data)
{
  Join *j = user_data;
  mc_renderer_push_frame (j->renderer, peer_id, sample);   /* swaps a pointer, never blocks */
}

static void
on_self_frame (McCall *call, GstSample *sample, gpointer user_data)
{
  Join *j = user_data;
  mc_renderer_push_self_frame (j->renderer, sample);
}

static void
on_peer_added (McCall *call, const char *peer_id, const char *name, gpointer user_data)
{
  Join *j = user_data;
  mc_renderer_add_tile (j->renderer, peer_id, name);
}

static void
on_peer_removed (McCall *call, const char *peer_id, gpointer user_data)
{
  Join *j = user_data;
  mc_renderer_remove_tile (j->renderer, peer_id);
}

static void
on_audio_level (McCall *call, const char *peer_id, double rms_db, gpointer user_data)
{
  Join *j = user_data;
  mc_renderer_set_tile_level (j->renderer, peer_id, rms_db);
}

static guint
tile_flags (const McMediaState *state)
{
  return (state->audio_muted ? MC_TILE_MUTED : 0) | (state->video_off ? MC_TILE_CAMERA_OFF : 0);
}

static void
on_remote_media_state (McCall *call, const char *peer_id, const McMediaState *state, gpointer user_data)
{
  Join *j = user_data;
  mc_renderer_set_tile_flags (j->renderer, peer_id, tile_flags (state));
}

static void
on_peer_stats (McCall *call, const McCallStatsPeer *p, gpointer user_data)
{
  Join *j = user_data;
  McTileStats stats = { p->inbound_kbps, p->outbound_kbps, p->rtt_ms, p->fraction_lost };
  mc_renderer_set_tile_stats (j->renderer, p->peer_id, &stats);
}

static void
on_signaling_state (McCall *call, McSignalingState state, gpointer user_data)
{
  Join *j = user_data;

  if (state == MC_SIGNALING_STATE_RECONNECTING)
    mc_renderer_set_status (j->renderer, "Reconnecting to signaling\xe2\x80\xa6");
  else if (state == MC_SIGNALING_STATE_JOINED)
    mc_renderer_set_status (j->renderer, NULL);
}

static void
show_self_state (Join *j)
{
  McMediaState state;
  mc_call_get_media_state (j->call, &state);
  mc_renderer_set_self_flags (j->renderer, tile_flags (&state));
}

/* Hotkeys (main thread). The renderer must not be freed from here. */
static void
on_render_action (McRenderer *r, McRenderAction action, gpointer user_data)
{
  Join *j = user_data;
  McMediaState state;

  switch (action) {
  case MC_RENDER_ACTION_MUTE:
  case MC_RENDER_ACTION_CAMERA:
    if (j->call == NULL || j->leaving)
      return;
    mc_call_get_media_state (j->call, &state);
    if (action == MC_RENDER_ACTION_MUTE)
      state.audio_muted = !state.audio_muted;
    else
      state.video_off = !state.video_off;
    mc_call_set_media_state (j->call, &state);
    show_self_state (j);
    break;
  case MC_RENDER_ACTION_QUIT:
    if (j->leaving || j->call == NULL)
      g_main_loop_quit (j->loop);   /* asked twice: stop waiting for the server */
    else
      leave (j, "q pressed");
    break;
  default:
    break;
  }
}

/* Closes the window / gives the terminal back (before printing an error). */
static void
stop_picture (Join *j)
{
  if (j->renderer)
    mc_renderer_stop (j->renderer);
}

static gboolean
terminal_usable (void)
{
  const char *term = g_getenv ("TERM");
  return isatty (STDIN_FILENO) && isatty (STDOUT_FILENO) && term && *term && strcmp (term, "dumb") != 0;
}

/* The renderer asked for, started. AUTO tries the window, then the
 * terminal, then goes without a picture, with one notice; an explicit kind
 * that cannot start is an error. NULL without error: nothing to draw on. */
static McRenderer *
open_renderer (McRendererOptions *o, GError **error)
{
  McRenderKind order[2];
  guint n = 0;
  gboolean automatic = o->kind == MC_RENDER_AUTO;
  g_autoptr (GError) last = NULL;

  if (automatic) {
    McRenderKind k = mc_renderer_resolve_auto ();
    if (k == MC_RENDER_SDL)
      order[n++] = MC_RENDER_SDL;
    if (k != MC_RENDER_NONE && terminal_usable ())
      order[n++] = MC_RENDER_TEXT;
  } else if (o->kind != MC_RENDER_NONE) {
    order[n++] = o->kind;
  }
  for (guint i = 0; i < n; i++) {
    McRenderer *r;
    g_clear_error (&last);
    o->kind = order[i];
    r = mc_renderer_new (mc_cli_renderer_class (order[i]), o, &last);
    if (r != NULL && mc_renderer_start (r, &last))
      return r;
    g_clear_pointer (&r, mc_renderer_free);
    MC_INFO ("renderer %s: %s", mc_render_kind_to_string (order[i]), last ? last->message : "failed");
    if (automatic && i + 1 < n)
      mc_log_user ("%s; drawing in the terminal instead", last ? last->message : "no window");
  }
  if (last == NULL)
    return NULL;
  if (!automatic) {
    g_propagate_error (error, g_steal_pointer (&last));
    return NULL;
  }
  mc_log_user ("%s; going on without a picture", last->message);
  return NULL;
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
  g_autoptr (McSignaling) sig = NULL;
  McCallConfig cfg;
  Join j = { 0 };
  char *signal = NULL, *name = NULL, *peer_id = NULL, *token = NULL, *video = NULL, *audio = NULL, *size = NULL,
       *codec = NULL, *stun = NULL, *turn = NULL, *stats_json = NULL, *ice_policy = NULL;
  gint fps, jitter, duration = 0, media_timeout, answer_timeout = 0;
  gboolean headless, no_processing = FALSE;
  guint sigint = 0, sigterm = 0, status_id = 0, stdin_id = 0;
  const char *const loopback[] = { "127.0.0.1", NULL };
  /* [display]: the picture */
  char *render = NULL, *font = NULL, *window_size = NULL;
  gboolean fullscreen, self_view, show_stats;
  gint win_w, win_h, max_fps;
  McRendererOptions ropts = { 0 };

  config = mc_cli_config_load (argc, argv);
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
  ice_policy = keep (owned, mc_config_get_string (config, "ice", "transport-policy", "all"));
  stats_json = keep (owned, mc_config_get_string (config, "call", "stats-json", NULL));
  fps = (gint) mc_config_get_int (config, "media", "fps", 30);
  jitter = (gint) mc_config_get_int (config, "media", "jitter-latency", 50);
  media_timeout = (gint) mc_config_get_int (config, "call", "media-timeout", 4);
  headless = mc_config_get_bool (config, "call", "headless", FALSE);
  no_processing = !mc_config_get_bool (config, "media", "audio-processing", TRUE);
  render = keep (owned, mc_config_get_string (config, "display", "render", "auto"));
  font = keep (owned, mc_config_get_string (config, "display", "font", NULL));
  fullscreen = mc_config_get_bool (config, "display", "fullscreen", FALSE);
  self_view = mc_config_get_bool (config, "display", "self-view", TRUE);
  show_stats = mc_config_get_bool (config, "display", "stats", FALSE);
  win_w = (gint) mc_config_get_int (config, "display", "width", 0);
  win_h = (gint) mc_config_get_int (config, "display", "height", 0);
  max_fps = (gint) mc_config_get_int (config, "display", "max-fps", 0);

  GOptionEntry entries[] = {
    { "signal", 's', 0, G_OPTION_ARG_STRING, &signal,
      "Signaling server: ws://HOST:PORT, http://HOST:PORT (Socket.IO). Default: a server on "
      "127.0.0.1:7300 if one answers, else one started inside this process", "URL" },
    /* FILENAME: the bytes as typed, so a UTF-8 name survives a C locale (checked below). */
    { "name", 'n', 0, G_OPTION_ARG_FILENAME, &name, "Name the others see (default: USER@HOST)", "NAME" },
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
    { "ice-transport-policy", 0, 0, G_OPTION_ARG_STRING, &ice_policy,
      "all (default) or relay: connect only through the TURN server (hides our addresses; tests TURN)", "POLICY" },
    /* For tests: a short offer-answer timeout instead of 15 s. */
    { "answer-timeout", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &answer_timeout,
      "Give up on an unanswered offer after MS milliseconds (default 15000)", "MS" },
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, "No window and no audio output (bots, tests)", NULL },
    { "stats-json", 0, 0, G_OPTION_ARG_FILENAME, &stats_json,
      "Rewrite FILE every second (and at exit) with per-peer statistics", "FILE" },
    { "duration", 0, 0, G_OPTION_ARG_INT, &duration, "Leave after SECONDS", "SECONDS" },
    { "no-audio-processing", 0, 0, G_OPTION_ARG_NONE, &no_processing,
      "No echo cancellation, noise suppression or gain control on the microphone", NULL },
    { "jitter-latency", 0, 0, G_OPTION_ARG_INT, &jitter, "Receive jitter buffer in ms (default 50, for a LAN)", "MS" },
    { "media-timeout", 0, 0, G_OPTION_ARG_INT, &media_timeout,
      "Drop a connected peer that sent nothing for SECONDS (default 4)", "SECONDS" },
    { "render", 'r', 0, G_OPTION_ARG_STRING, &render,
      "What to draw on: auto (default: a window when there is a display, else the terminal), sdl, text, "
      "text:symbols, text:sixel, text:kitty or none", "KIND" },
    { "fullscreen", 'f', 0, G_OPTION_ARG_NONE, &fullscreen,
      "Kiosk: fullscreen window, no decorations, hidden cursor", NULL },
    { "font", 0, 0, G_OPTION_ARG_STRING, &font, "Font file or fontconfig pattern (default \"DejaVu Sans:bold\")",
      "FONT" },
    { "no-self-view", 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE, &self_view,
      "Start without the picture-in-picture of our own camera ('p' toggles it)", NULL },
    { "show-stats", 0, 0, G_OPTION_ARG_NONE, &show_stats,
      "Start with the per-tile stats overlay ('s' toggles it)", NULL },
    { "window-size", 0, 0, G_OPTION_ARG_STRING, &window_size, "Initial window size (default 960x540)", "WxH" },
    { "max-fps", 0, 0, G_OPTION_ARG_INT, &max_fps, "Redraw at most N times a second (default 60, text 15)", "N" },
    MC_CLI_CONFIG_OPTION_ENTRY (&config_path),
    { NULL },
  };

  ctx = g_option_context_new ("CALL_ID - join a video call");
  g_option_context_set_summary (ctx,
    "Be in an audio+video call with everyone else who joins CALL_ID (2-6 people, every\n"
    "participant connected directly to every other one). Leave with 'q', Ctrl-C or --duration.\n"
    "Two terminals on one machine can call each other with no set-up: the first one starts\n"
    "a signaling server on 127.0.0.1:7300 unless one is already running there.\n"
    "\n"
    "The others appear in a grid: in a window when there is a display, else drawn in this\n"
    "terminal (--render). Keys: m mute, v camera on/off, f fullscreen, s stats, p self view,\n"
    "q or Esc leave.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    mc_log_error ("%s (see 'meshcall join --help')", error->message);
    return MC_EXIT_USAGE;
  }
  for (char **p = (char *[]) { signal, name, peer_id, token, video, audio, size, codec, stun, turn, stats_json, ice_policy },
       **e = p + 12; p < e; p++)
    keep_if_new (owned, *p);

  keep_if_new (owned, render);
  keep_if_new (owned, font);
  keep_if_new (owned, window_size);

  if (argc != 2) {
    mc_log_error ("join needs exactly one CALL_ID (see 'meshcall join --help')");
    return MC_EXIT_USAGE;
  }
  if (!mc_protocol_validate_id ("CALL_ID", argv[1], &error)) {
    mc_log_error ("%s", error->message);
    return MC_EXIT_USAGE;
  }

  if (name == NULL) {
    /* Who is at this terminal, as a shell prompt would say it (64 chars at most). */
    g_autofree char *who = g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
    if (g_utf8_validate (who, -1, NULL) && g_utf8_strlen (who, -1) > 64)
      *g_utf8_offset_to_pointer (who, 64) = '\0';
    if (mc_protocol_validate_name (who, NULL))
      name = keep (owned, g_steal_pointer (&who));
  }
  {
    /* Refuse a bad URL, peer id or name now, before any set-up work. The
     * default (no URL) is a local server, which is always acceptable. */
    McSignalingParams check = { .call_id = argv[1], .peer_id = peer_id, .name = name };
    if (!mc_signaling_check (mc_cli_signaling_backends, signal ? signal : "ws://127.0.0.1", &check, &error)) {
      mc_log_error ("%s", error->message);
      return g_error_matches (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER) ? MC_EXIT_FAILURE : MC_EXIT_USAGE;
    }
  }

  gst_init (NULL, NULL);
  mc_gst_log_install ();
  mc_call_warm_up ();   /* the DTLS key (0.2-1 s) is generated while we set up and connect */
  mc_call_config_init (&cfg);
  if (!mc_media_source_parse (MC_MEDIA_VIDEO, video, &cfg.media.video, &error)) {
    mc_log_error ("--video: %s", error->message);
    goto usage;
  }
  if (!mc_media_source_parse (MC_MEDIA_AUDIO, audio, &cfg.media.audio, &error)) {
    mc_log_error ("--audio: %s", error->message);
    goto usage;
  }
  if (!mc_video_codec_from_string (codec, &cfg.media.codec, &error)) {
    mc_log_error ("--video-codec: %s", error->message);
    goto usage;
  }
  if (!parse_size (size, &cfg.media.width, &cfg.media.height)) {
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
  if (g_strcmp0 (ice_policy, "all") != 0 && g_strcmp0 (ice_policy, "relay") != 0) {
    mc_log_error ("--ice-transport-policy '%s': expected all or relay", ice_policy);
    goto usage;
  }
  if (answer_timeout < 0 || answer_timeout > 600000) {
    mc_log_error ("--answer-timeout %d: expected 0 to 600000 ms", answer_timeout);
    goto usage;
  }
  turn_list = turn_opt ? g_strdupv (turn_opt) : split_list (turn);
  for (guint i = 0; turn_list[i]; i++) {
    if (!g_str_has_prefix (turn_list[i], "turn://") && !g_str_has_prefix (turn_list[i], "turns://")) {
      mc_log_error ("--turn '%s': expected turn://USER:PASS@HOST:PORT", turn_list[i]);
      goto usage;
    }
  }
  if (g_str_equal (ice_policy, "relay") && turn_list[0] == NULL) {
    mc_log_error ("--ice-transport-policy relay needs a --turn server");
    goto usage;
  }
  if (!mc_renderer_parse_kind (render, &ropts.kind, &ropts.text_mode, &error)) {
    mc_log_error ("--render: %s", error->message);
    goto usage;
  }
  if (window_size && !parse_size (window_size, &win_w, &win_h)) {
    mc_log_error ("--window-size '%s': expected WIDTHxHEIGHT with even numbers, e.g. 1280x720", window_size);
    goto usage;
  }
  if (max_fps < 0 || max_fps > 240) {
    mc_log_error ("--max-fps %d: expected 0 (default) to 240", max_fps);
    goto usage;
  }
  cfg.media.fps = fps;
  cfg.peer.jitter_latency_ms = (guint) jitter;
  cfg.peer.media_timeout_ms = (guint) media_timeout * 1000;
  cfg.peer.answer_timeout_ms = (guint) answer_timeout;
  cfg.media.audio_processing = !no_processing;
  cfg.headless = headless;
  cfg.stats_json = stats_json;

  /* Start capture and the DTLS key while signaling connects. */
  j.exit_code = MC_EXIT_OK;
  j.loop = g_main_loop_new (NULL, FALSE);
  McCallCallbacks callbacks = { .fatal_error = on_fatal };

  /* The picture first: the window is up while capture and DTLS warm up. */
  if (headless)
    ropts.kind = MC_RENDER_NONE;
  ropts.fullscreen = fullscreen;
  ropts.self_view = self_view;
  ropts.show_stats = show_stats;
  ropts.font = font;
  ropts.call_id = argv[1];
  ropts.width = win_w;
  ropts.height = win_h;
  ropts.max_fps = (guint) max_fps;
  ropts.action = on_render_action;
  ropts.user_data = &j;
  {
    /* ASCII, so that X11 tools that read WM_NAME (xdotool, old WMs) see it too. */
    g_autofree char *title = g_strdup_printf ("meshcall - %s", argv[1]);
    ropts.title = title;
    j.renderer = open_renderer (&ropts, &error);
  }
  if (error != NULL) {
    mc_log_error ("%s", error->message);
    j.exit_code = MC_EXIT_FAILURE;
    goto out;
  }
  if (j.renderer != NULL) {
    j.text_ui = mc_renderer_get_kind (j.renderer) == MC_RENDER_TEXT;
    if (j.text_ui)
      mc_log_set_quiet (TRUE);   /* the terminal shows the grid now */
    callbacks.on_video_frame = on_video_frame;
    callbacks.on_self_frame = on_self_frame;
    callbacks.peer_added = on_peer_added;
    callbacks.peer_removed = on_peer_removed;
    callbacks.audio_level = on_audio_level;
    callbacks.remote_media_state = on_remote_media_state;
    callbacks.peer_stats = on_peer_stats;
    callbacks.signaling_state_changed = on_signaling_state;
    cfg.self_view_width = j.text_ui ? 160 : 320;
  }

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
      stop_picture (&j);
      mc_log_error ("no signaling server configured and none could be started: %s", error->message);
      j.exit_code = MC_EXIT_FAILURE;
      goto out;
    }
    signal_url = mc_call_server_get_url (server);
    mc_log_user ("started a signaling server at %s; others on this machine: meshcall join %s", signal_url, argv[1]);
  }
  if (j.renderer && signal != NULL) {
    /* Tell the empty screen the whole command, server included. */
    g_autofree char *waiting = g_strdup_printf ("Waiting for others to join %s \xe2\x80\x94 run: meshcall join %s --signal %s",
                                                argv[1], argv[1], signal_url);
    mc_renderer_set_waiting_text (j.renderer, waiting);
  }
  cfg.peer.ice = mc_ice_config_new (stun, (const char *const *) turn_list,
                                    url_is_loopback (signal_url) ? loopback : NULL, g_str_equal (ice_policy, "relay"));
  {
    McSignalingParams params = { .call_id = argv[1], .peer_id = peer_id, .name = name, .token = token };
    sig = mc_signaling_new (mc_cli_signaling_backends, signal_url, &params, &error);
  }
  if (sig == NULL) {
    gboolean usage = g_error_matches (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL);
    stop_picture (&j);
    mc_log_error ("%s", error->message);
    j.exit_code = usage ? MC_EXIT_USAGE : MC_EXIT_FAILURE;
    goto out;
  }
  j.call = mc_call_new (&cfg, g_steal_pointer (&sig), &callbacks, &j, &error);
  if (j.call == NULL) {
    stop_picture (&j);
    mc_log_error ("%s", error->message);
    j.exit_code = MC_EXIT_FAILURE;
    goto out;
  }
  if (!mc_call_join (j.call, &error)) {
    gboolean usage = g_error_matches (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL);
    stop_picture (&j);
    mc_log_error ("%s", error->message);
    j.exit_code = usage ? MC_EXIT_USAGE : MC_EXIT_FAILURE;
    goto out;
  }

  if (j.renderer)
    show_self_state (&j);
  /* In the terminal UI the text renderer reads the keys and turns SIGINT and
   * SIGTERM into its quit action (and restores the terminal). */
  if (!j.text_ui) {
    sigint = g_unix_signal_add (SIGINT, on_signal, &j);
    sigterm = g_unix_signal_add (SIGTERM, on_signal, &j);
  }
  if (duration > 0)
    j.duration_id = g_timeout_add_seconds ((guint) duration, on_duration, &j);
  j.tty_status = !j.text_ui && isatty (STDERR_FILENO);
  if (j.tty_status)
    status_id = g_timeout_add_seconds (1, on_status_tick, &j);
  if (!j.text_ui && isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &j.saved_termios) == 0) {
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
  stop_picture (&j);   /* window closed / terminal restored at once */
  g_clear_handle_id (&sigint, g_source_remove);
  g_clear_handle_id (&sigterm, g_source_remove);
  g_clear_handle_id (&j.duration_id, g_source_remove);
  g_clear_handle_id (&status_id, g_source_remove);
  if (stdin_id)
    g_source_remove (stdin_id);
  if (j.raw_stdin)
    tcsetattr (STDIN_FILENO, TCSANOW, &j.saved_termios);

out:
  g_clear_pointer (&j.call, mc_call_free);
  /* After the call: its streaming threads push frames until it is down. */
  g_clear_pointer (&j.renderer, mc_renderer_free);
  if (j.fatal_message) {
    mc_log_error ("%s", j.fatal_message);
    g_free (j.fatal_message);
  }
  g_clear_pointer (&server, mc_call_server_free);
  g_clear_pointer (&j.loop, g_main_loop_unref);
  mc_call_warm_up_wait ();
  mc_media_source_clear (&cfg.media.video);
  mc_media_source_clear (&cfg.media.audio);
  mc_peer_settings_clear (&cfg.peer);
  return j.exit_code;

usage:
  mc_call_warm_up_wait ();
  mc_media_source_clear (&cfg.media.video);
  mc_media_source_clear (&cfg.media.audio);
  return MC_EXIT_USAGE;
}

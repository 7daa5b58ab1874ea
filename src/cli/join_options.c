/* meshcall join's options: see join_options.h. */
#include "meshcall/cli/join_options.h"

#include "meshcall/cli/backends.h"
#include "meshcall/cli/call_options.h"
#include "meshcall/cli/cli_config.h"
#include "meshcall/cli/commands.h"
#include "meshcall/server/call_server.h"
#include "meshcall/status/status_server.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* The option storage: the config's values, then GOption's over them. */
struct _McJoinFlags {
  McOptionStrings strings;
  char *call_id;
  McSignalOptions signal;
  McIceOptions ice;
  McMediaOptions media;
  /* [call] */
  gboolean headless;
  gboolean no_decode;
  char *stats_json;
  char *state_dir;
  gint media_timeout_s;
  gint answer_timeout_ms;
  gint duration_s;
  /* [chat] */
  char *chat_log, *say;
  /* [files] */
  char *send, *send_to, *accept_files, *max_file_size;
  /* [status] */
  char *status_listen;
  gint status_min_peers;
  char *status_host;
  /* [display] */
  char *render, *font, *window_size, *render_path;
  gboolean fullscreen, self_view, show_stats;
  gint width, height, max_fps;
  char *config_path;
  char *render_help;
};

/* The order --help lists them in. */
static const char *const help_order[] = {
  "signal", "name", "peer-id", "token", "ca-file", "id-token-file",
  "video", "audio", "size", "fps", "video-codec", "min-bitrate", "max-bitrate",
  "stun", "turn", "ice-transport-policy", "answer-timeout",
  "headless", "no-decode", "stats-json", "status-listen", "status-min-peers", "duration", "no-audio-processing", "jitter-latency", "media-timeout", "state-dir",
  "chat-log", "say", "send", "to", "accept-files", "max-file-size",
  "render", "render-path", "fullscreen", "font", "no-self-view", "show-stats", "window-size", "max-fps",
  "config", NULL,
};

void
mc_join_options_init (McJoinOptions *o)
{
  memset (o, 0, sizeof *o);
  o->flags = g_new0 (McJoinFlags, 1);
  mc_option_strings_init (&o->flags->strings);
  mc_call_config_init (&o->call);
}

void
mc_join_options_clear (McJoinOptions *o)
{
  if (!o->flags)
    return;
  mc_media_source_clear (&o->call.media.video);
  mc_media_source_clear (&o->call.media.audio);
  mc_peer_settings_clear (&o->call.peer);
  mc_renderer_choice_clear (&o->render);
  mc_ice_options_clear (&o->flags->ice);
  mc_option_strings_clear (&o->flags->strings);
  g_free (o->flags->config_path);
  g_free (o->flags->render_help);
  g_free (o->flags->status_host);
  g_clear_pointer (&o->flags, g_free);
}

const char *
mc_join_options_render_help (McJoinOptions *o)
{
  McJoinFlags *f = o->flags;

  if (!f->render_help) {
    g_autofree char *automatic = mc_renderer_table_describe_auto (mc_cli_renderers);
    g_autofree char *note = g_strdup_printf (" (default: %s)", automatic);
    g_autofree char *choices = mc_renderer_table_describe (mc_cli_renderers, note);

    f->render_help = g_strdup_printf ("What to draw on: %s", choices);
  }
  return f->render_help;
}

static void
load_config (McJoinFlags *f, McConfig *config)
{
  McOptionStrings *s = &f->strings;

  mc_signal_options_load (&f->signal, config, s);
  mc_ice_options_load (&f->ice, config, s);
  mc_media_options_load (&f->media, config, s);
  mc_option_strings_set (s, &f->stats_json, mc_config_get_string (config, "call", "stats-json", NULL));
  mc_option_strings_set (s, &f->state_dir, mc_config_get_string (config, "call", "state-dir", NULL));
  f->media_timeout_s = (gint) mc_config_get_int (config, "call", "media-timeout", 2);
  f->headless = mc_config_get_bool (config, "call", "headless", FALSE);
  mc_option_strings_set (s, &f->chat_log, mc_config_get_string (config, "chat", "log", NULL));
  mc_option_strings_set (s, &f->accept_files, mc_config_get_string (config, "files", "accept-dir", NULL));
  mc_option_strings_set (s, &f->max_file_size, mc_config_get_string (config, "files", "max-size", NULL));
  mc_option_strings_set (s, &f->status_listen, mc_config_get_string (config, "status", "listen", NULL));
  f->status_min_peers = (gint) mc_config_get_int (config, "status", "min-peers", 0);
  mc_option_strings_set (s, &f->render, mc_config_get_string (config, "display", "render", "auto"));
  mc_option_strings_set (s, &f->font, mc_config_get_string (config, "display", "font", NULL));
  mc_option_strings_set (s, &f->render_path, mc_config_get_string (config, "display", "render-path", "auto"));
  mc_option_strings_set (s, &f->window_size, NULL);
  f->fullscreen = mc_config_get_bool (config, "display", "fullscreen", FALSE);
  f->self_view = mc_config_get_bool (config, "display", "self-view", TRUE);
  f->show_stats = mc_config_get_bool (config, "display", "stats", FALSE);
  f->width = (gint) mc_config_get_int (config, "display", "width", 0);
  f->height = (gint) mc_config_get_int (config, "display", "height", 0);
  f->max_fps = (gint) mc_config_get_int (config, "display", "max-fps", 0);
}

static void
add_join_entries (McJoinOptions *o, GArray *entries)
{
  McJoinFlags *f = o->flags;
  const GOptionEntry add[] = {
    /* For tests: a short offer-answer timeout instead of 15 s. */
    { "answer-timeout", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &f->answer_timeout_ms,
      "Give up on an unanswered offer after MS milliseconds (default 15000)", "MS" },
    { "headless", 0, 0, G_OPTION_ARG_NONE, &f->headless, "No window and no audio output (bots, tests)", NULL },
    /* For benchmarks (bench/render-call.sh): many senders on one machine. */
    { "no-decode", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &f->no_decode,
      "Receive remote media without decoding it (implies --headless)", NULL },
    { "stats-json", 0, 0, G_OPTION_ARG_FILENAME, &f->stats_json,
      "Rewrite FILE every second (and at exit) with per-peer statistics", "FILE" },
    { "status-listen", 0, 0, G_OPTION_ARG_STRING, &f->status_listen,
      "Serve GET /health (200 while every peer is connected, else 503 with the reasons) and /stats "
      "on HOST:PORT (a bare PORT: 127.0.0.1), for remote monitoring", "HOST:PORT" },
    { "status-min-peers", 0, 0, G_OPTION_ARG_INT, &f->status_min_peers,
      "/health is 503 while fewer than N peers are connected (default 0: alone in the call is healthy)", "N" },
    { "duration", 0, 0, G_OPTION_ARG_INT, &f->duration_s, "Leave after SECONDS", "SECONDS" },
    { "chat-log", 0, 0, G_OPTION_ARG_FILENAME, &f->chat_log,
      "Append every chat message (ours, theirs, the recent ones sent on joining) to FILE, one JSON object a line",
      "FILE" },
    { "say", 0, 0, G_OPTION_ARG_STRING, &f->say,
      "Send TEXT to the call's chat once joined (bots, scripts; at most 4 KiB)", "TEXT" },
    { "send", 0, 0, G_OPTION_ARG_FILENAME, &f->send,
      "Offer FILE to everyone in the call (or --to one of them) as each one is connected", "FILE" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &f->send_to, "Send the --send file only to the participant with this name",
      "NAME" },
    { "accept-files", 0, 0, G_OPTION_ARG_FILENAME, &f->accept_files,
      "Save files offered to us in DIR without asking (default: asked in the window or terminal grid, "
      "y saves to $XDG_DOWNLOAD_DIR or ~/Downloads; refused when headless)", "DIR" },
    { "max-file-size", 0, 0, G_OPTION_ARG_STRING, &f->max_file_size,
      "Refuse offered files larger than SIZE bytes (K, M, G suffixes; default 1G)", "SIZE" },
    { "media-timeout", 0, 0, G_OPTION_ARG_INT, &f->media_timeout_s,
      "A connected peer that sent nothing for SECONDS is reconnected: ICE restart, then a new connection "
      "(default 2; 0 = never)", "SECONDS" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &f->state_dir,
      "Keep the DTLS certificate (reused for 29 days, so joining waits for no key) in DIR; 'none': a new one in "
      "memory each run (default $XDG_STATE_HOME/meshcall, ~/.local/state/meshcall)", "DIR" },
    { "render", 'r', 0, G_OPTION_ARG_STRING, &f->render, mc_join_options_render_help (o), "KIND" },
    { "render-path", 0, 0, G_OPTION_ARG_STRING, &f->render_path,
      "How the window is drawn: auto (default: OpenGL when a GPU backs it, else surface), surface (no GL; "
      "repaints only what changed), software, opengl, opengles2", "PATH" },
    { "fullscreen", 'f', 0, G_OPTION_ARG_NONE, &f->fullscreen,
      "Kiosk: fullscreen window, no decorations, hidden cursor", NULL },
    { "font", 0, 0, G_OPTION_ARG_STRING, &f->font, "Font file or fontconfig pattern (default \"DejaVu Sans:bold\")",
      "FONT" },
    { "no-self-view", 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE, &f->self_view,
      "Start without the picture-in-picture of our own camera ('p' toggles it)", NULL },
    { "show-stats", 0, 0, G_OPTION_ARG_NONE, &f->show_stats,
      "Start with the per-tile stats overlay ('s' toggles it)", NULL },
    { "window-size", 0, 0, G_OPTION_ARG_STRING, &f->window_size, "Initial window size (default 960x540)", "WxH" },
    { "max-fps", 0, 0, G_OPTION_ARG_INT, &f->max_fps, "Redraw at most N times a second (default 60, text 15; redraws follow the fastest incoming video below that)", "N" },
    MC_CLI_CONFIG_OPTION_ENTRY (&f->config_path),
  };

  mc_signal_options_add_entries (&f->signal, entries);
  mc_ice_options_add_entries (&f->ice, entries);
  mc_media_options_add_entries (&f->media, entries);
  g_array_append_vals (entries, add, G_N_ELEMENTS (add));
}

static GOptionContext *
new_context (McJoinOptions *o)
{
  g_autoptr (GArray) entries = g_array_new (FALSE, TRUE, sizeof (GOptionEntry));
  g_autofree GOptionEntry *ordered = NULL;
  GOptionContext *ctx = g_option_context_new ("CALL_ID - join a video call");

  g_option_context_set_summary (ctx,
    "Be in an audio+video call with everyone else who joins CALL_ID (2-6 people, every\n"
    "participant connected directly to every other one). Leave with 'q', Ctrl-C or --duration.\n"
    "Two terminals on one machine can call each other with no set-up: the first one starts\n"
    "a signaling server on 127.0.0.1:7300 unless one is already running there.\n"
    "\n"
    "The others appear in a grid: in a window when there is a display, else drawn in this\n"
    "terminal (--render). Keys: m mute, v camera on/off, f fullscreen, s stats, p self view,\n"
    "t chat (Enter sends to everyone; /send PATH sends a file), c hide/show the chat,\n"
    "y/n accept or refuse a file offered to you, q or Esc leave.");
  add_join_entries (o, entries);
  ordered = mc_option_entries_in_order (entries, help_order);
  g_option_context_add_main_entries (ctx, ordered, NULL);
  return ctx;
}

static gboolean
refuse (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
refuse (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, format, args));
  va_end (args);
  return FALSE;
}

/* The stats file is replaced every second (written beside it, then
 * renamed), so its directory must take new files; say so before the call
 * starts rather than in a debug log later. */
static gboolean
check_stats_path (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *trial = NULL;
  int fd;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return refuse (error, "--stats-json %s: that is a directory; name a file", path);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return refuse (error, "--stats-json %s: the directory %s does not exist", path, dir);
  if (access (dir, W_OK | X_OK) != 0 || (g_file_test (path, G_FILE_TEST_EXISTS) && access (path, W_OK) != 0))
    return refuse (error, "--stats-json %s: cannot write there (%s); choose a file in a directory you can write",
                   path, g_strerror (errno));
  /* access() grants root everything, and knows nothing of read-only or
   * virtual file systems (/proc, /sys): make the file the first write
   * would make (g_file_set_contents writes PATH.XXXXXX beside it). */
  trial = g_strdup_printf ("%s.XXXXXX", path);
  fd = g_mkstemp (trial);
  if (fd < 0)
    return refuse (error, "--stats-json %s: cannot write there (%s); choose a file in a directory you can write",
                   path, g_strerror (errno));
  close (fd);
  g_unlink (trial);
  return TRUE;
}

/* "1024", "512K", "50M", "1G" (powers of 1024) to bytes; FALSE when not that. */
static gboolean
parse_size (const char *s, guint64 *out)
{
  char *end = NULL;
  guint64 v, mult = 1;

  if (s == NULL || !g_ascii_isdigit (s[0]))
    return FALSE;
  v = g_ascii_strtoull (s, &end, 10);
  if (*end == 'K' || *end == 'k')
    mult = 1024;
  else if (*end == 'M' || *end == 'm')
    mult = 1024 * 1024;
  else if (*end == 'G' || *end == 'g')
    mult = 1024 * 1024 * 1024;
  else if (*end != '\0')
    return FALSE;
  if (mult > 1 && end[1] != '\0')
    return FALSE;
  if (v == 0 || v > G_MAXUINT64 / mult)
    return FALSE;
  *out = v * mult;
  return TRUE;
}

/* [files]: what we send, where what we accept goes, the size limit. */
static gboolean
finish_files (McJoinOptions *o, GError **error)
{
  McJoinFlags *f = o->flags;

  if (f->send != NULL && !g_file_test (f->send, G_FILE_TEST_IS_REGULAR))
    return refuse (error, "--send %s: not a file that can be read", f->send);
  if (f->send_to != NULL && f->send == NULL)
    return refuse (error, "--to %s: there is no --send FILE to send to them", f->send_to);
  if (f->accept_files != NULL &&
      (!g_file_test (f->accept_files, G_FILE_TEST_IS_DIR) || access (f->accept_files, W_OK | X_OK) != 0))
    return refuse (error, "--accept-files %s: not a directory we can write to", f->accept_files);
  o->max_file_size = MC_CALL_DEFAULT_MAX_FILE_SIZE;
  if (f->max_file_size != NULL && !parse_size (f->max_file_size, &o->max_file_size))
    return refuse (error, "--max-file-size '%s': expected a number of bytes, optionally with K, M or G, e.g. 50M",
                   f->max_file_size);
  o->send_file = f->send;
  o->send_to = f->send_to;
  o->accept_files = f->accept_files;
  return TRUE;
}

/* [chat]: a log we can append to, a --say the chat takes. */
static gboolean
finish_chat (McJoinOptions *o, GError **error)
{
  McJoinFlags *f = o->flags;
  g_autoptr (GError) local = NULL;

  if (f->say != NULL && !mc_chat_check_text (f->say, &local))
    return refuse (error, "--say: %s", local->message + strlen ("chat: "));
  if (f->chat_log != NULL) {
    g_autofree char *dir = g_path_get_dirname (f->chat_log);
    if (g_file_test (f->chat_log, G_FILE_TEST_IS_DIR))
      return refuse (error, "--chat-log %s: that is a directory; name a file", f->chat_log);
    if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
      return refuse (error, "--chat-log %s: the directory %s does not exist", f->chat_log, dir);
  }
  o->chat_log = f->chat_log;
  o->say = f->say;
  return finish_files (o, error);
}

/* [call]: timeouts and the rest of the call's configuration. */
static gboolean
finish_call (McJoinOptions *o, GError **error)
{
  McJoinFlags *f = o->flags;

  if (f->duration_s < 0 || f->media_timeout_s < 0 || f->media_timeout_s > 600)
    return refuse (error, "--duration must be >= 0 and --media-timeout 0 to 600 seconds");
  if (f->answer_timeout_ms < 0 || f->answer_timeout_ms > 600000)
    return refuse (error, "--answer-timeout %d: expected 0 to 600000 ms", f->answer_timeout_ms);
  o->call.peer.media_timeout_ms = (guint) f->media_timeout_s * 1000;
  o->call.peer.answer_timeout_ms = (guint) f->answer_timeout_ms;
  f->headless = f->headless || f->no_decode;   /* nothing decoded: nothing to show or play */
  o->call.headless = f->headless;
  o->call.no_decode = f->no_decode;
  if (f->stats_json != NULL && !check_stats_path (f->stats_json, error))
    return FALSE;
  o->call.stats_json = f->stats_json;
  o->state_dir = f->state_dir && f->state_dir[0] ? f->state_dir : NULL;   /* empty: the default */
  o->duration_s = (guint) f->duration_s;
  return finish_chat (o, error);
}

/* [status]: --status-listen HOST:PORT (a bare port listens on 127.0.0.1). */
static gboolean
finish_status (McJoinOptions *o, GError **error)
{
  McJoinFlags *f = o->flags;
  g_autoptr (GError) local = NULL;
  guint port = 0;

  if (f->status_min_peers < 0 || f->status_min_peers > MC_STATUS_MAX_MIN_PEERS)
    return refuse (error, "--status-min-peers %d: expected 0 to %d", f->status_min_peers, MC_STATUS_MAX_MIN_PEERS);
  o->status_min_peers = (guint) f->status_min_peers;
  if (f->status_listen == NULL)
    return TRUE;
  g_clear_pointer (&f->status_host, g_free);
  if (!mc_call_server_parse_listen (f->status_listen, &f->status_host, &port, &local))
    return refuse (error, "--status-listen '%s': %s", f->status_listen, local->message);
  if (port == 0)
    return refuse (error, "--status-listen '%s': expected HOST:PORT with a port from 1 to 65535, "
                   "e.g. 127.0.0.1:9100", f->status_listen);
  if (f->status_host == NULL)
    f->status_host = g_strdup ("127.0.0.1");
  o->status_host = f->status_host;
  o->status_port = port;
  return TRUE;
}

/* [display]: the renderer and its options. */
static gboolean
finish_display (McJoinOptions *o, GError **error)
{
  McJoinFlags *f = o->flags;
  McRendererOptions *r = &o->render_options;

  if (!mc_cli_renderer_choice_parse (&o->render, f->render, error)) {
    g_prefix_error (error, "--render: ");
    return FALSE;
  }
  if (f->headless)
    mc_renderer_choice_set_none (&o->render);
  r->width = f->width;
  r->height = f->height;
  if (f->window_size && !mc_option_parse_size (f->window_size, &r->width, &r->height))
    return refuse (error, "--window-size '%s': expected WIDTHxHEIGHT with even numbers, e.g. 1280x720",
                   f->window_size);
  if (f->max_fps < 0 || f->max_fps > 240)
    return refuse (error, "--max-fps %d: expected 0 (default) to 240", f->max_fps);
  r->max_fps = (guint) f->max_fps;
  if (!mc_cli_render_path_check (f->render_path, error)) {
    g_prefix_error (error, "--render-path: ");
    return FALSE;
  }
  r->path = f->render_path;
  r->fullscreen = f->fullscreen;
  r->self_view = f->self_view;
  r->show_stats = f->show_stats;
  r->font = f->font;
  r->call_id = o->call_id;
  return TRUE;
}

static void
load_config_cb (gpointer data, McConfig *config)
{
  load_config (((McJoinOptions *) data)->flags, config);
}

static GOptionContext *
new_context_cb (gpointer data)
{
  return new_context (data);
}

int
mc_join_options_parse (McJoinOptions *o, int argc, char **argv, GError **error)
{
  McJoinFlags *f = o->flags;
  const McCallCommandParse how = { "join", load_config_cb, new_context_cb, o };
  int code;

  code = mc_call_command_parse (&how, argc, argv, &f->strings, &f->call_id, error);
  if (code != MC_EXIT_OK)
    return code;
  o->call_id = f->call_id;
  code = mc_signal_options_finish (&f->signal, o->call_id, &f->strings, &o->signal, error);
  if (code != MC_EXIT_OK)
    return code;
  o->signal_url = f->signal.url;
  if (!mc_media_options_finish (&f->media, &o->call, error) || !finish_call (o, error) ||
      !finish_status (o, error))
    return MC_EXIT_USAGE;
  o->call.peer.ice = mc_ice_options_finish (&f->ice, error);
  if (o->call.peer.ice == NULL || !finish_display (o, error))
    return MC_EXIT_USAGE;
  return MC_EXIT_OK;
}

/* meshcall record's options: see record_options.h. */
#include "meshcall/cli/record_options.h"

#include "meshcall/cli/call_options.h"
#include "meshcall/cli/cli_config.h"
#include "meshcall/cli/commands.h"

#include <string.h>

#define DEFAULT_SIGNAL_URL "ws://127.0.0.1:7300"

struct _McRecordFlags {
  McOptionStrings strings;
  char *call_id;
  McSignalOptions signal;
  McIceOptions ice;
  /* [record] */
  char *out, *compose, *compose_size, *stats_json;
  gint compose_fps, duration_s, media_timeout_s, jitter_ms;
  char *config_path;
};

static const char *const help_order[] = {
  "out", "compose", "compose-size", "compose-fps",
  "signal", "name", "peer-id", "token", "ca-file", "id-token-file",
  "stun", "turn", "ice-transport-policy",
  "stats-json", "duration", "media-timeout", "jitter-latency",
  "config", NULL,
};

void
mc_record_options_init (McRecordOptions *o)
{
  memset (o, 0, sizeof *o);
  o->flags = g_new0 (McRecordFlags, 1);
  mc_option_strings_init (&o->flags->strings);
  mc_call_config_init (&o->call);
}

void
mc_record_options_clear (McRecordOptions *o)
{
  if (!o->flags)
    return;
  mc_media_source_clear (&o->call.media.video);
  mc_media_source_clear (&o->call.media.audio);
  mc_peer_settings_clear (&o->call.peer);
  mc_ice_options_clear (&o->flags->ice);
  mc_option_strings_clear (&o->flags->strings);
  g_free (o->flags->config_path);
  g_clear_pointer (&o->flags, g_free);
}

static void
load_config (McRecordFlags *f, McConfig *config)
{
  McOptionStrings *s = &f->strings;

  mc_signal_options_load (&f->signal, config, s);
  mc_ice_options_load (&f->ice, config, s);
  mc_option_strings_set (s, &f->out, mc_config_get_string (config, "record", "out", NULL));
  mc_option_strings_set (s, &f->compose, mc_config_get_string (config, "record", "compose", NULL));
  mc_option_strings_set (s, &f->compose_size, mc_config_get_string (config, "record", "compose-size", NULL));
  mc_option_strings_set (s, &f->stats_json, mc_config_get_string (config, "record", "stats-json", NULL));
  f->compose_fps = (gint) mc_config_get_int (config, "record", "compose-fps", 15);
  f->media_timeout_s = (gint) mc_config_get_int (config, "record", "media-timeout", 10);
  f->jitter_ms = (gint) mc_config_get_int (config, "media", "jitter-latency", 200);
}

static GOptionContext *
new_context (McRecordFlags *f)
{
  g_autoptr (GArray) entries = g_array_new (FALSE, TRUE, sizeof (GOptionEntry));
  g_autofree GOptionEntry *ordered = NULL;
  GOptionContext *ctx = g_option_context_new ("CALL_ID - record a call");
  const GOptionEntry add[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &f->out,
      "Write the recording into DIR/CALL_ID/ (required): a file per participant and manifest.json", "DIR" },
    { "compose", 0, 0, G_OPTION_ARG_FILENAME, &f->compose,
      "Also write one grid of everyone (names under the tiles), audio mixed, to FILE.webm (re-encoded)", "FILE.webm" },
    { "compose-size", 0, 0, G_OPTION_ARG_STRING, &f->compose_size, "Size of the composed grid (default 1280x720)",
      "WxH" },
    { "compose-fps", 0, 0, G_OPTION_ARG_INT, &f->compose_fps, "Frame rate of the composed grid (default 15)", "N" },
    { "stats-json", 0, 0, G_OPTION_ARG_FILENAME, &f->stats_json,
      "Rewrite FILE every second with the call's and the recording's statistics", "FILE" },
    { "duration", 0, 0, G_OPTION_ARG_INT, &f->duration_s, "Stop recording and leave after SECONDS", "SECONDS" },
    { "media-timeout", 0, 0, G_OPTION_ARG_INT, &f->media_timeout_s,
      "A participant who sent nothing for SECONDS is reconnected (ICE restart, then a new connection; its "
      "file goes on after a gap). Its file ends when signaling says it left (default 10)", "SECONDS" },
    { "jitter-latency", 0, 0, G_OPTION_ARG_INT, &f->jitter_ms,
      "Jitter buffer in ms (default 200: a recorder can wait for late packets)", "MS" },
    MC_CLI_CONFIG_OPTION_ENTRY (&f->config_path),
  };

  g_option_context_set_summary (ctx,
    "Join CALL_ID as a recording bot: it sends nothing, shows no tile to the others (their\n"
    "grids show a \"recording\" mark instead) and keeps what everyone said and showed:\n"
    "  DIR/CALL_ID/<UTC start>-<name>-<peerId>.webm  VP8/Opus as received, not re-encoded\n"
    "                                                (.mkv for H.264)\n"
    "  DIR/CALL_ID/manifest.json                     every file, who, when, and its offset\n"
    "                                                on the call's timeline (docs/recording.md)\n"
    "A participant who leaves and comes back gets a new file. SIGINT or SIGTERM finalize\n"
    "every file; after a crash or SIGKILL the files still play up to their last second.\n"
    "Without --signal it uses a server on 127.0.0.1:7300 (meshcall serve, or a meshcall join\n"
    "that started one). Exit codes: 0 done, 1 failure, 2 usage or an unwritable --out or --compose.");
  mc_signal_options_add_entries (&f->signal, entries);
  /* What differs from join: no server is started here, and the default name. */
  for (guint i = 0; i < entries->len; i++) {
    GOptionEntry *e = &g_array_index (entries, GOptionEntry, i);
    if (g_strcmp0 (e->long_name, "signal") == 0)
      e->description = "Signaling server: ws://HOST:PORT, http://HOST:PORT (Socket.IO; wss:// or https:// with TLS, the "
                       "server's certificate checked against the system's CAs or --ca-file), or "
                       "firestore://PROJECT_ID[/DATABASE] (Firestore, docs/firestore.md). Default: a server on "
                       "127.0.0.1:7300 (the recorder never starts one)";
    else if (g_strcmp0 (e->long_name, "name") == 0)
      e->description = "Name the others see (default: recorder)";
  }
  mc_ice_options_add_entries (&f->ice, entries);
  g_array_append_vals (entries, add, G_N_ELEMENTS (add));
  ordered = mc_option_entries_in_order (entries, help_order);
  g_option_context_add_main_entries (ctx, ordered, NULL);
  return ctx;
}

static int
refuse (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static int
refuse (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, format, args));
  va_end (args);
  return MC_EXIT_USAGE;
}

/* [record] into the recorder's and the call's configuration. */
static int
finish_record (McRecordOptions *o, GError **error)
{
  McRecordFlags *f = o->flags;

  if (f->out == NULL || f->out[0] == '\0')
    return refuse (error, "record needs --out DIR: where to write the recording (see 'meshcall record --help')");
  if (f->duration_s < 0 || f->media_timeout_s < 1 || f->media_timeout_s > 600)
    return refuse (error, "--duration must be >= 0 and --media-timeout 1 to 600 seconds");
  if (f->jitter_ms < 0 || f->jitter_ms > 5000)
    return refuse (error, "--jitter-latency %d: expected 0 to 5000 ms", f->jitter_ms);
  if (f->compose_fps < 1 || f->compose_fps > 60)
    return refuse (error, "--compose-fps %d: expected 1 to 60", f->compose_fps);
  o->record.compose_width = 1280;
  o->record.compose_height = 720;
  if (f->compose_size && !mc_option_parse_size (f->compose_size, &o->record.compose_width,
                                                &o->record.compose_height))
    return refuse (error, "--compose-size '%s': expected WIDTHxHEIGHT with even numbers, e.g. 1280x720",
                   f->compose_size);
  if (f->compose && !g_str_has_suffix (f->compose, ".webm"))
    return refuse (error, "--compose %s: the composed recording is WebM; name it FILE.webm", f->compose);
  o->record.dir = f->out;
  o->record.call_id = o->call_id;
  o->record.compose_path = f->compose;
  o->record.compose_fps = f->compose_fps;
  o->stats_json = f->stats_json;
  o->duration_s = (guint) f->duration_s;
  /* Send nothing: no camera, no microphone, no encoder; receive-only transceivers. */
  o->call.media.video.type = MC_MEDIA_SOURCE_NONE;
  o->call.media.audio.type = MC_MEDIA_SOURCE_NONE;
  o->call.media.audio_processing = FALSE;
  o->call.headless = TRUE;
  o->call.recorder = TRUE;
  o->call.peer.media_timeout_ms = (guint) f->media_timeout_s * 1000;
  o->call.peer.jitter_latency_ms = (guint) f->jitter_ms;
  return MC_EXIT_OK;
}

static void
load_config_cb (gpointer data, McConfig *config)
{
  load_config (data, config);
}

static GOptionContext *
new_context_cb (gpointer data)
{
  return new_context (data);
}

int
mc_record_options_parse (McRecordOptions *o, int argc, char **argv, GError **error)
{
  McRecordFlags *f = o->flags;
  const McCallCommandParse how = { "record", load_config_cb, new_context_cb, f };
  int code;

  code = mc_call_command_parse (&how, argc, argv, &f->strings, &f->call_id, error);
  if (code != MC_EXIT_OK)
    return code;
  o->call_id = f->call_id;
  /* Who the others see records them. */
  if (f->signal.name == NULL)
    mc_option_strings_set (&f->strings, &f->signal.name, g_strdup ("recorder"));
  code = mc_signal_options_finish (&f->signal, o->call_id, &f->strings, &o->signal, error);
  if (code != MC_EXIT_OK)
    return code;
  o->signal_url = f->signal.url ? f->signal.url : DEFAULT_SIGNAL_URL;
  code = finish_record (o, error);
  if (code != MC_EXIT_OK)
    return code;
  o->call.peer.ice = mc_ice_options_finish (&f->ice, error);
  return o->call.peer.ice ? MC_EXIT_OK : MC_EXIT_USAGE;
}

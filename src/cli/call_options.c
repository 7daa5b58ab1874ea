/* The option groups of a command in a call: see call_options.h. */
#include "meshcall/cli/call_options.h"

#include "meshcall/cli/backends.h"
#include "meshcall/cli/cli_config.h"
#include "meshcall/cli/commands.h"
#include "meshcall/proto/call_protocol.h"
#include "meshcall/signal/socketio/signal_socketio.h"

#include <stdlib.h>
#include <string.h>

/* ---- strings and entries ------------------------------------------------------- */

void
mc_option_strings_init (McOptionStrings *s)
{
  s->slots = g_ptr_array_new ();
  s->owned = g_ptr_array_new_with_free_func (g_free);
}

void
mc_option_strings_clear (McOptionStrings *s)
{
  g_clear_pointer (&s->slots, g_ptr_array_unref);
  g_clear_pointer (&s->owned, g_ptr_array_unref);
}

static void
own (McOptionStrings *s, char *value)
{
  if (value && !g_ptr_array_find (s->owned, value, NULL))
    g_ptr_array_add (s->owned, value);
}

void
mc_option_strings_set (McOptionStrings *s, char **slot, char *value)
{
  if (!g_ptr_array_find (s->slots, slot, NULL))
    g_ptr_array_add (s->slots, slot);
  own (s, value);
  *slot = value;
}

void
mc_option_strings_keep (McOptionStrings *s)
{
  for (guint i = 0; i < s->slots->len; i++)
    own (s, *(char **) g_ptr_array_index (s->slots, i));
}

GOptionEntry *
mc_option_entries_in_order (GArray *entries, const char *const *names)
{
  guint n = g_strv_length ((char **) names);
  GOptionEntry *out = g_new0 (GOptionEntry, n + 1);

  g_assert (n == entries->len);
  for (guint i = 0; i < n; i++) {
    guint j;

    for (j = 0; j < entries->len; j++)
      if (g_str_equal (g_array_index (entries, GOptionEntry, j).long_name, names[i]))
        break;
    g_assert (j < entries->len);
    out[i] = g_array_index (entries, GOptionEntry, j);
  }
  return out;
}

int
mc_call_command_parse (const McCallCommandParse *how, int argc, char **argv, McOptionStrings *strings,
                       char **call_id, GError **error)
{
  g_autoptr (McConfig) config = mc_config_load (mc_cli_config_path (argc, argv), error);
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) local = NULL;

  if (config == NULL)
    return MC_EXIT_USAGE;
  how->load (how->data, config);
  ctx = how->context (how->data);
  if (!g_option_context_parse (ctx, &argc, &argv, &local)) {
    g_set_error (error, G_OPTION_ERROR, local->code, "%s (see 'meshcall %s --help')", local->message, how->command);
    return MC_EXIT_USAGE;
  }
  mc_option_strings_keep (strings);
  if (argc != 2) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "%s needs exactly one CALL_ID (see 'meshcall %s --help')", how->command, how->command);
    return MC_EXIT_USAGE;
  }
  mc_option_strings_set (strings, call_id, g_strdup (argv[1]));
  return MC_EXIT_OK;
}

gboolean
mc_option_parse_size (const char *text, int *width, int *height)
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
  *width = (int) a;
  *height = (int) b;
  return TRUE;
}

static void
add_entries (GArray *entries, const GOptionEntry *add, guint n)
{
  g_array_append_vals (entries, add, n);
}

static void
load_string (McOptionStrings *strings, char **slot, McConfig *config, const char *group, const char *key,
             const char *fallback)
{
  mc_option_strings_set (strings, slot, mc_config_get_string (config, group, key, fallback));
}

/* ---- [signaling] --------------------------------------------------------------- */

void
mc_signal_options_load (McSignalOptions *o, McConfig *config, McOptionStrings *strings)
{
  load_string (strings, &o->url, config, "signaling", "url", NULL);
  load_string (strings, &o->name, config, "signaling", "name", NULL);
  load_string (strings, &o->peer_id, config, "signaling", "peer-id", NULL);
  load_string (strings, &o->token, config, "signaling", "token", NULL);
  load_string (strings, &o->ca_file, config, "signaling", "ca-file", NULL);
  mc_firestore_config_init (&o->firestore);
  load_string (strings, &o->firestore.api_key, config, "firestore", "api-key", NULL);
  load_string (strings, &o->firestore.id_token_file, config, "firestore", "id-token-file", NULL);
  o->firestore.inbox_poll_ms =
    (guint) mc_config_get_int (config, "firestore", "inbox-poll-ms", MC_FIRESTORE_DEFAULT_INBOX_POLL_MS);
  o->firestore.participants_poll_ms =
    (guint) mc_config_get_int (config, "firestore", "participants-poll-ms", MC_FIRESTORE_DEFAULT_PARTICIPANTS_POLL_MS);
  o->firestore.fast_poll_ms =
    (guint) mc_config_get_int (config, "firestore", "fast-poll-ms", MC_FIRESTORE_DEFAULT_FAST_POLL_MS);
}

void
mc_signal_options_add_entries (McSignalOptions *o, GArray *entries)
{
  const GOptionEntry add[] = {
    { "signal", 's', 0, G_OPTION_ARG_STRING, &o->url,
      "Signaling server: ws://HOST:PORT, http://HOST:PORT (Socket.IO; wss:// or https:// with TLS, the "
      "server's certificate checked against the system's CAs or --ca-file). Default: a server on "
      "127.0.0.1:7300 if one answers, else one started inside this process. Or firestore://PROJECT_ID[/DATABASE] "
      "(Firestore, docs/firestore.md)", "URL" },
    /* FILENAME: the bytes as typed, so a UTF-8 name survives a C locale (checked at finish). */
    { "name", 'n', 0, G_OPTION_ARG_FILENAME, &o->name, "Name the others see (default: USER@HOST)", "NAME" },
    { "peer-id", 0, 0, G_OPTION_ARG_STRING, &o->peer_id, "Our id in the call (default: random)", "ID" },
    { "token", 't', 0, G_OPTION_ARG_STRING, &o->token, "Shared secret the signaling server asks for", "TOKEN" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &o->ca_file,
      "wss:// and https:// servers: trust the CA certificates in this PEM file instead of the system's (for a "
      "self-signed server, its certificate)", "FILE" },
    { "id-token-file", 0, 0, G_OPTION_ARG_FILENAME, &o->firestore.id_token_file,
      "Firestore: a file holding a Firebase ID token to sign in with (re-read when it changes; default: anonymous "
      "sign-in with [firestore] api-key)", "FILE" },
  };

  add_entries (entries, add, G_N_ELEMENTS (add));
}

/* Who is at this terminal, as a shell prompt would say it (64 chars at most). */
static char *
default_name (void)
{
  g_autofree char *who = g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());

  if (g_utf8_validate (who, -1, NULL) && g_utf8_strlen (who, -1) > 64)
    *g_utf8_offset_to_pointer (who, 64) = '\0';
  return mc_protocol_validate_name (who, NULL) ? g_steal_pointer (&who) : NULL;
}

int
mc_signal_options_finish (McSignalOptions *o, const char *call_id, McOptionStrings *strings,
                          McSignalingParams *params, GError **error)
{
  g_autoptr (GError) local = NULL;
  McSignalingParams check;

  if (!mc_protocol_validate_id ("CALL_ID", call_id, error))
    return MC_EXIT_USAGE;
  if (o->name == NULL)
    mc_option_strings_set (strings, &o->name, default_name ());
  /* Named as the option, with what to do (signaling's own check below says
   * only what is wrong). */
  if (o->name != NULL && !mc_protocol_validate_name (o->name, &local)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--name (or [signaling] name): %s; choose a name the others can read", local->message);
    return MC_EXIT_USAGE;
  }
  /* The default (no URL) is a local server, which is always acceptable. The
   * token is the server's to judge. */
  check = (McSignalingParams) { .call_id = (char *) call_id, .peer_id = o->peer_id, .name = o->name };
  mc_signal_firestore_set_config (&o->firestore);   /* its URL check looks at the credentials */
  if (!mc_signal_socketio_set_ca_file (o->ca_file, &local)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--ca-file %s: %s", o->ca_file, local->message);
    return MC_EXIT_USAGE;
  }
  if (!mc_signaling_check (mc_cli_signaling_backends, o->url ? o->url : "ws://127.0.0.1", &check, &local)) {
    int code = g_error_matches (local, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER) ? MC_EXIT_FAILURE
                                                                                      : MC_EXIT_USAGE;
    g_propagate_error (error, g_steal_pointer (&local));
    return code;
  }
  *params = check;
  params->token = o->token;
  return MC_EXIT_OK;
}

/* ---- [ice] ----------------------------------------------------------------------- */

void
mc_ice_options_load (McIceOptions *o, McConfig *config, McOptionStrings *strings)
{
  load_string (strings, &o->stun, config, "ice", "stun", NULL);
  load_string (strings, &o->turn, config, "ice", "turn", NULL);
  load_string (strings, &o->policy, config, "ice", "transport-policy", "all");
}

void
mc_ice_options_add_entries (McIceOptions *o, GArray *entries)
{
  const GOptionEntry add[] = {
    { "stun", 0, 0, G_OPTION_ARG_STRING, &o->stun, "STUN server (none by default: host candidates suffice on a LAN)",
      "stun://HOST:PORT" },
    { "turn", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->turn_flags, "TURN server (repeatable)",
      "turn://USER:PASS@HOST:PORT" },
    { "ice-transport-policy", 0, 0, G_OPTION_ARG_STRING, &o->policy,
      "all (default) or relay: connect only through the TURN server (hides our addresses; tests TURN)", "POLICY" },
  };

  add_entries (entries, add, G_N_ELEMENTS (add));
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

McIceConfig *
mc_ice_options_finish (const McIceOptions *o, GError **error)
{
  g_auto (GStrv) turn = NULL;

  if (o->stun && !g_str_has_prefix (o->stun, "stun://")) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--stun '%s': expected stun://HOST:PORT", o->stun);
    return NULL;
  }
  if (g_strcmp0 (o->policy, "all") != 0 && g_strcmp0 (o->policy, "relay") != 0) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--ice-transport-policy '%s': expected all or relay",
                 o->policy);
    return NULL;
  }
  turn = o->turn_flags ? g_strdupv (o->turn_flags) : split_list (o->turn);
  for (guint i = 0; turn[i]; i++) {
    if (!g_str_has_prefix (turn[i], "turn://") && !g_str_has_prefix (turn[i], "turns://")) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--turn '%s': expected turn://USER:PASS@HOST:PORT",
                   turn[i]);
      return NULL;
    }
  }
  if (g_str_equal (o->policy, "relay") && turn[0] == NULL) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--ice-transport-policy relay needs a --turn server");
    return NULL;
  }
  return mc_ice_config_new (o->stun, (const char *const *) turn, NULL, g_str_equal (o->policy, "relay"));
}

void
mc_ice_options_clear (McIceOptions *o)
{
  g_clear_pointer (&o->turn_flags, g_strfreev);
}

static gboolean
host_is_loopback (const char *host)
{
  return host && (g_str_equal (host, "localhost") || g_str_has_prefix (host, "127.") || g_str_equal (host, "::1") ||
                  g_str_equal (host, "[::1]"));
}

static gboolean
url_is_loopback (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *emulator = g_getenv ("FIRESTORE_EMULATOR_HOST");

  /* firestore:// signals through the emulator when one is set (the SDK
   * convention): one on loopback means every participant is on this machine. */
  if (uri && g_strcmp0 (g_uri_get_scheme (uri), "firestore") == 0) {
    g_autofree char *host = emulator ? g_strdup (emulator) : NULL;
    char *colon = host ? strrchr (host, ':') : NULL;

    if (colon != NULL && host[0] != '[')
      *colon = '\0';
    else if (colon != NULL && colon > host && colon[-1] == ']')
      colon[0] = '\0';
    return host_is_loopback (host);
  }
  return host_is_loopback (uri ? g_uri_get_host (uri) : NULL);
}

McIceConfig *
mc_ice_config_for_signal_url (McIceConfig *ice, const char *url)
{
  static const char *const loopback[] = { "127.0.0.1", NULL };

  if (!url_is_loopback (url))
    return mc_ice_config_ref (ice);
  return mc_ice_config_new (ice->stun_server, (const char *const *) ice->turn_servers, loopback, ice->relay_only);
}

/* ---- [media] --------------------------------------------------------------------- */

void
mc_media_options_load (McMediaOptions *o, McConfig *config, McOptionStrings *strings)
{
  load_string (strings, &o->video, config, "media", "video", "auto");
  load_string (strings, &o->audio, config, "media", "audio", "auto");
  load_string (strings, &o->size, config, "media", "size", "640x480");
  load_string (strings, &o->codec, config, "media", "video-codec", "vp8");
  o->fps = (gint) mc_config_get_int (config, "media", "fps", 30);
  o->jitter_ms = (gint) mc_config_get_int (config, "media", "jitter-latency", 50);
  o->no_processing = !mc_config_get_bool (config, "media", "audio-processing", TRUE);
  o->min_bitrate = (gint) mc_config_get_int (config, "media", "min-bitrate", 100);
  o->max_bitrate = (gint) mc_config_get_int (config, "media", "max-bitrate", 2000);
}

void
mc_media_options_add_entries (McMediaOptions *o, GArray *entries)
{
  const GOptionEntry add[] = {
    { "video", 0, 0, G_OPTION_ARG_STRING, &o->video,
      "Camera: auto, test, v4l2[:DEVICE], none or pipeline:DESCRIPTION (see 'meshcall devices'; default auto)", "SRC" },
    { "audio", 0, 0, G_OPTION_ARG_STRING, &o->audio,
      "Microphone: auto, test, pulse[:DEVICE], alsa[:DEVICE], none or pipeline:DESCRIPTION (default auto)", "SRC" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &o->size, "Video size sent (default 640x480)", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &o->fps, "Video frame rate sent (default 30)", "N" },
    { "video-codec", 0, 0, G_OPTION_ARG_STRING, &o->codec, "vp8 (default) or h264", "CODEC" },
    { "no-audio-processing", 0, 0, G_OPTION_ARG_NONE, &o->no_processing,
      "No echo cancellation, noise suppression or gain control on the microphone", NULL },
    { "jitter-latency", 0, 0, G_OPTION_ARG_INT, &o->jitter_ms, "Receive jitter buffer in ms (default 50, for a LAN)",
      "MS" },
    { "min-bitrate", 0, 0, G_OPTION_ARG_INT, &o->min_bitrate,
      "Least we send each peer, audio and video, however bad its path looks (default 100)", "KBPS" },
    { "max-bitrate", 0, 0, G_OPTION_ARG_INT, &o->max_bitrate,
      "Most we send each peer however good its path is (default 2000; at most twice the default rate of --size and --fps; = --min-bitrate: a fixed rate)",
      "KBPS" },
  };

  add_entries (entries, add, G_N_ELEMENTS (add));
}

gboolean
mc_media_options_finish (const McMediaOptions *o, McCallConfig *cfg, GError **error)
{
  McCaptureConfig *media = &cfg->media;

  if (!mc_media_source_parse (MC_MEDIA_VIDEO, o->video, &media->video, error)) {
    g_prefix_error (error, "--video: ");
    return FALSE;
  }
  if (!mc_media_source_parse (MC_MEDIA_AUDIO, o->audio, &media->audio, error)) {
    g_prefix_error (error, "--audio: ");
    return FALSE;
  }
  if (!mc_video_codec_from_string (o->codec, &media->codec, error)) {
    g_prefix_error (error, "--video-codec: ");
    return FALSE;
  }
  if (!mc_option_parse_size (o->size, &media->width, &media->height)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--size '%s': expected WIDTHxHEIGHT with even numbers, e.g. 640x480", o->size);
    return FALSE;
  }
  if (o->fps < 1 || o->fps > 120) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--fps %d: expected 1 to 120", o->fps);
    return FALSE;
  }
  if (o->jitter_ms < 0 || o->jitter_ms > 5000) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--jitter-latency %d: expected 0 to 5000 ms",
                 o->jitter_ms);
    return FALSE;
  }
  if (o->min_bitrate < 50 || o->min_bitrate > 20000 || o->max_bitrate < 50 || o->max_bitrate > 20000) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--min-bitrate %d / --max-bitrate %d: expected 50 to 20000 kbit/s", o->min_bitrate, o->max_bitrate);
    return FALSE;
  }
  if (o->min_bitrate > o->max_bitrate) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--min-bitrate %d is above --max-bitrate %d: lower the first or raise the second", o->min_bitrate,
                 o->max_bitrate);
    return FALSE;
  }
  cfg->min_bitrate_kbps = (guint) o->min_bitrate;
  cfg->max_bitrate_kbps = (guint) o->max_bitrate;
  media->fps = o->fps;
  media->audio_processing = !o->no_processing;
  cfg->peer.jitter_latency_ms = (guint) o->jitter_ms;
  return TRUE;
}

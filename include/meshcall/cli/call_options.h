/* The option groups of a command that is in a call: join today, record next
 * (issue 10: "the same signaling, ICE, token and config options as join").
 * One group per config section:
 *
 *   McSignalOptions  [signaling]  --signal --name --peer-id --token --ca-file
 *                    [firestore]  --id-token-file (the Firestore back end's settings)
 *   McIceOptions     [ice]        --stun --turn --ice-transport-policy
 *   McMediaOptions   [media]      --video --audio --size --fps --video-codec
 *                                 --no-audio-processing --jitter-latency
 *
 * A command fills each group from the config file (_load), adds its flags to
 * its GOption entries (_add_entries; mc_option_entries_in_order sets the
 * order its --help shows), parses, and maps the group to the typed
 * configuration the libraries take (_finish). A refusal is a GError whose
 * message is what the command prints, naming the flag as typed.
 *
 * Threading: main thread, before anything runs; nothing here does I/O but
 * reading the config file. */
#pragma once

#include "meshcall/base/config.h"
#include "meshcall/call/call.h"
#include "meshcall/peer/peer_settings.h"
#include "meshcall/signal/firestore/signal_firestore.h"
#include "meshcall/signal/signaling.h"

G_BEGIN_DECLS

/* The storage of a command's string options. GOption replaces a string
 * option's pointer without freeing the config value it held, so every
 * string any of them held is kept here and freed with the set. */
typedef struct {
  GPtrArray *slots;   /* char **: the options' storage */
  GPtrArray *owned;   /* char *: every string they held */
} McOptionStrings;

void mc_option_strings_init (McOptionStrings *s);
void mc_option_strings_clear (McOptionStrings *s);
/* *slot = value (taken; may be NULL), and slot is a string option. */
void mc_option_strings_set (McOptionStrings *s, char **slot, char *value);
/* After parsing: whatever GOption stored is kept too. */
void mc_option_strings_keep (McOptionStrings *s);

/* entries (GOptionEntry) reordered as names lists them, with the
 * terminating entry, for g_option_context_add_main_entries. Free with
 * g_free. Every entry must be named exactly once (programming error). */
GOptionEntry *mc_option_entries_in_order (GArray *entries, const char *const *names);

/* What every call command's parse does first: load --config (or the
 * default file) and hand it to load(), parse argv with the context()
 * builds (GOption stores its flags over the config's values), and take
 * exactly one CALL_ID into *call_id (kept in strings). command names the
 * command in refusals ("see 'meshcall COMMAND --help'"). MC_EXIT_OK, or
 * MC_EXIT_USAGE with the refusal. */
typedef struct {
  const char *command;
  void (*load) (gpointer data, McConfig *config);
  GOptionContext *(*context) (gpointer data);
  gpointer data;
} McCallCommandParse;

int mc_call_command_parse (const McCallCommandParse *how, int argc, char **argv, McOptionStrings *strings,
                           char **call_id, GError **error);

/* "WIDTHxHEIGHT", both even, 16x16 to 7680x4320. */
gboolean mc_option_parse_size (const char *text, int *width, int *height);

/* [signaling] */
typedef struct {
  char *url;      /* NULL: the local default (a server on 127.0.0.1, or one started) */
  char *name;     /* NULL until finished: USER@HOST */
  char *peer_id;
  char *token;
  char *ca_file;                 /* wss:// and https://: the CA certificates to trust instead of the system's */
  McFirestoreConfig firestore;   /* [firestore]; its strings live in the McOptionStrings */
} McSignalOptions;

void mc_signal_options_load (McSignalOptions *o, McConfig *config, McOptionStrings *strings);
void mc_signal_options_add_entries (McSignalOptions *o, GArray *entries);
/* Checks CALL_ID, the URL's back end and form, the peer id and the name
 * (default USER@HOST when that is a valid name) and fills params, which
 * point into o. Returns MC_EXIT_OK, or the exit code of the refusal:
 * MC_EXIT_USAGE, MC_EXIT_FAILURE for a back end that is known but not built.
 * Hands the [firestore] settings to the Firestore back end, and --ca-file
 * (read now: a file that holds no certificate is a usage error) to the
 * Socket.IO one. */
int mc_signal_options_finish (McSignalOptions *o, const char *call_id, McOptionStrings *strings,
                              McSignalingParams *params, GError **error);

/* [ice] */
typedef struct {
  char *stun;
  char *turn;          /* [ice] turn: a comma- or space-separated list */
  char **turn_flags;   /* --turn, repeatable: replaces the config's list */
  char *policy;        /* all or relay */
} McIceOptions;

void mc_ice_options_load (McIceOptions *o, McConfig *config, McOptionStrings *strings);
void mc_ice_options_add_entries (McIceOptions *o, GArray *entries);
/* The ICE configuration on every interface, or NULL with the refusal. */
McIceConfig *mc_ice_options_finish (const McIceOptions *o, GError **error);
void mc_ice_options_clear (McIceOptions *o);
/* What a call signaled through url uses: ice, or for a server on this
 * machine (or firestore:// through an emulator on loopback) the same on
 * 127.0.0.1 only (libnice skips loopback unless told). */
McIceConfig *mc_ice_config_for_signal_url (McIceConfig *ice, const char *url);

/* [media] */
typedef struct {
  char *video, *audio, *size, *codec;
  gint fps;
  gint jitter_ms;
  gboolean no_processing;
  gint min_bitrate, max_bitrate;   /* kbit/s, send adaptation's bounds per peer */
} McMediaOptions;

void mc_media_options_load (McMediaOptions *o, McConfig *config, McOptionStrings *strings);
void mc_media_options_add_entries (McMediaOptions *o, GArray *entries);
/* Fills cfg->media (sources, size, rate, codec, processing; clear its
 * sources with mc_media_source_clear) and cfg->peer.jitter_latency_ms. */
gboolean mc_media_options_finish (const McMediaOptions *o, McCallConfig *cfg, GError **error);

G_END_DECLS

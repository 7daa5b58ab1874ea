/* meshcall join's command line and config file, mapped to what it runs
 * with: the signaling URL and params, the call's configuration, the
 * renderer choice and options, the duration. The config file gives the
 * defaults, flags override them (config.h); every refusal is reported with
 * the message and exit code the command gives, before any set-up work.
 *
 * The groups a call needs (signaling, ICE, media) come from
 * call_options.h; join adds [call] (--headless, --stats-json,
 * --media-timeout, --state-dir, --duration), [chat] (--chat-log, --say),
 * [files] (--send, --to, --accept-files, --max-file-size), [status] (--status-listen,
 * --status-min-peers) and [display] (--render and the picture).
 *
 * Threading: main thread; no I/O but reading the config file. */
#pragma once

#include "meshcall/call/call.h"
#include "meshcall/render/renderer_table.h"
#include "meshcall/signal/signaling.h"

G_BEGIN_DECLS

typedef struct _McJoinFlags McJoinFlags;

typedef struct {
  const char *call_id;
  const char *signal_url;            /* NULL: the local default (a server on 127.0.0.1:7300, or one started) */
  McSignalingParams signal;          /* call id, peer id, name (default USER@HOST), token */
  /* media, headless, stats_json, peer: timeouts, jitter and ICE on every
   * interface (mc_ice_config_for_signal_url once the URL is known). */
  McCallConfig call;
  McRendererChoice render;           /* none with --headless */
  McRendererOptions render_options;  /* the picture's settings; no title, callbacks or host */
  guint duration_s;                  /* 0: until q or a signal */
  const char *state_dir;             /* the DTLS certificate's directory: NULL default, "none" (cli_dtls.h) */
  const char *chat_log;              /* --chat-log: append every chat message here; NULL: none */
  const char *say;                   /* --say: a chat message to send once joined (checked); NULL: none */
  const char *send_file;             /* --send: a file to offer; NULL: none */
  const char *send_to;               /* --to: only to this participant (name or peer id); NULL: everyone */
  const char *accept_files;          /* --accept-files: save offered files here; NULL: refuse them */
  guint64 max_file_size;             /* --max-file-size in bytes */
  const char *status_host;           /* --status-listen's address; NULL: no status server */
  guint status_port;                 /* 1-65535 when status_host is set */
  guint status_min_peers;            /* /health's default min-peers */
  McJoinFlags *flags;                /* private: the storage the above points into */
} McJoinOptions;

void mc_join_options_init (McJoinOptions *o);
/* argv as main gives it to the subcommand (argv[0] "join"). MC_EXIT_OK, or
 * the exit code of the refusal with its message in *error. --help prints
 * the help and exits (GOption). */
int mc_join_options_parse (McJoinOptions *o, int argc, char **argv, GError **error);
void mc_join_options_clear (McJoinOptions *o);

/* The --render help line (it lists this build's renderers). */
const char *mc_join_options_render_help (McJoinOptions *o);

G_END_DECLS

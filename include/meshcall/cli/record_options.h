/* meshcall record's command line and config file, mapped to what it runs
 * with: the same signaling, ICE, token and config options as join
 * (call_options.h), and [record]: --out (required), --compose,
 * --compose-size, --compose-fps, --stats-json, --duration, --media-timeout.
 * A recorder sends nothing: the call is set up receive-only (no camera, no
 * microphone, no encoder) and as a recorder (McCallConfig.recorder).
 *
 * Threading: main thread; no I/O but reading the config file. */
#pragma once

#include "meshcall/call/call.h"
#include "meshcall/record/record.h"
#include "meshcall/signal/signaling.h"

G_BEGIN_DECLS

typedef struct _McRecordFlags McRecordFlags;

typedef struct {
  const char *call_id;
  const char *signal_url;      /* NULL: ws://127.0.0.1:7300 (a local meshcall serve or join) */
  McSignalingParams signal;    /* name default "recorder" */
  McCallConfig call;           /* receive-only, recorder, headless; ICE on every interface */
  McRecordConfig record;       /* dir, call id, compose; recorder id and name filled by the command */
  const char *stats_json;      /* NULL = none */
  guint duration_s;            /* 0: until SIGINT/SIGTERM */
  McRecordFlags *flags;        /* private: the storage the above points into */
} McRecordOptions;

void mc_record_options_init (McRecordOptions *o);
/* argv as main gives it (argv[0] "record"). MC_EXIT_OK, or the exit code
 * of the refusal with its message in *error. */
int mc_record_options_parse (McRecordOptions *o, int argc, char **argv, GError **error);
void mc_record_options_clear (McRecordOptions *o);

G_END_DECLS

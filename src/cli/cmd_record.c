/* meshcall record CALL_ID --out DIR: a recording bot, until SIGINT,
 * SIGTERM, 'q' or --duration.
 *
 * This file wires the call (receive-only, a recorder: call.h) to the
 * recorder (record.h), which knows nothing of the call: participants as the
 * call reports them, encoded frames from the peers' receive taps. What the
 * command line means is record_options.c. Stopping finalizes every file
 * first, then leaves the call. */
#include "meshcall/base/json.h"
#include "meshcall/base/log.h"
#include "meshcall/call/call.h"
#include "meshcall/call/call_stats.h"
#include "meshcall/cli/backends.h"
#include "meshcall/cli/call_options.h"
#include "meshcall/cli/commands.h"
#include "meshcall/cli/join_chat.h"
#include "meshcall/cli/record_options.h"
#include "meshcall/cli/terminal.h"
#include "meshcall/media/gst_log.h"
#include "meshcall/record/record.h"

#define MC_LOG_CATEGORY (&mc_log_main)

/* How long SIGINT/SIGTERM waits for the muxers' indexes. */
#define FINISH_TIMEOUT_MS 5000

typedef struct {
  GMainLoop *loop;
  McCliTerminal *term;
  McRecord *rec;
  McCall *call;
  McJoinChat *chat;      /* DIR/<callId>/chat.jsonl, opened at the first message */
  gboolean chat_failed;  /* it could not be opened (said once) */
  const char *stats_json;
  gboolean stats_failing;
  int exit_code;
  gboolean stopping;
  gboolean done;
  guint duration_id, stats_id;
} Record;

static void
stop_loop (Record *r)
{
  r->done = TRUE;
  g_main_loop_quit (r->loop);
}

/* ---- call events -> the recorder ------------------------------------------------ */

static void
on_encoded_frame (McCall *call, const char *peer_id, McPeerMedia media, GstCaps *caps, GstBuffer *buffer,
                  gpointer user_data)
{
  Record *r = user_data;

  mc_record_push (r->rec, peer_id, media == MC_PEER_MEDIA_VIDEO ? MC_RECORD_VIDEO : MC_RECORD_AUDIO, caps, buffer);
}

static void
on_peer_added (McCall *call, const char *peer_id, const char *name, gpointer user_data)
{
  Record *r = user_data;

  mc_record_add_participant (r->rec, peer_id, name);
}

static void
on_peer_removed (McCall *call, const char *peer_id, gpointer user_data)
{
  Record *r = user_data;

  /* Its file is finalized now, even while the peer's pipeline winds down. */
  mc_record_remove_participant (r->rec, peer_id);
}

/* The chat goes into the call's directory, in --chat-log's format. */
static void
on_chat_message (McCall *call, const McChatMessage *msg, gboolean local, gpointer user_data)
{
  Record *r = user_data;

  if (r->chat == NULL && !r->chat_failed) {
    g_autoptr (GError) error = NULL;
    g_autofree char *path = g_build_filename (mc_record_get_dir (r->rec), MC_RECORD_CHAT_NAME, NULL);

    r->chat = mc_join_chat_new (path, NULL, &error);
    if (r->chat == NULL) {
      r->chat_failed = TRUE;
      mc_log_error ("the chat is not recorded: %s", error->message);
      return;
    }
    mc_record_set_chat_file (r->rec, MC_RECORD_CHAT_NAME);
  }
  mc_join_chat_log (r->chat, msg, local);
}

static void stop (Record *r, const char *why);

/* The call cannot go on (a bad token, ...): what was recorded is finalized first. */
static void
on_fatal (McCall *call, const GError *error, gpointer user_data)
{
  Record *r = user_data;

  mc_log_error ("%s", error->message);
  r->exit_code = MC_EXIT_FAILURE;
  stop (r, "fatal error");
}

/* ---- stats ------------------------------------------------------------------------ */

static void
write_stats (Record *r)
{
  g_autoptr (JsonNode) doc = NULL;
  g_autoptr (GError) error = NULL;

  if (r->stats_json == NULL || r->call == NULL)
    return;
  doc = mc_call_get_stats_json (r->call);
  json_object_set_member (json_node_get_object (doc), "recording", mc_record_get_stats_json (r->rec));
  if (mc_call_stats_write (r->stats_json, doc, &error)) {
    r->stats_failing = FALSE;
    return;
  }
  if (!r->stats_failing)
    mc_log_error ("cannot write the stats file: %s; trying again every second", error->message);
  r->stats_failing = TRUE;
}

static gboolean
on_stats_tick (gpointer data)
{
  write_stats (data);
  return G_SOURCE_CONTINUE;
}

/* ---- stopping: files first, then the call ------------------------------------------ */

static void
on_left (McCall *call, gpointer user_data)
{
  stop_loop (user_data);
}

static void
on_recording_finished (McRecord *rec, gpointer user_data)
{
  Record *r = user_data;

  mc_log_user ("recording finished: %s", mc_record_get_dir (rec));
  write_stats (r);
  mc_call_leave (r->call, on_left, r);
}

static void
stop (Record *r, const char *why)
{
  if (r->stopping) {
    stop_loop (r);   /* asked twice: stop waiting */
    return;
  }
  r->stopping = TRUE;
  MC_INFO ("stopping: %s", why);
  mc_record_finish (r->rec, FINISH_TIMEOUT_MS, on_recording_finished, r);
}

static void
on_quit (McCliQuitReason reason, gpointer data)
{
  Record *r = data;

  if (r->call == NULL)
    stop_loop (r);
  else
    stop (r, reason == MC_CLI_QUIT_KEY ? "q pressed" : "signal");
}

static gboolean
on_duration (gpointer data)
{
  Record *r = data;

  r->duration_id = 0;
  stop (r, "--duration elapsed");
  return G_SOURCE_REMOVE;
}

static int
run (Record *r, McRecordOptions *o)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McIceConfig) ice = NULL;
  McCallConfig cfg = o->call;
  McRecordConfig rcfg = o->record;
  McCallCallbacks callbacks = {
    .fatal_error = on_fatal,
    .on_encoded_frame = on_encoded_frame,
    .peer_added = on_peer_added,
    .peer_removed = on_peer_removed,
    .chat_message = on_chat_message,
  };
  McSignaling *sig;

  ice = mc_ice_config_for_signal_url (o->call.peer.ice, o->signal_url);
  cfg.peer.ice = ice;
  sig = mc_signaling_new (mc_cli_signaling_backends, o->signal_url, &o->signal, &error);
  if (sig == NULL) {
    mc_log_error ("%s", error->message);
    return g_error_matches (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL) ? MC_EXIT_USAGE : MC_EXIT_FAILURE;
  }
  /* Before anything connects: an --out that cannot be written is a usage error. */
  rcfg.recorder_peer_id = mc_signaling_get_params (sig)->peer_id;
  rcfg.recorder_name = mc_signaling_get_params (sig)->name;
  r->rec = mc_record_new (&rcfg, &error);
  if (r->rec == NULL) {
    mc_log_error ("%s", error->message);
    mc_signaling_free (sig);
    return MC_EXIT_USAGE;
  }
  r->call = mc_call_new (&cfg, sig, &callbacks, r, &error);
  if (r->call == NULL || !mc_call_join (r->call, &error)) {
    mc_log_error ("%s", error->message);
    return MC_EXIT_FAILURE;
  }
  mc_log_user ("recording call %s into %s", o->call_id, mc_record_get_dir (r->rec));
  r->stats_json = o->stats_json;
  if (r->stats_json)
    r->stats_id = g_timeout_add_seconds (1, on_stats_tick, r);
  if (o->duration_s > 0)
    r->duration_id = g_timeout_add_seconds (o->duration_s, on_duration, r);
  if (!r->done)
    g_main_loop_run (r->loop);
  return r->exit_code;
}

int
mc_cmd_record (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  McRecordOptions o;
  Record r = { 0 };
  int code;

  mc_record_options_init (&o);
  code = mc_record_options_parse (&o, argc, argv, &error);
  if (code != MC_EXIT_OK) {
    mc_log_error ("%s", error->message);
    mc_record_options_clear (&o);
    return code;
  }
  gst_init (NULL, NULL);
  mc_gst_log_install ();
  mc_peer_warm_up ();
  r.loop = g_main_loop_new (NULL, FALSE);
  r.term = mc_cli_terminal_new (on_quit, &r);
  code = run (&r, &o);
  g_clear_handle_id (&r.duration_id, g_source_remove);
  g_clear_handle_id (&r.stats_id, g_source_remove);
  g_clear_pointer (&r.term, mc_cli_terminal_free);
  /* The peers first: their streaming threads push into the recorder until they are down. */
  g_clear_pointer (&r.call, mc_call_free);
  g_clear_pointer (&r.chat, mc_join_chat_free);
  g_clear_pointer (&r.rec, mc_record_free);
  g_clear_pointer (&r.loop, g_main_loop_unref);
  mc_peer_warm_up_wait ();
  mc_record_options_clear (&o);
  return code;
}

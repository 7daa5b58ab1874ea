/* mc-sigprobe: a small command-line client around McSignaling for tests.
 * Joins one call and prints one JSON line per event on stdout:
 *   {"event":"ready","peerId":"a","t":...}
 *   {"event":"state","state":"joined","t":...}
 *   {"event":"peer-joined","peerId":"b","name":"B","existing":true,"t":...}
 *   {"event":"peer-left","peerId":"b","t":...}
 *   {"event":"signal","from":"b","signal":{...},"t":...}
 *   {"event":"error","code":"bad-token","message":"...","t":...}
 *   {"event":"sent","to":"b","count":10,"t":...}
 *   {"event":"left","t":...}
 * t is the wall clock in milliseconds (comparable across processes).
 *
 * Commands, one per stdin line (optional):
 *   send PEER JSON      send the JSON signal to PEER
 *   burst PEER N        send N numbered candidate signals to PEER
 *   leave               leave the call and exit
 * SIGTERM / SIGINT leave the call and exit 0. Exit 1 when signaling fails
 * (e.g. bad token), 2 on a usage error (e.g. an unsupported URL scheme). */
#include "meshcall/cli/backends.h"
#include "meshcall/cli/commands.h"
#include "meshcall/base/log.h"
#include "meshcall/signal/signaling.h"
#include "meshcall/proto/sio_packet.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  GMainLoop *loop;
  McSignaling *sig;
  char *send_to;
  int count;
  gboolean sent_initial;
  guint seq;
  int exit_code;
  gboolean quitting;
  GIOChannel *stdin_channel;
  GString *stdin_buffer;
} Probe;

static void
emit_line (JsonBuilder *b)
{
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_set_member_name (b, "t");
  json_builder_add_int_value (b, g_get_real_time () / 1000);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = mc_json_encode (root);
  fprintf (stdout, "%s\n", text);
  fflush (stdout);
}

static JsonBuilder *
begin_line (const char *event)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, event);
  return b;
}

static void
print_error (const char *code, const char *message)
{
  g_autoptr (JsonBuilder) b = begin_line ("error");
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  emit_line (b);
}

static void
on_left (McSignaling *sig, gpointer user_data)
{
  Probe *p = user_data;
  g_autoptr (JsonBuilder) b = begin_line ("left");

  emit_line (b);
  g_main_loop_quit (p->loop);
}

static void
probe_leave (Probe *p)
{
  if (p->quitting)
    return;
  p->quitting = TRUE;
  mc_signaling_leave (p->sig, on_left, p);
}

static gboolean
send_one (Probe *p, const char *to, JsonNode *node)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McSignal) signal = mc_signal_from_json (node, &error);

  if (signal == NULL || !mc_signaling_send_signal (p->sig, to, signal, &error)) {
    print_error ("send-failed", error->message);
    return FALSE;
  }
  return TRUE;
}

static void
send_burst (Probe *p, const char *to, int n)
{
  int sent = 0;

  for (int i = 0; i < n; i++) {
    g_autofree char *json = NULL;
    g_autoptr (JsonNode) signal = NULL;
    p->seq++;
    json = g_strdup_printf ("{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"candidate:%u 1 udp 2122260223 "
                            "127.0.0.1 %u typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}",
                            p->seq, 10000 + p->seq % 50000);
    signal = mc_json_decode (json, strlen (json), NULL);
    if (send_one (p, to, signal))
      sent++;
  }
  {
    g_autoptr (JsonBuilder) b = begin_line ("sent");
    json_builder_set_member_name (b, "to");
    json_builder_add_string_value (b, to);
    json_builder_set_member_name (b, "count");
    json_builder_add_int_value (b, sent);
    emit_line (b);
  }
}

static void
on_peer_joined (McSignaling *sig, const char *peer_id, const char *name, gboolean existing, gpointer user_data)
{
  Probe *p = user_data;
  g_autoptr (JsonBuilder) b = begin_line ("peer-joined");

  json_builder_set_member_name (b, "peerId");
  json_builder_add_string_value (b, peer_id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "existing");
  json_builder_add_boolean_value (b, existing);
  emit_line (b);
  if (p->send_to != NULL && !p->sent_initial && strcmp (peer_id, p->send_to) == 0) {
    p->sent_initial = TRUE;
    send_burst (p, p->send_to, p->count);
  }
}

static void
on_peer_left (McSignaling *sig, const char *peer_id, gpointer user_data)
{
  g_autoptr (JsonBuilder) b = begin_line ("peer-left");

  json_builder_set_member_name (b, "peerId");
  json_builder_add_string_value (b, peer_id);
  emit_line (b);
}

static void
on_signal (McSignaling *sig, const char *from, const McSignal *signal, gpointer user_data)
{
  g_autoptr (JsonBuilder) b = begin_line ("signal");

  json_builder_set_member_name (b, "from");
  json_builder_add_string_value (b, from);
  json_builder_set_member_name (b, "signal");
  json_builder_add_value (b, mc_signal_to_json (signal));
  emit_line (b);
}

static void
on_signal_rejected (McSignaling *sig, const char *from, const GError *error, gpointer user_data)
{
  g_autoptr (JsonBuilder) b = begin_line ("signal-rejected");

  json_builder_set_member_name (b, "from");
  json_builder_add_string_value (b, from);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, error->message);
  emit_line (b);
}

static void
on_error (McSignaling *sig, const GError *error, gboolean final, gpointer user_data)
{
  print_error (mc_signaling_error_code (error), error->message);
}

static void
on_state (McSignaling *sig, McSignalingState state, gpointer user_data)
{
  Probe *p = user_data;
  g_autoptr (JsonBuilder) b = begin_line ("state");

  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, mc_signaling_state_to_string (state));
  emit_line (b);
  if (state == MC_SIGNALING_STATE_FAILED && !p->quitting) {
    p->exit_code = MC_EXIT_FAILURE;
    p->quitting = TRUE;
    g_main_loop_quit (p->loop);
  }
}

static void
run_command (Probe *p, const char *line)
{
  g_auto (GStrv) words = g_strsplit (line, " ", 3);
  guint n = g_strv_length (words);

  if (n == 0 || words[0][0] == '\0')
    return;
  if (strcmp (words[0], "leave") == 0) {
    probe_leave (p);
  } else if (strcmp (words[0], "send") == 0 && n == 3) {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) signal = mc_json_decode (words[2], strlen (words[2]), &error);
    if (signal == NULL)
      print_error ("command", error->message);
    else
      send_one (p, words[1], signal);
  } else if (strcmp (words[0], "burst") == 0 && n == 3) {
    gint64 count = g_ascii_strtoll (words[2], NULL, 10);
    if (count < 1 || count > 100000)
      print_error ("command", "burst needs a count of 1..100000");
    else
      send_burst (p, words[1], (int) count);
  } else {
    g_autofree char *msg = g_strdup_printf ("unknown command '%s' (send PEER JSON | burst PEER N | leave)", line);
    print_error ("command", msg);
  }
}

static gboolean
on_stdin (GIOChannel *channel, GIOCondition condition, gpointer user_data)
{
  Probe *p = user_data;
  char buf[4096];
  gsize got = 0;
  GIOStatus status;
  char *nl;

  do {
    status = g_io_channel_read_chars (channel, buf, sizeof buf, &got, NULL);
    g_string_append_len (p->stdin_buffer, buf, (gssize) got);
  } while (status == G_IO_STATUS_NORMAL && got > 0);

  while ((nl = memchr (p->stdin_buffer->str, '\n', p->stdin_buffer->len)) != NULL) {
    g_autofree char *line = g_strndup (p->stdin_buffer->str, (gsize) (nl - p->stdin_buffer->str));
    g_string_erase (p->stdin_buffer, 0, nl - p->stdin_buffer->str + 1);
    g_strstrip (line);
    run_command (p, line);
  }
  /* End of input only stops reading; the probe stays in the call. */
  return status != G_IO_STATUS_EOF && status != G_IO_STATUS_ERROR;
}

static gboolean
on_unix_signal (gpointer user_data)
{
  probe_leave (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_duration (gpointer user_data)
{
  probe_leave (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autofree char *url = NULL, *call = NULL, *peer = NULL, *name = NULL, *token = NULL, *send_to = NULL;
  int count = 1;
  double duration = 0;
  gboolean no_stdin = FALSE;
  GOptionEntry entries[] = {
    { "signal", 's', 0, G_OPTION_ARG_FILENAME, &url, "Signaling server URL (ws://HOST:PORT, ...)", "URL" },
    { "call", 0, 0, G_OPTION_ARG_FILENAME, &call, "Call id to join", "ID" },
    { "peer", 0, 0, G_OPTION_ARG_FILENAME, &peer, "Our peer id (default: random)", "ID" },
    { "name", 0, 0, G_OPTION_ARG_FILENAME, &name, "Display name (default: the peer id)", "NAME" },
    { "token", 0, 0, G_OPTION_ARG_FILENAME, &token, "Shared token for the server", "TOKEN" },
    { "send-to", 0, 0, G_OPTION_ARG_FILENAME, &send_to, "Send numbered signals to PEER once it is in the call",
      "PEER" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "How many signals --send-to sends (default 1)", "N" },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "Leave after SECONDS", "SECONDS" },
    { "no-stdin", 0, 0, G_OPTION_ARG_NONE, &no_stdin, "Do not read commands from stdin", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- join a call and print signaling events as JSON lines");
  g_autoptr (GError) error = NULL;
  g_autoptr (McSignaling) sig = NULL;
  McSignalingParams params = { 0 };
  McSignalingEvents events = {
    .peer_joined = on_peer_joined,
    .peer_left = on_peer_left,
    .signal_received = on_signal,
    .signal_rejected = on_signal_rejected,
    .error = on_error,
    .state_changed = on_state,
  };
  Probe p = { 0 };

  /* Options are taken as raw bytes (FILENAME), not converted from the locale:
   * names are UTF-8 whatever the test environment's locale is. */

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    fprintf (stderr, "mc-sigprobe: %s\n", error->message);
    return MC_EXIT_USAGE;
  }
  if (url == NULL || call == NULL) {
    fprintf (stderr, "mc-sigprobe: --signal URL and --call ID are required\n");
    return MC_EXIT_USAGE;
  }
  if (count < 0) {
    fprintf (stderr, "mc-sigprobe: --count must be >= 0\n");
    return MC_EXIT_USAGE;
  }

  p.loop = g_main_loop_new (NULL, FALSE);
  p.send_to = send_to;
  p.count = count;
  p.exit_code = MC_EXIT_OK;
  params.call_id = call;
  params.peer_id = peer;
  params.name = name;
  params.token = token;
  sig = mc_signaling_new (mc_cli_signaling_backends, url, &params, &error);
  if (sig == NULL) {
    gboolean usage = g_error_matches (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL) ||
                     g_error_matches (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
    print_error (mc_signaling_error_code (error), error->message);
    fprintf (stderr, "mc-sigprobe: %s\n", error->message);
    g_main_loop_unref (p.loop);
    return usage ? MC_EXIT_USAGE : MC_EXIT_FAILURE;
  }
  p.sig = sig;
  mc_signaling_set_events (sig, &events, &p);
  {
    g_autoptr (JsonBuilder) b = begin_line ("ready");
    json_builder_set_member_name (b, "peerId");
    json_builder_add_string_value (b, mc_signaling_get_peer_id (sig));
    emit_line (b);
  }

  g_unix_signal_add (SIGTERM, on_unix_signal, &p);
  g_unix_signal_add (SIGINT, on_unix_signal, &p);
  if (duration > 0)
    g_timeout_add ((guint) (duration * 1000), on_duration, &p);
  if (!no_stdin) {
    p.stdin_buffer = g_string_new (NULL);
    p.stdin_channel = g_io_channel_unix_new (0);
    g_io_channel_set_encoding (p.stdin_channel, NULL, NULL);
    g_io_channel_set_flags (p.stdin_channel, G_IO_FLAG_NONBLOCK, NULL);
    g_io_add_watch (p.stdin_channel, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, &p);
  }

  if (!mc_signaling_join (sig, &error)) {
    print_error ("error", error->message);
    p.exit_code = MC_EXIT_FAILURE;
  } else {
    g_main_loop_run (p.loop);
  }

  g_clear_pointer (&sig, mc_signaling_free);
  if (p.stdin_channel != NULL)
    g_io_channel_unref (p.stdin_channel);
  if (p.stdin_buffer != NULL)
    g_string_free (p.stdin_buffer, TRUE);
  g_main_loop_unref (p.loop);
  return p.exit_code;
}

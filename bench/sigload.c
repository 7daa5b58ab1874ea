/* sigload: load generator for Socket.IO signaling servers that speak the
 * meshcall call protocol (docs/protocol.md). It opens many raw Engine.IO
 * websocket connections from one thread (no socket.io-client overhead, so the
 * numbers are the server's), puts them in calls of --per-call, and has every
 * client relay webrtc-signal messages to the next peer of its call. Relay
 * latency is measured send → receive on one monotonic clock. The server's CPU
 * time and RSS are read from /proc/PID while the load runs.
 *
 *   sigload --url ws://127.0.0.1:7300 --server-pid PID --clients 1000 \
 *           --per-call 4 --rate 2 --seconds 20 --label meshcall --out FILE.json
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct _Bench Bench;

typedef struct {
  Bench *bench;
  guint index;
  char *call_id;
  char *peer_id;
  char *target_id; /* next peer in the same call */
  SoupWebsocketConnection *ws;
  gboolean joined;
} Client;

struct _Bench {
  char *url;
  char *token;
  char *label;
  char *out;
  int server_pid;
  guint n_clients;
  guint per_call;
  double rate;      /* signals per second per client */
  guint seconds;
  guint warmup;

  SoupSession *session;
  GMainLoop *loop;
  Client *clients;
  guint connecting;
  guint n_joined;
  guint n_failed;
  gboolean measuring;
  gint64 measure_start;
  GArray *latencies_us; /* gint64 */
  guint64 sent, received, errors;
  gboolean window_open;     /* warm-up done, samples count */
  guint64 cpu_ticks_start;
  long rss_max_kb;
  guint sampler;
  guint tick;
};

static guint64
proc_cpu_ticks (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  unsigned long utime = 0, stime = 0;
  char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* Fields after the command name, which may contain spaces: skip to ')'. */
  p = strrchr (text, ')');
  if (p == NULL || sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return 0;
  return (guint64) utime + stime;
}

static long
proc_rss_kb (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  p = strstr (text, "VmRSS:");
  return p ? strtol (p + 6, NULL, 10) : 0;
}

static void
client_send (Client *c, const char *text)
{
  if (c->ws && soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (c->ws, text);
}

static void
client_send_signal (Client *c)
{
  g_autofree char *msg = NULL;

  /* The send time rides in the candidate string, which servers relay opaquely. */
  msg = g_strdup_printf ("42[\"webrtc-signal\",{\"targetPeerId\":\"%s\",\"signal\":{\"type\":\"candidate\","
                         "\"candidate\":{\"candidate\":\"candidate:1 1 udp 2122260223 127.0.0.1 9 typ host ts%" G_GINT64_FORMAT "\","
                         "\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}}]",
                         c->target_id, g_get_monotonic_time ());
  client_send (c, msg);
  c->bench->sent++;
}

static void
on_event (Client *c, const char *name, JsonNode *arg)
{
  Bench *b = c->bench;

  if (g_str_equal (name, "existing-peers") && !c->joined) {
    c->joined = TRUE;
    b->n_joined++;
  } else if (g_str_equal (name, "webrtc-signal") && arg && JSON_NODE_HOLDS_OBJECT (arg)) {
    JsonObject *sig = json_object_get_object_member (json_node_get_object (arg), "signal");
    JsonObject *cand = sig ? json_object_get_object_member (sig, "candidate") : NULL;
    const char *s = cand ? json_object_get_string_member_with_default (cand, "candidate", NULL) : NULL;
    const char *ts = s ? strstr (s, " ts") : NULL;

    b->received++;
    if (ts && b->window_open) {
      gint64 lat = g_get_monotonic_time () - g_ascii_strtoll (ts + 3, NULL, 10);
      g_array_append_val (b->latencies_us, lat);
    }
  } else if (g_str_equal (name, "call-error")) {
    b->errors++;
    if (b->errors < 5) {
      g_autofree char *j = json_to_string (arg, FALSE);
      g_printerr ("sigload: client %u got call-error %s\n", c->index, j);
    }
  }
}

static void
on_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data)
{
  Client *c = user_data;
  gsize len;
  const char *text = g_bytes_get_data (message, &len);
  g_autofree char *copy = NULL;

  if (type != SOUP_WEBSOCKET_DATA_TEXT || len == 0)
    return;
  copy = g_strndup (text, len);
  switch (copy[0]) {
  case '0': { /* Engine.IO open → Socket.IO connect */
    g_autofree char *connect = c->bench->token
      ? g_strdup_printf ("40{\"token\":\"%s\"}", c->bench->token) : g_strdup ("40");
    client_send (c, connect);
    break;
  }
  case '2':
    client_send (c, "3");
    break;
  case '4':
    if (copy[1] == '0') {
      g_autofree char *join = g_strdup_printf ("42[\"join-call\",{\"callId\":\"%s\",\"peerId\":\"%s\",\"name\":\"bench\"}]",
                                               c->call_id, c->peer_id);
      client_send (c, join);
    } else if (copy[1] == '2') {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonArray *arr;

      if (!json_parser_load_from_data (parser, copy + 2, -1, NULL))
        return;
      if (!JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
        return;
      arr = json_node_get_array (json_parser_get_root (parser));
      if (json_array_get_length (arr) >= 1)
        on_event (c, json_array_get_string_element (arr, 0),
                  json_array_get_length (arr) >= 2 ? json_array_get_element (arr, 1) : NULL);
    } else if (copy[1] == '4') {
      g_printerr ("sigload: client %u refused: %s\n", c->index, copy);
      c->bench->n_failed++;
    }
    break;
  default:
    break;
  }
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  Client *c = user_data;

  if (c->bench->measuring)
    g_printerr ("sigload: client %u closed during the run\n", c->index);
}

static void connect_next (Bench *b);

static void
on_connected (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Client *c = user_data;
  g_autoptr (GError) error = NULL;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res, &error);
  if (c->ws == NULL) {
    g_printerr ("sigload: client %u cannot connect: %s\n", c->index, error->message);
    c->bench->n_failed++;
  } else {
    soup_websocket_connection_set_keepalive_interval (c->ws, 0);
    g_signal_connect (c->ws, "message", G_CALLBACK (on_message), c);
    g_signal_connect (c->ws, "closed", G_CALLBACK (on_closed), c);
  }
  connect_next (c->bench);
}

/* Connect in a bounded window so the handshake burst does not distort the run. */
static void
connect_next (Bench *b)
{
  while (b->connecting < b->n_clients && b->connecting - (b->n_joined + b->n_failed) < 32) {
    Client *c = &b->clients[b->connecting++];
    g_autofree char *uri = g_strdup_printf ("%s/socket.io/?EIO=4&transport=websocket", b->url);
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", uri);

    if (msg == NULL) {
      g_printerr ("sigload: bad url %s\n", b->url);
      exit (2);
    }
    soup_session_websocket_connect_async (b->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, on_connected, c);
  }
}

static int
cmp_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

static double
percentile_ms (GArray *sorted, double p)
{
  guint idx;

  if (sorted->len == 0)
    return -1;
  idx = (guint) (p * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, gint64, idx) / 1000.0;
}

static void
finish (Bench *b)
{
  double elapsed = (g_get_monotonic_time () - b->measure_start) / 1e6;
  guint64 ticks = b->server_pid ? proc_cpu_ticks (b->server_pid) - b->cpu_ticks_start : 0;
  double cpu_pct = b->server_pid ? 100.0 * ticks / sysconf (_SC_CLK_TCK) / elapsed : -1;
  g_autoptr (JsonBuilder) jb = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  g_array_sort (b->latencies_us, cmp_i64);
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "label"); json_builder_add_string_value (jb, b->label);
  json_builder_set_member_name (jb, "clients"); json_builder_add_int_value (jb, b->n_clients);
  json_builder_set_member_name (jb, "clients_joined"); json_builder_add_int_value (jb, b->n_joined);
  json_builder_set_member_name (jb, "per_call"); json_builder_add_int_value (jb, b->per_call);
  json_builder_set_member_name (jb, "calls"); json_builder_add_int_value (jb, (b->n_clients + b->per_call - 1) / b->per_call);
  json_builder_set_member_name (jb, "rate_per_client"); json_builder_add_double_value (jb, b->rate);
  json_builder_set_member_name (jb, "seconds"); json_builder_add_double_value (jb, elapsed);
  json_builder_set_member_name (jb, "signals_sent"); json_builder_add_int_value (jb, b->sent);
  json_builder_set_member_name (jb, "signals_received"); json_builder_add_int_value (jb, b->received);
  json_builder_set_member_name (jb, "call_errors"); json_builder_add_int_value (jb, b->errors);
  json_builder_set_member_name (jb, "latency_samples"); json_builder_add_int_value (jb, b->latencies_us->len);
  json_builder_set_member_name (jb, "relay_p50_ms"); json_builder_add_double_value (jb, percentile_ms (b->latencies_us, 0.50));
  json_builder_set_member_name (jb, "relay_p99_ms"); json_builder_add_double_value (jb, percentile_ms (b->latencies_us, 0.99));
  json_builder_set_member_name (jb, "relay_max_ms"); json_builder_add_double_value (jb, percentile_ms (b->latencies_us, 1.0));
  json_builder_set_member_name (jb, "server_cpu_percent"); json_builder_add_double_value (jb, cpu_pct);
  json_builder_set_member_name (jb, "server_rss_max_mb"); json_builder_add_double_value (jb, b->rss_max_kb / 1024.0);
  json_builder_end_object (jb);
  root = json_builder_get_root (jb);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
  if (b->out && !g_file_set_contents (b->out, text, -1, NULL))
    g_printerr ("sigload: cannot write %s\n", b->out);
  g_main_loop_quit (b->loop);
}

static gboolean
on_tick (gpointer user_data)
{
  Bench *b = user_data;
  gint64 now = g_get_monotonic_time ();

  if (b->connecting < b->n_clients)
    connect_next (b);
  if (b->server_pid)
    b->rss_max_kb = MAX (b->rss_max_kb, proc_rss_kb (b->server_pid));
  if (!b->measuring) {
    if (b->n_joined + b->n_failed < b->n_clients)
      return G_SOURCE_CONTINUE;
    if (b->n_joined == 0) {
      g_printerr ("sigload: no client joined\n");
      exit (1);
    }
    g_printerr ("sigload[%s]: %u clients joined, %u failed; loading for %u s\n", b->label, b->n_joined, b->n_failed, b->seconds);
    b->measuring = TRUE;
    b->measure_start = now + (gint64) b->warmup * G_USEC_PER_SEC;
  }
  /* Every 10 ms, each client sends with probability rate*0.01: a smooth
   * aggregate load without 1000 timers. */
  for (guint i = 0; i < b->n_clients; i++) {
    if (b->clients[i].joined && g_random_double () < b->rate * 0.01)
      client_send_signal (&b->clients[i]);
  }
  if (!b->window_open && now >= b->measure_start) {
    b->window_open = TRUE;
    b->cpu_ticks_start = b->server_pid ? proc_cpu_ticks (b->server_pid) : 0;
    g_array_set_size (b->latencies_us, 0);
    b->sent = b->received = 0;
    b->measure_start = now;
  }
  if (b->window_open && now - b->measure_start >= (gint64) b->seconds * G_USEC_PER_SEC) {
    finish (b);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  Bench *b = user_data;

  g_printerr ("sigload: only %u of %u clients joined within 120 s\n", b->n_joined, b->n_clients);
  exit (1);
}

int
main (int argc, char **argv)
{
  Bench b = { .n_clients = 1000, .per_call = 4, .rate = 2.0, .seconds = 20, .warmup = 2, .label = NULL };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- load a meshcall-protocol signaling server");
  g_autoptr (GError) error = NULL;
  int clients = 1000, per_call = 4, seconds = 20, warmup = 2;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &b.url, "Server base URL (ws://HOST:PORT)", "URL" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &b.token, "Auth token", "TOKEN" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &b.server_pid, "PID of the server process to measure", "PID" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &clients, "Websocket clients (default 1000)", "N" },
    { "per-call", 0, 0, G_OPTION_ARG_INT, &per_call, "Clients per call (default 4)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &b.rate, "Signals per second per client (default 2)", "R" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Measured seconds (default 20)", "S" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Seconds of load before measuring (default 2)", "S" },
    { "label", 0, 0, G_OPTION_ARG_STRING, &b.label, "Name of the server in the report", "NAME" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &b.out, "Write the JSON result here too", "FILE" },
    { NULL }
  };

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || b.url == NULL || clients < 2 || per_call < 2) {
    g_printerr ("sigload: %s\n", error ? error->message : "--url is required; --clients and --per-call must be >= 2");
    return 2;
  }
  b.n_clients = clients;
  b.per_call = per_call;
  b.seconds = seconds;
  b.warmup = warmup;
  if (b.label == NULL)
    b.label = g_strdup ("server");
  b.latencies_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  b.session = soup_session_new_with_options ("max-conns", 100000, "max-conns-per-host", 100000, "timeout", 30, NULL);
  b.loop = g_main_loop_new (NULL, FALSE);
  b.clients = g_new0 (Client, b.n_clients);
  for (guint i = 0; i < b.n_clients; i++) {
    Client *c = &b.clients[i];
    guint call = i / b.per_call, first = call * b.per_call;
    guint size = MIN (b.per_call, b.n_clients - first);
    guint next = first + ((i - first + 1) % size);

    c->bench = &b;
    c->index = i;
    c->call_id = g_strdup_printf ("bench-%u", call);
    c->peer_id = g_strdup_printf ("p%u", i);
    c->target_id = g_strdup_printf ("p%u", next);
  }
  connect_next (&b);
  g_timeout_add (10, on_tick, &b);
  g_timeout_add_seconds (120 + b.seconds + b.warmup, on_timeout, &b);
  g_main_loop_run (b.loop);
  return b.n_joined == b.n_clients ? 0 : 1;
}

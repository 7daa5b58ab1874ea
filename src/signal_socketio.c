/* Signaling over Socket.IO: a websocket-only Engine.IO v4 / Socket.IO v5
 * client on libsoup 3, speaking the call protocol of docs/protocol.md.
 *
 * One connection attempt at a time: websocket -> Engine.IO open -> Socket.IO
 * CONNECT (auth {token}) -> join-call (with ack) -> joined. Any loss goes back
 * to the start after a socket.io-client style back-off (1 s doubling to 5 s,
 * +-50 % jitter, unlimited attempts, 20 s per attempt); only a bad token or a
 * refused CONNECT is final. After a re-join the roster is diffed so the call
 * core sees each peer once; peers missing after a re-join get a grace period
 * to come back (a restarted server sees everyone re-join one by one) before
 * they are reported as left.
 */
#include "meshcall/signaling.h"
#include "meshcall/sio_packet.h"
#include "meshcall/log.h"

#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

#define GST_CAT_DEFAULT mc_cat_signal

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 5000
#define BACKOFF_JITTER 0.5
#define CONNECT_TIMEOUT_MS 20000
#define LEAVE_ACK_TIMEOUT_MS 1000
#define LEAVE_CLOSE_TIMEOUT_MS 1000
#define REJOIN_GRACE_MS 8000
#define MAX_QUEUED_SIGNALS 1024
#define MAX_INCOMING_BYTES (1024 * 1024)

typedef enum {
  CONN_NONE,        /* no connection (waiting to retry, failed, or idle) */
  CONN_WEBSOCKET,   /* websocket handshake in flight */
  CONN_EIO_OPEN,    /* websocket up, waiting for the Engine.IO open packet */
  CONN_SIO_CONNECT, /* sent CONNECT, waiting for the server's CONNECT */
  CONN_JOINING,     /* sent join-call, waiting for the ack or existing-peers */
  CONN_JOINED,
} ConnState;

typedef struct {
  char *to;
  JsonNode *signal;
} QueuedSignal;

typedef struct {
  McSignaling base;

  SoupSession *session;
  char *ws_url;                  /* http(s)://host:port/socket.io/?EIO=4&transport=websocket */

  /* The current connection attempt. */
  ConnState conn;
  GCancellable *cancellable;
  SoupWebsocketConnection *ws;
  GSource *connect_timer;
  GSource *heartbeat_timer;
  guint ping_interval_ms;
  guint ping_timeout_ms;
  gint64 next_ack_id;
  gint64 join_ack_id;

  /* Across attempts. */
  gboolean started;
  gboolean joined_once;
  guint attempts;                /* failed attempts since the last join */
  gboolean stale_session;        /* a re-join met our own old session (duplicate-peer) */
  GSource *reconnect_timer;
  GHashTable *roster;            /* peerId -> name: peers reported as joined */
  GHashTable *pending_left;      /* peerId -> name: missing after a re-join, within grace */
  GSource *grace_timer;
  GQueue queue;                  /* QueuedSignal*, sent once joined */

  /* Leaving. */
  gboolean leaving;
  gint64 leave_ack_id;
  McSignalingDoneFunc leave_done;
  gpointer leave_data;
  GSource *leave_timer;

  gboolean finalizing;
} SioSignaling;

static void start_attempt (SioSignaling *self);
static void connection_lost (SioSignaling *self, McSignalingError code, const char *reason);
static void leave_disconnect (SioSignaling *self);

/* ---- small helpers ------------------------------------------------------ */

static void
queued_signal_free (gpointer data)
{
  QueuedSignal *q = data;
  g_free (q->to);
  json_node_unref (q->signal);
  g_free (q);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

static GSource *
add_timeout (SioSignaling *self, guint ms, GSourceFunc func)
{
  GSource *source = g_timeout_source_new (ms);
  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->base.context);
  return source;
}

static gboolean
in_call (SioSignaling *self)
{
  return !self->leaving && self->base.state != MC_SIGNALING_STATE_FAILED;
}

static void
emit_error (SioSignaling *self, McSignalingError code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
emit_error (SioSignaling *self, McSignalingError code, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;
  g_autoptr (GError) error = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  GST_WARNING ("signaling %s: %s: %s", self->base.params.peer_id, mc_signaling_error_to_code (code), message);
  error = g_error_new_literal (MC_SIGNALING_ERROR, code, message);
  if (self->base.events.error != NULL)
    self->base.events.error (&self->base, error, self->base.user_data);
}

/* socket.io-client's backo2: min * 2^attempt, +-jitter, capped. */
static guint
backoff_delay_ms (guint attempt)
{
  double ms = BACKOFF_MIN_MS * pow (2.0, MIN (attempt, 16u));
  double r = g_random_double ();
  double deviation = floor (r * BACKOFF_JITTER * ms);

  if (((int) floor (r * 10)) % 2 == 0)
    ms -= deviation;
  else
    ms += deviation;
  return (guint) MIN (ms, (double) BACKOFF_MAX_MS);
}

/* ---- sending ------------------------------------------------------------ */

static gboolean
ws_is_open (SioSignaling *self)
{
  return self->ws != NULL && soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

static void
send_text (SioSignaling *self, const char *text)
{
  if (!ws_is_open (self))
    return;
  GST_LOG ("signaling %s: send %s", self->base.params.peer_id, text);
  soup_websocket_connection_send_text (self->ws, text);
}

static void
send_sio (SioSignaling *self, const McSioPacket *packet)
{
  g_autofree char *body = mc_sio_packet_encode (packet);
  g_autofree char *text = g_strconcat ("4", body, NULL);
  send_text (self, text);
}

static void
send_event (SioSignaling *self, const char *event, JsonNode *arg, gint64 ack_id)
{
  g_autoptr (McSioPacket) packet = mc_sio_packet_new_event (NULL, event, arg, ack_id);
  send_sio (self, packet);
}

static void
send_signal_now (SioSignaling *self, const char *to, JsonNode *signal)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "targetPeerId");
  json_builder_add_string_value (b, to);
  json_builder_set_member_name (b, "signal");
  json_builder_add_value (b, json_node_copy (signal));
  json_builder_end_object (b);
  payload = json_builder_get_root (b);
  send_event (self, "webrtc-signal", payload, MC_SIO_NO_ACK);
}

static void
flush_queue (SioSignaling *self)
{
  QueuedSignal *q;

  while (self->conn == CONN_JOINED && (q = g_queue_pop_head (&self->queue)) != NULL) {
    /* A peer that left while we were away cannot receive it: the server
     * would only answer not-in-call. */
    if (g_hash_table_contains (self->roster, q->to) || g_hash_table_contains (self->pending_left, q->to))
      send_signal_now (self, q->to, q->signal);
    else
      GST_INFO ("signaling %s: dropping a queued signal for %s, who is not in the call",
                self->base.params.peer_id, q->to);
    queued_signal_free (q);
  }
}

/* ---- the connection ----------------------------------------------------- */

static gboolean
unref_later (gpointer object)
{
  g_object_unref (object);
  return G_SOURCE_REMOVE;
}

/* Drops the current attempt. The websocket is released from an idle source:
 * libsoup still uses it after emitting "message", and we may be inside that
 * emission. */
static void
teardown_connection (SioSignaling *self)
{
  clear_source (&self->connect_timer);
  clear_source (&self->heartbeat_timer);
  if (self->cancellable != NULL) {
    g_cancellable_cancel (self->cancellable);
    g_clear_object (&self->cancellable);
  }
  if (self->ws != NULL) {
    g_signal_handlers_disconnect_by_data (self->ws, self);
    if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    if (self->finalizing) {
      g_clear_object (&self->ws);
    } else {
      GSource *idle = g_idle_source_new ();
      g_source_set_callback (idle, unref_later, g_steal_pointer (&self->ws), NULL);
      g_source_attach (idle, self->base.context);
      g_source_unref (idle);
    }
  }
  self->conn = CONN_NONE;
  self->join_ack_id = MC_SIO_NO_ACK;
}

static void
finish_leave (SioSignaling *self)
{
  McSignalingDoneFunc done = self->leave_done;
  gpointer data = self->leave_data;

  teardown_connection (self);
  clear_source (&self->leave_timer);
  clear_source (&self->reconnect_timer);
  clear_source (&self->grace_timer);
  g_hash_table_remove_all (self->roster);
  g_hash_table_remove_all (self->pending_left);
  self->leave_done = NULL;
  self->leave_data = NULL;
  self->leave_ack_id = MC_SIO_NO_ACK;
  self->leaving = FALSE;
  self->started = FALSE;
  self->joined_once = FALSE;
  self->stale_session = FALSE;
  self->attempts = 0;
  mc_signaling_set_state (&self->base, MC_SIGNALING_STATE_IDLE);
  if (done != NULL)
    done (&self->base, data);
}

static void
fail (SioSignaling *self, McSignalingError code, const char *message)
{
  teardown_connection (self);
  clear_source (&self->reconnect_timer);
  clear_source (&self->grace_timer);
  g_queue_clear_full (&self->queue, queued_signal_free);
  emit_error (self, code, "%s", message);
  mc_signaling_set_state (&self->base, MC_SIGNALING_STATE_FAILED);
}

static gboolean
on_reconnect_timer (gpointer data)
{
  SioSignaling *self = data;

  g_clear_pointer (&self->reconnect_timer, g_source_unref);
  start_attempt (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (SioSignaling *self, McSignalingError code, const char *reason)
{
  guint delay = backoff_delay_ms (self->attempts);

  self->attempts++;
  clear_source (&self->reconnect_timer);
  self->reconnect_timer = add_timeout (self, delay, on_reconnect_timer);
  mc_signaling_set_state (&self->base, self->joined_once ? MC_SIGNALING_STATE_RECONNECTING
                                                         : MC_SIGNALING_STATE_CONNECTING);
  if (in_call (self))
    emit_error (self, code, "%s; retrying in %.1f s (retry %u)", reason, delay / 1000.0, self->attempts);
}

static void
connection_lost (SioSignaling *self, McSignalingError code, const char *reason)
{
  GST_INFO ("signaling %s: connection lost: %s", self->base.params.peer_id, reason);
  teardown_connection (self);
  if (self->leaving) {
    finish_leave (self);
    return;
  }
  if (self->base.state == MC_SIGNALING_STATE_FAILED)
    return;
  schedule_reconnect (self, code, reason);
}

static gboolean
on_connect_timeout (gpointer data)
{
  SioSignaling *self = data;
  g_autofree char *reason = g_strdup_printf ("no answer from %s within %d s", self->base.url,
                                             CONNECT_TIMEOUT_MS / 1000);

  g_clear_pointer (&self->connect_timer, g_source_unref);
  connection_lost (self, MC_SIGNALING_ERROR_CONNECT, reason);
  return G_SOURCE_REMOVE;
}

static gboolean
on_heartbeat_timeout (gpointer data)
{
  SioSignaling *self = data;
  g_autofree char *reason = g_strdup_printf ("no ping from the server for %u ms",
                                             self->ping_interval_ms + self->ping_timeout_ms);

  g_clear_pointer (&self->heartbeat_timer, g_source_unref);
  connection_lost (self, MC_SIGNALING_ERROR_CONNECT, reason);
  return G_SOURCE_REMOVE;
}

static void
arm_heartbeat (SioSignaling *self)
{
  clear_source (&self->heartbeat_timer);
  self->heartbeat_timer = add_timeout (self, self->ping_interval_ms + self->ping_timeout_ms, on_heartbeat_timeout);
}

/* ---- the roster --------------------------------------------------------- */

static gboolean
on_grace_timeout (gpointer data)
{
  SioSignaling *self = data;
  g_autoptr (GHashTable) gone = self->pending_left;
  GHashTableIter iter;
  gpointer key;

  g_clear_pointer (&self->grace_timer, g_source_unref);
  self->pending_left = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_iter_init (&iter, gone);
  while (g_hash_table_iter_next (&iter, &key, NULL) && in_call (self)) {
    GST_INFO ("signaling %s: %s did not come back after the re-join", self->base.params.peer_id, (char *) key);
    if (self->base.events.peer_left != NULL)
      self->base.events.peer_left (&self->base, key, self->base.user_data);
  }
  return G_SOURCE_REMOVE;
}

static void
report_joined (SioSignaling *self, const char *peer_id, const char *name, gboolean existing)
{
  g_hash_table_replace (self->roster, g_strdup (peer_id), g_strdup (name));
  if (self->base.events.peer_joined != NULL)
    self->base.events.peer_joined (&self->base, peer_id, name, existing, self->base.user_data);
}

static void
report_left (SioSignaling *self, const char *peer_id)
{
  if (self->base.events.peer_left != NULL)
    self->base.events.peer_left (&self->base, peer_id, self->base.user_data);
}

/* {peerId, name} -> TRUE and the two strings, or FALSE (logged). */
static gboolean
parse_peer (SioSignaling *self, JsonNode *node, const char *what, const char **peer_id, const char **name)
{
  JsonObject *obj;
  JsonNode *n;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
    GST_WARNING ("signaling %s: %s: not an object", self->base.params.peer_id, what);
    return FALSE;
  }
  obj = json_node_get_object (node);
  n = json_object_get_member (obj, "peerId");
  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING ||
      !mc_signaling_validate_id ("peerId", json_node_get_string (n), NULL)) {
    GST_WARNING ("signaling %s: %s: missing or invalid peerId", self->base.params.peer_id, what);
    return FALSE;
  }
  *peer_id = json_node_get_string (n);
  n = json_object_get_member (obj, "name");
  *name = (n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
              ? json_node_get_string (n)
              : *peer_id;
  return TRUE;
}

static void
apply_join_result (SioSignaling *self, JsonArray *peers)
{
  g_autoptr (GHashTable) snapshot = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  gboolean rejoin = self->joined_once;
  GHashTableIter iter;
  gpointer key, value;

  self->conn = CONN_JOINED;
  self->joined_once = TRUE;
  self->attempts = 0;
  clear_source (&self->connect_timer);
  GST_INFO ("signaling %s: %s call %s with %u other peers", self->base.params.peer_id,
            rejoin ? "re-joined" : "joined", self->base.params.call_id, peers ? json_array_get_length (peers) : 0);
  mc_signaling_set_state (&self->base, MC_SIGNALING_STATE_JOINED);

  if (rejoin && self->stale_session) {
    /* The server kept our old session until it timed out, so everyone else
     * saw us leave and will treat us as a newcomer (and offer): forget them
     * all, then report the snapshot as existing peers. */
    g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
    self->stale_session = FALSE;
    clear_source (&self->grace_timer);
    g_hash_table_iter_init (&iter, self->roster);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (gone, g_strdup (key));
    g_hash_table_iter_init (&iter, self->pending_left);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (gone, g_strdup (key));
    g_hash_table_remove_all (self->roster);
    g_hash_table_remove_all (self->pending_left);
    for (guint i = 0; i < gone->len && in_call (self); i++)
      report_left (self, gone->pdata[i]);
  }

  for (guint i = 0; peers != NULL && i < json_array_get_length (peers); i++) {
    const char *peer_id, *name;
    if (parse_peer (self, json_array_get_element (peers, i), "existing-peers entry", &peer_id, &name) &&
        strcmp (peer_id, self->base.params.peer_id) != 0)
      g_hash_table_insert (snapshot, (gpointer) peer_id, (gpointer) name);
  }

  /* Reported peers missing from the snapshot: wait for them to come back. */
  g_hash_table_iter_init (&iter, self->roster);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    if (!g_hash_table_contains (snapshot, key)) {
      g_hash_table_replace (self->pending_left, g_strdup (key), g_strdup (value));
      g_ptr_array_add (missing, g_strdup (key));
    }
  }
  for (guint i = 0; i < missing->len; i++)
    g_hash_table_remove (self->roster, missing->pdata[i]);
  if (missing->len > 0 && self->grace_timer == NULL)
    self->grace_timer = add_timeout (self, REJOIN_GRACE_MS, on_grace_timeout);

  /* Peers in the snapshot that we had not reported: they were there before
   * us (from the server's point of view), so they offer. */
  g_hash_table_iter_init (&iter, snapshot);
  while (g_hash_table_iter_next (&iter, &key, &value) && in_call (self)) {
    if (g_hash_table_contains (self->roster, key))
      continue;
    if (g_hash_table_remove (self->pending_left, key)) {
      g_hash_table_replace (self->roster, g_strdup (key), g_strdup (value));
      continue;
    }
    report_joined (self, key, value, TRUE);
  }
  if (in_call (self))
    flush_queue (self);
}

/* ---- incoming packets --------------------------------------------------- */

static void
join_rejected (SioSignaling *self, const char *code, const char *message)
{
  McSignalingError error = mc_signaling_error_from_code (code);
  g_autofree char *text = g_strdup_printf ("joining call %s was refused: %s%s%s", self->base.params.call_id,
                                           code ? code : "error", message ? ": " : "", message ? message : "");

  switch (error) {
  case MC_SIGNALING_ERROR_BAD_TOKEN:
  case MC_SIGNALING_ERROR_MALFORMED:
    fail (self, error, text);
    return;
  case MC_SIGNALING_ERROR_CALL_FULL:
    if (!self->joined_once) {
      fail (self, error, text);
      return;
    }
    break;
  case MC_SIGNALING_ERROR_DUPLICATE_PEER:
    /* Usually our own previous session that the server has not timed out
     * yet; it goes away within pingInterval + pingTimeout. */
    if (self->joined_once)
      self->stale_session = TRUE;
    break;
  default:
    break;
  }
  teardown_connection (self);
  schedule_reconnect (self, error, text);
}

static void
on_join_ack (SioSignaling *self, JsonNode *arg)
{
  JsonObject *obj;
  JsonNode *peers;

  if (arg == NULL || !JSON_NODE_HOLDS_OBJECT (arg)) {
    GST_WARNING ("signaling %s: join-call ack is not an object", self->base.params.peer_id);
    return;
  }
  obj = json_node_get_object (arg);
  if (!json_object_get_boolean_member_with_default (obj, "ok", FALSE)) {
    join_rejected (self, json_object_get_string_member_with_default (obj, "error", "error"), NULL);
    return;
  }
  if (self->conn != CONN_JOINING)
    return; /* existing-peers came first */
  peers = json_object_get_member (obj, "peers");
  apply_join_result (self, peers != NULL && JSON_NODE_HOLDS_ARRAY (peers) ? json_node_get_array (peers) : NULL);
}

static void
on_call_error (SioSignaling *self, JsonNode *arg)
{
  const char *code = NULL, *message = NULL;

  if (arg != NULL && JSON_NODE_HOLDS_OBJECT (arg)) {
    JsonObject *obj = json_node_get_object (arg);
    code = json_object_get_string_member_with_default (obj, "code", NULL);
    message = json_object_get_string_member_with_default (obj, "message", NULL);
  }
  if (self->conn == CONN_JOINING) {
    join_rejected (self, code, message);
    return;
  }
  if (mc_signaling_error_from_code (code) == MC_SIGNALING_ERROR_BAD_TOKEN) {
    fail (self, MC_SIGNALING_ERROR_BAD_TOKEN, message ? message : "the server refused our token");
    return;
  }
  emit_error (self, mc_signaling_error_from_code (code), "%s: %s", code ? code : "error",
              message ? message : "(no message)");
}

static void
on_peer_joined (SioSignaling *self, JsonNode *arg)
{
  const char *peer_id, *name;

  if (self->conn != CONN_JOINED || !parse_peer (self, arg, "peer-joined", &peer_id, &name) ||
      strcmp (peer_id, self->base.params.peer_id) == 0)
    return;
  if (g_hash_table_remove (self->pending_left, peer_id)) {
    GST_INFO ("signaling %s: %s is back after the re-join", self->base.params.peer_id, peer_id);
    g_hash_table_replace (self->roster, g_strdup (peer_id), g_strdup (name));
    return;
  }
  if (g_hash_table_contains (self->roster, peer_id)) {
    /* The server sees a new session without having told us the old one left. */
    g_autofree char *id = g_strdup (peer_id);
    g_autofree char *nm = g_strdup (name);
    g_hash_table_remove (self->roster, id);
    report_left (self, id);
    if (in_call (self))
      report_joined (self, id, nm, FALSE);
    return;
  }
  report_joined (self, peer_id, name, FALSE);
}

static void
on_peer_left (SioSignaling *self, JsonNode *arg)
{
  JsonNode *n;
  g_autofree char *peer_id = NULL;

  if (self->conn != CONN_JOINED || arg == NULL || !JSON_NODE_HOLDS_OBJECT (arg))
    return;
  n = json_object_get_member (json_node_get_object (arg), "peerId");
  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING)
    return;
  peer_id = g_strdup (json_node_get_string (n));
  if (g_hash_table_remove (self->roster, peer_id) || g_hash_table_remove (self->pending_left, peer_id))
    report_left (self, peer_id);
}

static void
on_webrtc_signal (SioSignaling *self, JsonNode *arg)
{
  JsonObject *obj;
  JsonNode *from, *signal;

  if (arg == NULL || !JSON_NODE_HOLDS_OBJECT (arg)) {
    GST_WARNING ("signaling %s: webrtc-signal payload is not an object", self->base.params.peer_id);
    return;
  }
  obj = json_node_get_object (arg);
  from = json_object_get_member (obj, "fromPeerId");
  signal = json_object_get_member (obj, "signal");
  if (from == NULL || json_node_get_value_type (from) != G_TYPE_STRING ||
      !mc_signaling_validate_id ("fromPeerId", json_node_get_string (from), NULL) || signal == NULL) {
    GST_WARNING ("signaling %s: webrtc-signal without a valid fromPeerId or signal", self->base.params.peer_id);
    return;
  }
  if (self->base.events.signal_received != NULL)
    self->base.events.signal_received (&self->base, json_node_get_string (from), signal, self->base.user_data);
}

static void
send_join (SioSignaling *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "callId");
  json_builder_add_string_value (b, self->base.params.call_id);
  json_builder_set_member_name (b, "peerId");
  json_builder_add_string_value (b, self->base.params.peer_id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, self->base.params.name);
  if (self->base.params.token != NULL) {
    json_builder_set_member_name (b, "token");
    json_builder_add_string_value (b, self->base.params.token);
  }
  json_builder_end_object (b);
  payload = json_builder_get_root (b);
  self->join_ack_id = self->next_ack_id++;
  if (self->next_ack_id > G_MAXINT32)
    self->next_ack_id = 0;
  self->conn = CONN_JOINING;
  send_event (self, "join-call", payload, self->join_ack_id);
}

static void
on_connect_error (SioSignaling *self, JsonNode *data)
{
  const char *message = NULL, *code = NULL;

  if (data != NULL && JSON_NODE_HOLDS_OBJECT (data)) {
    JsonObject *obj = json_node_get_object (data);
    JsonNode *extra = json_object_get_member (obj, "data");
    message = json_object_get_string_member_with_default (obj, "message", NULL);
    if (extra != NULL && JSON_NODE_HOLDS_OBJECT (extra))
      code = json_object_get_string_member_with_default (json_node_get_object (extra), "code", NULL);
  } else if (data != NULL && JSON_NODE_HOLDS_VALUE (data) && json_node_get_value_type (data) == G_TYPE_STRING) {
    message = json_node_get_string (data);
  }
  if (code == NULL && message != NULL && (strstr (message, "bad-token") != NULL || strstr (message, "token") != NULL))
    code = "bad-token";
  {
    /* Like socket.io-client: a refused CONNECT is not retried. */
    g_autofree char *text = g_strdup_printf ("the server refused the connection: %s",
                                             message ? message : "(no reason given)");
    McSignalingError error = mc_signaling_error_from_code (code);
    fail (self, error == MC_SIGNALING_ERROR_OTHER ? MC_SIGNALING_ERROR_OTHER : error, text);
  }
}

static void
handle_event (SioSignaling *self, const McSioPacket *packet)
{
  const char *name = mc_sio_packet_get_event_name (packet);
  JsonNode *arg = mc_sio_packet_get_event_arg (packet, 0);

  if (name == NULL)
    return;
  if (strcmp (name, "existing-peers") == 0) {
    if (self->conn == CONN_JOINING)
      apply_join_result (self, arg != NULL && JSON_NODE_HOLDS_ARRAY (arg) ? json_node_get_array (arg) : NULL);
  } else if (strcmp (name, "peer-joined") == 0) {
    on_peer_joined (self, arg);
  } else if (strcmp (name, "peer-left") == 0) {
    on_peer_left (self, arg);
  } else if (strcmp (name, "webrtc-signal") == 0) {
    on_webrtc_signal (self, arg);
  } else if (strcmp (name, "call-error") == 0) {
    on_call_error (self, arg);
  } else {
    GST_DEBUG ("signaling %s: ignoring event '%s'", self->base.params.peer_id, name);
  }
}

static void
handle_sio (SioSignaling *self, const char *text, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McSioPacket) packet = mc_sio_packet_decode (text, len, &error);

  if (packet == NULL) {
    GST_WARNING ("signaling %s: ignoring a malformed Socket.IO packet: %s", self->base.params.peer_id,
                 error->message);
    return;
  }
  if (strcmp (packet->nsp, "/") != 0) {
    GST_DEBUG ("signaling %s: ignoring a packet for namespace %s", self->base.params.peer_id, packet->nsp);
    return;
  }
  switch (packet->type) {
  case MC_SIO_CONNECT:
    if (self->conn == CONN_SIO_CONNECT && !self->leaving)
      send_join (self);
    break;
  case MC_SIO_CONNECT_ERROR:
    if (!self->leaving)
      on_connect_error (self, packet->data);
    break;
  case MC_SIO_DISCONNECT:
    /* socket.io-client would stay offline; a call client keeps trying to
     * get back into its call (only a bad token is final). */
    connection_lost (self, MC_SIGNALING_ERROR_CONNECT, "the server disconnected us");
    break;
  case MC_SIO_EVENT:
    if (!self->leaving)
      handle_event (self, packet);
    else if (self->leave_ack_id != MC_SIO_NO_ACK && g_strcmp0 (mc_sio_packet_get_event_name (packet), "call-error") == 0)
      leave_disconnect (self); /* e.g. not-in-call: nothing to wait for */
    break;
  case MC_SIO_ACK:
    if (self->leaving) {
      if (packet->ack_id == self->leave_ack_id && self->leave_ack_id != MC_SIO_NO_ACK)
        leave_disconnect (self);
    } else if (packet->ack_id == self->join_ack_id && self->join_ack_id != MC_SIO_NO_ACK) {
      self->join_ack_id = MC_SIO_NO_ACK;
      on_join_ack (self, packet->data ? mc_sio_packet_get_event_arg (packet, 0) : NULL);
    }
    break;
  case MC_SIO_BINARY_EVENT:
  case MC_SIO_BINARY_ACK:
    GST_WARNING ("signaling %s: ignoring a binary Socket.IO packet (not used by the call protocol)",
                 self->base.params.peer_id);
    break;
  }
}

static void
on_eio_open (SioSignaling *self, const char *text, gsize len)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (McSioPacket) connect = NULL;
  JsonObject *obj;

  if (self->conn != CONN_EIO_OPEN || self->leaving)
    return;
  root = mc_sio_json_decode (text, len, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    connection_lost (self, MC_SIGNALING_ERROR_CONNECT, "the server's Engine.IO open packet is not a JSON object");
    return;
  }
  obj = json_node_get_object (root);
  self->ping_interval_ms = (guint) CLAMP (json_object_get_int_member_with_default (obj, "pingInterval", 25000), 10,
                                          600000);
  self->ping_timeout_ms = (guint) CLAMP (json_object_get_int_member_with_default (obj, "pingTimeout", 20000), 10,
                                         600000);
  arm_heartbeat (self);

  connect = mc_sio_packet_new (MC_SIO_CONNECT, NULL);
  if (self->base.params.token != NULL) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "token");
    json_builder_add_string_value (b, self->base.params.token);
    json_builder_end_object (b);
    connect->data = json_builder_get_root (b);
  }
  self->conn = CONN_SIO_CONNECT;
  send_sio (self, connect);
}

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
  SioSignaling *self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (McEioPacket) packet = NULL;
  const char *text;
  gsize len;

  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    GST_DEBUG ("signaling %s: ignoring a binary websocket frame", self->base.params.peer_id);
    return;
  }
  text = g_bytes_get_data (message, &len);
  GST_LOG ("signaling %s: recv %.*s", self->base.params.peer_id, (int) MIN (len, 512), text);
  packet = mc_eio_packet_decode (text, len, &error);
  if (packet == NULL) {
    GST_WARNING ("signaling %s: ignoring a malformed Engine.IO packet: %s", self->base.params.peer_id,
                 error->message);
    return;
  }
  text = mc_eio_packet_get_text (packet, &len);
  if (text == NULL)
    return; /* binary MESSAGE: not used by the call protocol */
  switch (packet->type) {
  case MC_EIO_OPEN:
    on_eio_open (self, text, len);
    break;
  case MC_EIO_PING:
    send_text (self, "3");
    arm_heartbeat (self);
    break;
  case MC_EIO_CLOSE:
    connection_lost (self, MC_SIGNALING_ERROR_CONNECT, "the server closed the Engine.IO session");
    break;
  case MC_EIO_MESSAGE:
    if (!packet->binary)
      handle_sio (self, text, len);
    break;
  default:
    break;
  }
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer data)
{
  SioSignaling *self = data;
  gushort code = soup_websocket_connection_get_close_code (ws);
  g_autofree char *reason = code != 0 ? g_strdup_printf ("the server closed the websocket (code %u)", code)
                                      : g_strdup ("lost the connection to the server");
  connection_lost (self, MC_SIGNALING_ERROR_CONNECT, reason);
}

static void
on_ws_error (SoupWebsocketConnection *ws, GError *error, gpointer data)
{
  SioSignaling *self = data;
  GST_INFO ("signaling %s: websocket error: %s", self->base.params.peer_id, error->message);
}

static void
on_ws_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  SioSignaling *self;

  /* Cancelled: the attempt (maybe the whole object) is gone; touch nothing. */
  if (ws == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = data;
  if (ws == NULL) {
    g_autofree char *reason = g_strdup_printf ("cannot reach %s: %s", self->base.url, error->message);
    connection_lost (self, MC_SIGNALING_ERROR_CONNECT, reason);
    return;
  }
  g_clear_object (&self->cancellable);
  self->ws = ws;
  self->conn = CONN_EIO_OPEN;
  soup_websocket_connection_set_max_incoming_payload_size (ws, MAX_INCOMING_BYTES);
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), self);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error), self);
}

static void
start_attempt (SioSignaling *self)
{
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, self->ws_url);

  teardown_connection (self);
  GST_INFO ("signaling %s: connecting to %s (attempt %u)", self->base.params.peer_id, self->ws_url,
            self->attempts + 1);
  self->conn = CONN_WEBSOCKET;
  self->cancellable = g_cancellable_new ();
  self->connect_timer = add_timeout (self, CONNECT_TIMEOUT_MS, on_connect_timeout);
  g_main_context_push_thread_default (self->base.context);
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, self->cancellable,
                                        on_ws_connected, self);
  g_main_context_pop_thread_default (self->base.context);
}

/* ---- the vtable --------------------------------------------------------- */

static gboolean
sio_join (McSignaling *sig, GError **error)
{
  SioSignaling *self = (SioSignaling *) sig;

  if (self->started || self->leaving) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER,
                 "already joined (or leaving) call %s", sig->params.call_id);
    return FALSE;
  }
  self->started = TRUE;
  self->joined_once = FALSE;
  self->attempts = 0;
  mc_signaling_set_state (sig, MC_SIGNALING_STATE_CONNECTING);
  start_attempt (self);
  return TRUE;
}

static gboolean
sio_send_signal (McSignaling *sig, const char *to_peer_id, JsonNode *signal, GError **error)
{
  SioSignaling *self = (SioSignaling *) sig;
  QueuedSignal *q;

  if (!self->started || !in_call (self)) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER, "cannot send a signal: not in call %s (%s)",
                 sig->params.call_id, mc_signaling_state_to_string (sig->state));
    return FALSE;
  }
  if (self->conn == CONN_JOINED && g_queue_is_empty (&self->queue)) {
    send_signal_now (self, to_peer_id, signal);
    return TRUE;
  }
  if (g_queue_get_length (&self->queue) >= MAX_QUEUED_SIGNALS) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER,
                 "cannot send a signal: %d signals are already waiting for the connection", MAX_QUEUED_SIGNALS);
    return FALSE;
  }
  q = g_new0 (QueuedSignal, 1);
  q->to = g_strdup (to_peer_id);
  q->signal = json_node_copy (signal);
  g_queue_push_tail (&self->queue, q);
  return TRUE;
}

static gboolean
on_leave_timeout (gpointer data)
{
  SioSignaling *self = data;

  g_clear_pointer (&self->leave_timer, g_source_unref);
  if (self->conn != CONN_NONE)
    GST_INFO ("signaling %s: the server did not close within %d ms; leaving anyway", self->base.params.peer_id,
              LEAVE_CLOSE_TIMEOUT_MS);
  finish_leave (self);
  return G_SOURCE_REMOVE;
}

/* Second step of leaving: Socket.IO DISCONNECT, then close the websocket. */
static void
leave_disconnect (SioSignaling *self)
{
  g_autoptr (McSioPacket) disconnect = mc_sio_packet_new (MC_SIO_DISCONNECT, NULL);

  clear_source (&self->leave_timer);
  self->leave_ack_id = MC_SIO_NO_ACK;
  if (!ws_is_open (self)) {
    teardown_connection (self);
    self->leave_timer = add_timeout (self, 0, on_leave_timeout);
    return;
  }
  send_sio (self, disconnect);
  clear_source (&self->heartbeat_timer);
  clear_source (&self->connect_timer);
  soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  /* on_ws_closed -> connection_lost -> finish_leave, or this timer. */
  self->leave_timer = add_timeout (self, LEAVE_CLOSE_TIMEOUT_MS, on_leave_timeout);
}

static gboolean
on_leave_ack_timeout (gpointer data)
{
  SioSignaling *self = data;

  g_clear_pointer (&self->leave_timer, g_source_unref);
  GST_INFO ("signaling %s: no ack for leave-call within %d ms", self->base.params.peer_id, LEAVE_ACK_TIMEOUT_MS);
  leave_disconnect (self);
  return G_SOURCE_REMOVE;
}

static void
sio_leave (McSignaling *sig, McSignalingDoneFunc done, gpointer user_data)
{
  SioSignaling *self = (SioSignaling *) sig;

  if (self->leaving) {
    GST_WARNING ("signaling %s: leave called twice; the second done callback is not called",
                 sig->params.peer_id);
    return;
  }
  self->leaving = TRUE;
  self->leave_done = done;
  self->leave_data = user_data;
  clear_source (&self->reconnect_timer);
  clear_source (&self->grace_timer);
  g_queue_clear_full (&self->queue, queued_signal_free);

  if (ws_is_open (self) && self->conn == CONN_JOINED) {
    /* leave-call asks for an ack: a server may handle a DISCONNECT that
     * follows at once before the event (socket.io dispatches events on the
     * next tick), and the others should see an orderly leave. */
    self->leave_ack_id = self->next_ack_id++;
    if (self->next_ack_id > G_MAXINT32)
      self->next_ack_id = 0;
    send_event (self, "leave-call", NULL, self->leave_ack_id);
    self->leave_timer = add_timeout (self, LEAVE_ACK_TIMEOUT_MS, on_leave_ack_timeout);
    return;
  }
  leave_disconnect (self);
}

static void
sio_finalize (McSignaling *sig)
{
  SioSignaling *self = (SioSignaling *) sig;

  self->finalizing = TRUE;
  teardown_connection (self);
  clear_source (&self->reconnect_timer);
  clear_source (&self->grace_timer);
  clear_source (&self->leave_timer);
  g_queue_clear_full (&self->queue, queued_signal_free);
  g_clear_pointer (&self->roster, g_hash_table_unref);
  g_clear_pointer (&self->pending_left, g_hash_table_unref);
  g_clear_object (&self->session);
  g_free (self->ws_url);
}

static const McSignalingClass sio_class = {
  .name = "socketio",
  .join = sio_join,
  .send_signal = sio_send_signal,
  .leave = sio_leave,
  .finalize = sio_finalize,
};

/* ws://h:p, wss://, http://, https:// -> http(s)://h:p/socket.io/?EIO=4&transport=websocket
 * (libsoup upgrades an http(s) request; the scheme only says whether TLS). */
static char *
build_ws_url (const char *url, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, &local);
  g_autofree char *scheme = NULL;
  g_autofree char *path = NULL;
  g_autofree char *query = NULL;
  const char *host;

  if (uri == NULL) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL, "signaling URL '%s' is malformed: %s", url,
                 local->message);
    return NULL;
  }
  host = g_uri_get_host (uri);
  if (host == NULL || host[0] == '\0') {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL,
                 "signaling URL '%s' names no host: use ws://HOST:PORT", url);
    return NULL;
  }
  if (g_uri_get_userinfo (uri) != NULL || g_uri_get_fragment (uri) != NULL) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL,
                 "signaling URL '%s' has a user name or fragment; use ws://HOST:PORT (the token goes in --token)",
                 url);
    return NULL;
  }
  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  if (strcmp (scheme, "ws") == 0 || strcmp (scheme, "http") == 0) {
    g_free (scheme);
    scheme = g_strdup ("http");
  } else {
    g_free (scheme);
    scheme = g_strdup ("https");
  }
  /* A bare host:port means the default Socket.IO path. */
  if (g_uri_get_path (uri)[0] == '\0' || strcmp (g_uri_get_path (uri), "/") == 0)
    path = g_strdup ("/socket.io/");
  else if (g_str_has_suffix (g_uri_get_path (uri), "/"))
    path = g_strdup (g_uri_get_path (uri));
  else
    path = g_strconcat (g_uri_get_path (uri), "/", NULL);
  if (g_uri_get_query (uri) != NULL && g_uri_get_query (uri)[0] != '\0')
    query = g_strconcat (g_uri_get_query (uri), "&EIO=4&transport=websocket", NULL);
  else
    query = g_strdup ("EIO=4&transport=websocket");
  return g_uri_join (G_URI_FLAGS_ENCODED, scheme, NULL, host, g_uri_get_port (uri), path, query, NULL);
}

McSignaling *
mc_signal_socketio_new (const char *url, const McSignalingParams *params, const McSignalingEvents *events,
                        gpointer user_data, GError **error)
{
  g_autofree char *ws_url = build_ws_url (url, error);
  SioSignaling *self;

  if (ws_url == NULL)
    return NULL;
  self = g_new0 (SioSignaling, 1);
  mc_signaling_init_base (&self->base, &sio_class, url, params, events, user_data);
  self->ws_url = g_steal_pointer (&ws_url);
  self->conn = CONN_NONE;
  self->join_ack_id = MC_SIO_NO_ACK;
  self->leave_ack_id = MC_SIO_NO_ACK;
  self->roster = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->pending_left = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_queue_init (&self->queue);
  /* libsoup 3: a session belongs to the context it was created in. */
  g_main_context_push_thread_default (self->base.context);
  self->session = soup_session_new ();
  g_main_context_pop_thread_default (self->base.context);
  GST_DEBUG ("signaling %s: Socket.IO back end for %s", self->base.params.peer_id, self->ws_url);
  return &self->base;
}

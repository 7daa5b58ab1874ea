/* Signaling over Socket.IO: the call protocol of docs/protocol.md on one
 * Socket.IO connection (sio_client.h) at a time.
 *
 *   connect (CONNECT with auth {token}) -> join-call (with an ack) -> joined
 *
 * Any loss goes back to the start after a socket.io-client style back-off
 * (1 s doubling to 4 s, +-50 % jitter, unlimited attempts, 20 s per attempt
 * up to joined); only a bad token, a malformed join, a refused CONNECT and a
 * full call (or a server out of calls) on the first join are final. What the
 * server says of the others goes through the roster (roster.h), so the call
 * sees each peer once across re-joins. Signals sent while the connection is
 * down are queued and sent once joined, to peers still in the call.
 */
#include "meshcall/signal/socketio/signal_socketio.h"
#include "meshcall/base/backoff.h"
#include "meshcall/base/json.h"
#include "meshcall/base/log.h"
#include "meshcall/net/netwatch.h"
#include "meshcall/proto/sio_packet.h"
#include "meshcall/signal/roster.h"
#include "sio_client.h"
#include "sio_endpoint.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_signal)

#define CONNECT_TIMEOUT_MS 20000
#define LEAVE_ACK_TIMEOUT_MS 1000
#define LEAVE_CLOSE_TIMEOUT_MS 1000
#define MAX_QUEUED_SIGNALS 1024
#define CHECK_TIMEOUT_MS 2000   /* a check-connection unanswered this long: the connection is dead */

/* socket.io-client's schedule, capped at 4 s instead of 5 s so that everyone
 * is back within 5 s of a restarted server. */
const McBackoff mc_signal_socketio_reconnect_backoff = { 1000, 4000, 0.5 };

typedef enum {
  CONN_NONE,        /* no connection (waiting to retry, failed, or idle) */
  CONN_CONNECTING,  /* websocket, Engine.IO open and Socket.IO CONNECT under way */
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
  SioClient *client;
  GSource *connect_timer;
  gint64 join_ack_id;
  gint64 check_ack_id;           /* a check-connection in flight */
  GSource *check_timer;

  /* Across attempts. */
  gboolean joined_once;
  guint attempts;                /* failed attempts since the last join */
  gboolean stale_session;        /* a re-join met our own old session (duplicate-peer) */
  GSource *reconnect_timer;
  McRoster *roster;
  GSource *grace_timer;
  GQueue queue;                  /* QueuedSignal*, sent once joined */
  char *resume;                  /* our resume secret: a re-join takes our seat back at once */

  /* Leaving. */
  gint64 leave_ack_id;
  McSignalingDoneFunc leave_done;
  gpointer leave_data;
  GSource *leave_timer;
} SioSignaling;

static void start_attempt (SioSignaling *self);
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

static GSource *
add_timeout (SioSignaling *self, guint ms, GSourceFunc func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->base.context);
  return source;
}

static const char *
self_id (SioSignaling *self)
{
  return self->base.params.peer_id;
}

/* ---- the roster ---------------------------------------------------------- */

static void arm_grace (SioSignaling *self);

/* Reports roster changes in order, stopping if a callback made us leave. */
static void
report (SioSignaling *self, GArray *changes)
{
  for (guint i = 0; i < changes->len && mc_signaling_in_call (&self->base); i++) {
    McRosterChange *c = &g_array_index (changes, McRosterChange, i);
    if (c->kind == MC_ROSTER_JOINED)
      mc_signaling_emit_joined (&self->base, c->peer_id, c->name, c->existing);
    else
      mc_signaling_emit_left (&self->base, c->peer_id);
  }
  arm_grace (self);
}

static gboolean
on_grace_timeout (gpointer data)
{
  SioSignaling *self = data;
  g_autoptr (GArray) changes = mc_roster_changes_new ();

  g_clear_pointer (&self->grace_timer, g_source_unref);
  mc_roster_expire (self->roster, g_get_monotonic_time (), changes);
  for (guint i = 0; i < changes->len; i++)
    MC_INFO ("signaling %s: %s did not come back after the re-join", self_id (self),
             g_array_index (changes, McRosterChange, i).peer_id);
  report (self, changes);
  return G_SOURCE_REMOVE;
}

/* One timer for the roster's next deadline. */
static void
arm_grace (SioSignaling *self)
{
  gint64 deadline = mc_roster_get_deadline (self->roster);

  mc_signaling_clear_source (&self->grace_timer);
  if (deadline == 0 || !mc_signaling_in_call (&self->base))
    return;
  self->grace_timer = add_timeout (self, (guint) MAX (0, (deadline - g_get_monotonic_time () + 999) / 1000),
                                   on_grace_timeout);
}

/* ---- sending ------------------------------------------------------------ */

static void
send_signal_now (SioSignaling *self, const char *to, JsonNode *signal)
{
  g_autoptr (JsonNode) payload = mc_protocol_signal_payload (to, signal);

  sio_client_emit (self->client, MC_EVENT_WEBRTC_SIGNAL, payload, FALSE);
}

static void
flush_queue (SioSignaling *self)
{
  QueuedSignal *q;

  while (self->conn == CONN_JOINED && (q = g_queue_pop_head (&self->queue)) != NULL) {
    /* A peer that left while we were away cannot receive it: the server
     * would only answer not-in-call. */
    if (mc_roster_contains (self->roster, q->to))
      send_signal_now (self, q->to, q->signal);
    else
      MC_INFO ("signaling %s: dropping a queued signal for %s, who is not in the call", self_id (self), q->to);
    queued_signal_free (q);
  }
}

/* ---- the connection ----------------------------------------------------- */

static void
teardown_connection (SioSignaling *self, gboolean now)
{
  mc_signaling_clear_source (&self->connect_timer);
  mc_signaling_clear_source (&self->check_timer);
  sio_client_free (g_steal_pointer (&self->client), now);
  self->conn = CONN_NONE;
  self->join_ack_id = MC_SIO_NO_ACK;
  self->check_ack_id = MC_SIO_NO_ACK;
}

static void
finish_leave (SioSignaling *self)
{
  McSignalingDoneFunc done = self->leave_done;
  gpointer data = self->leave_data;

  teardown_connection (self, FALSE);
  mc_signaling_clear_source (&self->leave_timer);
  mc_signaling_clear_source (&self->reconnect_timer);
  mc_signaling_clear_source (&self->grace_timer);
  mc_roster_clear (self->roster);
  self->leave_done = NULL;
  self->leave_data = NULL;
  self->leave_ack_id = MC_SIO_NO_ACK;
  self->joined_once = FALSE;
  self->stale_session = FALSE;
  self->attempts = 0;
  mc_signaling_set_state (&self->base, MC_SIGNALING_STATE_IDLE);
  if (done != NULL)
    done (&self->base, data);
}

/* Final: no retry. */
static void
fail (SioSignaling *self, GQuark domain, gint code, const char *message)
{
  teardown_connection (self, FALSE);
  mc_signaling_clear_source (&self->reconnect_timer);
  mc_signaling_clear_source (&self->grace_timer);
  g_queue_clear_full (&self->queue, queued_signal_free);
  mc_signaling_emit_error (&self->base, TRUE, domain, code, "%s", message);
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
schedule_reconnect (SioSignaling *self, GQuark domain, gint code, const char *reason)
{
  guint delay = mc_backoff_delay_ms (&mc_signal_socketio_reconnect_backoff, self->attempts, g_random_double ());

  self->attempts++;
  mc_signaling_clear_source (&self->reconnect_timer);
  self->reconnect_timer = add_timeout (self, delay, on_reconnect_timer);
  mc_signaling_set_state (&self->base, self->joined_once ? MC_SIGNALING_STATE_RECONNECTING
                                                         : MC_SIGNALING_STATE_CONNECTING);
  if (mc_signaling_in_call (&self->base))
    mc_signaling_emit_error (&self->base, FALSE, domain, code, "%s; retrying in %.1f s (retry %u)", reason, delay / 1000.0,
                             self->attempts);
}

static void
connection_lost (SioSignaling *self, const char *reason)
{
  MC_INFO ("signaling %s: connection lost: %s", self_id (self), reason);
  teardown_connection (self, FALSE);
  if (self->base.leaving) {
    finish_leave (self);
    return;
  }
  if (self->base.state == MC_SIGNALING_STATE_FAILED)
    return;
  schedule_reconnect (self, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_CONNECT, reason);
}

/* The connection is dead for a reason of ours (our address went, a check
 * went unanswered): a new one at once, no back-off; the back-off applies if
 * that fails. */
static void
reconnect_now (SioSignaling *self, const char *reason)
{
  MC_INFO ("signaling %s: connection lost: %s; connecting again now", self_id (self), reason);
  teardown_connection (self, FALSE);
  mc_signaling_clear_source (&self->reconnect_timer);
  self->attempts = 0;
  mc_signaling_set_state (&self->base, MC_SIGNALING_STATE_RECONNECTING);
  mc_signaling_emit_error (&self->base, FALSE, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_CONNECT,
                           "%s; connecting again now", reason);
  start_attempt (self);
}

static gboolean
on_connect_timeout (gpointer data)
{
  SioSignaling *self = data;
  g_autofree char *reason = g_strdup_printf ("no answer from %s within %d s", self->base.url,
                                             CONNECT_TIMEOUT_MS / 1000);

  g_clear_pointer (&self->connect_timer, g_source_unref);
  connection_lost (self, reason);
  return G_SOURCE_REMOVE;
}

/* ---- joining ------------------------------------------------------------ */

static void
apply_join_result (SioSignaling *self, JsonArray *peers)
{
  g_autoptr (GArray) entries = g_array_new (FALSE, FALSE, sizeof (McRosterEntry));
  g_autoptr (GArray) changes = mc_roster_changes_new ();
  gboolean rejoin = self->joined_once;

  self->conn = CONN_JOINED;
  self->joined_once = TRUE;
  self->attempts = 0;
  mc_signaling_clear_source (&self->connect_timer);
  MC_INFO ("signaling %s: %s call %s with %u other peers", self_id (self), rejoin ? "re-joined" : "joined",
           self->base.params.call_id, peers ? json_array_get_length (peers) : 0);
  mc_signaling_set_state (&self->base, MC_SIGNALING_STATE_JOINED);

  for (guint i = 0; peers != NULL && i < json_array_get_length (peers); i++) {
    g_autoptr (GError) error = NULL;
    McRosterEntry e;
    if (mc_protocol_parse_peer (json_array_get_element (peers, i), &e.peer_id, &e.name, &error))
      g_array_append_val (entries, e);
    else
      MC_WARNING ("signaling %s: existing-peers entry %u: %s", self_id (self), i, error->message);
  }
  mc_roster_snapshot (self->roster, (McRosterEntry *) entries->data, entries->len, self_id (self), rejoin,
                      self->stale_session, g_get_monotonic_time (), changes);
  self->stale_session = FALSE;
  report (self, changes);
  if (mc_signaling_in_call (&self->base))
    flush_queue (self);
}

static void
join_rejected (SioSignaling *self, const char *code, const char *message)
{
  McProtocolError error = mc_protocol_error_from_code (code);
  g_autofree char *text = g_strdup_printf ("joining call %s was refused: %s%s%s", self->base.params.call_id,
                                           code ? code : "error", message ? ": " : "", message ? message : "");

  switch (error) {
  case MC_PROTOCOL_ERROR_BAD_TOKEN:
  case MC_PROTOCOL_ERROR_MALFORMED:
    fail (self, MC_PROTOCOL_ERROR, error, text);
    return;
  case MC_PROTOCOL_ERROR_CALL_FULL:
  case MC_PROTOCOL_ERROR_TOO_MANY_CALLS:
    /* Final on the first join (the user asked for this call now); after a
     * re-join, retried: the call goes on between the others meanwhile. */
    if (!self->joined_once) {
      fail (self, MC_PROTOCOL_ERROR, error, text);
      return;
    }
    break;
  case MC_PROTOCOL_ERROR_DUPLICATE_PEER:
    /* Usually our own previous session that the server has not timed out
     * yet; it goes away within pingInterval + pingTimeout. */
    if (self->joined_once)
      self->stale_session = TRUE;
    break;
  default:
    break;
  }
  teardown_connection (self, FALSE);
  schedule_reconnect (self, MC_PROTOCOL_ERROR, error, text);
}

static void
on_join_ack (SioSignaling *self, JsonNode *arg)
{
  JsonObject *obj;
  JsonNode *peers;

  if (arg == NULL || !JSON_NODE_HOLDS_OBJECT (arg)) {
    MC_WARNING ("signaling %s: join-call ack is not an object", self_id (self));
    return;
  }
  obj = json_node_get_object (arg);
  if (!json_object_get_boolean_member_with_default (obj, "ok", FALSE)) {
    const char *code = mc_json_get_string (obj, "error");
    join_rejected (self, code ? code : "error", NULL);
    return;
  }
  if (json_object_get_boolean_member_with_default (obj, "resumed", FALSE))
    MC_INFO ("signaling %s: took our place in call %s back (resumed)", self_id (self), self->base.params.call_id);
  if (self->conn != CONN_JOINING)
    return; /* existing-peers came first */
  peers = json_object_get_member (obj, "peers");
  apply_join_result (self, peers != NULL && JSON_NODE_HOLDS_ARRAY (peers) ? json_node_get_array (peers) : NULL);
}

static void
send_join (SioSignaling *self)
{
  g_autoptr (JsonNode) payload = mc_protocol_join_payload (self->base.params.call_id, self->base.params.peer_id,
                                                           self->base.params.name, self->base.params.token,
                                                           self->resume);

  self->conn = CONN_JOINING;
  self->join_ack_id = sio_client_emit (self->client, MC_EVENT_JOIN_CALL, payload, TRUE);
}

/* ---- events from the server ---------------------------------------------------- */

static void
on_call_error (SioSignaling *self, JsonNode *arg)
{
  JsonObject *obj = arg != NULL && JSON_NODE_HOLDS_OBJECT (arg) ? json_node_get_object (arg) : NULL;
  const char *code = mc_json_get_string (obj, "code");
  const char *message = mc_json_get_string (obj, "message");
  McProtocolError error = mc_protocol_error_from_code (code);

  if (self->conn == CONN_JOINING) {
    join_rejected (self, code, message);
    return;
  }
  if (error == MC_PROTOCOL_ERROR_BAD_TOKEN) {
    fail (self, MC_PROTOCOL_ERROR, error, message ? message : "the server refused our token");
    return;
  }
  /* Only a holder of our resume secret can do that: not a thing to fight over. */
  if (error == MC_PROTOCOL_ERROR_REPLACED) {
    fail (self, MC_PROTOCOL_ERROR, error, "another connection took this participant's place in the call");
    return;
  }
  mc_signaling_emit_error (&self->base, FALSE, MC_PROTOCOL_ERROR, error, "%s: %s", code ? code : "error",
                           message ? message : "(no message)");
}

static void
on_peer_joined (SioSignaling *self, JsonNode *arg)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) changes = NULL;
  const char *peer_id, *name;

  if (self->conn != CONN_JOINED)
    return;
  if (!mc_protocol_parse_peer (arg, &peer_id, &name, &error)) {
    MC_WARNING ("signaling %s: peer-joined: %s", self_id (self), error->message);
    return;
  }
  if (strcmp (peer_id, self_id (self)) == 0)
    return;
  changes = mc_roster_changes_new ();
  mc_roster_peer_joined (self->roster, peer_id, name, changes);
  if (changes->len == 0)
    MC_INFO ("signaling %s: %s is back after the re-join", self_id (self), peer_id);
  report (self, changes);
}

static void
on_peer_left (SioSignaling *self, JsonNode *arg)
{
  g_autoptr (GArray) changes = NULL;
  const char *peer_id;

  if (self->conn != CONN_JOINED || arg == NULL || !JSON_NODE_HOLDS_OBJECT (arg))
    return;
  peer_id = mc_json_get_string (json_node_get_object (arg), "peerId");
  if (peer_id == NULL)
    return;
  changes = mc_roster_changes_new ();
  mc_roster_peer_left (self->roster, peer_id, changes);
  report (self, changes);
}

static void
on_webrtc_signal (SioSignaling *self, JsonNode *arg)
{
  JsonObject *obj = arg != NULL && JSON_NODE_HOLDS_OBJECT (arg) ? json_node_get_object (arg) : NULL;
  const char *from = mc_json_get_string (obj, "fromPeerId");
  JsonNode *signal = obj ? json_object_get_member (obj, "signal") : NULL;

  if (from == NULL || signal == NULL) {
    MC_WARNING ("signaling %s: webrtc-signal without a fromPeerId string or a signal", self_id (self));
    return;
  }
  mc_signaling_emit_signal (&self->base, from, signal);
}

static void
on_client_event (SioClient *client, const char *name, JsonNode *arg, gpointer data)
{
  SioSignaling *self = data;

  if (self->base.leaving) {
    /* e.g. not-in-call: nothing to wait for */
    if (self->leave_ack_id != MC_SIO_NO_ACK && strcmp (name, MC_EVENT_CALL_ERROR) == 0)
      leave_disconnect (self);
    return;
  }
  if (strcmp (name, MC_EVENT_EXISTING_PEERS) == 0) {
    if (self->conn == CONN_JOINING)
      apply_join_result (self, arg != NULL && JSON_NODE_HOLDS_ARRAY (arg) ? json_node_get_array (arg) : NULL);
  } else if (strcmp (name, MC_EVENT_PEER_JOINED) == 0) {
    on_peer_joined (self, arg);
  } else if (strcmp (name, MC_EVENT_PEER_LEFT) == 0) {
    on_peer_left (self, arg);
  } else if (strcmp (name, MC_EVENT_WEBRTC_SIGNAL) == 0) {
    on_webrtc_signal (self, arg);
  } else if (strcmp (name, MC_EVENT_CALL_ERROR) == 0) {
    on_call_error (self, arg);
  } else {
    MC_DEBUG ("signaling %s: ignoring event '%s'", self_id (self), name);
  }
}

static void
on_client_ack (SioClient *client, gint64 ack_id, JsonNode *arg, gpointer data)
{
  SioSignaling *self = data;

  if (self->base.leaving) {
    if (ack_id == self->leave_ack_id && self->leave_ack_id != MC_SIO_NO_ACK)
      leave_disconnect (self);
  } else if (ack_id == self->join_ack_id && self->join_ack_id != MC_SIO_NO_ACK) {
    self->join_ack_id = MC_SIO_NO_ACK;
    on_join_ack (self, arg);
  } else if (ack_id == self->check_ack_id && self->check_ack_id != MC_SIO_NO_ACK) {
    /* Any answer (a server that does not know the event refuses it) proves the connection. */
    self->check_ack_id = MC_SIO_NO_ACK;
    mc_signaling_clear_source (&self->check_timer);
    MC_DEBUG ("signaling %s: the connection answers", self_id (self));
  }
}

static void
on_client_connected (SioClient *client, gpointer data)
{
  SioSignaling *self = data;

  if (self->base.leaving)
    leave_disconnect (self);
  else
    send_join (self);
}

static void
on_client_refused (SioClient *client, JsonNode *data, gpointer user_data)
{
  SioSignaling *self = user_data;
  const char *message = NULL, *code = NULL;
  g_autofree char *text = NULL;

  if (self->base.leaving) {
    connection_lost (self, "refused");
    return;
  }
  if (data != NULL && JSON_NODE_HOLDS_OBJECT (data)) {
    JsonObject *obj = json_node_get_object (data);
    JsonNode *extra = json_object_get_member (obj, "data");
    message = mc_json_get_string (obj, "message");
    if (extra != NULL && JSON_NODE_HOLDS_OBJECT (extra))
      code = mc_json_get_string (json_node_get_object (extra), "code");
  } else if (data != NULL && JSON_NODE_HOLDS_VALUE (data) && json_node_get_value_type (data) == G_TYPE_STRING) {
    message = json_node_get_string (data);
  }
  if (code == NULL && message != NULL && strstr (message, "token") != NULL)
    code = "bad-token";
  /* Like socket.io-client: a refused CONNECT is not retried. */
  text = g_strdup_printf ("the server refused the connection: %s", message ? message : "(no reason given)");
  if (code != NULL)
    fail (self, MC_PROTOCOL_ERROR, mc_protocol_error_from_code (code), text);
  else
    fail (self, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER, text);
}

static void
on_client_lost (SioClient *client, const char *reason, gpointer data)
{
  connection_lost (data, reason);
}

/* A certificate we refuse now we refuse on every retry: final. */
static void
on_client_untrusted (SioClient *client, const char *reason, gpointer data)
{
  SioSignaling *self = data;

  if (self->base.leaving) {
    connection_lost (self, reason);
    return;
  }
  fail (self, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_CERTIFICATE, reason);
}

static void
start_attempt (SioSignaling *self)
{
  static const SioClientEvents events = {
    .connected = on_client_connected,
    .refused = on_client_refused,
    .event = on_client_event,
    .ack = on_client_ack,
    .lost = on_client_lost,
    .untrusted = on_client_untrusted,
  };
  g_autoptr (JsonNode) auth = NULL;

  teardown_connection (self, FALSE);
  MC_INFO ("signaling %s: connecting to %s (attempt %u)", self_id (self), self->ws_url, self->attempts + 1);
  if (self->base.params.token != NULL)
    auth = mc_protocol_auth_payload (self->base.params.token);
  self->conn = CONN_CONNECTING;
  self->connect_timer = add_timeout (self, CONNECT_TIMEOUT_MS, on_connect_timeout);
  self->client = sio_client_new (self->session, self->base.context, self->ws_url, self->base.url, auth, &events, self);
}

/* ---- the vtable --------------------------------------------------------- */

static gboolean
sio_join (McSignaling *sig, GError **error)
{
  SioSignaling *self = (SioSignaling *) sig;

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
    MC_INFO ("signaling %s: the server did not close within %d ms; leaving anyway", self_id (self),
             LEAVE_CLOSE_TIMEOUT_MS);
  finish_leave (self);
  return G_SOURCE_REMOVE;
}

/* Second step of leaving: Socket.IO DISCONNECT, then close the websocket. */
static void
leave_disconnect (SioSignaling *self)
{
  mc_signaling_clear_source (&self->leave_timer);
  self->leave_ack_id = MC_SIO_NO_ACK;
  if (self->client == NULL || !sio_client_is_open (self->client)) {
    teardown_connection (self, FALSE);
    self->leave_timer = add_timeout (self, 0, on_leave_timeout);
    return;
  }
  mc_signaling_clear_source (&self->connect_timer);
  /* The client reports `lost` when the server closes -> finish_leave, or this timer. */
  self->leave_timer = add_timeout (self, LEAVE_CLOSE_TIMEOUT_MS, on_leave_timeout);
  sio_client_disconnect (self->client);
}

static gboolean
on_leave_ack_timeout (gpointer data)
{
  SioSignaling *self = data;

  g_clear_pointer (&self->leave_timer, g_source_unref);
  MC_INFO ("signaling %s: no ack for leave-call within %d ms", self_id (self), LEAVE_ACK_TIMEOUT_MS);
  leave_disconnect (self);
  return G_SOURCE_REMOVE;
}

static void
sio_leave (McSignaling *sig, McSignalingDoneFunc done, gpointer user_data)
{
  SioSignaling *self = (SioSignaling *) sig;

  self->leave_done = done;
  self->leave_data = user_data;
  mc_signaling_clear_source (&self->reconnect_timer);
  mc_signaling_clear_source (&self->grace_timer);
  g_queue_clear_full (&self->queue, queued_signal_free);

  if (self->client != NULL && sio_client_is_open (self->client) && self->conn == CONN_JOINED) {
    /* leave-call asks for an ack: a server may handle a DISCONNECT that
     * follows at once before the event (socket.io dispatches events on the
     * next tick), and the others should see an orderly leave. */
    self->leave_ack_id = sio_client_emit (self->client, MC_EVENT_LEAVE_CALL, NULL, TRUE);
    self->leave_timer = add_timeout (self, LEAVE_ACK_TIMEOUT_MS, on_leave_ack_timeout);
    return;
  }
  leave_disconnect (self);
}

static void
sio_finalize (McSignaling *sig)
{
  SioSignaling *self = (SioSignaling *) sig;

  teardown_connection (self, TRUE);
  mc_signaling_clear_source (&self->reconnect_timer);
  mc_signaling_clear_source (&self->grace_timer);
  mc_signaling_clear_source (&self->leave_timer);
  g_queue_clear_full (&self->queue, queued_signal_free);
  g_clear_pointer (&self->roster, mc_roster_free);
  g_clear_object (&self->session);
  g_free (self->ws_url);
  g_free (self->resume);
}

/* A connection whose local address is gone can neither send nor hear a
 * thing, and would be noticed only at the ping timeout: made again now. A
 * retry that waits goes now too (the new address may get through). */
static gboolean
on_check_timeout (gpointer data)
{
  SioSignaling *self = data;

  g_clear_pointer (&self->check_timer, g_source_unref);
  self->check_ack_id = MC_SIO_NO_ACK;
  reconnect_now (self, "no answer to a connection check within 2 s");
  return G_SOURCE_REMOVE;
}

static void
sio_check_connection (McSignaling *sig)
{
  SioSignaling *self = (SioSignaling *) sig;
  g_autofree char *local = NULL;

  if (self->base.leaving || !self->base.started || self->base.state == MC_SIGNALING_STATE_FAILED)
    return;
  if (self->client == NULL) {
    if (self->reconnect_timer != NULL) {
      MC_INFO ("signaling %s: the network changed: retrying now", self_id (self));
      mc_signaling_clear_source (&self->reconnect_timer);
      start_attempt (self);
    }
    return;
  }
  local = sio_client_get_local_address (self->client);
  if (local != NULL && !mc_netwatch_address_is_local (local)) {
    g_autofree char *reason = g_strdup_printf ("our address %s is gone", local);
    reconnect_now (self, reason);
    return;
  }
  /* A TCP connection that lived through a cable pulled for a while may be
   * stuck in its retransmission back-off for a minute: ask, and make it
   * again (the resume secret takes our seat back) if nothing comes. */
  if (self->conn == CONN_JOINED && self->check_ack_id == MC_SIO_NO_ACK && sio_client_is_open (self->client)) {
    self->check_ack_id = sio_client_emit (self->client, MC_EVENT_CHECK_CONNECTION, NULL, TRUE);
    self->check_timer = add_timeout (self, CHECK_TIMEOUT_MS, on_check_timeout);
  }
}

static const McSignalingClass sio_class = {
  .name = "socketio",
  .join = sio_join,
  .send_signal = sio_send_signal,
  .leave = sio_leave,
  .finalize = sio_finalize,
  .check_connection = sio_check_connection,
  .unreachable_hint = "Is the signaling server running there? (start one with 'meshcall serve')",
};

/* ---- construction ------------------------------------------------------ */

static gboolean
check_url (const char *url, GError **error)
{
  g_autofree char *ws_url = sio_endpoint_ws_url (url, error);
  return ws_url != NULL;
}

McSignaling *
mc_signal_socketio_new (const char *url, const McSignalingParams *params, GError **error)
{
  g_autofree char *ws_url = sio_endpoint_ws_url (url, error);
  SioSignaling *self;

  if (ws_url == NULL)
    return NULL;
  self = g_new0 (SioSignaling, 1);
  mc_signaling_init_base (&self->base, &sio_class, url, params);
  self->ws_url = g_steal_pointer (&ws_url);
  self->conn = CONN_NONE;
  self->join_ack_id = MC_SIO_NO_ACK;
  self->check_ack_id = MC_SIO_NO_ACK;
  self->leave_ack_id = MC_SIO_NO_ACK;
  self->roster = mc_roster_new (MC_ROSTER_DEFAULT_GRACE_US);
  g_queue_init (&self->queue);
  self->resume = mc_protocol_generate_resume_secret ();
  /* libsoup 3: a session belongs to the context it was created in. */
  g_main_context_push_thread_default (self->base.context);
  self->session = soup_session_new ();
  g_main_context_pop_thread_default (self->base.context);
  if (sio_endpoint_ca_database () != NULL)
    soup_session_set_tls_database (self->session, sio_endpoint_ca_database ());
  return &self->base;
}

const McSignalingBackend mc_signal_socketio_backend = {
  .name = "socketio",
  .schemes = "ws|wss|http|https",
  .usage = "ws://HOST:PORT, wss://HOST:PORT, http://HOST:PORT, https://HOST:PORT (Socket.IO)",
  .check_url = check_url,
  .create = mc_signal_socketio_new,
};

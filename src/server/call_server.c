/* The call protocol of `meshcall serve` (docs/protocol.md) on the Socket.IO
 * server (sio_server.h); the HTTP side (listening, /health, /stats) is
 * server_http.c. */
#include "meshcall/server/call_server.h"
#include "meshcall/server/auth_throttle.h"
#include "meshcall/base/log.h"
#include "meshcall/proto/call_protocol.h"
#include "meshcall/proto/sio_packet.h"
#include "meshcall/server/sio_server.h"
#include "server_http.h"
#include "http_tls.h"
#include "server_util.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_server)

#define CODE(e) mc_protocol_error_to_code (MC_PROTOCOL_ERROR_##e)

typedef struct _Call Call;

/* One Socket.IO connection, in a call or not; or a held seat (away) whose
 * connection was lost, waiting for its owner to resume it. */
typedef struct {
  McCallServer *server;
  McSioServerClient *client;  /* NULL while away */
  gboolean token_ok;       /* presented the right token at CONNECT */
  Call *call;              /* NULL until join-call succeeds */
  char *peer_id;
  char *name;
  char *resume;            /* join-call's resume secret, or NULL */
  guint64 seq;             /* when it joined, in the server's join order */
  gint64 rate_notice_at;   /* last call-error rate-limited, to send at most one a second */
  /* Held seat. */
  gboolean away;
  guint64 away_seq;        /* the join order when it went away: later joiners are news to it */
  GSource *hold;           /* the end of the hold */
  GPtrArray *missed;       /* Missed*: what it was sent while away, in order */
  gboolean missed_overflow;
} Peer;

typedef struct {
  const char *event;       /* static */
  JsonNode *payload;
} Missed;

struct _Call {
  char *call_id;
  GPtrArray *peers;        /* Peer*, in join order; not owned */
  guint64 relayed;
};

struct _McCallServer {
  McCallServerConfig cfg;  /* strings point into the fields below */
  char *address;
  char *token;
  McServerHttp *http;      /* listens; /health, /stats */
  McSioServer *sio;        /* /socket.io */
  GHashTable *calls;       /* call_id -> Call* (owned) */
  GHashTable *peers;       /* Peer* set (owned) */
  McAuthThrottle *throttle;/* wrong tokens per source address */
  gboolean tls;            /* serves HTTPS and WSS only */
  guint n_in_calls;
  guint64 relayed;
  guint64 join_seq;
  guint64 resumed;         /* seats taken back with their resume secret */
  guint held;              /* seats held now */
  gint64 started;
};

/* ---- helpers ---------------------------------------------------------------- */

static gboolean
has_token (McCallServer *srv)
{
  return srv->token != NULL && srv->token[0] != '\0';
}

static const char *
peer_label (Peer *p)
{
  return p->peer_id ? p->peer_id : mc_sio_server_client_get_id (p->client);
}

static JsonNode *
peer_info (Peer *p)
{
  return mc_protocol_peer_to_json (p->peer_id, p->name);
}

static void
ack_ok (Peer *p, gint64 ack_id)
{
  g_autoptr (JsonNode) answer = NULL;

  if (ack_id == MC_SIO_NO_ACK)
    return;
  answer = mc_protocol_ack_ok (NULL);
  mc_sio_server_client_ack (p->client, ack_id, answer);
}

static void
ack_refused (McSioServerClient *client, gint64 ack_id, const char *code, const char *message)
{
  g_autoptr (JsonNode) answer = NULL;

  if (ack_id == MC_SIO_NO_ACK)
    return;
  answer = mc_protocol_ack_refused (code, message);
  mc_sio_server_client_ack (client, ack_id, answer);
}

static void
send_error (Peer *p, const char *code, const char *message, gint64 ack_id)
{
  g_autoptr (JsonNode) node = mc_protocol_error_payload (code, message);

  mc_sio_server_client_emit (p->client, MC_EVENT_CALL_ERROR, node);
  ack_refused (p->client, ack_id, code, message);
}

/* Every refusal: call-error {code, message}, the ack {ok:false, error, message}
 * when one was asked, and one log line. */
static void G_GNUC_PRINTF (5, 6)
reject (Peer *p, const char *event, gint64 ack_id, const char *code, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  MC_WARNING ("client %s (%s): %s refused: %s: %s", peer_label (p),
               mc_sio_server_client_get_remote (p->client), event, code, message);
  send_error (p, code, message, ack_id);
}

static void
missed_free (Missed *m)
{
  json_node_unref (m->payload);
  g_free (m);
}

/* An event for a participant: sent, or kept for a held seat. */
static void
deliver (Peer *to, const char *event, JsonNode *payload)
{
  Missed *m;

  if (!to->away) {
    mc_sio_server_client_emit (to->client, event, payload);
    return;
  }
  if (to->missed->len >= MC_CALL_SERVER_MAX_MISSED) {
    to->missed_overflow = TRUE;
    return;
  }
  m = g_new0 (Missed, 1);
  m->event = event;
  m->payload = json_node_copy (payload);
  g_ptr_array_add (to->missed, m);
}

static void
call_free (Call *call)
{
  g_ptr_array_unref (call->peers);
  g_free (call->call_id);
  g_free (call);
}

static Peer *
call_find_peer (Call *call, const char *peer_id)
{
  for (guint i = 0; i < call->peers->len; i++) {
    Peer *q = g_ptr_array_index (call->peers, i);
    if (g_str_equal (q->peer_id, peer_id))
      return q;
  }
  return NULL;
}

/* Takes p out of its call and tells the others. */
static void
leave_call (Peer *p, const char *why)
{
  McCallServer *srv = p->server;
  Call *call = p->call;
  g_autoptr (JsonNode) left = NULL;

  if (call == NULL)
    return;
  g_ptr_array_remove (call->peers, p);
  p->call = NULL;
  srv->n_in_calls--;
  MC_INFO ("peer %s left call %s (%s); %u remain", p->peer_id, call->call_id, why, call->peers->len);

  left = mc_protocol_peer_left_payload (p->peer_id);
  for (guint i = 0; i < call->peers->len; i++)
    deliver (g_ptr_array_index (call->peers, i), MC_EVENT_PEER_LEFT, left);

  if (call->peers->len == 0)
    g_hash_table_remove (srv->calls, call->call_id);
  g_clear_pointer (&p->peer_id, g_free);
  g_clear_pointer (&p->name, g_free);
}

/* A string member, or NULL. *bad is set when the member is there but is not a string. */
static const char *
string_member (JsonObject *obj, const char *name, gboolean *bad)
{
  JsonNode *n = json_object_get_member (obj, name);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING) {
    *bad = TRUE;
    return NULL;
  }
  return json_node_get_string (n);
}

/* A token from a client, checked unless its address is blocked (then not
 * even looked at). FALSE: refused, *code and *message set, *delay_ms how
 * long to hold the refusal back. */
static gboolean
check_token (McCallServer *srv, McSioServerClient *client, const char *token, char **code, char **message,
             guint *delay_ms)
{
  g_autofree char *address = mc_auth_throttle_address_of (mc_sio_server_client_get_remote (client));
  gint64 now = g_get_monotonic_time ();
  guint retry_s = 0;

  if (!mc_auth_throttle_allow (srv->throttle, address, now, &retry_s)) {
    *code = g_strdup (CODE (RATE_LIMITED));
    *message = g_strdup_printf ("%s: too many wrong tokens from %s; try again in %u s", *code, address, retry_s);
    return FALSE;
  }
  if (token == NULL || !mc_server_token_equal (token, srv->token)) {
    *delay_ms = mc_auth_throttle_failed (srv->throttle, address, now);
    *code = g_strdup (CODE (BAD_TOKEN));
    *message = g_strdup_printf ("%s: wrong token", *code);
    return FALSE;
  }
  mc_auth_throttle_succeeded (srv->throttle, address);
  return TRUE;
}

/* ---- held seats and resuming ------------------------------------------------------ */

/* The seat leaves the call for good: peer-left to the others. */
static void
release_seat (Peer *seat, const char *why)
{
  McCallServer *srv = seat->server;

  if (seat->away)
    srv->held--;
  leave_call (seat, why);
  g_hash_table_remove (srv->peers, seat);
}

static gboolean
on_hold_over (gpointer data)
{
  Peer *seat = data;
  g_autofree char *why = g_strdup_printf ("not back within %.1f s", seat->server->cfg.resume_grace_ms / 1000.0);

  g_clear_pointer (&seat->hold, g_source_unref);
  release_seat (seat, why);
  return G_SOURCE_REMOVE;
}

static void
hold_seat (Peer *p, const char *reason)
{
  McCallServer *srv = p->server;

  p->client = NULL;
  p->away = TRUE;
  p->away_seq = srv->join_seq;
  p->missed = g_ptr_array_new_with_free_func ((GDestroyNotify) missed_free);
  p->hold = g_timeout_source_new (srv->cfg.resume_grace_ms);
  g_source_set_callback (p->hold, on_hold_over, p, NULL);
  g_source_attach (p->hold, g_main_context_get_thread_default ());
  srv->held++;
  MC_INFO ("peer %s lost its connection (%s); holding its place in call %s for %.1f s", p->peer_id, reason,
           p->call->call_id, srv->cfg.resume_grace_ms / 1000.0);
}

/* p (a new connection) presented seat's resume secret: it takes the seat,
 * and the others see nothing. It learns the participants it knew (those
 * who joined before it went away), then what it missed, in order. */
static void
take_seat_back (Peer *p, Peer *seat, const char *resume, gint64 ack_id)
{
  McCallServer *srv = p->server;
  Call *call = seat->call;
  guint64 known_before = seat->away ? seat->away_seq : G_MAXUINT64;
  g_autoptr (GPtrArray) missed = seat->away ? g_steal_pointer (&seat->missed) : NULL;
  JsonArray *existing = json_array_new ();
  g_autoptr (JsonNode) existing_node = json_node_init_array (json_node_alloc (), existing);
  guint index = 0;

  json_array_unref (existing);
  for (guint i = 0; i < call->peers->len; i++) {
    Peer *q = g_ptr_array_index (call->peers, i);
    if (q == seat)
      index = i;
    else if (q->seq <= known_before)
      json_array_add_element (existing, peer_info (q));
  }
  p->peer_id = g_strdup (seat->peer_id);
  p->name = g_strdup (seat->name);   /* the name the others know */
  p->resume = g_strdup (resume);
  p->seq = seat->seq;
  p->call = call;
  call->peers->pdata[index] = p;
  seat->call = NULL;                 /* out without a peer-left */
  srv->resumed++;
  MC_INFO ("peer %s took its place in call %s back from %s (%s; %u events to catch up on)", p->peer_id,
           call->call_id, mc_sio_server_client_get_remote (p->client),
           seat->away ? "its connection was lost" : "its old connection is replaced", missed ? missed->len : 0);
  if (seat->away) {
    srv->held--;
    g_hash_table_remove (srv->peers, seat);
  } else {
    g_autoptr (JsonNode) err = mc_protocol_error_payload (CODE (REPLACED), "a newer connection took this place");
    McSioServerClient *old = seat->client;
    mc_sio_server_client_emit (old, MC_EVENT_CALL_ERROR, err);
    mc_sio_server_client_disconnect (old, "replaced by a resumed connection");   /* frees seat */
  }

  mc_sio_server_client_emit (p->client, MC_EVENT_EXISTING_PEERS, existing_node);
  if (ack_id != MC_SIO_NO_ACK) {
    g_autoptr (JsonNode) answer = mc_protocol_ack_ok (json_node_copy (existing_node));
    json_object_set_boolean_member (json_node_get_object (answer), "resumed", TRUE);
    mc_sio_server_client_ack (p->client, ack_id, answer);
  }
  for (guint i = 0; missed && i < missed->len; i++) {
    Missed *m = g_ptr_array_index (missed, i);
    mc_sio_server_client_emit (p->client, m->event, m->payload);
  }
}

/* ---- the call protocol -------------------------------------------------------- */

static void
on_join_call (Peer *p, JsonNode *arg, gint64 ack_id)
{
  McCallServer *srv = p->server;
  const char *event = MC_EVENT_JOIN_CALL;
  g_autoptr (GError) error = NULL;
  JsonObject *obj;
  const char *call_id, *peer_id, *name, *token, *resume;
  gboolean bad = FALSE;
  Call *call;
  Peer *seat;

  if (arg == NULL || !JSON_NODE_HOLDS_OBJECT (arg)) {
    reject (p, event, ack_id, CODE (MALFORMED), "join-call needs an object {callId, peerId, name, token?}");
    return;
  }
  obj = json_node_get_object (arg);
  call_id = string_member (obj, "callId", &bad);
  peer_id = string_member (obj, "peerId", &bad);
  name = string_member (obj, "name", &bad);
  token = string_member (obj, "token", &bad);
  resume = string_member (obj, "resume", &bad);
  if (bad) {
    reject (p, event, ack_id, CODE (MALFORMED), "callId, peerId, name, token and resume must be strings");
    return;
  }
  if (!mc_protocol_validate_id ("callId", call_id, &error) ||
      !mc_protocol_validate_id ("peerId", peer_id, &error) ||
      !mc_protocol_validate_name (name, &error) ||
      (resume != NULL && !mc_protocol_validate_resume (resume, &error))) {
    reject (p, event, ack_id, CODE (MALFORMED), "%s", error->message);
    return;
  }
  if (has_token (srv) && token != NULL) {
    /* Throttled like a CONNECT's token (the refusal is not held back here,
     * but counts toward the block). */
    g_autofree char *code = NULL, *message = NULL;
    guint delay_ms = 0;
    if (!check_token (srv, p->client, token, &code, &message, &delay_ms)) {
      const char *text = strchr (message, ':');
      reject (p, event, ack_id, code, "%s", text ? text + 2 : message);
      return;
    }
  } else if (has_token (srv) && !p->token_ok) {
    reject (p, event, ack_id, CODE (BAD_TOKEN), "this server needs a token");
    return;
  }
  if (p->call) {
    reject (p, event, ack_id, CODE (ALREADY_IN_CALL), "already in call %s as %s; send leave-call first",
            p->call->call_id, p->peer_id);
    return;
  }

  call = g_hash_table_lookup (srv->calls, call_id);
  /* Our own seat, with its secret: taken back at once. */
  seat = call ? call_find_peer (call, peer_id) : NULL;
  if (seat != NULL && resume != NULL && seat->resume != NULL && mc_server_token_equal (resume, seat->resume)) {
    if (!(seat->away && seat->missed_overflow)) {
      take_seat_back (p, seat, resume, ack_id);
      return;
    }
    /* It missed too much to catch up: it joins anew. */
    release_seat (seat, "missed more than it could be told on its return");
    call = g_hash_table_lookup (srv->calls, call_id);
  }
  if (call == NULL && g_hash_table_size (srv->calls) >= srv->cfg.max_calls) {
    reject (p, event, ack_id, CODE (TOO_MANY_CALLS), "the server already hosts %u calls", srv->cfg.max_calls);
    return;
  }
  if (call && call->peers->len >= srv->cfg.max_participants) {
    reject (p, event, ack_id, CODE (CALL_FULL), "call %s already has %u participants", call_id,
            srv->cfg.max_participants);
    return;
  }
  if (call && call_find_peer (call, peer_id)) {
    reject (p, event, ack_id, CODE (DUPLICATE_PEER), "peerId %s is already in call %s%s", peer_id, call_id,
            resume ? " (and this is not its resume secret)" : "");
    return;
  }

  if (call == NULL) {
    call = g_new0 (Call, 1);
    call->call_id = g_strdup (call_id);
    call->peers = g_ptr_array_new ();
    g_hash_table_insert (srv->calls, call->call_id, call);
  }

  JsonArray *existing = json_array_new ();
  g_autoptr (JsonNode) existing_node = json_node_init_array (json_node_alloc (), existing);
  json_array_unref (existing);
  for (guint i = 0; i < call->peers->len; i++)
    json_array_add_element (existing, peer_info (g_ptr_array_index (call->peers, i)));

  p->peer_id = g_strdup (peer_id);
  p->name = g_strdup (name);
  p->resume = g_strdup (resume);
  p->seq = ++srv->join_seq;
  p->call = call;
  g_ptr_array_add (call->peers, p);
  srv->n_in_calls++;
  MC_INFO ("peer %s (%s) joined call %s from %s; %u participants", p->peer_id, p->name,
            call->call_id, mc_sio_server_client_get_remote (p->client), call->peers->len);

  mc_sio_server_client_emit (p->client, MC_EVENT_EXISTING_PEERS, existing_node);
  if (ack_id != MC_SIO_NO_ACK) {
    g_autoptr (JsonNode) answer = mc_protocol_ack_ok (json_node_copy (existing_node));
    mc_sio_server_client_ack (p->client, ack_id, answer);
  }
  g_autoptr (JsonNode) joined = peer_info (p);
  for (guint i = 0; i + 1 < call->peers->len; i++)
    deliver (g_ptr_array_index (call->peers, i), MC_EVENT_PEER_JOINED, joined);
}

static void
on_webrtc_signal (Peer *p, JsonNode *arg, gint64 ack_id)
{
  McCallServer *srv = p->server;
  const char *event = MC_EVENT_WEBRTC_SIGNAL;
  g_autoptr (GError) error = NULL;
  JsonObject *obj;
  const char *target_id;
  JsonNode *signal;
  gboolean bad = FALSE;
  Peer *target;

  if (p->call == NULL) {
    reject (p, event, ack_id, CODE (NOT_IN_CALL), "join a call before sending webrtc-signal");
    return;
  }
  if (arg == NULL || !JSON_NODE_HOLDS_OBJECT (arg)) {
    reject (p, event, ack_id, CODE (MALFORMED), "webrtc-signal needs an object {targetPeerId, signal}");
    return;
  }
  obj = json_node_get_object (arg);
  target_id = string_member (obj, "targetPeerId", &bad);
  if (bad || !mc_protocol_validate_id ("targetPeerId", target_id, &error)) {
    reject (p, event, ack_id, CODE (MALFORMED), "%s", error ? error->message : "targetPeerId must be a string");
    return;
  }
  signal = json_object_get_member (obj, "signal");
  if (!mc_signal_validate_json (signal, &error)) {
    reject (p, event, ack_id, CODE (MALFORMED), "%s%s", g_str_has_prefix (error->message, "signal") ? "" : "signal ",
            error->message);
    return;
  }
  target = call_find_peer (p->call, target_id);
  if (target == NULL) {
    reject (p, event, ack_id, CODE (NOT_IN_CALL), "peer %s is not in call %s", target_id, p->call->call_id);
    return;
  }
  if (target == p) {
    reject (p, event, ack_id, CODE (MALFORMED), "a peer cannot signal itself");
    return;
  }

  g_autoptr (JsonNode) node = mc_protocol_relay_payload (p->peer_id, signal);
  deliver (target, MC_EVENT_WEBRTC_SIGNAL, node);
  p->call->relayed++;
  srv->relayed++;
  ack_ok (p, ack_id);
}

static void
on_leave_call (Peer *p, gint64 ack_id)
{
  leave_call (p, MC_EVENT_LEAVE_CALL);
  ack_ok (p, ack_id);
}

/* ---- Socket.IO callbacks ---------------------------------------------------- */

static void
peer_free (Peer *p)
{
  if (p->hold) {
    g_source_destroy (p->hold);
    g_source_unref (p->hold);
  }
  g_clear_pointer (&p->missed, g_ptr_array_unref);
  g_free (p->peer_id);
  g_free (p->name);
  g_free (p->resume);
  g_free (p);
}

static gboolean
on_authorize (McSioServer *sio, McSioServerClient *client, JsonNode *auth, char **code,
              char **message, guint *delay_ms, gpointer user_data)
{
  McCallServer *srv = user_data;
  gboolean token_ok = !has_token (srv);
  Peer *p;

  if (has_token (srv) && auth && JSON_NODE_HOLDS_OBJECT (auth)) {
    JsonNode *t = json_object_get_member (json_node_get_object (auth), "token");
    if (t && !JSON_NODE_HOLDS_NULL (t)) {
      const char *given = JSON_NODE_HOLDS_VALUE (t) && json_node_get_value_type (t) == G_TYPE_STRING
                          ? json_node_get_string (t) : NULL;
      if (!check_token (srv, client, given, code, message, delay_ms))
        return FALSE;
      token_ok = TRUE;
    }
  }
  p = g_new0 (Peer, 1);
  p->server = srv;
  p->client = client;
  p->token_ok = token_ok;
  mc_sio_server_client_set_data (client, p);
  g_hash_table_add (srv->peers, p);
  return TRUE;
}

static void
on_event (McSioServer *sio, McSioServerClient *client, const char *name, JsonArray *args,
          gint64 ack_id, gpointer user_data)
{
  Peer *p = mc_sio_server_client_get_data (client);
  JsonNode *arg = json_array_get_length (args) > 0 ? json_array_get_element (args, 0) : NULL;

  if (p == NULL)
    return;
  if (g_str_equal (name, MC_EVENT_WEBRTC_SIGNAL))
    on_webrtc_signal (p, arg, ack_id);
  else if (g_str_equal (name, MC_EVENT_JOIN_CALL))
    on_join_call (p, arg, ack_id);
  else if (g_str_equal (name, MC_EVENT_LEAVE_CALL))
    on_leave_call (p, ack_id);
  else if (g_str_equal (name, MC_EVENT_CHECK_CONNECTION))
    ack_ok (p, ack_id);   /* the client wants to know the connection still carries */
  else {
    g_autofree char *shown = g_utf8_make_valid (name, MIN (strlen (name), 40));
    reject (p, "event", ack_id, CODE (UNKNOWN_EVENT), "unknown event '%s'", shown);
  }
}

static void
on_refused (McSioServer *sio, McSioServerClient *client, McSioRefusal why, const char *message,
            gint64 ack_id, gpointer user_data)
{
  Peer *p = mc_sio_server_client_get_data (client);
  gint64 now = g_get_monotonic_time ();

  if (p == NULL)
    return;
  if (why == MC_SIO_REFUSED_RATE_LIMITED) {
    /* Answer every ack, but say it (and log it) once a second at most. */
    if (now - p->rate_notice_at < G_USEC_PER_SEC) {
      ack_refused (client, ack_id, CODE (RATE_LIMITED), message);
      return;
    }
    p->rate_notice_at = now;
    reject (p, "message", ack_id, CODE (RATE_LIMITED), "%s (limit %u messages/s)", message,
            p->server->cfg.rate_limit);
    return;
  }
  reject (p, "message", ack_id, CODE (MALFORMED), "%s", message);
}

static void
on_disconnected (McSioServer *sio, McSioServerClient *client, const char *reason, gpointer user_data)
{
  McCallServer *srv = user_data;
  Peer *p = mc_sio_server_client_get_data (client);

  if (p == NULL)
    return;
  mc_sio_server_client_set_data (client, NULL);
  /* Lost without a goodbye (the network, a crash): a seat that can be
   * resumed is held for a while; a clean leave or a fault leaves now. */
  if (p->call && p->resume && srv->cfg.resume_grace_ms > 0 &&
      (g_str_equal (reason, "transport close") || g_str_equal (reason, "ping timeout"))) {
    hold_seat (p, reason);
    return;
  }
  leave_call (p, reason);
  g_hash_table_remove (srv->peers, p);
}

/* ---- counters for /health and /stats -------------------------------------------- */

static void
add_counters (JsonObject *obj, gpointer user_data)
{
  McCallServer *srv = user_data;

  json_object_set_int_member (obj, "uptime", (g_get_monotonic_time () - srv->started) / G_USEC_PER_SEC);
  json_object_set_int_member (obj, "calls", g_hash_table_size (srv->calls));
  json_object_set_int_member (obj, "peers", srv->n_in_calls);
  json_object_set_int_member (obj, "connections", mc_sio_server_get_n_sessions (srv->sio));
  json_object_set_int_member (obj, "held", srv->held);
}

static void
add_auth_counters (JsonObject *obj, McCallServer *srv)
{
  McAuthThrottleStats st;

  mc_auth_throttle_get_stats (srv->throttle, g_get_monotonic_time (), &st);
  json_object_set_int_member (obj, "authFailures", (gint64) st.failures);
  json_object_set_int_member (obj, "authDelayed", (gint64) st.delayed);
  json_object_set_int_member (obj, "authBlocked", (gint64) st.blocked);
  json_object_set_int_member (obj, "blockedAddresses", st.blocked_now);
}

static void
add_stats (JsonObject *obj, gpointer user_data)
{
  McCallServer *srv = user_data;
  JsonArray *calls = json_array_new ();
  GHashTableIter iter;
  gpointer value;

  add_counters (obj, srv);
  json_object_set_int_member (obj, "messagesRelayed", (gint64) srv->relayed);
  json_object_set_int_member (obj, "resumed", (gint64) srv->resumed);
  add_auth_counters (obj, srv);
  json_object_set_int_member (obj, "maxParticipants", srv->cfg.max_participants);
  g_hash_table_iter_init (&iter, srv->calls);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Call *call = value;
    JsonObject *c = json_object_new ();
    json_object_set_string_member (c, "callId", call->call_id);
    json_object_set_int_member (c, "participants", call->peers->len);
    json_object_set_int_member (c, "messagesRelayed", (gint64) call->relayed);
    json_array_add_object_element (calls, c);
  }
  json_object_set_array_member (obj, "perCall", calls);
}

/* ---- lifecycle -------------------------------------------------------------------- */

McCallServer *
mc_call_server_new (const McCallServerConfig *cfg, GError **error)
{
  g_autoptr (McCallServer) srv = NULL;
  McSioServerConfig sio_cfg;
  static const McSioServerEvents events = {
    .authorize = on_authorize,
    .event = on_event,
    .refused = on_refused,
    .disconnected = on_disconnected,
  };
  static const McServerHttpEvents http_events = { .health = add_counters, .stats = add_stats };
  g_autoptr (GTlsCertificate) tls = NULL;
  McHttpListenerConfig limits = {
    .header_timeout_ms = cfg->header_timeout_ms,
    .max_pending_per_address = cfg->max_pending_per_address,
    .backlog = cfg->listen_backlog,
  };
  const char *host;

  if (!mc_call_server_config_check (cfg, error))
    return NULL;
  /* At start-up, before listening: a bad file is the operator's to fix now. */
  if (cfg->tls_cert_file && (tls = mc_http_tls_load (cfg->tls_cert_file, cfg->tls_key_file, error)) == NULL)
    return NULL;
  limits.tls_certificate = tls;
  host = cfg->address && cfg->address[0] ? cfg->address : "0.0.0.0";
  if (!mc_server_http_check_address (host, error))
    return NULL;

  srv = g_new0 (McCallServer, 1);
  srv->cfg = *cfg;
  srv->address = g_strdup (host);
  srv->token = cfg->token && cfg->token[0] ? g_strdup (cfg->token) : NULL;
  srv->cfg.address = srv->address;
  srv->cfg.token = srv->token;
  srv->cfg.tls_cert_file = srv->cfg.tls_key_file = NULL;   /* only whether: srv->tls */
  srv->tls = tls != NULL;
  srv->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) call_free);
  srv->peers = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) peer_free, NULL);
  srv->throttle = mc_auth_throttle_new ();
  srv->started = g_get_monotonic_time ();
  srv->http = mc_server_http_new (host, cfg->port, srv->token, &limits, &http_events, srv, error);
  if (srv->http == NULL)
    return NULL;

  mc_sio_server_config_init (&sio_cfg);
  sio_cfg.eio.ping_interval_ms = cfg->ping_interval_ms;
  sio_cfg.eio.ping_timeout_ms = cfg->ping_timeout_ms;
  sio_cfg.eio.max_payload = cfg->max_payload;
  sio_cfg.eio.max_clients = cfg->max_connections;
  sio_cfg.rate_limit = cfg->rate_limit;
  srv->sio = mc_sio_server_new (mc_server_http_get_soup (srv->http), "/socket.io", &sio_cfg, &events, srv);
  MC_INFO ("call server listening on %s:%u (backlog %u)", host, mc_server_http_get_port (srv->http),
           mc_server_http_get_backlog (srv->http));
  return g_steal_pointer (&srv);
}

void
mc_call_server_free (McCallServer *srv)
{
  if (srv == NULL)
    return;
  /* Calls first: the Socket.IO layer then closes sessions without callbacks. */
  if (srv->calls)
    g_hash_table_remove_all (srv->calls);
  g_clear_pointer (&srv->sio, mc_sio_server_free);
  g_clear_pointer (&srv->http, mc_server_http_free);
  g_clear_pointer (&srv->peers, g_hash_table_unref);
  g_clear_pointer (&srv->calls, g_hash_table_unref);
  g_clear_pointer (&srv->throttle, mc_auth_throttle_free);
  g_free (srv->address);
  g_free (srv->token);
  g_free (srv);
}

guint
mc_call_server_get_port (McCallServer *srv)
{
  return mc_server_http_get_port (srv->http);
}

char *
mc_call_server_get_url (McCallServer *srv)
{
  const char *host = srv->address;
  const char *scheme = srv->tls ? "https" : "http";

  if (g_str_equal (host, "0.0.0.0") || g_str_equal (host, "localhost"))
    host = "127.0.0.1";
  else if (g_str_equal (host, "::"))
    host = "::1";
  if (strchr (host, ':'))
    return g_strdup_printf ("%s://[%s]:%u", scheme, host, mc_call_server_get_port (srv));
  return g_strdup_printf ("%s://%s:%u", scheme, host, mc_call_server_get_port (srv));
}

guint
mc_call_server_get_n_calls (McCallServer *srv)
{
  return g_hash_table_size (srv->calls);
}

guint
mc_call_server_get_n_peers (McCallServer *srv)
{
  return srv->n_in_calls;
}

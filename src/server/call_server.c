/* The call protocol of `meshcall serve` (docs/protocol.md) on top of the
 * Socket.IO server in eio_server.c, plus GET /health and GET /stats. */
#include "meshcall/server/call_server.h"
#include "meshcall/server/eio_server.h"
#include "meshcall/base/log.h"
#include "meshcall/base/json.h"
#include "meshcall/proto/call_protocol.h"
#include "meshcall/proto/sio_packet.h"

#include <libsoup/soup.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_server)

#define CODE(e) mc_protocol_error_to_code (MC_PROTOCOL_ERROR_##e)

typedef struct _Call Call;

/* One Socket.IO connection, in a call or not. */
typedef struct {
  McCallServer *server;
  McEioServerClient *client;
  gboolean token_ok;       /* presented the right token at CONNECT */
  Call *call;              /* NULL until join-call succeeds */
  char *peer_id;
  char *name;
  gint64 rate_notice_at;   /* last call-error rate-limited, to send at most one a second */
} Peer;

struct _Call {
  char *call_id;
  GPtrArray *peers;        /* Peer*, in join order; not owned */
  guint64 relayed;
};

struct _McCallServer {
  McCallServerConfig cfg;  /* strings point into the fields below */
  char *address;
  char *token;
  SoupServer *soup;
  GSocketService *service;  /* accepts for soup (see mc_call_server_new) */
  McEioServer *eio;
  GHashTable *calls;       /* call_id -> Call* (owned) */
  GHashTable *peers;       /* Peer* set (owned) */
  guint n_in_calls;
  guint64 relayed;
  gint64 started;
  guint port;
};

void
mc_call_server_config_init (McCallServerConfig *cfg)
{
  McEioServerConfig eio;

  mc_eio_server_config_init (&eio);
  memset (cfg, 0, sizeof *cfg);
  cfg->port = MC_CALL_SERVER_DEFAULT_PORT;
  cfg->max_participants = 6;
  cfg->max_calls = 1000;
  cfg->max_connections = eio.max_clients;
  cfg->max_payload = eio.max_payload;
  cfg->ping_interval_ms = eio.ping_interval_ms;
  cfg->ping_timeout_ms = eio.ping_timeout_ms;
  cfg->rate_limit = eio.rate_limit;
}

/* ---- listen address ------------------------------------------------------- */

static gboolean
parse_port (const char *text, guint *port, GError **error)
{
  guint64 n;

  if (text[0] == '\0' || !g_ascii_string_to_unsigned (text, 10, 0, 65535, &n, NULL)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "'%s' is not a port number (0-65535)", text);
    return FALSE;
  }
  *port = (guint) n;
  return TRUE;
}

static gboolean
check_address (const char *text, GError **error)
{
  g_autoptr (GInetAddress) addr = NULL;

  if (g_str_equal (text, "localhost"))
    return TRUE;
  addr = g_inet_address_new_from_string (text);
  if (addr == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "'%s' is not an IP address (use e.g. 0.0.0.0, 127.0.0.1, [::1] or localhost)", text);
    return FALSE;
  }
  return TRUE;
}

gboolean
mc_call_server_parse_listen (const char *text, char **address, guint *port, GError **error)
{
  g_autofree char *addr = NULL;
  const char *colon;

  *address = NULL;
  if (text == NULL || text[0] == '\0') {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "empty listen address; expected ADDR:PORT");
    return FALSE;
  }
  if (text[0] == '[') {
    const char *end = strchr (text, ']');
    if (end == NULL || (end[1] != '\0' && end[1] != ':')) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "'%s': expected [IPV6]:PORT", text);
      return FALSE;
    }
    addr = g_strndup (text + 1, end - text - 1);
    if (end[1] == ':' && !parse_port (end + 2, port, error))
      return FALSE;
  } else if (strspn (text, "0123456789") == strlen (text)) {
    return parse_port (text, port, error);
  } else if ((colon = strrchr (text, ':')) != NULL && strchr (text, ':') == colon) {
    if (colon != text)
      addr = g_strndup (text, colon - text);
    if (!parse_port (colon + 1, port, error))
      return FALSE;
  } else {
    addr = g_strdup (text);   /* a bare address, IPv6 ones included */
  }
  if (addr && !check_address (addr, error))
    return FALSE;
  *address = g_steal_pointer (&addr);
  return TRUE;
}

/* ---- helpers ---------------------------------------------------------------- */

/* Compares digests so the time taken says nothing about the token. */
static gboolean
token_equal (const char *given, const char *expected)
{
  g_autofree char *a = g_compute_checksum_for_string (G_CHECKSUM_SHA256, given, -1);
  g_autofree char *b = g_compute_checksum_for_string (G_CHECKSUM_SHA256, expected, -1);
  guint diff = 0;

  for (gsize i = 0; a[i] && b[i]; i++)
    diff |= (guint) (a[i] ^ b[i]);
  return diff == 0;
}

static gboolean
has_token (McCallServer *srv)
{
  return srv->token != NULL && srv->token[0] != '\0';
}

static const char *
peer_label (Peer *p)
{
  return p->peer_id ? p->peer_id : mc_eio_server_client_get_id (p->client);
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
  mc_eio_server_client_ack (p->client, ack_id, answer);
}

static void
ack_refused (McEioServerClient *client, gint64 ack_id, const char *code, const char *message)
{
  g_autoptr (JsonNode) answer = NULL;

  if (ack_id == MC_SIO_NO_ACK)
    return;
  answer = mc_protocol_ack_refused (code, message);
  mc_eio_server_client_ack (client, ack_id, answer);
}

static void
send_error (Peer *p, const char *code, const char *message, gint64 ack_id)
{
  g_autoptr (JsonNode) node = mc_protocol_error_payload (code, message);

  mc_eio_server_client_emit (p->client, MC_EVENT_CALL_ERROR, node);
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
               mc_eio_server_client_get_remote (p->client), event, code, message);
  send_error (p, code, message, ack_id);
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

  JsonObject *obj = json_object_new ();
  json_object_set_string_member (obj, "peerId", p->peer_id);
  left = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  for (guint i = 0; i < call->peers->len; i++)
    mc_eio_server_client_emit (((Peer *) g_ptr_array_index (call->peers, i))->client, MC_EVENT_PEER_LEFT, left);

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

/* ---- the call protocol -------------------------------------------------------- */

static void
on_join_call (Peer *p, JsonNode *arg, gint64 ack_id)
{
  McCallServer *srv = p->server;
  const char *event = MC_EVENT_JOIN_CALL;
  g_autoptr (GError) error = NULL;
  JsonObject *obj;
  const char *call_id, *peer_id, *name, *token;
  gboolean bad = FALSE;
  Call *call;

  if (arg == NULL || !JSON_NODE_HOLDS_OBJECT (arg)) {
    reject (p, event, ack_id, CODE (MALFORMED), "join-call needs an object {callId, peerId, name, token?}");
    return;
  }
  obj = json_node_get_object (arg);
  call_id = string_member (obj, "callId", &bad);
  peer_id = string_member (obj, "peerId", &bad);
  name = string_member (obj, "name", &bad);
  token = string_member (obj, "token", &bad);
  if (bad) {
    reject (p, event, ack_id, CODE (MALFORMED), "callId, peerId, name and token must be strings");
    return;
  }
  if (!mc_protocol_validate_id ("callId", call_id, &error) ||
      !mc_protocol_validate_id ("peerId", peer_id, &error) ||
      !mc_protocol_validate_name (name, &error)) {
    reject (p, event, ack_id, CODE (MALFORMED), "%s", error->message);
    return;
  }
  if (has_token (srv) && !(token ? token_equal (token, srv->token) : p->token_ok)) {
    reject (p, event, ack_id, CODE (BAD_TOKEN), token ? "wrong token" : "this server needs a token");
    return;
  }
  if (p->call) {
    reject (p, event, ack_id, CODE (ALREADY_IN_CALL), "already in call %s as %s; send leave-call first",
            p->call->call_id, p->peer_id);
    return;
  }

  call = g_hash_table_lookup (srv->calls, call_id);
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
    reject (p, event, ack_id, CODE (DUPLICATE_PEER), "peerId %s is already in call %s", peer_id, call_id);
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
  p->call = call;
  g_ptr_array_add (call->peers, p);
  srv->n_in_calls++;
  MC_INFO ("peer %s (%s) joined call %s from %s; %u participants", p->peer_id, p->name,
            call->call_id, mc_eio_server_client_get_remote (p->client), call->peers->len);

  mc_eio_server_client_emit (p->client, MC_EVENT_EXISTING_PEERS, existing_node);
  if (ack_id != MC_SIO_NO_ACK) {
    g_autoptr (JsonNode) answer = mc_protocol_ack_ok (json_node_copy (existing_node));
    mc_eio_server_client_ack (p->client, ack_id, answer);
  }
  g_autoptr (JsonNode) joined = peer_info (p);
  for (guint i = 0; i + 1 < call->peers->len; i++)
    mc_eio_server_client_emit (((Peer *) g_ptr_array_index (call->peers, i))->client, MC_EVENT_PEER_JOINED, joined);
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

  JsonObject *out = json_object_new ();
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), out);
  json_object_set_string_member (out, "fromPeerId", p->peer_id);
  json_object_set_member (out, "signal", json_node_copy (signal));
  json_object_unref (out);
  mc_eio_server_client_emit (target->client, MC_EVENT_WEBRTC_SIGNAL, node);
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
  g_free (p->peer_id);
  g_free (p->name);
  g_free (p);
}

static gboolean
on_authorize (McEioServer *eio, McEioServerClient *client, JsonNode *auth, char **code,
              char **message, gpointer user_data)
{
  McCallServer *srv = user_data;
  gboolean token_ok = !has_token (srv);
  Peer *p;

  if (has_token (srv) && auth && JSON_NODE_HOLDS_OBJECT (auth)) {
    JsonNode *t = json_object_get_member (json_node_get_object (auth), "token");
    if (t && !JSON_NODE_HOLDS_NULL (t)) {
      if (!JSON_NODE_HOLDS_VALUE (t) || json_node_get_value_type (t) != G_TYPE_STRING ||
          !token_equal (json_node_get_string (t), srv->token)) {
        *code = g_strdup (CODE (BAD_TOKEN));
        *message = g_strdup ("bad-token: wrong token");
        return FALSE;
      }
      token_ok = TRUE;
    }
  }
  p = g_new0 (Peer, 1);
  p->server = srv;
  p->client = client;
  p->token_ok = token_ok;
  mc_eio_server_client_set_data (client, p);
  g_hash_table_add (srv->peers, p);
  return TRUE;
}

static void
on_event (McEioServer *eio, McEioServerClient *client, const char *name, JsonArray *args,
          gint64 ack_id, gpointer user_data)
{
  Peer *p = mc_eio_server_client_get_data (client);
  JsonNode *arg = json_array_get_length (args) > 0 ? json_array_get_element (args, 0) : NULL;

  if (p == NULL)
    return;
  if (g_str_equal (name, MC_EVENT_WEBRTC_SIGNAL))
    on_webrtc_signal (p, arg, ack_id);
  else if (g_str_equal (name, MC_EVENT_JOIN_CALL))
    on_join_call (p, arg, ack_id);
  else if (g_str_equal (name, MC_EVENT_LEAVE_CALL))
    on_leave_call (p, ack_id);
  else {
    g_autofree char *shown = g_utf8_make_valid (name, MIN (strlen (name), 40));
    reject (p, "event", ack_id, CODE (UNKNOWN_EVENT), "unknown event '%s'", shown);
  }
}

static void
on_refused (McEioServer *eio, McEioServerClient *client, const char *code, const char *message,
            gint64 ack_id, gpointer user_data)
{
  Peer *p = mc_eio_server_client_get_data (client);
  gint64 now = g_get_monotonic_time ();

  if (p == NULL)
    return;
  if (g_str_equal (code, "rate-limited")) {
    /* Answer every ack, but say it (and log it) once a second at most. */
    if (now - p->rate_notice_at < G_USEC_PER_SEC) {
      ack_refused (client, ack_id, code, message);
      return;
    }
    p->rate_notice_at = now;
    reject (p, "message", ack_id, code, "%s (limit %u messages/s)", message, p->server->cfg.rate_limit);
    return;
  }
  reject (p, "message", ack_id, code, "%s", message);
}

static void
on_disconnected (McEioServer *eio, McEioServerClient *client, const char *reason, gpointer user_data)
{
  McCallServer *srv = user_data;
  Peer *p = mc_eio_server_client_get_data (client);

  if (p == NULL)
    return;
  mc_eio_server_client_set_data (client, NULL);
  leave_call (p, reason);
  g_hash_table_remove (srv->peers, p);
}

/* ---- HTTP: /health, /stats ------------------------------------------------------ */

static void
respond_json (SoupServerMessage *msg, guint status, JsonNode *node)
{
  char *text = mc_json_encode (node);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, strlen (text));
}

static void
respond_json_error (SoupServerMessage *msg, guint status, const char *message)
{
  JsonObject *obj = json_object_new ();
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), obj);

  json_object_set_string_member (obj, "error", message);
  json_object_unref (obj);
  respond_json (msg, status, node);
}

static void
add_counters (McCallServer *srv, JsonObject *obj)
{
  json_object_set_int_member (obj, "uptime", (g_get_monotonic_time () - srv->started) / G_USEC_PER_SEC);
  json_object_set_int_member (obj, "calls", g_hash_table_size (srv->calls));
  json_object_set_int_member (obj, "peers", srv->n_in_calls);
  json_object_set_int_member (obj, "connections", mc_eio_server_get_n_sessions (srv->eio));
}

static gboolean
stats_allowed (McCallServer *srv, SoupServerMessage *msg, GHashTable *query)
{
  const char *given = query ? g_hash_table_lookup (query, "token") : NULL;
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");

  if (!has_token (srv))
    return TRUE;
  if (given == NULL && auth && g_str_has_prefix (auth, "Bearer "))
    given = auth + strlen ("Bearer ");
  return given != NULL && token_equal (given, srv->token);
}

static void
http_cb (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer user_data)
{
  McCallServer *srv = user_data;
  const char *method = soup_server_message_get_method (msg);
  gboolean health = g_str_equal (path, "/health");
  gboolean stats = g_str_equal (path, "/stats");
  JsonObject *obj;
  g_autoptr (JsonNode) node = NULL;

  if (!health && !stats) {
    respond_json_error (msg, SOUP_STATUS_NOT_FOUND, "not found; try /health, /stats or /socket.io/");
    return;
  }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    respond_json_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "only GET");
    return;
  }
  if (stats && !stats_allowed (srv, msg, query)) {
    respond_json_error (msg, SOUP_STATUS_UNAUTHORIZED, "this server needs its token: ?token=... or Authorization: Bearer ...");
    return;
  }

  obj = json_object_new ();
  node = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  if (health) {
    json_object_set_string_member (obj, "status", "ok");
    add_counters (srv, obj);
  } else {
    GHashTableIter iter;
    gpointer value;
    JsonArray *calls = json_array_new ();

    add_counters (srv, obj);
    json_object_set_int_member (obj, "messagesRelayed", (gint64) srv->relayed);
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
  respond_json (msg, SOUP_STATUS_OK, node);
}

/* ---- lifecycle -------------------------------------------------------------------- */

static gboolean
check_config (const McCallServerConfig *cfg, GError **error)
{
  if (cfg->max_participants < 2) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "max-participants must be at least 2");
    return FALSE;
  }
  if (cfg->max_calls < 1 || cfg->max_connections < 1) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "max-calls and max-connections must be at least 1");
    return FALSE;
  }
  if (cfg->max_payload < 1024) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "max-payload must be at least 1024 bytes");
    return FALSE;
  }
  if (cfg->ping_interval_ms < 1 || cfg->ping_timeout_ms < 1) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "ping-interval and ping-timeout must be positive");
    return FALSE;
  }
  if (cfg->port > 65535) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "port %u is out of range", cfg->port);
    return FALSE;
  }
  return TRUE;
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer user_data)
{
  McCallServer *srv = user_data;
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (conn, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (conn, NULL);
  g_autoptr (GError) error = NULL;

  /* Signals are small and latency-bound: no Nagle (Node's socket.io sets noDelay too). */
  g_socket_set_option (g_socket_connection_get_socket (conn), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  if (!soup_server_accept_iostream (srv->soup, G_IO_STREAM (conn), local, remote, &error))
    MC_WARNING ("could not accept a connection: %s", error->message);
  return TRUE;
}

/* libsoup 3.2 does not keep connections from soup_server_accept_iostream()
 * alive after the first response, yet answers as if it did; a client that
 * reuses such a connection gets a reset. Saying "Connection: close" makes
 * every HTTP client (browsers, proxies, curl) open a fresh one instead. */
static void
on_request_read (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_header_contains (request, "Upgrade", "websocket"))
    return;
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
}

McCallServer *
mc_call_server_new (const McCallServerConfig *cfg, GError **error)
{
  g_autoptr (McCallServer) srv = NULL;
  McEioServerConfig eio_cfg;
  static const McEioServerEvents events = {
    .authorize = on_authorize,
    .event = on_event,
    .refused = on_refused,
    .disconnected = on_disconnected,
  };
  const char *host;
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) addr = NULL;
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!check_config (cfg, error))
    return NULL;
  host = cfg->address && cfg->address[0] ? cfg->address : "0.0.0.0";
  if (!check_address (host, error))
    return NULL;

  srv = g_new0 (McCallServer, 1);
  srv->cfg = *cfg;
  srv->address = g_strdup (host);
  srv->token = cfg->token && cfg->token[0] ? g_strdup (cfg->token) : NULL;
  srv->cfg.address = srv->address;
  srv->cfg.token = srv->token;
  srv->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) call_free);
  srv->peers = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) peer_free, NULL);
  srv->started = g_get_monotonic_time ();
  srv->soup = soup_server_new ("server-header", "meshcall/" MESHCALL_VERSION " ", NULL);
  g_signal_connect (srv->soup, "request-read", G_CALLBACK (on_request_read), NULL);

  mc_eio_server_config_init (&eio_cfg);
  eio_cfg.ping_interval_ms = cfg->ping_interval_ms;
  eio_cfg.ping_timeout_ms = cfg->ping_timeout_ms;
  eio_cfg.max_payload = cfg->max_payload;
  eio_cfg.rate_limit = cfg->rate_limit;
  eio_cfg.max_clients = cfg->max_connections;
  srv->eio = mc_eio_server_new (srv->soup, "/socket.io", &eio_cfg, &events, srv);
  soup_server_add_handler (srv->soup, "/health", http_cb, srv, NULL);
  soup_server_add_handler (srv->soup, "/stats", http_cb, srv, NULL);
  soup_server_add_handler (srv->soup, "/", http_cb, srv, NULL);

  inet = g_str_equal (host, "localhost") ? g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4)
                                         : g_inet_address_new_from_string (host);
  addr = g_inet_socket_address_new (inet, cfg->port);
  /* Our own listener hands connections to soup: libsoup 3.2's listener
   * leaks every accepted GSocket (344 bytes a connection, seen in valgrind). */
  srv->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (srv->service), addr, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, &local_error)) {
    g_set_error (error, G_IO_ERROR, local_error->domain == G_IO_ERROR ? local_error->code : G_IO_ERROR_FAILED,
                 "cannot listen on %s:%u: %s", host, cfg->port, local_error->message);
    return NULL;
  }
  srv->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (srv->service, "incoming", G_CALLBACK (on_incoming), srv);
  g_socket_service_start (srv->service);
  MC_INFO ("call server listening on %s:%u", host, srv->port);
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
  if (srv->service) {
    g_signal_handlers_disconnect_by_data (srv->service, srv);
    g_socket_service_stop (srv->service);
    g_socket_listener_close (G_SOCKET_LISTENER (srv->service));
    g_clear_object (&srv->service);
  }
  g_clear_pointer (&srv->eio, mc_eio_server_free);
  if (srv->soup) {
    soup_server_disconnect (srv->soup);
    g_clear_object (&srv->soup);
  }
  g_clear_pointer (&srv->peers, g_hash_table_unref);
  g_clear_pointer (&srv->calls, g_hash_table_unref);
  g_free (srv->address);
  g_free (srv->token);
  g_free (srv);
}

guint
mc_call_server_get_port (McCallServer *srv)
{
  return srv->port;
}

char *
mc_call_server_get_url (McCallServer *srv)
{
  const char *host = srv->address;

  if (g_str_equal (host, "0.0.0.0") || g_str_equal (host, "localhost"))
    host = "127.0.0.1";
  else if (g_str_equal (host, "::"))
    host = "::1";
  if (strchr (host, ':'))
    return g_strdup_printf ("http://[%s]:%u", host, srv->port);
  return g_strdup_printf ("http://%s:%u", host, srv->port);
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

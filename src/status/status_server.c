/* GET /health and GET /stats for a call (status_server.h). */
#include "meshcall/status/status_server.h"
#include "meshcall/base/json.h"
#include "meshcall/base/log.h"

#include <libsoup/soup.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_main)

/* A connection not answered this long after it was accepted is closed... */
#define CONNECTION_LIFETIME_S 10
/* ...and at most this many wait for their answer at once. */
#define MAX_CONNECTIONS 64

struct _McStatusServer {
  SoupServer *soup;
  GSocketService *service;
  McStatusSource source;
  gpointer user_data;
  guint min_peers;
  guint port;
  GQueue conns;   /* Conn: accepted and not closed yet (by libsoup, once answered) */
  gboolean refusing_said;
};

typedef struct {
  McStatusServer *server;
  GSocketConnection *conn;
  GSource *expiry;
  GList *link;
} Conn;

static void
conn_free (Conn *c)
{
  GSocket *socket = g_socket_connection_get_socket (c->conn);

  /* Still open: a shutdown, not a close, so that libsoup sees the end of
   * the stream and lets go of the connection itself. */
  if (!g_socket_is_closed (socket))
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
  g_source_destroy (c->expiry);
  g_source_unref (c->expiry);
  g_object_unref (c->conn);
  g_free (c);
}

static void
conn_drop (Conn *c)
{
  g_queue_delete_link (&c->server->conns, c->link);
  conn_free (c);
}

static gboolean
on_conn_expired (gpointer data)
{
  conn_drop (data);
  return G_SOURCE_REMOVE;
}

/* libsoup closes a connection once it has answered ("Connection: close"):
 * those no longer count. */
static void
drop_closed (McStatusServer *s)
{
  GList *next;

  for (GList *l = s->conns.head; l; l = next) {
    Conn *c = l->data;
    next = l->next;
    if (g_socket_is_closed (g_socket_connection_get_socket (c->conn)))
      conn_drop (c);
  }
}

/* ---- answers --------------------------------------------------------------------- */

static void
respond (SoupServerMessage *msg, guint status, char *text /* taken */)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, strlen (text));
}

static void
respond_error (SoupServerMessage *msg, guint status, const char *message)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  respond (msg, status, mc_json_encode (node));
}

static gboolean
parse_min_peers (GHashTable *query, guint *min_peers)
{
  const char *text = query ? g_hash_table_lookup (query, "min-peers") : NULL;
  guint64 n;

  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, MC_STATUS_MAX_MIN_PEERS, &n, NULL))
    return FALSE;
  *min_peers = (guint) n;
  return TRUE;
}

static void
answer_health (McStatusServer *s, SoupServerMessage *msg, GHashTable *query)
{
  McHealthPolicy policy = { .phase = s->source.get_phase (s->user_data), .min_peers = s->min_peers };
  g_autoptr (JsonNode) stats = NULL;
  g_autoptr (JsonNode) doc = NULL;
  g_autofree char *message = NULL;
  gboolean healthy;

  if (!parse_min_peers (query, &policy.min_peers)) {
    message = g_strdup_printf ("min-peers must be a whole number from 0 to %d", MC_STATUS_MAX_MIN_PEERS);
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, message);
    return;
  }
  stats = s->source.get_stats (s->user_data);
  doc = mc_health_judge (stats, &policy, &healthy);
  respond (msg, healthy ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE, mc_json_encode (doc));
}

static void
answer_stats (McStatusServer *s, SoupServerMessage *msg)
{
  g_autoptr (JsonNode) stats = s->source.get_stats (s->user_data);

  if (stats == NULL) {
    respond_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                   s->source.get_phase (s->user_data) == MC_HEALTH_LEAVING ? "the call is over: meshcall is leaving"
                                                                           : "not in a call yet: meshcall is starting");
    return;
  }
  /* The layout of the --stats-json file, so both read the same. */
  respond (msg, SOUP_STATUS_OK, mc_json_encode_pretty (stats));
}

static void
on_request (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  McStatusServer *s = user_data;
  const char *method = soup_server_message_get_method (msg);
  gboolean health = g_str_equal (path, "/health");

  if (!health && !g_str_equal (path, "/stats")) {
    respond_error (msg, SOUP_STATUS_NOT_FOUND, "not found; this status server has /health and /stats");
    return;
  }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET, HEAD");
    respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "only GET and HEAD");
    return;
  }
  if (health)
    answer_health (s, msg, query);
  else
    answer_stats (s, msg);
}

/* libsoup 3.2 answers as if a connection it was handed stayed open, but
 * closes it after the first response: say so, and clients open a new one. */
static void
on_request_read (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
}

/* ---- connections --------------------------------------------------------------- */

/* Accepted by us and handed to soup: libsoup 3.2's own listener leaks every
 * socket it accepts (docs/architecture.md, server_http.c). */
static gboolean
on_incoming (GSocketService *service, GSocketConnection *conn, GObject *source_object, gpointer user_data)
{
  McStatusServer *s = user_data;
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (conn, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (conn, NULL);
  g_autoptr (GError) error = NULL;
  Conn *c;

  drop_closed (s);
  if (s->conns.length >= MAX_CONNECTIONS) {
    if (!s->refusing_said)
      MC_WARNING ("status: %d connections wait for an answer; closing new ones at once", MAX_CONNECTIONS);
    s->refusing_said = TRUE;
    g_socket_close (g_socket_connection_get_socket (conn), NULL);
    return TRUE;
  }
  s->refusing_said = FALSE;
  if (!soup_server_accept_iostream (s->soup, G_IO_STREAM (conn), local, remote, &error)) {
    MC_WARNING ("status: could not accept a connection: %s", error->message);
    return TRUE;
  }
  c = g_new0 (Conn, 1);
  c->server = s;
  c->conn = g_object_ref (conn);
  c->expiry = g_timeout_source_new_seconds (CONNECTION_LIFETIME_S);
  g_source_set_callback (c->expiry, on_conn_expired, c, NULL);
  g_source_attach (c->expiry, g_main_context_get_thread_default ());
  g_queue_push_tail (&s->conns, c);
  c->link = s->conns.tail;
  return TRUE;
}

static gboolean
status_listen (McStatusServer *s, const char *host, guint port, GError **error)
{
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) addr = NULL;
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) local_error = NULL;

  inet = g_str_equal (host, "localhost") ? g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4)
                                         : g_inet_address_new_from_string (host);
  if (inet == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "'%s' is not an IP address", host);
    return FALSE;
  }
  addr = g_inet_socket_address_new (inet, port);
  s->service = g_socket_service_new ();
  /* GSocketListener's default is 10: room for a burst of monitors. */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (s->service), MAX_CONNECTIONS);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (s->service), addr, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, &local_error)) {
    g_set_error (error, G_IO_ERROR, local_error->domain == G_IO_ERROR ? local_error->code : G_IO_ERROR_FAILED,
                 "cannot listen on %s:%u: %s", host, port, local_error->message);
    return FALSE;
  }
  s->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (s->service, "incoming", G_CALLBACK (on_incoming), s);
  g_socket_service_start (s->service);
  return TRUE;
}

McStatusServer *
mc_status_server_new (const char *host, guint port, guint min_peers, const McStatusSource *source,
                      gpointer user_data, GError **error)
{
  g_autoptr (McStatusServer) s = g_new0 (McStatusServer, 1);

  g_queue_init (&s->conns);
  s->source = *source;
  s->user_data = user_data;
  s->min_peers = min_peers;
  s->soup = soup_server_new ("server-header", "meshcall/" MESHCALL_VERSION " ", NULL);
  g_signal_connect (s->soup, "request-read", G_CALLBACK (on_request_read), NULL);
  soup_server_add_handler (s->soup, NULL, on_request, s, NULL);
  if (!status_listen (s, host, port, error))
    return NULL;
  MC_INFO ("status server on %s:%u", host, s->port);
  return g_steal_pointer (&s);
}

void
mc_status_server_free (McStatusServer *s)
{
  if (s == NULL)
    return;
  if (s->service) {
    g_signal_handlers_disconnect_by_data (s->service, s);
    g_socket_service_stop (s->service);
    g_socket_listener_close (G_SOCKET_LISTENER (s->service));
    g_clear_object (&s->service);
  }
  g_queue_clear_full (&s->conns, (GDestroyNotify) conn_free);
  soup_server_disconnect (s->soup);
  g_object_unref (s->soup);
  g_free (s);
}

guint
mc_status_server_get_port (McStatusServer *s)
{
  return s->port;
}

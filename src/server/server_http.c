/* The HTTP side of `meshcall serve` besides Socket.IO (server_http.h). */
#include "server_http.h"
#include "meshcall/base/json.h"
#include "meshcall/base/log.h"
#include "server_util.h"
#include "meshcall/server/server_web.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_server)

struct _McServerHttp {
  SoupServer *soup;
  McHttpListener *listener;  /* accepts for soup (see http_listen) */
  McServerWeb *web;          /* the call page at / */
  char *token;               /* NULL: /stats is open */
  McServerHttpEvents events;
  gpointer user_data;
  guint port;
};

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

gboolean
mc_server_http_check_address (const char *text, GError **error)
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
mc_server_http_parse_listen (const char *text, char **address, guint *port, GError **error)
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
  if (addr && !mc_server_http_check_address (addr, error))
    return FALSE;
  *address = g_steal_pointer (&addr);
  return TRUE;
}

/* ---- /health, /stats -------------------------------------------------------- */

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

static gboolean
stats_allowed (McServerHttp *http, SoupServerMessage *msg, GHashTable *query)
{
  const char *given = query ? g_hash_table_lookup (query, "token") : NULL;
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");

  if (http->token == NULL)
    return TRUE;
  if (given == NULL && auth && g_str_has_prefix (auth, "Bearer "))
    given = auth + strlen ("Bearer ");
  return given != NULL && mc_server_token_equal (given, http->token);
}

/* /stats "http": what the listener refused or closed (docs/protocol.md). */
static void
add_listener_stats (McServerHttp *http, JsonObject *obj)
{
  JsonObject *o = json_object_new ();
  McHttpListenerStats st;

  mc_http_listener_get_stats (http->listener, &st);
  json_object_set_int_member (o, "waiting", st.waiting);
  json_object_set_int_member (o, "timedOut", (gint64) st.timed_out);
  json_object_set_int_member (o, "refusedBusyAddress", (gint64) st.refused_busy);
  json_object_set_int_member (o, "closedBusyAddress", (gint64) st.closed_busy);
  json_object_set_int_member (o, "closedNoDescriptors", (gint64) st.closed_no_fd);
  json_object_set_int_member (o, "refusedNoDescriptors", (gint64) st.refused_no_fd);
  json_object_set_int_member (o, "bodiesRefused", (gint64) st.bodies_refused);
  json_object_set_int_member (o, "descriptorShortages", (gint64) st.shortages);
  json_object_set_int_member (o, "tlsFailed", (gint64) st.tls_failed);
  json_object_set_int_member (o, "tlsPlainHttp", (gint64) st.tls_plain_http);
  json_object_set_object_member (obj, "http", o);
}

static void
http_cb (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  McServerHttp *http = user_data;
  const char *method = soup_server_message_get_method (msg);
  gboolean health = g_str_equal (path, "/health");
  gboolean stats = g_str_equal (path, "/stats");
  JsonObject *obj;
  g_autoptr (JsonNode) node = NULL;

  if (!health && !stats && mc_server_web_serve (http->web, msg, path))
    return;
  if (!health && !stats) {
    respond_json_error (msg, SOUP_STATUS_NOT_FOUND, "not found; try /, /health, /stats or /socket.io/");
    return;
  }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    respond_json_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "only GET");
    return;
  }
  if (stats && !stats_allowed (http, msg, query)) {
    respond_json_error (msg, SOUP_STATUS_UNAUTHORIZED,
                        "this server needs its token: ?token=... or Authorization: Bearer ...");
    return;
  }
  obj = json_object_new ();
  node = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  if (health)
    json_object_set_string_member (obj, "status", "ok");
  if (health && http->events.health)
    http->events.health (obj, http->user_data);
  else if (stats && http->events.stats)
    http->events.stats (obj, http->user_data);
  if (stats)
    add_listener_stats (http, obj);
  respond_json (msg, SOUP_STATUS_OK, node);
}

/* ---- the listening socket ------------------------------------------------------ */

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

static gboolean
http_listen (McServerHttp *http, const char *host, guint port, const McHttpListenerConfig *limits, GError **error)
{
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) addr = NULL;
  g_autoptr (GError) local_error = NULL;

  inet = g_str_equal (host, "localhost") ? g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4)
                                         : g_inet_address_new_from_string (host);
  addr = g_inet_socket_address_new (inet, port);
  /* Our own listener hands connections to soup: libsoup 3.2's listener
   * leaks every accepted GSocket (344 bytes a connection, seen in valgrind),
   * GSocketService's spins when out of descriptors, and neither times out
   * a client that never sends its request (http_listener.h). */
  http->listener = mc_http_listener_new (http->soup, addr, limits, &local_error);
  if (http->listener == NULL) {
    g_set_error (error, G_IO_ERROR, local_error->domain == G_IO_ERROR ? local_error->code : G_IO_ERROR_FAILED,
                 "cannot listen on %s:%u: %s", host, port, local_error->message);
    return FALSE;
  }
  http->port = mc_http_listener_get_port (http->listener);
  return TRUE;
}

McServerHttp *
mc_server_http_new (const char *host, guint port, const char *token, const McHttpListenerConfig *limits,
                    const McServerHttpEvents *events, gpointer user_data, GError **error)
{
  g_autoptr (McServerHttp) http = g_new0 (McServerHttp, 1);

  http->token = token && token[0] ? g_strdup (token) : NULL;
  http->events = *events;
  http->user_data = user_data;
  http->web = mc_server_web_new ();
  http->soup = soup_server_new ("server-header", "meshcall/" MESHCALL_VERSION " ", NULL);
  g_signal_connect (http->soup, "request-read", G_CALLBACK (on_request_read), NULL);
  soup_server_add_handler (http->soup, "/health", http_cb, http, NULL);
  soup_server_add_handler (http->soup, "/stats", http_cb, http, NULL);
  soup_server_add_handler (http->soup, "/", http_cb, http, NULL);
  if (!http_listen (http, host, port, limits, error))
    return NULL;
  return g_steal_pointer (&http);
}

void
mc_server_http_free (McServerHttp *http)
{
  if (http == NULL)
    return;
  g_clear_pointer (&http->listener, mc_http_listener_free);
  soup_server_disconnect (http->soup);
  g_object_unref (http->soup);
  mc_server_web_free (http->web);
  g_free (http->token);
  g_free (http);
}

SoupServer *
mc_server_http_get_soup (McServerHttp *http)
{
  return http->soup;
}

guint
mc_server_http_get_port (McServerHttp *http)
{
  return http->port;
}

guint
mc_server_http_get_backlog (McServerHttp *http)
{
  return mc_http_listener_get_backlog (http->listener);
}

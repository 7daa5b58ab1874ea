/* The HTTP side of `meshcall serve` besides Socket.IO: the listen address
 * (parsed and checked), the listener that hands connections to a SoupServer
 * (http_listener.h: backlog, timeouts, caps, refused bodies), "Connection:
 * close" on every plain response, and the status endpoints GET /health and
 * GET /stats, with a JSON 404 for anything else.
 * Knows nothing about calls: the endpoints' counters come from callbacks.
 * Private to src/server/ (call_server.c is its user).
 *
 * Threading: serves on the GMainContext that is thread-default when
 * mc_server_http_new() is called; the callbacks run there. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "http_listener.h"

G_BEGIN_DECLS

/* Either may be NULL (nothing more is reported). */
typedef struct {
  /* Adds what GET /health reports after "status":"ok". */
  void (*health) (JsonObject *obj, gpointer user_data);
  /* Adds what GET /stats reports (asked only with the token, when there is one). */
  void (*stats) (JsonObject *obj, gpointer user_data);
} McServerHttpEvents;

typedef struct _McServerHttp McServerHttp;

/* The parser behind mc_call_server_parse_listen() (call_server.h). */
gboolean mc_server_http_parse_listen (const char *text, char **address, guint *port, GError **error);
/* TRUE for an IP literal or "localhost"; G_IO_ERROR_INVALID_ARGUMENT otherwise. */
gboolean mc_server_http_check_address (const char *host, GError **error);

/* A SoupServer with the status endpoints, listening on host:port (port 0:
 * any free one). token NULL or "" leaves /stats open; limits NULL: the
 * listener's defaults. Fails when host:port cannot be bound, with a message
 * "cannot listen on HOST:PORT: ...". */
McServerHttp *mc_server_http_new (const char *host, guint port, const char *token, const McHttpListenerConfig *limits,
                                  const McServerHttpEvents *events, gpointer user_data, GError **error);
/* Stops listening and disconnects every HTTP client. */
void mc_server_http_free (McServerHttp *http);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McServerHttp, mc_server_http_free)

/* For the Socket.IO server's handlers under /socket.io. */
SoupServer *mc_server_http_get_soup (McServerHttp *http);
/* The bound port. */
guint mc_server_http_get_port (McServerHttp *http);
/* The listen backlog in effect (the one asked, capped by net.core.somaxconn). */
guint mc_server_http_get_backlog (McServerHttp *http);

G_END_DECLS

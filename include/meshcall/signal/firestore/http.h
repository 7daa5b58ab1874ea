/* HTTP requests through libcurl on a GLib main loop: one curl_multi handle
 * driven by curl_multi_socket_action from one GSource (the sockets curl
 * asks for, and its timer as the source's ready time), so nothing blocks.
 * Connections are kept alive and reused; HTTP/2 is negotiated over TLS
 * where the server offers it, and requests to one host share its
 * connection. Nothing here knows Firestore: a REST client of any kind can
 * use it.
 *
 * Threading: everything runs on the GMainContext given to mc_http_new();
 * done callbacks are invoked there, never from inside mc_http_request(). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _McHttp McHttp;
typedef struct _McHttpRequest McHttpRequest;

typedef struct {
  long status;              /* HTTP status, 0 when no answer came (see error) */
  const char *body;         /* the answer's body (NUL-terminated), "" when none */
  gsize body_len;
  const char *error;        /* NULL, or what went wrong below HTTP ("Couldn't connect to server", ...) */
  double seconds;           /* from start to the end of the answer */
} McHttpResponse;

/* The request is freed after done returns: drop any pointer to it there. */
typedef void (*McHttpDoneFunc) (McHttpRequest *request, const McHttpResponse *response, gpointer user_data);

McHttp *mc_http_new (GMainContext *context);
/* Cancels every request in flight (their done callbacks are not called). */
void mc_http_free (McHttp *http);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McHttp, mc_http_free)

/* Largest answer body accepted; a longer one fails the request. */
#define MC_HTTP_MAX_BODY (16 * 1024 * 1024)

/* method "GET", "POST", "DELETE", ...; headers NULL-terminated "Name: value"
 * lines (may be NULL); body NULL for none (copied); timeout_ms bounds the
 * whole request. Never fails: a URL curl refuses completes with an error. */
McHttpRequest *mc_http_request (McHttp *http, const char *method, const char *url, const char *const *headers,
                                const char *body, gsize body_len, guint timeout_ms, McHttpDoneFunc done,
                                gpointer user_data);
/* Stops a request in flight; its done callback is not called. */
void mc_http_cancel (McHttpRequest *request);

/* Kept-alive connections may be dead (this machine's addresses changed):
 * requests started from now on use new connections, never one made before. */
void mc_http_renew_connections (McHttp *http);

/* Requests started since mc_http_new(), for logs and benchmarks. */
guint64 mc_http_get_request_count (McHttp *http);

G_END_DECLS

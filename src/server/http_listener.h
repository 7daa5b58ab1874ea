/* The listening socket of `meshcall serve` and what happens to a connection
 * until libsoup has read its request. Private to src/server/ (server_http.c
 * owns one; eio_server.c refuses oversized bodies through it).
 *
 * Our own accept loop on the GMainContext, not GSocketService's:
 *  - a listen backlog fit for a reconnect storm (GSocketListener's is 10);
 *  - out of descriptors (EMFILE, ENFILE), it does not spin: it closes a
 *    refused connection still lingering, or the one that has waited
 *    longest for its request if that was 1 s or more, and accepts again;
 *    or else, with a descriptor kept in reserve, it takes queued
 *    connections one at a time: one that has sent bytes gets the place of
 *    the oldest waiting one, one that has not is refused (503); then it
 *    stops accepting for 50 ms (up to 1 s while even that fails); one
 *    warning per episode;
 *  - a connection must send its request head within header_timeout_ms of
 *    being accepted, and the body (if any) within as long again; a response
 *    must be written out within as long of its first byte; otherwise the
 *    connection is closed (408 when nothing was answered yet);
 *  - at most max_pending_per_address connections from one IP address may
 *    wait for their request at once; the next one closes the oldest of them
 *    if that has waited 1 s or more, and is refused (503) otherwise;
 *  - a request body is refused (413, before it is read) unless the handler
 *    of its path claimed it from an early handler (mc_http_claim_body);
 *  - with a TLS certificate, every connection is TLS (http_tls.h): its
 *    handshake counts against the header timeout and the per-address cap;
 *    a plain HTTP request is answered 400 in plain text, anything else that
 *    is not TLS, or fails its handshake, is closed (and logged); answers
 *    before a handshake (503, 408) are not sent, the connection is closed.
 *
 * Once the request is read, the connection is libsoup's and the handler's
 * (a long-poll waits there; a websocket is stolen after its 101 and leaves
 * this file). Refusals here are written on the socket directly, then the
 * connection is closed; a refused body's sender gets 2 s to read the answer
 * (its unread bytes are never read by us).
 *
 * Threading: everything runs on the GMainContext that is thread-default
 * when mc_http_listener_new() is called. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  guint header_timeout_ms;        /* default 10000 */
  guint max_pending_per_address;  /* default 128 */
  guint backlog;                  /* default 4096; the kernel caps it at net.core.somaxconn */
  GTlsCertificate *tls_certificate;  /* non-NULL: serve TLS only (http_tls.h); default NULL */
} McHttpListenerConfig;

/* Counters, for /stats. */
typedef struct {
  guint waiting;             /* connections waiting for their request now */
  guint64 timed_out;         /* closed by the header timeout (or a response not read in time) */
  guint64 refused_busy;      /* refused: their address had max_pending_per_address waiting */
  guint64 closed_busy;       /* closed to make room for a newer one from their address */
  guint64 closed_no_fd;      /* closed to make room while out of descriptors */
  guint64 refused_no_fd;     /* refused 503 while out of descriptors */
  guint64 bodies_refused;    /* 413 before the body was read */
  guint64 shortages;         /* out-of-descriptor episodes */
  guint64 tls_failed;        /* TLS listener: not a TLS client, or its handshake failed */
  guint64 tls_plain_http;    /* TLS listener: a plain HTTP request, answered 400 */
} McHttpListenerStats;

typedef struct _McHttpListener McHttpListener;

void mc_http_listener_config_init (McHttpListenerConfig *cfg);

/* Binds address, listens and hands every connection to soup. Fails with
 * the bind or listen error. cfg (every value positive) is copied; NULL:
 * the defaults. */
McHttpListener *mc_http_listener_new (SoupServer *soup, GSocketAddress *address, const McHttpListenerConfig *cfg,
                                      GError **error);
/* Stops listening and closes the connections refused or timed out but not
 * yet closed; the rest are libsoup's (soup_server_disconnect). */
void mc_http_listener_free (McHttpListener *listener);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McHttpListener, mc_http_listener_free)

guint mc_http_listener_get_port (McHttpListener *listener);
/* The backlog asked of listen(2), as capped by net.core.somaxconn. */
guint mc_http_listener_get_backlog (McHttpListener *listener);
void mc_http_listener_get_stats (McHttpListener *listener, McHttpListenerStats *stats);

/* Whether msg's request head announces a body (a Content-Length above 0, or chunked). */
gboolean mc_http_has_body (SoupServerMessage *msg);

/* From an early handler: this request's body is the handler's to read
 * (and to bound); without it a body is refused with 413. */
void mc_http_claim_body (SoupServerMessage *msg);

/* From an early handler or a got-chunk handler: answers msg now with status
 * and the JSON text json, says "Connection: close", and closes the
 * connection without reading the rest of the body. msg gets no further
 * signals. A message that did not come through a listener (a SoupServer
 * listening by itself) gets the status and body the ordinary way. */
void mc_http_refuse_body (SoupServerMessage *msg, guint status, const char *json);

G_END_DECLS

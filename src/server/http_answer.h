/* Answers the listener writes on a connection itself, not through libsoup
 * (http_listener.c: refusals, timeouts, bodies refused). Private to
 * src/server/. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* {"error": message} as JSON text. */
char *mc_http_error_json (const char *message);

/* One best-effort send of "HTTP/1.1 status" with the JSON body and
 * "Connection: close" (a fresh connection's send buffer always takes it).
 * tls (nullable): the connection's TLS stream, written instead of fd. */
void mc_http_send_answer (int fd, GIOStream *tls, guint status, const char *json);

/* A connection refused before libsoup saw it: what has arrived is read, so
 * that the close is a FIN and not a reset that could destroy the answer;
 * 503 with message unless answer is FALSE (a TLS listener's client, which
 * has not had its handshake); then fd is closed. */
void mc_http_refuse_fd (int fd, gboolean answer, const char *message);

G_END_DECLS

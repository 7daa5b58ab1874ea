/* Server-side websocket connections (RFC 6455, no extensions) driven by one
 * epoll set per McWsConnLoop, for `meshcall serve`. The transport only:
 * frames are parsed, checked and encoded by proto/ws_frame.h.
 *
 * Why not SoupWebsocketConnection: each one keeps its own GSource, and
 * GLib's main loop prepares, polls and checks every source on every
 * iteration, so with a thousand idle clients each message relayed cost a
 * walk over a thousand sockets (docs/bench-signal.md). Here the whole set is
 * one fd in the GMainContext and a wakeup costs only the sockets that are
 * ready. libsoup still does HTTP and the upgrade handshake; the connection
 * is taken over after the 101 response (soup_server_message_steal_connection).
 *
 * Everything runs on the GMainContext given to mc_ws_conn_loop_new(); no
 * function here calls back synchronously: message and closed callbacks run
 * from the loop's dispatch.
 */
#pragma once

#include <gio/gio.h>

#include "meshcall/proto/ws_frame.h"   /* MC_WS_CLOSE_* */

G_BEGIN_DECLS

typedef struct _McWsConnLoop McWsConnLoop;
typedef struct _McWsConn McWsConn;

typedef struct {
  /* One complete message. data is valid during the call only and is followed
   * by a NUL byte (not counted in len). */
  void (*message) (McWsConn *ws, gboolean binary, const char *data, gsize len, gpointer user_data);
  /* The connection is gone. error is NULL for an orderly or I/O end (a close
   * handshake, a reset, EOF) and says what the client did wrong for a protocol
   * violation (bad frame, invalid UTF-8, message over max_payload: the
   * McWsFault reason that went out in the close frame). Called once, unless
   * the events were cleared first. */
  void (*closed) (McWsConn *ws, const char *error, gpointer user_data);
} McWsConnEvents;

McWsConnLoop *mc_ws_conn_loop_new (GMainContext *context);
/* Drops every connection still open or closing, without callbacks. */
void mc_ws_conn_loop_free (McWsConnLoop *loop);
guint mc_ws_conn_loop_get_n_connections (McWsConnLoop *loop);

/* Takes over stream (a GSocketConnection, or a libsoup stream wrapping one,
 * as soup_server_message_steal_connection() returns; a ref is taken) right
 * after the 101 response. Messages longer than max_payload bytes close the
 * connection (1009). Fails when no socket is found under stream. The loop
 * keeps the connection alive until it is closed; the caller gets its own ref. */
McWsConn *mc_ws_conn_new (McWsConnLoop *loop, GIOStream *stream, gsize max_payload, GError **error);
McWsConn *mc_ws_conn_ref (McWsConn *ws);
void mc_ws_conn_unref (McWsConn *ws);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McWsConn, mc_ws_conn_unref)

/* events is copied; NULL clears them (no more callbacks). */
void mc_ws_conn_set_events (McWsConn *ws, const McWsConnEvents *events, gpointer user_data);

/* TRUE until close was called or the connection ended. */
gboolean mc_ws_conn_is_open (McWsConn *ws);

/* Queues a frame; written at once when the socket takes it. A client that
 * stops reading until more than 4 MiB wait is closed (callback later). No-op
 * unless open. */
void mc_ws_conn_send_text (McWsConn *ws, const char *text, gsize len);
void mc_ws_conn_send_binary (McWsConn *ws, gconstpointer data, gsize len);

/* Starts the closing handshake (reason: at most 123 bytes are sent); the
 * connection ends when the client answers, or after 5 s. */
void mc_ws_conn_close (McWsConn *ws, guint16 code, const char *reason);

G_END_DECLS

/* Engine.IO v4 server on a SoupServer: the session layer of `meshcall
 * serve`, under the Socket.IO server (sio_server.h). Knows nothing of
 * Socket.IO: every complete MESSAGE packet goes up through McEioServerEvents.
 *
 * HTTP long-polling (packets joined by '\x1e'), websocket, and the polling
 * -> websocket upgrade (2probe/3probe/noop/5); the server pings every
 * ping_interval and drops a session whose pong does not come within
 * ping_timeout; a message or polling body longer than max_payload closes
 * that session; more than max_clients sessions get HTTP 403; HTTP errors
 * are 400 {"code":N,"message":...} as engine.io sends them.
 *
 * Faults are per session: a packet that cannot be decoded, a heartbeat in
 * the wrong direction, a websocket protocol violation or a body over
 * max_payload closes that session with one warning naming the reason.
 *
 * Websockets: libsoup answers the HTTP upgrade (no extension is negotiated:
 * socket.io leaves permessage-deflate off too), then the connection is
 * served by ws_conn.h on one epoll set, so that a message costs the same
 * with ten clients or ten thousand (docs/bench-signal.md). Deadlines (pings,
 * pongs, mc_eio_session_set_deadline) are checked by one heartbeat tick per
 * server, not a timer per session, for the same reason.
 *
 * Threading: everything runs on the GMainContext that was thread-default when
 * mc_eio_server_new() was called (the SoupServer's context); every callback is
 * invoked there. Nothing blocks.
 */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  guint ping_interval_ms;    /* server sends a ping this often (default 25000) */
  guint ping_timeout_ms;     /* and waits this long for the pong (default 20000) */
  guint max_payload;         /* bytes: one websocket message or one polling POST body (default 131072) */
  guint max_clients;         /* concurrent sessions; more get HTTP 403 (default 4096; 0 = no limit) */
  guint upgrade_timeout_ms;  /* a websocket probe that never sends "5" is closed after this (default 10000) */
} McEioServerConfig;

/* Fills cfg with the defaults above. */
void mc_eio_server_config_init (McEioServerConfig *cfg);

typedef struct _McEioServer McEioServer;
/* One Engine.IO session. Valid from the opened callback until the closed
 * callback returns, and as long as a ref is held after that. */
typedef struct _McEioSession McEioSession;

typedef struct {
  /* A session is open: its OPEN packet went out. */
  void (*opened) (McEioServer *server, McEioSession *session, gpointer user_data);
  /* One MESSAGE packet: text (data is followed by a NUL byte, not counted in
   * len) or binary. data is valid during the call only. */
  void (*message) (McEioServer *server, McEioSession *session, gboolean binary, const char *data, gsize len,
                   gpointer user_data);
  /* The time given to mc_eio_session_set_deadline() passed (the deadline is
   * cleared before the call). */
  void (*deadline) (McEioServer *server, McEioSession *session, gpointer user_data);
  /* The session ended: reason as engine.io names it ("transport close",
   * "ping timeout", "transport error", "parse error"), the one given to
   * mc_eio_session_close(), or "server shutting down" from
   * mc_eio_server_free(). Called once for every opened session; nothing can
   * be sent on it any more. */
  void (*closed) (McEioServer *server, McEioSession *session, const char *reason, gpointer user_data);
} McEioServerEvents;

/* Serves Engine.IO under path (normally "/socket.io") of soup, adding a
 * normal, an early and a websocket handler for it. soup is referenced. cfg
 * and events are copied. */
McEioServer *mc_eio_server_new (SoupServer *soup, const char *path, const McEioServerConfig *cfg,
                                const McEioServerEvents *events, gpointer user_data);
/* Closes every session (closed callbacks, reason "server shutting down")
 * and removes the handlers. */
void mc_eio_server_free (McEioServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McEioServer, mc_eio_server_free)

/* Open sessions. */
guint mc_eio_server_get_n_sessions (McEioServer *server);

McEioSession *mc_eio_session_ref (McEioSession *session);
void mc_eio_session_unref (McEioSession *session);

/* The Engine.IO session id (sid). */
const char *mc_eio_session_get_id (McEioSession *session);
/* "ADDR:PORT" of the session's first request, for logs. */
const char *mc_eio_session_get_remote (McEioSession *session);
/* "polling" or "websocket". */
const char *mc_eio_session_get_transport (McEioSession *session);
/* FALSE once the session is closed. */
gboolean mc_eio_session_is_open (McEioSession *session);

/* The upper layer's data: destroy (nullable) runs when the session is
 * freed, after the closed callback and the last unref, so data outlives
 * every callback about the session. */
void mc_eio_session_set_data (McEioSession *session, gpointer data, GDestroyNotify destroy);
gpointer mc_eio_session_get_data (McEioSession *session);

/* Queues a MESSAGE packet with this text, in order. No-op once closed. */
void mc_eio_session_send (McEioSession *session, const char *text);

/* The deadline callback runs when the session is still open timeout_ms from
 * now (within a heartbeat tick); a new call replaces the deadline, 0 clears it. */
void mc_eio_session_set_deadline (McEioSession *session, guint timeout_ms);

/* Closes the session: what is queued still goes out (a polling client gets
 * it at its next poll), then the close packet. The closed callback runs,
 * with reason, before this returns. */
void mc_eio_session_close (McEioSession *session, const char *reason);

G_END_DECLS

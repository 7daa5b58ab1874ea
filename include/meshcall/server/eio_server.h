/* Engine.IO v4 / Socket.IO v5 server on a SoupServer: the transport under
 * `meshcall serve`. Knows nothing about calls; the application (call_server.c)
 * gets Socket.IO events for namespace "/" through McEioServerEvents.
 *
 * Engine.IO: HTTP long-polling (packets joined by '\x1e'), websocket, and the
 * polling -> websocket upgrade (2probe/3probe/noop/5); the server pings every
 * ping_interval and drops a client whose pong does not come within
 * ping_timeout; messages longer than max_payload close that client; HTTP
 * errors are 400 {"code":N,"message":...} as engine.io sends them.
 * Socket.IO: CONNECT to "/" with an auth payload (accepted or refused by the
 * authorize callback, CONNECT_ERROR otherwise), CONNECT to any other namespace
 * is refused with "Invalid namespace", EVENT, ACK in both directions,
 * DISCONNECT. Binary packets are parsed (attachments consumed) and refused
 * through the refused callback; they never reach the application.
 *
 * Faults are per client: a packet that cannot be decoded, a heartbeat in the
 * wrong direction, a binary frame nobody announced, or a message over
 * max_payload disconnects that client with one GST_WARNING naming the reason.
 * Valid packets that break a limit (rate, binary) go to the refused callback.
 *
 * Websockets: libsoup answers the HTTP upgrade (no extension is negotiated:
 * socket.io leaves permessage-deflate off too), then the connection is
 * served by ws_conn.h on one epoll set, so that a message costs the same
 * with ten clients or ten thousand (docs/bench-signal.md).
 *
 * Threading: everything runs on the GMainContext that was thread-default when
 * mc_eio_server_new() was called (the SoupServer's context); every callback is
 * invoked there. Nothing blocks.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  guint ping_interval_ms;    /* server sends a ping this often (default 25000) */
  guint ping_timeout_ms;     /* and waits this long for the pong (default 20000) */
  guint max_payload;         /* bytes: one websocket message or one polling POST body (default 131072) */
  guint rate_limit;          /* messages per second per client, bursts of twice that; 0 = no limit (default 200) */
  guint max_clients;         /* concurrent Engine.IO sessions; more get HTTP 403 (default 4096) */
  guint connect_timeout_ms;  /* a session that never CONNECTs to "/" is closed after this (default 45000) */
  guint upgrade_timeout_ms;  /* a websocket probe that never sends "5" is closed after this (default 10000) */
} McEioServerConfig;

/* Fills cfg with the defaults above. */
void mc_eio_server_config_init (McEioServerConfig *cfg);

typedef struct _McEioServer McEioServer;
/* One client: an Engine.IO session and its Socket.IO connection to "/".
 * Valid from the connected callback until the disconnected callback returns. */
typedef struct _McEioServerClient McEioServerClient;

typedef struct {
  /* A CONNECT to "/". auth is the client's auth object or NULL. Return TRUE to
   * accept; FALSE and set *code (e.g. "bad-token") and *message (both
   * g_malloc'd) to refuse with CONNECT_ERROR {message, data:{code}}. NULL
   * callback = accept everyone. */
  gboolean (*authorize) (McEioServer *server, McEioServerClient *client, JsonNode *auth,
                         char **code, char **message, gpointer user_data);
  /* The client is connected to "/" (its CONNECT was answered). */
  void (*connected) (McEioServer *server, McEioServerClient *client, gpointer user_data);
  /* An EVENT: args is the packet's array without the event name (may be
   * empty). When ack_id != MC_SIO_NO_ACK the client waits for
   * mc_eio_server_client_ack (client, ack_id, ...). */
  void (*event) (McEioServer *server, McEioServerClient *client, const char *name,
                 JsonArray *args, gint64 ack_id, gpointer user_data);
  /* A packet refused by this layer without disconnecting: code is
   * "rate-limited" or "malformed" (binary attachments), message says why;
   * ack_id as for event (MC_SIO_NO_ACK when the packet asked none). */
  void (*refused) (McEioServer *server, McEioServerClient *client, const char *code,
                   const char *message, gint64 ack_id, gpointer user_data);
  /* The connection to "/" ended; reason as socket.io names them ("transport
   * close", "ping timeout", "client namespace disconnect", "parse error", ...).
   * Called once for every client that got connected, never during
   * mc_eio_server_free(). */
  void (*disconnected) (McEioServer *server, McEioServerClient *client, const char *reason,
                        gpointer user_data);
} McEioServerEvents;

/* Serves Engine.IO under path (normally "/socket.io") of soup, adding a
 * normal, an early and a websocket handler for it. soup is referenced. cfg and
 * events are copied. */
McEioServer *mc_eio_server_new (SoupServer *soup, const char *path, const McEioServerConfig *cfg,
                                const McEioServerEvents *events, gpointer user_data);
/* Closes every session (no callbacks) and removes the handlers. */
void mc_eio_server_free (McEioServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McEioServer, mc_eio_server_free)

/* Open Engine.IO sessions, connected to "/" or not. */
guint mc_eio_server_get_n_sessions (McEioServer *server);

/* Socket.IO id given to the client in CONNECT's answer. */
const char *mc_eio_server_client_get_id (McEioServerClient *client);
/* "ADDR:PORT" of the client's first request, for logs. */
const char *mc_eio_server_client_get_remote (McEioServerClient *client);
/* "polling" or "websocket". */
const char *mc_eio_server_client_get_transport (McEioServerClient *client);
void mc_eio_server_client_set_data (McEioServerClient *client, gpointer data);
gpointer mc_eio_server_client_get_data (McEioServerClient *client);

/* EVENT [event, arg] (arg may be NULL: [event]). Queued in order. */
void mc_eio_server_client_emit (McEioServerClient *client, const char *event, JsonNode *arg);

/* args: the client's ACK array, or NULL when the client disconnected or did
 * not answer within the timeout. Called exactly once. */
typedef void (*McEioServerAckFunc) (McEioServerClient *client, JsonArray *args, gpointer user_data);
/* EVENT with an ack id; func gets the client's answer. timeout_ms 0 = wait
 * until the client disconnects. */
void mc_eio_server_client_emit_with_ack (McEioServerClient *client, const char *event, JsonNode *arg,
                                         guint timeout_ms, McEioServerAckFunc func, gpointer user_data);
/* ACK [arg] for an event the client sent with ack_id (MC_SIO_NO_ACK: no-op). */
void mc_eio_server_client_ack (McEioServerClient *client, gint64 ack_id, JsonNode *arg);

/* Sends DISCONNECT and closes the session; reason is logged. The
 * disconnected callback runs (reason "server namespace disconnect") before
 * this returns. */
void mc_eio_server_client_disconnect (McEioServerClient *client, const char *reason);

G_END_DECLS

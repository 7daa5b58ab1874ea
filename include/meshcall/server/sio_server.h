/* Socket.IO v5 server for namespace "/" on the Engine.IO server
 * (eio_server.h): the layer the call server (call_server.c) talks to.
 * Knows nothing about calls.
 *
 * CONNECT to "/" with an auth payload, accepted or refused by the authorize
 * callback (CONNECT_ERROR {message, data:{code}} then); CONNECT to any other
 * namespace is refused with "Invalid namespace"; EVENT, ACK in both
 * directions (acks the server waits for time out), DISCONNECT both ways. A
 * session that never CONNECTs is closed after connect_timeout.
 *
 * Faults are per client: a packet that cannot be decoded, one that only a
 * server may send, one for a namespace it is not connected to, a binary
 * frame nobody announced, or a flood far beyond rate_limit disconnects that
 * client with one warning naming the reason. Valid packets that break a
 * limit go to the refused callback instead: more than rate_limit messages a
 * second, and binary packets (parsed, attachments consumed, never passed on).
 *
 * Threading: everything runs on the GMainContext that was thread-default when
 * mc_sio_server_new() was called; every callback is invoked there, and none
 * from inside a function of this API unless that function says so.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "meshcall/server/eio_server.h"

G_BEGIN_DECLS

typedef struct {
  McEioServerConfig eio;     /* the transport under it */
  guint rate_limit;          /* messages per second per client, bursts of twice that; 0 = no limit (default 200) */
  guint connect_timeout_ms;  /* a session that never CONNECTs to "/" is closed after this (default 45000) */
} McSioServerConfig;

/* Fills cfg with the defaults above (and mc_eio_server_config_init's). */
void mc_sio_server_config_init (McSioServerConfig *cfg);

typedef struct _McSioServer McSioServer;
/* One client: its Socket.IO connection to "/" on one Engine.IO session.
 * Valid from the connected callback until the disconnected callback returns. */
typedef struct _McSioServerClient McSioServerClient;

/* Why a valid packet was refused (the refused callback). */
typedef enum {
  MC_SIO_REFUSED_RATE_LIMITED,  /* more than rate_limit messages a second */
  MC_SIO_REFUSED_BINARY,        /* a binary packet or attachment: meshcall signaling has none */
} McSioRefusal;

typedef struct {
  /* A CONNECT to "/". auth is the client's auth object or NULL. Return TRUE to
   * accept; FALSE and set *code (e.g. "bad-token") and *message (both
   * g_malloc'd) to refuse with CONNECT_ERROR {message, data:{code}}, after
   * *delay_ms (0 on entry: at once; the refusal is dropped if the client
   * goes meanwhile). NULL callback = accept everyone. */
  gboolean (*authorize) (McSioServer *server, McSioServerClient *client, JsonNode *auth, char **code,
                         char **message, guint *delay_ms, gpointer user_data);
  /* The client is connected to "/" (its CONNECT was answered). */
  void (*connected) (McSioServer *server, McSioServerClient *client, gpointer user_data);
  /* An EVENT: args is the packet's array without the event name (may be
   * empty). When ack_id != MC_SIO_NO_ACK the client waits for
   * mc_sio_server_client_ack (client, ack_id, ...). */
  void (*event) (McSioServer *server, McSioServerClient *client, const char *name, JsonArray *args,
                 gint64 ack_id, gpointer user_data);
  /* A packet refused by this layer without disconnecting; message says why;
   * ack_id as for event (MC_SIO_NO_ACK when the packet asked none). */
  void (*refused) (McSioServer *server, McSioServerClient *client, McSioRefusal why, const char *message,
                   gint64 ack_id, gpointer user_data);
  /* The connection to "/" ended; reason as socket.io names them ("transport
   * close", "ping timeout", "client namespace disconnect", "parse error", ...).
   * Called once for every client that got connected, never during
   * mc_sio_server_free(). */
  void (*disconnected) (McSioServer *server, McSioServerClient *client, const char *reason,
                        gpointer user_data);
} McSioServerEvents;

/* Serves Socket.IO under path (normally "/socket.io") of soup. cfg and
 * events are copied. */
McSioServer *mc_sio_server_new (SoupServer *soup, const char *path, const McSioServerConfig *cfg,
                                const McSioServerEvents *events, gpointer user_data);
/* Closes every session (no disconnected callbacks; acks still waiting get
 * their NULL answer) and removes the handlers. */
void mc_sio_server_free (McSioServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McSioServer, mc_sio_server_free)

/* Open Engine.IO sessions, connected to "/" or not. */
guint mc_sio_server_get_n_sessions (McSioServer *server);

/* Socket.IO id given to the client in CONNECT's answer. */
const char *mc_sio_server_client_get_id (McSioServerClient *client);
/* "ADDR:PORT" of the client's first request, for logs. */
const char *mc_sio_server_client_get_remote (McSioServerClient *client);
/* "polling" or "websocket". */
const char *mc_sio_server_client_get_transport (McSioServerClient *client);
void mc_sio_server_client_set_data (McSioServerClient *client, gpointer data);
gpointer mc_sio_server_client_get_data (McSioServerClient *client);

/* EVENT [event, arg] (arg may be NULL: [event]). Queued in order. */
void mc_sio_server_client_emit (McSioServerClient *client, const char *event, JsonNode *arg);

/* args: the client's ACK array, or NULL when the client disconnected or did
 * not answer within the timeout. Called exactly once. */
typedef void (*McSioServerAckFunc) (McSioServerClient *client, JsonArray *args, gpointer user_data);
/* EVENT with an ack id; func gets the client's answer (at once, with NULL,
 * when the client is not connected). timeout_ms 0 = wait until the client
 * disconnects. */
void mc_sio_server_client_emit_with_ack (McSioServerClient *client, const char *event, JsonNode *arg,
                                         guint timeout_ms, McSioServerAckFunc func, gpointer user_data);
/* ACK [arg] for an event the client sent with ack_id (MC_SIO_NO_ACK: no-op). */
void mc_sio_server_client_ack (McSioServerClient *client, gint64 ack_id, JsonNode *arg);

/* Sends DISCONNECT and closes the session; reason is logged. The
 * disconnected callback runs (reason "server namespace disconnect") before
 * this returns; client may be freed by then. */
void mc_sio_server_client_disconnect (McSioServerClient *client, const char *reason);

G_END_DECLS

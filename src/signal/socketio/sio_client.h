/* One Socket.IO connection to "/" (private to the Socket.IO back end): a
 * websocket-only Engine.IO v4 / Socket.IO v5 client on libsoup 3.
 *
 *   websocket handshake -> Engine.IO open (pingInterval, pingTimeout)
 *     -> CONNECT with the auth object -> the server's CONNECT: connected
 *
 * The server pings; a server silent for pingInterval + pingTimeout counts
 * as lost. Knows nothing of calls: events go up by name, with their first
 * argument. One object is one attempt: after `lost` or `refused` it is dead
 * and the owner frees it and makes a new one to retry.
 *
 * Threading: the GMainContext given to sio_client_new(); callbacks run there.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _SioClient SioClient;

typedef struct {
  /* The server answered our CONNECT. */
  void (*connected) (SioClient *client, gpointer user_data);
  /* The server refused our CONNECT (CONNECT_ERROR; data as sent, maybe NULL). */
  void (*refused) (SioClient *client, JsonNode *data, gpointer user_data);
  /* An EVENT for "/": its name and first argument (NULL when none). */
  void (*event) (SioClient *client, const char *name, JsonNode *arg, gpointer user_data);
  /* An ACK for one of ours: its first argument (NULL when none). */
  void (*ack) (SioClient *client, gint64 ack_id, JsonNode *arg, gpointer user_data);
  /* The connection failed or ended (reason is for the user). Last callback. */
  void (*lost) (SioClient *client, const char *reason, gpointer user_data);
  /* The server's TLS certificate was refused (reason says why and what to
   * do); retrying would not help. Last callback. */
  void (*untrusted) (SioClient *client, const char *reason, gpointer user_data);
} SioClientEvents;

/* Starts connecting to ws_url (an http(s):// URL of /socket.io/?EIO=4&...);
 * display_url names the server in messages. auth (nullable) is copied.
 * https: the server's certificate is checked against the session's TLS
 * database (the system's CAs unless the owner set one). */
SioClient *sio_client_new (SoupSession *session, GMainContext *context, const char *ws_url, const char *display_url,
                           JsonNode *auth, const SioClientEvents *events, gpointer user_data);
/* Drops the connection without callbacks. The websocket itself is released
 * from an idle source (libsoup may still be inside an emission that led
 * here) unless now is TRUE, which is only for a final teardown. */
void sio_client_free (SioClient *client, gboolean now);

/* TRUE while the websocket is open. */
gboolean sio_client_is_open (SioClient *client);
/* Our end's IP address of the open websocket's TCP connection, or NULL. */
char *sio_client_get_local_address (SioClient *client);
/* EVENT [event, arg?]; with an ack id when want_ack (returned, else -1). */
gint64 sio_client_emit (SioClient *client, const char *event, JsonNode *arg, gboolean want_ack);
/* Socket.IO DISCONNECT, then the websocket's closing handshake; `lost`
 * follows when the server closes its side. */
void sio_client_disconnect (SioClient *client);

G_END_DECLS

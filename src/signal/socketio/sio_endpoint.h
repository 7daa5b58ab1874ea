/* Where a Socket.IO back end connects and whom it trusts. Private to
 * src/signal/socketio. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* ws://h:p, wss://, http://, https:// (any case, optional path and query)
 * -> http(s)://h:p/PATH/?QUERY&EIO=4&transport=websocket; a malformed URL,
 * one without a host, or one with a user name or fragment fails with
 * MC_SIGNALING_ERROR_BAD_URL. */
char *sio_endpoint_ws_url (const char *url, GError **error);
/* The database mc_signal_socketio_set_ca_file made (NULL: the system's CAs). */
GTlsDatabase *sio_endpoint_ca_database (void);

G_END_DECLS

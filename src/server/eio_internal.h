/* What eio_server.c (sessions, polling, heartbeat, the HTTP side) and
 * eio_websocket.c (the websocket transport and the polling -> websocket
 * upgrade) share about an Engine.IO server. Private to src/server/; the
 * interface is eio_server.h. Same threading as there: the server's context. */
#pragma once

#include "meshcall/proto/eio_packet.h"
#include "meshcall/server/eio_server.h"
#include "meshcall/server/ws_conn.h"

G_BEGIN_DECLS

typedef enum { MC_EIO_TRANSPORT_POLLING, MC_EIO_TRANSPORT_WEBSOCKET } McEioTransport;

struct _McEioSession {
  gint ref;
  McEioServer *server;
  char *sid;
  char *remote;
  McEioTransport transport;
  gboolean opened;                 /* the opened callback ran: a closed one is owed */
  gboolean closed;
  gpointer data;
  GDestroyNotify data_destroy;

  /* polling */
  GPtrArray *outbox;               /* McEioPacket*, oldest first */
  gsize outbox_bytes;
  SoupServerMessage *pending_get;  /* the paused long-poll, if any */

  /* websocket, and the websocket being probed during an upgrade */
  McWsConn *ws;
  McWsConn *probe;
  gboolean probe_done;             /* "3probe" sent: answer polls with noop */
  GSource *upgrade_source;

  /* Deadlines (monotonic µs, 0 = none), checked by the server's one
   * heartbeat tick: a timer per session would make every main-loop
   * iteration walk thousands of sources. */
  gint64 ping_at;         /* send the next ping */
  gint64 pong_deadline;   /* a ping is out; drop the session after this */
  gint64 deadline;        /* the upper layer's (mc_eio_session_set_deadline) */
  GSource *fail_source;   /* deferred close (see session_fail_later) */
  char *fail_reason;
};

struct _McEioServer {
  SoupServer *soup;
  char *path;
  McEioServerConfig cfg;
  McEioServerEvents events;
  gpointer user_data;
  GMainContext *context;
  GHashTable *sessions;            /* sid -> McEioSession* (one ref) */
  GHashTable *leftovers;           /* sid -> Leftover* (eio_server.c) */
  McWsConnLoop *ws_loop;           /* every websocket, on one epoll set */
  GHashTable *upgrading;           /* SoupServerMessage* whose 101 is being written (ref) */
  GSource *tick;                   /* heartbeat: pings, pongs, deadlines */
  guint64 full_refused;            /* refused at max_clients since there was last room (one warning) */
  gboolean freeing;
};

/* ---- eio_server.c ---------------------------------------------------------- */

/* A new session in server->sessions, not yet opened. */
McEioSession *mc_eio_session_new (McEioServer *server, McEioTransport transport, const char *remote);
/* The OPEN packet text ({"sid",...}, without the '0'). */
char *mc_eio_session_open_packet (McEioSession *s, gboolean can_upgrade);
/* The OPEN packet is out: runs the opened callback. */
void mc_eio_session_opened (McEioSession *s);
/* One warning naming reason and the detail, then mc_eio_session_close(). */
void mc_eio_session_fail (McEioSession *s, const char *reason, const char *format, ...) G_GNUC_PRINTF (3, 4);
/* A packet from the client, on either transport. */
void mc_eio_session_handle_packet (McEioSession *s, McEioPacket *packet);
/* A MESSAGE from the client, up to the events table. */
void mc_eio_session_deliver (McEioSession *s, gboolean binary, const char *data, gsize len);
/* Answers the parked long-poll, if any, with what is queued. */
void mc_eio_session_flush_poll (McEioSession *s);
/* TRUE when max_clients sessions are open: a new one (msg's) is to be
 * refused. Warns once until a session closes. */
gboolean mc_eio_server_is_full (McEioServer *server, SoupServerMessage *msg);
/* "ADDR:PORT" of a request, for logs (g_malloc'd). */
char *mc_eio_remote_of (SoupServerMessage *msg);

/* ---- eio_websocket.c ------------------------------------------------------- */

/* Answers a websocket handshake the HTTP handler has checked; once the 101
 * is out the connection is a new session, or the probe of the upgrade of
 * the polling session its sid names. */
void mc_eio_websocket_accept (McEioServer *server, SoupServerMessage *msg);
/* A packet as one websocket frame (no-op when ws is NULL or not open). */
void mc_eio_websocket_send (McWsConn *ws, const McEioPacket *packet);
/* Closes *wsp after what is queued on it and clears it. */
void mc_eio_websocket_release (McWsConn **wsp);

G_END_DECLS

/* Engine.IO v4 / Socket.IO v5 server (namespace "/") on a SoupServer.
 * Wire facts: /work/shared/notes/socketio-v4.md and eio_server.h. */
#include "meshcall/server/eio_server.h"
#include "meshcall/base/log.h"
#include "meshcall/proto/sio_packet.h"
#include "meshcall/server/ws_conn.h"

#include <string.h>
#include <sys/random.h>

#define MC_LOG_CATEGORY (&mc_log_server)

/* Engine.IO's HTTP error codes (engine.io/lib/server.ts). */
enum {
  EIO_ERR_UNKNOWN_TRANSPORT = 0,
  EIO_ERR_UNKNOWN_SID = 1,
  EIO_ERR_BAD_HANDSHAKE_METHOD = 2,
  EIO_ERR_BAD_REQUEST = 3,
  EIO_ERR_FORBIDDEN = 4,
  EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION = 5,
};

/* Packets a polling client has not fetched yet are bounded so a client that
 * stops polling cannot make the server grow without end. */
#define OUTBOX_MIN_LIMIT (1024 * 1024)

#define BODY_KEY "mc-eio-body"

typedef enum { TRANSPORT_POLLING, TRANSPORT_WEBSOCKET } Transport;

typedef struct {
  McEioServerAckFunc func;
  gpointer user_data;
  GSource *timeout;
  McEioServerClient *client;   /* not a ref: the ack dies with the client */
  guint id;
} PendingAck;

/* One Engine.IO session, and its Socket.IO connection to "/". */
struct _McEioServerClient {
  gint ref;
  McEioServer *server;
  char *sid;        /* Engine.IO session id */
  char *sio_id;     /* Socket.IO id */
  char *remote;
  Transport transport;
  gboolean closed;
  gboolean sio_connected;
  gpointer data;

  /* polling */
  GPtrArray *outbox;               /* McEioPacket*, oldest first */
  gsize outbox_bytes;
  SoupServerMessage *pending_get;  /* the paused long-poll, if any */

  /* websocket, and the websocket being probed during an upgrade */
  McWsConn *ws;
  McWsConn *probe;
  gboolean probe_done;             /* "3probe" sent: answer polls with noop */

  /* Deadlines (monotonic µs, 0 = none), checked by the server's one
   * heartbeat tick: a timer per session would make every main-loop
   * iteration walk thousands of sources. */
  gint64 ping_at;         /* send the next ping */
  gint64 pong_deadline;   /* a ping is out; drop the client after this */
  gint64 connect_deadline;/* no CONNECT to "/" yet; drop it after this */
  GSource *upgrade_source;
  GSource *fail_source;            /* deferred close (see session_fail_later) */
  char *fail_reason;

  /* token bucket */
  double tokens;
  gint64 tokens_at;
  guint dropped;                   /* refused in the current window */
  gint64 window_start;

  /* announced binary attachments still to swallow */
  guint attachments_left;
  gint64 binary_ack_id;

  guint next_ack_id;
  GHashTable *acks;                /* id -> PendingAck* */
};

/* What a polling session closed by the server still had to say (a final
 * "41", the close packet), kept for the client's next poll. */
typedef struct {
  McEioServer *server;
  char *sid;
  char *body;
  GSource *timeout;
} Leftover;

struct _McEioServer {
  SoupServer *soup;
  char *path;
  McEioServerConfig cfg;
  McEioServerEvents events;
  gpointer user_data;
  GMainContext *context;
  GHashTable *sessions;            /* sid -> McEioServerClient* (one ref) */
  GHashTable *leftovers;           /* sid -> Leftover* */
  McWsConnLoop *ws_loop;           /* every websocket, on one epoll set */
  GHashTable *upgrading;           /* SoupServerMessage* whose 101 is being written (ref) */
  GSource *tick;                   /* heartbeat: pings, pong and connect deadlines */
  gboolean freeing;
};

typedef McEioServerClient Client;

typedef struct {
  GByteArray *data;
  gsize max;
  gboolean too_large;
} BodyBuf;

static void session_close (Client *c, const char *reason);
static void session_fail (Client *c, const char *reason, const char *format, ...) G_GNUC_PRINTF (3, 4);
static void session_send (Client *c, McEioPacket *packet);
static void handle_packet (Client *c, McEioPacket *packet);

void
mc_eio_server_config_init (McEioServerConfig *cfg)
{
  cfg->ping_interval_ms = 25000;
  cfg->ping_timeout_ms = 20000;
  cfg->max_payload = 128 * 1024;
  cfg->rate_limit = 200;
  cfg->max_clients = 4096;
  cfg->connect_timeout_ms = 45000;
  cfg->upgrade_timeout_ms = 10000;
}

/* ---- small helpers ------------------------------------------------------ */

static GSource *
timeout_attach (McEioServer *server, guint ms, GSourceFunc func, gpointer data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, server->context);
  return source;
}

static void
source_clear (GSource **source)
{
  if (*source) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

/* Unguessable ids: a sid is all it takes to post into a polling session. */
static char *
random_id (void)
{
  guint8 bytes[15];
  gsize n = 0;

  while (n < sizeof bytes) {
    ssize_t r = getrandom (bytes + n, sizeof bytes - n, 0);
    if (r <= 0)
      break;
    n += (gsize) r;
  }
  for (; n < sizeof bytes; n++)
    bytes[n] = (guint8) g_random_int_range (0, 256);

  char *id = g_base64_encode (bytes, sizeof bytes);
  for (char *p = id; *p; p++) {
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
  }
  return id;
}

static char *
remote_of (SoupServerMessage *msg)
{
  GSocketAddress *addr = soup_server_message_get_remote_address (msg);
  const char *host = soup_server_message_get_remote_host (msg);

  if (addr && G_IS_INET_SOCKET_ADDRESS (addr))
    return g_strdup_printf ("%s:%u", host ? host : "?",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr)));
  return g_strdup (host ? host : "?");
}

static Client *
session_ref (Client *c)
{
  c->ref++;
  return c;
}

static void
ack_free (PendingAck *ack)
{
  source_clear (&ack->timeout);
  g_free (ack);
}

static void
session_unref (Client *c)
{
  if (--c->ref > 0)
    return;
  /* session_close() released everything that points back at us. */
  g_assert (c->closed);
  g_ptr_array_unref (c->outbox);
  g_hash_table_unref (c->acks);
  g_free (c->sid);
  g_free (c->sio_id);
  g_free (c->remote);
  g_free (c->fail_reason);
  g_free (c);
}

/* ---- sending ------------------------------------------------------------ */

static void
ws_send_packet (McWsConn *ws, const McEioPacket *packet)
{
  if (ws == NULL || !mc_ws_conn_is_open (ws))
    return;
  if (packet->binary) {
    gsize len;
    gconstpointer data = g_bytes_get_data (packet->data, &len);
    mc_ws_conn_send_binary (ws, data, len);
  } else {
    g_autofree char *text = mc_eio_packet_encode (packet);
    mc_ws_conn_send_text (ws, text, strlen (text));
  }
}

static void
pending_get_gone (SoupServerMessage *msg, Client *c)
{
  if (c->pending_get == msg) {
    g_signal_handlers_disconnect_by_data (msg, c);
    g_clear_object (&c->pending_get);
  }
}

static void
respond_text (SoupServerMessage *msg, const char *content_type, char *body /* taken */)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_TAKE, body, strlen (body));
}

/* Answers a poll with everything queued (or a noop when nothing is). */
static void
respond_poll (Client *c, SoupServerMessage *msg, gboolean paused)
{
  char *body;

  if (c->outbox->len == 0)
    g_ptr_array_add (c->outbox, mc_eio_packet_new (MC_EIO_NOOP, NULL));
  body = mc_eio_payload_encode (c->outbox);
  g_ptr_array_set_size (c->outbox, 0);
  c->outbox_bytes = 0;
  respond_text (msg, "text/plain; charset=UTF-8", body);
  if (paused)
    soup_server_message_unpause (msg);
}

static void
flush_pending_get (Client *c)
{
  g_autoptr (SoupServerMessage) msg = NULL;

  if (c->pending_get == NULL)
    return;
  msg = g_steal_pointer (&c->pending_get);
  g_signal_handlers_disconnect_by_data (msg, c);
  respond_poll (c, msg, TRUE);
}

static gboolean
fail_later_cb (gpointer data)
{
  Client *c = data;
  g_autofree char *reason = g_steal_pointer (&c->fail_reason);

  source_clear (&c->fail_source);
  session_fail (c, "transport error", "%s", reason);
  return G_SOURCE_REMOVE;
}

/* Sending never closes a session synchronously: the caller may be walking
 * a list of clients. */
static void
session_fail_later (Client *c, const char *reason)
{
  if (c->fail_source || c->closed)
    return;
  c->fail_reason = g_strdup (reason);
  c->fail_source = timeout_attach (c->server, 0, fail_later_cb, c);
}

static void
session_send (Client *c, McEioPacket *packet)
{
  if (c->closed || c->fail_source) {
    mc_eio_packet_free (packet);
    return;
  }
  if (c->transport == TRANSPORT_WEBSOCKET) {
    ws_send_packet (c->ws, packet);
    mc_eio_packet_free (packet);
    return;
  }
  c->outbox_bytes += g_bytes_get_size (packet->data) + 2;
  g_ptr_array_add (c->outbox, packet);
  if (c->outbox_bytes > MAX (OUTBOX_MIN_LIMIT, 2 * (gsize) c->server->cfg.max_payload)) {
    session_fail_later (c, "polling client does not fetch its messages (send buffer full)");
    return;
  }
  flush_pending_get (c);
}

static void
send_sio (Client *c, McSioPacket *sio)
{
  g_autofree char *text = mc_sio_packet_encode (sio);

  session_send (c, mc_eio_packet_new (MC_EIO_MESSAGE, text));
}

/* ---- heartbeat and timers ----------------------------------------------- */

static gint64
ms_from_now (guint ms)
{
  return g_get_monotonic_time () + (gint64) ms * 1000;
}

/* Every session's heartbeat and deadlines, a few times per ping interval. */
static gboolean
tick_cb (gpointer data)
{
  McEioServer *server = data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr (GPtrArray) due = g_ptr_array_new_with_free_func ((GDestroyNotify) session_unref);
  GHashTableIter iter;
  gpointer value;

  /* Collect first: sending or closing must not touch the table we walk. */
  g_hash_table_iter_init (&iter, server->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Client *c = value;
    if ((c->pong_deadline && now >= c->pong_deadline) || (!c->pong_deadline && now >= c->ping_at) ||
        (c->connect_deadline && now >= c->connect_deadline))
      g_ptr_array_add (due, session_ref (c));
  }
  for (guint i = 0; i < due->len; i++) {
    Client *c = g_ptr_array_index (due, i);
    if (c->closed)
      continue;
    if (c->pong_deadline && now >= c->pong_deadline) {
      session_fail (c, "ping timeout", "no pong within %u ms", server->cfg.ping_timeout_ms);
    } else if (c->connect_deadline && now >= c->connect_deadline) {
      session_fail (c, "connect timeout", "no Socket.IO CONNECT within %u ms", server->cfg.connect_timeout_ms);
    } else if (!c->pong_deadline && now >= c->ping_at) {
      c->pong_deadline = now + (gint64) server->cfg.ping_timeout_ms * 1000;
      session_send (c, mc_eio_packet_new (MC_EIO_PING, NULL));
    }
  }
  return G_SOURCE_CONTINUE;
}

static void
ack_timeout_fire (PendingAck *ack)
{
  Client *c = ack->client;
  McEioServerAckFunc func = ack->func;
  gpointer user_data = ack->user_data;

  g_hash_table_steal (c->acks, GUINT_TO_POINTER (ack->id));
  ack_free (ack);
  func (c, NULL, user_data);
}

static gboolean
ack_timeout_cb (gpointer data)
{
  PendingAck *ack = data;
  Client *c = session_ref (ack->client);

  ack_timeout_fire (ack);
  session_unref (c);
  return G_SOURCE_REMOVE;
}

/* ---- session lifecycle ---------------------------------------------------- */

static Client *
session_new (McEioServer *server, Transport transport, const char *remote)
{
  Client *c = g_new0 (Client, 1);

  c->ref = 1;
  c->server = server;
  c->sid = random_id ();
  c->sio_id = random_id ();
  c->remote = g_strdup (remote);
  c->transport = transport;
  c->outbox = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_eio_packet_free);
  c->acks = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) ack_free);
  c->binary_ack_id = MC_SIO_NO_ACK;
  c->tokens = 2.0 * server->cfg.rate_limit;
  c->tokens_at = g_get_monotonic_time ();
  c->window_start = c->tokens_at;
  g_hash_table_insert (server->sessions, c->sid, c);
  c->ping_at = ms_from_now (server->cfg.ping_interval_ms);
  c->connect_deadline = ms_from_now (server->cfg.connect_timeout_ms);
  MC_INFO ("session %s opened by %s (%s)", c->sid, remote,
            transport == TRANSPORT_POLLING ? "polling" : "websocket");
  return c;
}

static char *
open_packet_text (Client *c, gboolean can_upgrade)
{
  McEioServerConfig *cfg = &c->server->cfg;

  return g_strdup_printf ("{\"sid\":\"%s\",\"upgrades\":[%s],\"pingInterval\":%u,"
                          "\"pingTimeout\":%u,\"maxPayload\":%u}",
                          c->sid, can_upgrade ? "\"websocket\"" : "", cfg->ping_interval_ms,
                          cfg->ping_timeout_ms, cfg->max_payload);
}

static void
ws_release (McWsConn **wsp, Client *c)
{
  McWsConn *ws = *wsp;

  if (ws == NULL)
    return;
  *wsp = NULL;
  /* The ws loop keeps it until the closing handshake is done, so queued
   * frames (a final "41") still go out. */
  mc_ws_conn_set_events (ws, NULL, NULL);
  mc_ws_conn_close (ws, MC_WS_CLOSE_NORMAL, NULL);
  mc_ws_conn_unref (ws);
}

static void
fail_pending_acks (Client *c)
{
  while (g_hash_table_size (c->acks) > 0) {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, c->acks);
    if (!g_hash_table_iter_next (&iter, NULL, &value))
      break;
    ack_timeout_fire (value);
  }
}

static void
sio_disconnected (Client *c, const char *reason)
{
  McEioServer *server = c->server;

  if (!c->sio_connected)
    return;
  c->sio_connected = FALSE;
  fail_pending_acks (c);
  if (server->events.disconnected && !server->freeing)
    server->events.disconnected (server, c, reason, server->user_data);
}

static void
leftover_free (Leftover *l)
{
  source_clear (&l->timeout);
  g_free (l->sid);
  g_free (l->body);
  g_free (l);
}

static gboolean
leftover_timeout_cb (gpointer data)
{
  Leftover *l = data;

  g_hash_table_remove (l->server->leftovers, l->sid);
  return G_SOURCE_REMOVE;
}

/* The queued packets go in one poll and the close packet in the next, as
 * engine.io does: socket.io-client handles a "41" on the next tick, so a
 * close packet in the same batch would win and the client would see
 * "transport close" instead of "io server disconnect". */
static void
leftover_keep (Client *c)
{
  McEioServer *server = c->server;
  Leftover *l = g_new0 (Leftover, 1);

  l->server = server;
  l->sid = g_strdup (c->sid);
  l->body = mc_eio_payload_encode (c->outbox);
  g_ptr_array_set_size (c->outbox, 0);
  l->timeout = timeout_attach (server, MAX (server->cfg.ping_timeout_ms, 5000), leftover_timeout_cb, l);
  g_hash_table_replace (server->leftovers, l->sid, l);
}

/* The one teardown path of a session. */
static void
session_close (Client *c, const char *reason)
{
  McEioServer *server = c->server;

  if (c->closed)
    return;
  c->closed = TRUE;   /* first: callbacks below may try to send to or close us */
  session_ref (c);
  sio_disconnected (c, reason);
  fail_pending_acks (c);
  source_clear (&c->upgrade_source);
  source_clear (&c->fail_source);

  if (c->pending_get) {
    g_autoptr (SoupServerMessage) msg = g_steal_pointer (&c->pending_get);
    g_signal_handlers_disconnect_by_data (msg, c);
    g_ptr_array_add (c->outbox, mc_eio_packet_new (MC_EIO_CLOSE, NULL));
    respond_poll (c, msg, TRUE);
  } else if (c->transport == TRANSPORT_POLLING && c->outbox->len > 0 && !server->freeing) {
    leftover_keep (c);
  }
  ws_release (&c->probe, c);
  ws_release (&c->ws, c);
  MC_INFO ("session %s (%s) closed: %s", c->sid, c->remote, reason);
  g_hash_table_remove (server->sessions, c->sid);
  session_unref (c);
}

static void
session_fail (Client *c, const char *reason, const char *format, ...)
{
  va_list args;
  g_autofree char *detail = NULL;

  if (c->closed)
    return;
  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  MC_WARNING ("client %s (%s): %s: %s; disconnecting it", c->sio_id, c->remote, reason, detail);
  session_close (c, reason);
}

/* ---- Socket.IO ---------------------------------------------------------- */

static void
sio_connect_error (Client *c, const char *nsp, const char *code, const char *message)
{
  g_autoptr (McSioPacket) sio = mc_sio_packet_new (MC_SIO_CONNECT_ERROR, nsp);
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  if (code) {
    json_builder_set_member_name (b, "data");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "code");
    json_builder_add_string_value (b, code);
    json_builder_end_object (b);
  }
  json_builder_end_object (b);
  sio->data = json_builder_get_root (b);
  send_sio (c, sio);
}

static void
sio_handle_connect (Client *c, McSioPacket *sio)
{
  McEioServer *server = c->server;
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;

  if (!g_str_equal (sio->nsp, "/")) {
    MC_WARNING ("client %s (%s): CONNECT to namespace %s refused: Invalid namespace", c->sio_id, c->remote,
                 sio->nsp);
    sio_connect_error (c, sio->nsp, NULL, "Invalid namespace");
    return;
  }
  if (c->sio_connected) {
    session_fail (c, "parse error", "CONNECT to / while already connected");
    return;
  }
  if (server->events.authorize &&
      !server->events.authorize (server, c, sio->data, &code, &message, server->user_data)) {
    MC_WARNING ("client %s (%s): CONNECT refused: %s", c->sio_id, c->remote,
                 message ? message : "(no reason)");
    sio_connect_error (c, "/", code, message ? message : "Connection refused");
    return;
  }
  if (c->closed)
    return;

  g_autoptr (McSioPacket) answer = mc_sio_packet_new (MC_SIO_CONNECT, "/");
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sid");
  json_builder_add_string_value (b, c->sio_id);
  json_builder_end_object (b);
  answer->data = json_builder_get_root (b);

  c->connect_deadline = 0;
  c->sio_connected = TRUE;
  send_sio (c, answer);
  MC_INFO ("client %s (%s) connected to / (session %s)", c->sio_id, c->remote, c->sid);
  if (server->events.connected)
    server->events.connected (server, c, server->user_data);
}

static void
refuse (Client *c, const char *code, const char *message, gint64 ack_id)
{
  McEioServer *server = c->server;

  if (server->events.refused && c->sio_connected)
    server->events.refused (server, c, code, message, ack_id, server->user_data);
}

/* TRUE when the client may send one more message now. A client far beyond
 * its rate is flooding: it is disconnected. */
static gboolean
rate_allow (Client *c)
{
  guint rate = c->server->cfg.rate_limit;
  gint64 now;

  if (rate == 0)
    return TRUE;
  now = g_get_monotonic_time ();
  c->tokens = MIN (2.0 * rate, c->tokens + (double) (now - c->tokens_at) * rate / G_USEC_PER_SEC);
  c->tokens_at = now;
  if (c->tokens >= 1.0) {
    c->tokens -= 1.0;
    return TRUE;
  }
  if (now - c->window_start > G_USEC_PER_SEC) {
    c->window_start = now;
    c->dropped = 0;
  }
  if (++c->dropped > 4 * rate)
    session_fail (c, "rate limit", "more than %u messages/s refused (limit %u/s)", 4 * rate, rate);
  return FALSE;
}

static void
sio_handle_ack (Client *c, McSioPacket *sio)
{
  PendingAck *ack;
  McEioServerAckFunc func;
  gpointer user_data;

  if (sio->ack_id < 0 || sio->ack_id > G_MAXUINT32 ||
      !(ack = g_hash_table_lookup (c->acks, GUINT_TO_POINTER ((guint) sio->ack_id)))) {
    MC_DEBUG ("client %s: ACK %" G_GINT64_FORMAT " for nothing we asked; ignored", c->sio_id, sio->ack_id);
    return;
  }
  func = ack->func;
  user_data = ack->user_data;
  g_hash_table_remove (c->acks, GUINT_TO_POINTER ((guint) sio->ack_id));
  func (c, sio->data ? json_node_get_array (sio->data) : NULL, user_data);
}

static void
sio_handle_text (Client *c, const char *text, gsize len)
{
  McEioServer *server = c->server;
  g_autoptr (GError) error = NULL;
  g_autoptr (McSioPacket) sio = NULL;

  if (c->attachments_left > 0) {
    session_fail (c, "parse error", "expected %u more binary attachment(s), got a text packet",
                  c->attachments_left);
    return;
  }
  sio = mc_sio_packet_decode (text, len, &error);
  if (sio == NULL) {
    session_fail (c, "parse error", "undecodable Socket.IO packet: %s", error->message);
    return;
  }
  if (!rate_allow (c)) {
    if (!c->closed)
      refuse (c, "rate-limited", "too many messages; slow down",
              sio->type == MC_SIO_EVENT ? sio->ack_id : MC_SIO_NO_ACK);
    return;
  }

  if (sio->type == MC_SIO_CONNECT) {
    sio_handle_connect (c, sio);
    return;
  }
  if (sio->type == MC_SIO_CONNECT_ERROR) {
    session_fail (c, "parse error", "CONNECT_ERROR is a server packet");
    return;
  }
  if (!g_str_equal (sio->nsp, "/") || !c->sio_connected) {
    if (sio->type == MC_SIO_DISCONNECT)
      return;   /* leaving something it never joined: harmless */
    session_fail (c, "parse error", "packet type %d for namespace %s, which it is not connected to",
                  sio->type, sio->nsp);
    return;
  }

  switch (sio->type) {
  case MC_SIO_DISCONNECT:
    sio_disconnected (c, "client namespace disconnect");
    /* Keep the session only as long as an unconnected one may live. */
    if (!c->closed && c->connect_deadline == 0)
      c->connect_deadline = ms_from_now (server->cfg.connect_timeout_ms);
    break;
  case MC_SIO_EVENT: {
    JsonArray *args = json_node_get_array (sio->data);
    g_autofree char *name = g_strdup (mc_sio_packet_get_event_name (sio));

    json_array_remove_element (args, 0);
    if (server->events.event)
      server->events.event (server, c, name, args, sio->ack_id, server->user_data);
    break;
  }
  case MC_SIO_ACK:
    sio_handle_ack (c, sio);
    break;
  case MC_SIO_BINARY_EVENT:
  case MC_SIO_BINARY_ACK:
    if (!mc_sio_packet_check_placeholders (sio, sio->n_attachments, &error)) {
      session_fail (c, "parse error", "binary packet: %s", error->message);
      return;
    }
    c->binary_ack_id = sio->type == MC_SIO_BINARY_EVENT ? sio->ack_id : MC_SIO_NO_ACK;
    c->attachments_left = sio->n_attachments;
    if (c->attachments_left == 0)
      refuse (c, "malformed", "binary packets are not supported by meshcall signaling", c->binary_ack_id);
    break;
  default:
    session_fail (c, "parse error", "unexpected packet type %d", sio->type);
    break;
  }
}

static void
sio_handle_binary (Client *c)
{
  if (c->attachments_left == 0) {
    session_fail (c, "parse error", "binary frame that no packet announced");
    return;
  }
  if (!rate_allow (c))
    return;   /* counted, not answered: it is part of a packet we refuse anyway */
  if (--c->attachments_left == 0) {
    refuse (c, "malformed", "binary attachments are not supported by meshcall signaling",
            c->binary_ack_id);
  }
}

/* ---- Engine.IO packets ---------------------------------------------------- */

static void
handle_packet (Client *c, McEioPacket *packet)
{
  gsize len;
  const char *data = g_bytes_get_data (packet->data, &len);

  switch (packet->type) {
  case MC_EIO_PONG:
    if (c->pong_deadline) {
      c->pong_deadline = 0;
      c->ping_at = ms_from_now (c->server->cfg.ping_interval_ms);
    }
    break;
  case MC_EIO_MESSAGE:
    if (packet->binary)
      sio_handle_binary (c);
    else
      sio_handle_text (c, data, len);
    break;
  case MC_EIO_CLOSE:
    session_close (c, "transport close");
    break;
  case MC_EIO_NOOP:
    break;
  case MC_EIO_PING:
    session_fail (c, "transport error", "sent a ping (Engine.IO v4 pings go from server to client)");
    break;
  default:
    session_fail (c, "transport error", "unexpected Engine.IO packet type %d", packet->type);
    break;
  }
}

/* ---- websocket ------------------------------------------------------------ */

static void
on_ws_message (McWsConn *ws, gboolean binary, const char *data, gsize len, gpointer user_data)
{
  Client *c = session_ref (user_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (McEioPacket) packet = NULL;

  if (binary) {
    sio_handle_binary (c);
  } else if ((packet = mc_eio_packet_decode (data, len, &error)) == NULL) {
    session_fail (c, "parse error", "undecodable Engine.IO packet: %s", error->message);
  } else {
    handle_packet (c, packet);
  }
  session_unref (c);
}

static void
on_ws_closed (McWsConn *ws, const char *error, gpointer user_data)
{
  Client *c = user_data;

  /* Protocol violations are the client's fault; I/O ends (a reset, a
   * vanished peer) are just how connections end. */
  if (error)
    session_fail (c, "transport error", "websocket: %s", error);
  else
    session_close (c, "transport close");
}

static void
ws_attach (Client *c, McWsConn *ws)
{
  static const McWsConnEvents events = { .message = on_ws_message, .closed = on_ws_closed };

  c->ws = mc_ws_conn_ref (ws);
  mc_ws_conn_set_events (ws, &events, c);
}

/* The probe websocket did not complete the upgrade: the session stays on polling. */
static void
probe_cancel (Client *c, const char *why)
{
  MC_INFO ("session %s (%s): upgrade abandoned: %s", c->sid, c->remote, why);
  source_clear (&c->upgrade_source);
  c->probe_done = FALSE;
  ws_release (&c->probe, c);
}

static gboolean
upgrade_timeout_cb (gpointer data)
{
  Client *c = data;

  source_clear (&c->upgrade_source);
  probe_cancel (c, "no upgrade packet in time");
  return G_SOURCE_REMOVE;
}

static void
upgrade_complete (Client *c)
{
  g_autoptr (McWsConn) ws = g_steal_pointer (&c->probe);

  source_clear (&c->upgrade_source);
  c->probe_done = FALSE;
  c->transport = TRANSPORT_WEBSOCKET;
  ws_attach (c, ws);
  /* A poll still open gets a noop; everything queued goes on the websocket. */
  if (c->pending_get) {
    g_autoptr (GPtrArray) queued = g_steal_pointer (&c->outbox);
    c->outbox = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_eio_packet_free);
    flush_pending_get (c);
    g_ptr_array_extend_and_steal (c->outbox, g_steal_pointer (&queued));
  }
  for (guint i = 0; i < c->outbox->len; i++)
    ws_send_packet (c->ws, g_ptr_array_index (c->outbox, i));
  g_ptr_array_set_size (c->outbox, 0);
  c->outbox_bytes = 0;
  MC_INFO ("session %s (%s) upgraded to websocket", c->sid, c->remote);
}

static void
on_probe_message (McWsConn *ws, gboolean binary, const char *text, gsize len, gpointer user_data)
{
  Client *c = session_ref (user_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (McEioPacket) packet = NULL;

  if (binary) {
    probe_cancel (c, "binary frame during upgrade");
    goto out;
  }
  packet = mc_eio_packet_decode (text, len, &error);
  if (packet && packet->type == MC_EIO_PING && g_bytes_get_size (packet->data) == 5 &&
      memcmp (g_bytes_get_data (packet->data, NULL), "probe", 5) == 0) {
    g_autoptr (McEioPacket) pong = mc_eio_packet_new (MC_EIO_PONG, "probe");
    ws_send_packet (ws, pong);
    c->probe_done = TRUE;
    flush_pending_get (c);   /* a noop makes the client pause polling */
  } else if (packet && packet->type == MC_EIO_UPGRADE && c->probe_done) {
    upgrade_complete (c);
  } else {
    probe_cancel (c, packet ? "unexpected packet during upgrade" : error->message);
  }
out:
  session_unref (c);
}

static void
on_probe_closed (McWsConn *ws, const char *error, gpointer user_data)
{
  probe_cancel (user_data, error ? error : "probe websocket closed");
}

static void
ws_reject (McWsConn *ws, const char *why)
{
  MC_INFO ("websocket refused: %s", why);
  mc_ws_conn_close (ws, MC_WS_CLOSE_POLICY_VIOLATION, why);
}

/* A websocket handshake was answered with 101: the connection is ours now,
 * a new session or the probe of a polling session's upgrade. */
static void
websocket_open (McEioServer *server, SoupServerMessage *msg, McWsConn *ws)
{
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr (GHashTable) params = query ? soup_form_decode (query) : NULL;
  const char *sid = params ? g_hash_table_lookup (params, "sid") : NULL;
  g_autofree char *remote = remote_of (msg);

  if (sid) {
    /* Checked in http_cb; the session may have ended since. */
    Client *c = g_hash_table_lookup (server->sessions, sid);
    static const McWsConnEvents events = { .message = on_probe_message, .closed = on_probe_closed };

    if (c == NULL || c->closed || c->transport != TRANSPORT_POLLING || c->probe) {
      ws_reject (ws, "session gone or already upgrading");
      return;
    }
    c->probe = mc_ws_conn_ref (ws);
    mc_ws_conn_set_events (ws, &events, c);
    c->upgrade_source = timeout_attach (server, server->cfg.upgrade_timeout_ms, upgrade_timeout_cb, c);
    return;
  }

  if (g_hash_table_size (server->sessions) >= server->cfg.max_clients) {
    MC_WARNING ("websocket from %s refused: %u sessions open (max-connections)", remote,
                 g_hash_table_size (server->sessions));
    ws_reject (ws, "too many connections");
    return;
  }
  Client *c = session_new (server, TRANSPORT_WEBSOCKET, remote);
  ws_attach (c, ws);
  g_autofree char *open = open_packet_text (c, FALSE);
  g_autoptr (McEioPacket) packet = mc_eio_packet_new (MC_EIO_OPEN, open);
  ws_send_packet (ws, packet);
}

/* The 101 is out: take the connection from libsoup (as its own websocket
 * handler would) and hand it to the ws loop. */
static void
on_upgrade_written (SoupServerMessage *msg, McEioServer *server)
{
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (McWsConn) ws = NULL;
  g_autoptr (GError) error = NULL;

  g_object_ref (msg);
  g_signal_handlers_disconnect_by_data (msg, server);
  g_hash_table_remove (server->upgrading, msg);
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL || (ws = mc_ws_conn_new (server->ws_loop, stream, server->cfg.max_payload, &error)) == NULL) {
    MC_WARNING ("websocket upgrade failed: %s", error ? error->message : "no connection to take over");
    if (stream)
      g_io_stream_close (stream, NULL, NULL);
  } else {
    websocket_open (server, msg, ws);
  }
  g_object_unref (msg);
}

/* The client went away before its 101 was written. */
static void
on_upgrade_aborted (SoupServerMessage *msg, McEioServer *server)
{
  g_signal_handlers_disconnect_by_data (msg, server);
  g_hash_table_remove (server->upgrading, msg);
}

/* Answers a websocket handshake libsoup-style but negotiates no extension:
 * socket.io turns permessage-deflate off by default too, and compressing
 * small signals costs more CPU and memory (a zlib stream per connection)
 * than it saves. */
static void
websocket_accept (McEioServer *server, SoupServerMessage *msg)
{
  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL)) {
    g_autofree char *remote = remote_of (msg);
    MC_INFO ("bad websocket handshake from %s (HTTP %u)", remote, soup_server_message_get_status (msg));
    return;
  }
  g_hash_table_add (server->upgrading, g_object_ref (msg));
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (on_upgrade_written), server);
  g_signal_connect (msg, "finished", G_CALLBACK (on_upgrade_aborted), server);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_upgrade_aborted), server);
}

/* ---- HTTP (polling, and the checks before a websocket upgrade) ------------ */

static void
http_error (SoupServerMessage *msg, guint status, int code, const char *message, const char *why)
{
  g_autofree char *remote = remote_of (msg);
  char *body = g_strdup_printf ("{\"code\":%d,\"message\":\"%s\"}", code, message);

  MC_INFO ("HTTP %u to %s %s from %s: %s", status, soup_server_message_get_method (msg),
            g_uri_get_path (soup_server_message_get_uri (msg)), remote, why);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
body_buf_free (BodyBuf *buf)
{
  g_byte_array_unref (buf->data);
  g_free (buf);
}

static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, BodyBuf *buf)
{
  gsize len = g_bytes_get_size (chunk);

  if (buf->too_large || buf->data->len + len > buf->max) {
    buf->too_large = TRUE;
    return;
  }
  g_byte_array_append (buf->data, g_bytes_get_data (chunk, NULL), len);
}

/* POST bodies are collected here, bounded by max_payload, instead of by
 * libsoup, which would keep any size in memory. */
static void
early_cb (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
          gpointer user_data)
{
  McEioServer *server = user_data;
  BodyBuf *buf;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    return;
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  buf = g_new0 (BodyBuf, 1);
  buf->data = g_byte_array_new ();
  buf->max = server->cfg.max_payload;
  g_object_set_data_full (G_OBJECT (msg), BODY_KEY, buf, (GDestroyNotify) body_buf_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), buf);
}

static void
polling_handshake (McEioServer *server, SoupServerMessage *msg)
{
  g_autofree char *remote = remote_of (msg);
  Client *c;

  if (g_hash_table_size (server->sessions) >= server->cfg.max_clients) {
    MC_WARNING ("connection from %s refused: %u sessions open (max-connections)", remote,
                 g_hash_table_size (server->sessions));
    http_error (msg, SOUP_STATUS_FORBIDDEN, EIO_ERR_FORBIDDEN, "Forbidden", "too many sessions");
    return;
  }
  c = session_new (server, TRANSPORT_POLLING, remote);
  g_autofree char *open = open_packet_text (c, TRUE);
  respond_text (msg, "text/plain; charset=UTF-8", g_strconcat ("0", open, NULL));
}

static void
polling_get (Client *c, SoupServerMessage *msg)
{
  if (c->pending_get) {
    http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_REQUEST, "Bad request", "overlapping poll");
    session_fail (c, "transport error", "a second poll while one is open");
    return;
  }
  if (c->outbox->len > 0 || c->probe_done) {
    respond_poll (c, msg, FALSE);
    return;
  }
  /* A status now, or libsoup would go on to try a websocket handshake on it. */
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_pause (msg);
  c->pending_get = g_object_ref (msg);
  g_signal_connect (msg, "finished", G_CALLBACK (pending_get_gone), c);
  g_signal_connect (msg, "disconnected", G_CALLBACK (pending_get_gone), c);
}

static void
polling_post (Client *c, SoupServerMessage *msg)
{
  BodyBuf *buf = g_object_get_data (G_OBJECT (msg), BODY_KEY);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) packets = NULL;

  if (buf == NULL || buf->too_large) {
    http_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, EIO_ERR_BAD_REQUEST, "Payload too large",
                "body over maxPayload");
    session_fail (c, "transport error", "polling body over maxPayload (%u bytes)", c->server->cfg.max_payload);
    return;
  }
  packets = mc_eio_payload_decode ((const char *) buf->data->data, buf->data->len, &error);
  if (packets == NULL) {
    http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_REQUEST, "Bad request", error->message);
    session_fail (c, "parse error", "undecodable polling body: %s", error->message);
    return;
  }
  respond_text (msg, "text/html", g_strdup ("ok"));
  session_ref (c);
  for (guint i = 0; i < packets->len && !c->closed; i++)
    handle_packet (c, g_ptr_array_index (packets, i));
  session_unref (c);
}

static gboolean
is_websocket_upgrade (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);

  return soup_message_headers_header_contains (h, "Upgrade", "websocket");
}

static void
http_cb (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer user_data)
{
  McEioServer *server = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *transport = query ? g_hash_table_lookup (query, "transport") : NULL;
  const char *eio = query ? g_hash_table_lookup (query, "EIO") : NULL;
  const char *sid = query ? g_hash_table_lookup (query, "sid") : NULL;
  Client *c = NULL;

  if (transport == NULL || !(g_str_equal (transport, "polling") || g_str_equal (transport, "websocket"))) {
    http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_UNKNOWN_TRANSPORT, "Transport unknown",
                "transport missing or unknown");
    return;
  }
  if (eio == NULL || !g_str_equal (eio, "4")) {
    http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION,
                "Unsupported protocol version", "EIO is not 4");
    return;
  }
  if (sid) {
    c = g_hash_table_lookup (server->sessions, sid);
    Leftover *l = c ? NULL : g_hash_table_lookup (server->leftovers, sid);
    if (l && method == SOUP_METHOD_GET && g_str_equal (transport, "polling")) {
      gboolean last = g_str_equal (l->body, "1");
      respond_text (msg, "text/plain; charset=UTF-8", g_steal_pointer (&l->body));
      if (last)
        g_hash_table_remove (server->leftovers, sid);
      else
        l->body = g_strdup ("1");
      return;
    }
    if (c == NULL || c->closed) {
      http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_UNKNOWN_SID, "Session ID unknown", "unknown sid");
      return;
    }
  }

  if (g_str_equal (transport, "websocket")) {
    if (!is_websocket_upgrade (msg) || method != SOUP_METHOD_GET) {
      http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_REQUEST, "Bad request",
                  "transport=websocket without a websocket upgrade");
      return;
    }
    if (c == NULL && g_hash_table_size (server->sessions) >= server->cfg.max_clients) {
      g_autofree char *remote = remote_of (msg);
      MC_WARNING ("websocket from %s refused: %u sessions open (max-connections)", remote,
                   g_hash_table_size (server->sessions));
      http_error (msg, SOUP_STATUS_FORBIDDEN, EIO_ERR_FORBIDDEN, "Forbidden", "too many sessions");
      return;
    }
    if (c && (c->transport != TRANSPORT_POLLING || c->probe)) {
      http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_REQUEST, "Bad request",
                  "session already upgraded or upgrading");
      return;
    }
    websocket_accept (server, msg);
    return;
  }

  if (c == NULL) {
    if (method != SOUP_METHOD_GET) {
      http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_HANDSHAKE_METHOD, "Bad handshake method",
                  "handshake is not a GET");
      return;
    }
    polling_handshake (server, msg);
    return;
  }
  if (c->transport != TRANSPORT_POLLING) {
    http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_REQUEST, "Bad request",
                "polling request for a websocket session");
    return;
  }
  if (method == SOUP_METHOD_GET)
    polling_get (c, msg);
  else if (method == SOUP_METHOD_POST)
    polling_post (c, msg);
  else
    http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_REQUEST, "Bad request", "method not GET or POST");
}

/* ---- public API ------------------------------------------------------------ */

McEioServer *
mc_eio_server_new (SoupServer *soup, const char *path, const McEioServerConfig *cfg,
                   const McEioServerEvents *events, gpointer user_data)
{
  McEioServer *server = g_new0 (McEioServer, 1);

  server->soup = g_object_ref (soup);
  server->path = g_strdup (path);
  server->cfg = *cfg;
  if (server->cfg.ping_interval_ms == 0)
    server->cfg.ping_interval_ms = 25000;
  if (server->cfg.ping_timeout_ms == 0)
    server->cfg.ping_timeout_ms = 20000;
  if (server->cfg.max_payload == 0)
    server->cfg.max_payload = 128 * 1024;
  if (server->cfg.connect_timeout_ms == 0)
    server->cfg.connect_timeout_ms = 45000;
  if (server->cfg.upgrade_timeout_ms == 0)
    server->cfg.upgrade_timeout_ms = 10000;
  if (server->cfg.max_clients == 0)
    server->cfg.max_clients = G_MAXUINT;
  if (events)
    server->events = *events;
  server->user_data = user_data;
  server->context = g_main_context_ref_thread_default ();
  server->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) session_unref);
  server->leftovers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) leftover_free);
  server->ws_loop = mc_ws_conn_loop_new (server->context);
  server->upgrading = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);

  /* Deadlines are met within a tick: an eighth of the shorter heartbeat time. */
  server->tick = timeout_attach (server, CLAMP (MIN (server->cfg.ping_interval_ms, server->cfg.ping_timeout_ms) / 8, 10, 1000),
                                 tick_cb, server);
  soup_server_add_early_handler (soup, path, early_cb, server, NULL);
  soup_server_add_handler (soup, path, http_cb, server, NULL);
  return server;
}

void
mc_eio_server_free (McEioServer *server)
{
  if (server == NULL)
    return;
  server->freeing = TRUE;
  source_clear (&server->tick);
  soup_server_remove_handler (server->soup, server->path);
  while (g_hash_table_size (server->sessions) > 0) {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, server->sessions);
    if (!g_hash_table_iter_next (&iter, NULL, &value))
      break;
    session_close (value, "server shutting down");
  }
  g_hash_table_unref (server->sessions);
  g_hash_table_unref (server->leftovers);
  {
    GHashTableIter iter;
    gpointer msg;

    g_hash_table_iter_init (&iter, server->upgrading);
    while (g_hash_table_iter_next (&iter, &msg, NULL))
      g_signal_handlers_disconnect_by_data (msg, server);
    g_hash_table_unref (server->upgrading);
  }
  mc_ws_conn_loop_free (server->ws_loop);
  g_main_context_unref (server->context);
  g_object_unref (server->soup);
  g_free (server->path);
  g_free (server);
}

guint
mc_eio_server_get_n_sessions (McEioServer *server)
{
  return g_hash_table_size (server->sessions);
}

const char *
mc_eio_server_client_get_id (McEioServerClient *client)
{
  return client->sio_id;
}

const char *
mc_eio_server_client_get_remote (McEioServerClient *client)
{
  return client->remote;
}

const char *
mc_eio_server_client_get_transport (McEioServerClient *client)
{
  return client->transport == TRANSPORT_WEBSOCKET ? "websocket" : "polling";
}

void
mc_eio_server_client_set_data (McEioServerClient *client, gpointer data)
{
  client->data = data;
}

gpointer
mc_eio_server_client_get_data (McEioServerClient *client)
{
  return client->data;
}

void
mc_eio_server_client_emit (McEioServerClient *client, const char *event, JsonNode *arg)
{
  g_autoptr (McSioPacket) sio = NULL;

  if (client->closed || !client->sio_connected)
    return;
  sio = mc_sio_packet_new_event ("/", event, arg, MC_SIO_NO_ACK);
  send_sio (client, sio);
}

void
mc_eio_server_client_emit_with_ack (McEioServerClient *client, const char *event, JsonNode *arg,
                                    guint timeout_ms, McEioServerAckFunc func, gpointer user_data)
{
  g_autoptr (McSioPacket) sio = NULL;
  PendingAck *ack;

  if (client->closed || !client->sio_connected) {
    func (client, NULL, user_data);
    return;
  }
  ack = g_new0 (PendingAck, 1);
  ack->func = func;
  ack->user_data = user_data;
  ack->client = client;
  ack->id = client->next_ack_id;
  client->next_ack_id = (client->next_ack_id + 1) & G_MAXINT32;
  if (timeout_ms > 0)
    ack->timeout = timeout_attach (client->server, timeout_ms, ack_timeout_cb, ack);
  g_hash_table_replace (client->acks, GUINT_TO_POINTER (ack->id), ack);
  sio = mc_sio_packet_new_event ("/", event, arg, ack->id);
  send_sio (client, sio);
}

void
mc_eio_server_client_ack (McEioServerClient *client, gint64 ack_id, JsonNode *arg)
{
  g_autoptr (McSioPacket) sio = NULL;

  if (ack_id == MC_SIO_NO_ACK || client->closed || !client->sio_connected)
    return;
  sio = mc_sio_packet_new_ack ("/", ack_id, arg);
  send_sio (client, sio);
}

void
mc_eio_server_client_disconnect (McEioServerClient *client, const char *reason)
{
  g_autoptr (McSioPacket) sio = NULL;

  if (client->closed)
    return;
  MC_WARNING ("client %s (%s) disconnected by the server: %s", client->sio_id, client->remote, reason);
  if (client->sio_connected) {
    sio = mc_sio_packet_new (MC_SIO_DISCONNECT, "/");
    send_sio (client, sio);
  }
  session_close (client, "server namespace disconnect");
}

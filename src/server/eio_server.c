/* Engine.IO v4 server on a SoupServer (eio_server.h): sessions, the
 * heartbeat, HTTP long-polling and the checks before a websocket upgrade
 * (the websocket side is eio_websocket.c). Wire facts:
 * /work/shared/notes/socketio-v4.md. */
#include "eio_internal.h"
#include "http_listener.h"
#include "meshcall/base/log.h"
#include "server_util.h"

#include <string.h>

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

/* What a polling session closed by the server still had to say (a final
 * "41", the close packet), kept for the client's next poll. */
typedef struct {
  McEioServer *server;
  char *sid;
  char *body;
  GSource *timeout;
} Leftover;

typedef struct {
  McEioServer *server;
  char *sid;           /* the session the body is for, if named */
  GByteArray *data;
} BodyBuf;

void
mc_eio_server_config_init (McEioServerConfig *cfg)
{
  cfg->ping_interval_ms = 25000;
  cfg->ping_timeout_ms = 20000;
  cfg->max_payload = 128 * 1024;
  cfg->max_clients = 4096;
  cfg->upgrade_timeout_ms = 10000;
}

/* ---- small helpers ------------------------------------------------------ */

static GSource *
timeout_attach (McEioServer *server, guint ms, GSourceFunc func, gpointer data)
{
  return mc_server_timeout_add (server->context, ms, func, data);
}

static gint64
ms_from_now (guint ms)
{
  return g_get_monotonic_time () + (gint64) ms * 1000;
}

char *
mc_eio_remote_of (SoupServerMessage *msg)
{
  GSocketAddress *addr = soup_server_message_get_remote_address (msg);
  const char *host = soup_server_message_get_remote_host (msg);

  if (addr && G_IS_INET_SOCKET_ADDRESS (addr))
    return g_strdup_printf ("%s:%u", host ? host : "?",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr)));
  return g_strdup (host ? host : "?");
}

static void
http_error (SoupServerMessage *msg, guint status, int code, const char *message, const char *why)
{
  g_autofree char *remote = mc_eio_remote_of (msg);
  char *body = g_strdup_printf ("{\"code\":%d,\"message\":\"%s\"}", code, message);

  MC_INFO ("HTTP %u to %s %s from %s: %s", status, soup_server_message_get_method (msg),
            g_uri_get_path (soup_server_message_get_uri (msg)), remote, why);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

gboolean
mc_eio_server_is_full (McEioServer *server, SoupServerMessage *msg)
{
  guint n = g_hash_table_size (server->sessions);

  if (n < server->cfg.max_clients)
    return FALSE;
  /* One warning until there is room again: a storm must not flood the log. */
  if (server->full_refused++ == 0) {
    g_autofree char *remote = mc_eio_remote_of (msg);
    MC_WARNING ("connection from %s refused: %u sessions open (max-connections); refusing others silently "
                "until one closes", remote, n);
  }
  return TRUE;
}

McEioSession *
mc_eio_session_ref (McEioSession *s)
{
  s->ref++;
  return s;
}

void
mc_eio_session_unref (McEioSession *s)
{
  if (--s->ref > 0)
    return;
  /* mc_eio_session_close() released everything that points back at us. */
  g_assert (s->closed);
  if (s->data_destroy)
    s->data_destroy (s->data);
  g_ptr_array_unref (s->outbox);
  g_free (s->sid);
  g_free (s->remote);
  g_free (s->fail_reason);
  g_free (s);
}

/* ---- sending ------------------------------------------------------------ */

static void
pending_get_gone (SoupServerMessage *msg, McEioSession *s)
{
  if (s->pending_get == msg) {
    g_signal_handlers_disconnect_by_data (msg, s);
    g_clear_object (&s->pending_get);
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
respond_poll (McEioSession *s, SoupServerMessage *msg, gboolean paused)
{
  char *body;

  if (s->outbox->len == 0)
    g_ptr_array_add (s->outbox, mc_eio_packet_new (MC_EIO_NOOP, NULL));
  body = mc_eio_payload_encode (s->outbox);
  g_ptr_array_set_size (s->outbox, 0);
  s->outbox_bytes = 0;
  respond_text (msg, "text/plain; charset=UTF-8", body);
  if (paused)
    soup_server_message_unpause (msg);
}

void
mc_eio_session_flush_poll (McEioSession *s)
{
  g_autoptr (SoupServerMessage) msg = NULL;

  if (s->pending_get == NULL)
    return;
  msg = g_steal_pointer (&s->pending_get);
  g_signal_handlers_disconnect_by_data (msg, s);
  respond_poll (s, msg, TRUE);
}

static gboolean
fail_later_cb (gpointer data)
{
  McEioSession *s = data;
  g_autofree char *reason = g_steal_pointer (&s->fail_reason);

  mc_server_source_clear (&s->fail_source);
  mc_eio_session_fail (s, "transport error", "%s", reason);
  return G_SOURCE_REMOVE;
}

/* Sending never closes a session synchronously: the caller may be walking
 * a list of sessions. */
static void
session_fail_later (McEioSession *s, const char *reason)
{
  if (s->fail_source || s->closed)
    return;
  s->fail_reason = g_strdup (reason);
  s->fail_source = timeout_attach (s->server, 0, fail_later_cb, s);
}

static void
session_send (McEioSession *s, McEioPacket *packet)
{
  if (s->closed || s->fail_source) {
    mc_eio_packet_free (packet);
    return;
  }
  if (s->transport == MC_EIO_TRANSPORT_WEBSOCKET) {
    mc_eio_websocket_send (s->ws, packet);
    mc_eio_packet_free (packet);
    return;
  }
  s->outbox_bytes += g_bytes_get_size (packet->data) + 2;
  g_ptr_array_add (s->outbox, packet);
  if (s->outbox_bytes > MAX (OUTBOX_MIN_LIMIT, 2 * (gsize) s->server->cfg.max_payload)) {
    session_fail_later (s, "polling client does not fetch its messages (send buffer full)");
    return;
  }
  mc_eio_session_flush_poll (s);
}

/* ---- heartbeat ------------------------------------------------------------ */

static gboolean
session_is_due (McEioSession *s, gint64 now)
{
  return (s->pong_deadline && now >= s->pong_deadline) || (!s->pong_deadline && now >= s->ping_at) ||
         (s->deadline && now >= s->deadline);
}

/* Every session's heartbeat and deadlines, a few times per ping interval. */
static gboolean
tick_cb (gpointer data)
{
  McEioServer *server = data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr (GPtrArray) due = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_eio_session_unref);
  GHashTableIter iter;
  gpointer value;

  /* Collect first: sending or closing must not touch the table we walk. */
  g_hash_table_iter_init (&iter, server->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    if (session_is_due (value, now))
      g_ptr_array_add (due, mc_eio_session_ref (value));
  }
  for (guint i = 0; i < due->len; i++) {
    McEioSession *s = g_ptr_array_index (due, i);
    if (s->closed)
      continue;
    if (s->pong_deadline && now >= s->pong_deadline) {
      mc_eio_session_fail (s, "ping timeout", "no pong within %u ms", server->cfg.ping_timeout_ms);
    } else if (s->deadline && now >= s->deadline) {
      s->deadline = 0;
      if (server->events.deadline)
        server->events.deadline (server, s, server->user_data);
    } else if (!s->pong_deadline && now >= s->ping_at) {
      s->pong_deadline = now + (gint64) server->cfg.ping_timeout_ms * 1000;
      session_send (s, mc_eio_packet_new (MC_EIO_PING, NULL));
    }
  }
  return G_SOURCE_CONTINUE;
}

/* ---- session lifecycle ---------------------------------------------------- */

McEioSession *
mc_eio_session_new (McEioServer *server, McEioTransport transport, const char *remote)
{
  McEioSession *s = g_new0 (McEioSession, 1);

  s->ref = 1;
  s->server = server;
  s->sid = mc_server_random_id ();
  s->remote = g_strdup (remote);
  s->transport = transport;
  s->outbox = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_eio_packet_free);
  g_hash_table_insert (server->sessions, s->sid, s);
  s->ping_at = ms_from_now (server->cfg.ping_interval_ms);
  MC_INFO ("session %s opened by %s (%s)", s->sid, remote,
            transport == MC_EIO_TRANSPORT_POLLING ? "polling" : "websocket");
  return s;
}

void
mc_eio_session_opened (McEioSession *s)
{
  McEioServer *server = s->server;

  s->opened = TRUE;
  if (server->events.opened)
    server->events.opened (server, s, server->user_data);
}

char *
mc_eio_session_open_packet (McEioSession *s, gboolean can_upgrade)
{
  McEioServerConfig *cfg = &s->server->cfg;

  return g_strdup_printf ("{\"sid\":\"%s\",\"upgrades\":[%s],\"pingInterval\":%u,"
                          "\"pingTimeout\":%u,\"maxPayload\":%u}",
                          s->sid, can_upgrade ? "\"websocket\"" : "", cfg->ping_interval_ms,
                          cfg->ping_timeout_ms, cfg->max_payload);
}

static void
leftover_free (Leftover *l)
{
  mc_server_source_clear (&l->timeout);
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
leftover_keep (McEioSession *s)
{
  McEioServer *server = s->server;
  Leftover *l = g_new0 (Leftover, 1);

  l->server = server;
  l->sid = g_strdup (s->sid);
  l->body = mc_eio_payload_encode (s->outbox);
  g_ptr_array_set_size (s->outbox, 0);
  l->timeout = timeout_attach (server, MAX (server->cfg.ping_timeout_ms, 5000), leftover_timeout_cb, l);
  g_hash_table_replace (server->leftovers, l->sid, l);
}

/* The one teardown path of a session. */
void
mc_eio_session_close (McEioSession *s, const char *reason)
{
  McEioServer *server = s->server;

  if (s->closed)
    return;
  s->closed = TRUE;   /* first: callbacks below may try to send to or close us */
  mc_eio_session_ref (s);
  if (s->opened && server->events.closed)
    server->events.closed (server, s, reason, server->user_data);
  mc_server_source_clear (&s->upgrade_source);
  mc_server_source_clear (&s->fail_source);

  if (s->pending_get) {
    g_autoptr (SoupServerMessage) msg = g_steal_pointer (&s->pending_get);
    g_signal_handlers_disconnect_by_data (msg, s);
    g_ptr_array_add (s->outbox, mc_eio_packet_new (MC_EIO_CLOSE, NULL));
    respond_poll (s, msg, TRUE);
  } else if (s->transport == MC_EIO_TRANSPORT_POLLING && s->outbox->len > 0 && !server->freeing) {
    leftover_keep (s);
  }
  mc_eio_websocket_release (&s->probe);
  mc_eio_websocket_release (&s->ws);
  MC_INFO ("session %s (%s) closed: %s", s->sid, s->remote, reason);
  g_hash_table_remove (server->sessions, s->sid);
  if (server->full_refused) {
    MC_INFO ("room for sessions again: %" G_GUINT64_FORMAT " connections were refused at max-connections",
             server->full_refused);
    server->full_refused = 0;
  }
  mc_eio_session_unref (s);
}

void
mc_eio_session_fail (McEioSession *s, const char *reason, const char *format, ...)
{
  va_list args;
  g_autofree char *detail = NULL;

  if (s->closed)
    return;
  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  MC_WARNING ("session %s (%s): %s: %s; disconnecting it", s->sid, s->remote, reason, detail);
  mc_eio_session_close (s, reason);
}

/* ---- Engine.IO packets ---------------------------------------------------- */

void
mc_eio_session_deliver (McEioSession *s, gboolean binary, const char *data, gsize len)
{
  McEioServer *server = s->server;

  if (server->events.message)
    server->events.message (server, s, binary, data, len, server->user_data);
}

void
mc_eio_session_handle_packet (McEioSession *s, McEioPacket *packet)
{
  gsize len;
  const char *data = g_bytes_get_data (packet->data, &len);

  switch (packet->type) {
  case MC_EIO_PONG:
    if (s->pong_deadline) {
      s->pong_deadline = 0;
      s->ping_at = ms_from_now (s->server->cfg.ping_interval_ms);
    }
    break;
  case MC_EIO_MESSAGE:
    mc_eio_session_deliver (s, packet->binary, data, len);
    break;
  case MC_EIO_CLOSE:
    mc_eio_session_close (s, "transport close");
    break;
  case MC_EIO_NOOP:
    break;
  case MC_EIO_PING:
    mc_eio_session_fail (s, "transport error", "sent a ping (Engine.IO v4 pings go from server to client)");
    break;
  default:
    mc_eio_session_fail (s, "transport error", "unexpected Engine.IO packet type %d", packet->type);
    break;
  }
}

/* ---- HTTP: polling, and the checks before a websocket upgrade --------------- */

static void
body_buf_free (BodyBuf *buf)
{
  g_byte_array_unref (buf->data);
  g_free (buf->sid);
  g_free (buf);
}

/* Answered before the rest of the body is read (http_listener.h); the
 * session it was for has broken the protocol. */
static void
refuse_body (McEioServer *server, SoupServerMessage *msg, const char *sid)
{
  g_autofree char *remote = mc_eio_remote_of (msg);
  McEioSession *s = sid ? g_hash_table_lookup (server->sessions, sid) : NULL;

  MC_INFO ("HTTP 413 to POST %s from %s: body over maxPayload", g_uri_get_path (soup_server_message_get_uri (msg)),
           remote);
  mc_http_refuse_body (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "{\"code\":3,\"message\":\"Payload too large\"}");
  if (s && !s->closed)
    mc_eio_session_fail (s, "transport error", "polling body over maxPayload (%u bytes)", server->cfg.max_payload);
}

static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, BodyBuf *buf)
{
  gsize len = g_bytes_get_size (chunk);

  if (buf->data->len + len > buf->server->cfg.max_payload) {
    g_signal_handlers_disconnect_by_data (msg, buf);   /* no more chunks for us */
    refuse_body (buf->server, msg, buf->sid);
    return;
  }
  g_byte_array_append (buf->data, g_bytes_get_data (chunk, NULL), len);
}

/* POST bodies are collected here, bounded by max_payload, instead of by
 * libsoup, which would keep any size in memory; one announced as larger is
 * refused before it is read. Other bodies are refused by the listener
 * (http_listener.h), a GET's with 413, those of other methods here with
 * engine.io's 400. */
static void
early_cb (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
          gpointer user_data)
{
  McEioServer *server = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  const char *sid = query ? g_hash_table_lookup (query, "sid") : NULL;
  BodyBuf *buf;

  if (method != SOUP_METHOD_POST && method != SOUP_METHOD_GET && mc_http_has_body (msg)) {
    /* What http_cb would answer, without reading the body first. */
    g_autofree char *remote = mc_eio_remote_of (msg);
    MC_INFO ("HTTP 400 to %s %s from %s: method not GET or POST", method, path, remote);
    mc_http_refuse_body (msg, SOUP_STATUS_BAD_REQUEST, "{\"code\":3,\"message\":\"Bad request\"}");
    return;
  }
  if (method != SOUP_METHOD_POST)
    return;
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > server->cfg.max_payload) {
    refuse_body (server, msg, sid);
    return;
  }
  mc_http_claim_body (msg);
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  buf = g_new0 (BodyBuf, 1);
  buf->server = server;
  buf->sid = g_strdup (sid);
  buf->data = g_byte_array_new ();
  g_object_set_data_full (G_OBJECT (msg), BODY_KEY, buf, (GDestroyNotify) body_buf_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), buf);
}

static void
polling_handshake (McEioServer *server, SoupServerMessage *msg)
{
  g_autofree char *remote = mc_eio_remote_of (msg);
  McEioSession *s;

  if (mc_eio_server_is_full (server, msg)) {
    http_error (msg, SOUP_STATUS_FORBIDDEN, EIO_ERR_FORBIDDEN, "Forbidden", "too many sessions");
    return;
  }
  s = mc_eio_session_new (server, MC_EIO_TRANSPORT_POLLING, remote);
  g_autofree char *open = mc_eio_session_open_packet (s, TRUE);
  respond_text (msg, "text/plain; charset=UTF-8", g_strconcat ("0", open, NULL));
  mc_eio_session_opened (s);
}

static void
polling_get (McEioSession *s, SoupServerMessage *msg)
{
  if (s->pending_get) {
    http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_REQUEST, "Bad request", "overlapping poll");
    mc_eio_session_fail (s, "transport error", "a second poll while one is open");
    return;
  }
  if (s->outbox->len > 0 || s->probe_done) {
    respond_poll (s, msg, FALSE);
    return;
  }
  /* A status now, or libsoup would go on to try a websocket handshake on it. */
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_pause (msg);
  s->pending_get = g_object_ref (msg);
  g_signal_connect (msg, "finished", G_CALLBACK (pending_get_gone), s);
  g_signal_connect (msg, "disconnected", G_CALLBACK (pending_get_gone), s);
}

static void
polling_post (McEioSession *s, SoupServerMessage *msg)
{
  /* Set by early_cb; a body over maxPayload was refused there, with a
   * status, so this handler does not run for it. */
  BodyBuf *buf = g_object_get_data (G_OBJECT (msg), BODY_KEY);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) packets = NULL;

  packets = mc_eio_payload_decode ((const char *) buf->data->data, buf->data->len, &error);
  if (packets == NULL) {
    http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_REQUEST, "Bad request", error->message);
    mc_eio_session_fail (s, "parse error", "undecodable polling body: %s", error->message);
    return;
  }
  respond_text (msg, "text/html", g_strdup ("ok"));
  mc_eio_session_ref (s);
  for (guint i = 0; i < packets->len && !s->closed; i++)
    mc_eio_session_handle_packet (s, g_ptr_array_index (packets, i));
  mc_eio_session_unref (s);
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
  McEioSession *s = NULL;

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
    s = g_hash_table_lookup (server->sessions, sid);
    Leftover *l = s ? NULL : g_hash_table_lookup (server->leftovers, sid);
    if (l && method == SOUP_METHOD_GET && g_str_equal (transport, "polling")) {
      gboolean last = g_str_equal (l->body, "1");
      respond_text (msg, "text/plain; charset=UTF-8", g_steal_pointer (&l->body));
      if (last)
        g_hash_table_remove (server->leftovers, sid);
      else
        l->body = g_strdup ("1");
      return;
    }
    if (s == NULL || s->closed) {
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
    if (s == NULL && mc_eio_server_is_full (server, msg)) {
      http_error (msg, SOUP_STATUS_FORBIDDEN, EIO_ERR_FORBIDDEN, "Forbidden", "too many sessions");
      return;
    }
    if (s && (s->transport != MC_EIO_TRANSPORT_POLLING || s->probe)) {
      http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_REQUEST, "Bad request",
                  "session already upgraded or upgrading");
      return;
    }
    mc_eio_websocket_accept (server, msg);
    return;
  }

  if (s == NULL) {
    if (method != SOUP_METHOD_GET) {
      http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_HANDSHAKE_METHOD, "Bad handshake method",
                  "handshake is not a GET");
      return;
    }
    polling_handshake (server, msg);
    return;
  }
  if (s->transport != MC_EIO_TRANSPORT_POLLING) {
    http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_REQUEST, "Bad request",
                "polling request for a websocket session");
    return;
  }
  if (method == SOUP_METHOD_GET)
    polling_get (s, msg);
  else if (method == SOUP_METHOD_POST)
    polling_post (s, msg);
  else
    http_error (msg, SOUP_STATUS_BAD_REQUEST, EIO_ERR_BAD_REQUEST, "Bad request", "method not GET or POST");
}

/* ---- public API ------------------------------------------------------------ */

McEioServer *
mc_eio_server_new (SoupServer *soup, const char *path, const McEioServerConfig *cfg,
                   const McEioServerEvents *events, gpointer user_data)
{
  McEioServer *server = g_new0 (McEioServer, 1);
  McEioServerConfig defaults;

  mc_eio_server_config_init (&defaults);
  server->soup = g_object_ref (soup);
  server->path = g_strdup (path);
  server->cfg = *cfg;
  if (server->cfg.ping_interval_ms == 0)
    server->cfg.ping_interval_ms = defaults.ping_interval_ms;
  if (server->cfg.ping_timeout_ms == 0)
    server->cfg.ping_timeout_ms = defaults.ping_timeout_ms;
  if (server->cfg.max_payload == 0)
    server->cfg.max_payload = defaults.max_payload;
  if (server->cfg.upgrade_timeout_ms == 0)
    server->cfg.upgrade_timeout_ms = defaults.upgrade_timeout_ms;
  if (server->cfg.max_clients == 0)
    server->cfg.max_clients = G_MAXUINT;
  if (events)
    server->events = *events;
  server->user_data = user_data;
  server->context = g_main_context_ref_thread_default ();
  server->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) mc_eio_session_unref);
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
  GHashTableIter iter;
  gpointer key, value;

  if (server == NULL)
    return;
  server->freeing = TRUE;
  mc_server_source_clear (&server->tick);
  soup_server_remove_handler (server->soup, server->path);
  while (g_hash_table_size (server->sessions) > 0) {
    g_hash_table_iter_init (&iter, server->sessions);
    if (!g_hash_table_iter_next (&iter, NULL, &value))
      break;
    mc_eio_session_close (value, "server shutting down");
  }
  g_hash_table_unref (server->sessions);
  g_hash_table_unref (server->leftovers);
  g_hash_table_iter_init (&iter, server->upgrading);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_signal_handlers_disconnect_by_data (key, server);
  g_hash_table_unref (server->upgrading);
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
mc_eio_session_get_id (McEioSession *s)
{
  return s->sid;
}

const char *
mc_eio_session_get_remote (McEioSession *s)
{
  return s->remote;
}

const char *
mc_eio_session_get_transport (McEioSession *s)
{
  return s->transport == MC_EIO_TRANSPORT_WEBSOCKET ? "websocket" : "polling";
}

gboolean
mc_eio_session_is_open (McEioSession *s)
{
  return !s->closed;
}

void
mc_eio_session_set_data (McEioSession *s, gpointer data, GDestroyNotify destroy)
{
  s->data = data;
  s->data_destroy = destroy;
}

gpointer
mc_eio_session_get_data (McEioSession *s)
{
  return s->data;
}

void
mc_eio_session_send (McEioSession *s, const char *text)
{
  session_send (s, mc_eio_packet_new (MC_EIO_MESSAGE, text));
}

void
mc_eio_session_set_deadline (McEioSession *s, guint timeout_ms)
{
  s->deadline = timeout_ms ? ms_from_now (timeout_ms) : 0;
}

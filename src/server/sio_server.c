/* Socket.IO v5 server for namespace "/" on the Engine.IO server
 * (sio_server.h). Wire facts: /work/shared/notes/socketio-v4.md. */
#include "meshcall/server/sio_server.h"
#include "meshcall/base/log.h"
#include "meshcall/proto/sio_packet.h"
#include "server_util.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_server)

typedef struct {
  McSioServerAckFunc func;
  gpointer user_data;
  GSource *timeout;
  McSioServerClient *client;   /* not a ref: the ack dies with the client */
  guint id;
} PendingAck;

/* Lives as long as its Engine.IO session (freed with it), so it stays valid
 * through every callback that may close the session. */
struct _McSioServerClient {
  McSioServer *server;
  McEioSession *session;
  char *id;                        /* Socket.IO id, not the Engine.IO sid */
  gboolean connected;              /* to "/" */
  gpointer data;

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

  /* a refused CONNECT whose answer is held back (authorize's delay) */
  GSource *refusal_timer;
  char *refusal_code, *refusal_message;
};

struct _McSioServer {
  McEioServer *eio;
  McSioServerConfig cfg;
  McSioServerEvents events;
  gpointer user_data;
  GMainContext *context;
  gboolean freeing;
};

typedef McSioServerClient Client;

void
mc_sio_server_config_init (McSioServerConfig *cfg)
{
  mc_eio_server_config_init (&cfg->eio);
  cfg->rate_limit = 200;
  cfg->connect_timeout_ms = 45000;
}

/* ---- clients ---------------------------------------------------------------- */

static gboolean
client_is_open (Client *c)
{
  return mc_eio_session_is_open (c->session);
}

static void
ack_free (PendingAck *ack)
{
  mc_server_source_clear (&ack->timeout);
  g_free (ack);
}

static void
client_free (Client *c)
{
  mc_server_source_clear (&c->refusal_timer);
  g_free (c->refusal_code);
  g_free (c->refusal_message);
  g_hash_table_unref (c->acks);
  g_free (c->id);
  g_free (c);
}

static void
send_sio (Client *c, McSioPacket *sio)
{
  g_autofree char *text = mc_sio_packet_encode (sio);

  mc_eio_session_send (c->session, text);
}

static void G_GNUC_PRINTF (3, 4)
client_fail (Client *c, const char *reason, const char *format, ...)
{
  va_list args;
  g_autofree char *detail = NULL;

  if (!client_is_open (c))
    return;
  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  MC_WARNING ("client %s (%s): %s: %s; disconnecting it", c->id, mc_eio_session_get_remote (c->session), reason,
               detail);
  mc_eio_session_close (c->session, reason);
}

static void
ack_timeout_fire (PendingAck *ack)
{
  Client *c = ack->client;
  McSioServerAckFunc func = ack->func;
  gpointer user_data = ack->user_data;

  g_hash_table_steal (c->acks, GUINT_TO_POINTER (ack->id));
  ack_free (ack);
  func (c, NULL, user_data);
}

static gboolean
ack_timeout_cb (gpointer data)
{
  PendingAck *ack = data;
  McEioSession *session = mc_eio_session_ref (ack->client->session);

  ack_timeout_fire (ack);
  mc_eio_session_unref (session);
  return G_SOURCE_REMOVE;
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
client_disconnected (Client *c, const char *reason)
{
  McSioServer *server = c->server;

  if (!c->connected)
    return;
  c->connected = FALSE;
  fail_pending_acks (c);
  if (server->events.disconnected && !server->freeing)
    server->events.disconnected (server, c, reason, server->user_data);
}

/* ---- CONNECT ------------------------------------------------------------------ */

static void
connect_error (Client *c, const char *nsp, const char *code, const char *message)
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

static gboolean
on_refusal_due (gpointer data)
{
  Client *c = data;

  g_clear_pointer (&c->refusal_timer, g_source_unref);
  if (client_is_open (c))
    connect_error (c, "/", c->refusal_code, c->refusal_message ? c->refusal_message : "Connection refused");
  g_clear_pointer (&c->refusal_code, g_free);
  g_clear_pointer (&c->refusal_message, g_free);
  return G_SOURCE_REMOVE;
}

static void
handle_connect (Client *c, McSioPacket *sio)
{
  McSioServer *server = c->server;
  const char *remote = mc_eio_session_get_remote (c->session);
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;
  guint delay_ms = 0;

  if (!g_str_equal (sio->nsp, "/")) {
    MC_WARNING ("client %s (%s): CONNECT to namespace %s refused: Invalid namespace", c->id, remote, sio->nsp);
    connect_error (c, sio->nsp, NULL, "Invalid namespace");
    return;
  }
  if (c->connected) {
    client_fail (c, "parse error", "CONNECT to / while already connected");
    return;
  }
  if (c->refusal_timer != NULL)
    return;   /* a refusal is on its way: one CONNECT at a time */
  if (server->events.authorize &&
      !server->events.authorize (server, c, sio->data, &code, &message, &delay_ms, server->user_data)) {
    MC_WARNING ("client %s (%s): CONNECT refused: %s%s", c->id, remote, message ? message : "(no reason)",
                delay_ms ? " (answer held back)" : "");
    if (delay_ms > 0) {
      c->refusal_code = g_steal_pointer (&code);
      c->refusal_message = g_steal_pointer (&message);
      c->refusal_timer = mc_server_timeout_add (server->context, delay_ms, on_refusal_due, c);
      return;
    }
    connect_error (c, "/", code, message ? message : "Connection refused");
    return;
  }
  if (!client_is_open (c))
    return;

  g_autoptr (McSioPacket) answer = mc_sio_packet_new (MC_SIO_CONNECT, "/");
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sid");
  json_builder_add_string_value (b, c->id);
  json_builder_end_object (b);
  answer->data = json_builder_get_root (b);

  mc_eio_session_set_deadline (c->session, 0);
  c->connected = TRUE;
  send_sio (c, answer);
  MC_INFO ("client %s (%s) connected to / (session %s)", c->id, remote, mc_eio_session_get_id (c->session));
  if (server->events.connected)
    server->events.connected (server, c, server->user_data);
}

/* ---- packets from the client -------------------------------------------------- */

static void
refuse (Client *c, McSioRefusal why, const char *message, gint64 ack_id)
{
  McSioServer *server = c->server;

  if (server->events.refused && c->connected)
    server->events.refused (server, c, why, message, ack_id, server->user_data);
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
    client_fail (c, "rate limit", "more than %u messages/s refused (limit %u/s)", 4 * rate, rate);
  return FALSE;
}

static void
handle_ack (Client *c, McSioPacket *sio)
{
  PendingAck *ack;
  McSioServerAckFunc func;
  gpointer user_data;

  if (sio->ack_id < 0 || sio->ack_id > G_MAXUINT32 ||
      !(ack = g_hash_table_lookup (c->acks, GUINT_TO_POINTER ((guint) sio->ack_id)))) {
    MC_DEBUG ("client %s: ACK %" G_GINT64_FORMAT " for nothing we asked; ignored", c->id, sio->ack_id);
    return;
  }
  func = ack->func;
  user_data = ack->user_data;
  g_hash_table_remove (c->acks, GUINT_TO_POINTER ((guint) sio->ack_id));
  func (c, sio->data ? json_node_get_array (sio->data) : NULL, user_data);
}

static void
handle_event (Client *c, McSioPacket *sio)
{
  McSioServer *server = c->server;
  JsonArray *args = json_node_get_array (sio->data);
  g_autofree char *name = g_strdup (mc_sio_packet_get_event_name (sio));

  json_array_remove_element (args, 0);
  if (server->events.event)
    server->events.event (server, c, name, args, sio->ack_id, server->user_data);
}

/* A BINARY_EVENT or BINARY_ACK header: its attachments follow as binary
 * messages, and the packet is refused once they are in. */
static void
handle_binary_header (Client *c, McSioPacket *sio)
{
  g_autoptr (GError) error = NULL;

  if (!mc_sio_packet_check_placeholders (sio, sio->n_attachments, &error)) {
    client_fail (c, "parse error", "binary packet: %s", error->message);
    return;
  }
  c->binary_ack_id = sio->type == MC_SIO_BINARY_EVENT ? sio->ack_id : MC_SIO_NO_ACK;
  c->attachments_left = sio->n_attachments;
  if (c->attachments_left == 0)
    refuse (c, MC_SIO_REFUSED_BINARY, "binary packets are not supported by meshcall signaling", c->binary_ack_id);
}

static void
handle_text (Client *c, const char *text, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McSioPacket) sio = NULL;

  if (c->attachments_left > 0) {
    client_fail (c, "parse error", "expected %u more binary attachment(s), got a text packet", c->attachments_left);
    return;
  }
  sio = mc_sio_packet_decode (text, len, &error);
  if (sio == NULL) {
    client_fail (c, "parse error", "undecodable Socket.IO packet: %s", error->message);
    return;
  }
  if (!rate_allow (c)) {
    if (client_is_open (c))
      refuse (c, MC_SIO_REFUSED_RATE_LIMITED, "too many messages; slow down",
              sio->type == MC_SIO_EVENT ? sio->ack_id : MC_SIO_NO_ACK);
    return;
  }

  if (sio->type == MC_SIO_CONNECT) {
    handle_connect (c, sio);
    return;
  }
  if (sio->type == MC_SIO_CONNECT_ERROR) {
    client_fail (c, "parse error", "CONNECT_ERROR is a server packet");
    return;
  }
  if (!g_str_equal (sio->nsp, "/") || !c->connected) {
    if (sio->type == MC_SIO_DISCONNECT)
      return;   /* leaving something it never joined: harmless */
    client_fail (c, "parse error", "packet type %d for namespace %s, which it is not connected to", sio->type,
                 sio->nsp);
    return;
  }

  switch (sio->type) {
  case MC_SIO_DISCONNECT:
    client_disconnected (c, "client namespace disconnect");
    /* Keep the session only as long as an unconnected one may live. */
    if (client_is_open (c))
      mc_eio_session_set_deadline (c->session, c->server->cfg.connect_timeout_ms);
    break;
  case MC_SIO_EVENT:
    handle_event (c, sio);
    break;
  case MC_SIO_ACK:
    handle_ack (c, sio);
    break;
  case MC_SIO_BINARY_EVENT:
  case MC_SIO_BINARY_ACK:
    handle_binary_header (c, sio);
    break;
  default:
    client_fail (c, "parse error", "unexpected packet type %d", sio->type);
    break;
  }
}

static void
handle_binary (Client *c)
{
  if (c->attachments_left == 0) {
    client_fail (c, "parse error", "binary frame that no packet announced");
    return;
  }
  if (!rate_allow (c))
    return;   /* counted, not answered: it is part of a packet we refuse anyway */
  if (--c->attachments_left == 0)
    refuse (c, MC_SIO_REFUSED_BINARY, "binary attachments are not supported by meshcall signaling", c->binary_ack_id);
}

/* ---- Engine.IO events ------------------------------------------------------------ */

static void
on_opened (McEioServer *eio, McEioSession *session, gpointer user_data)
{
  McSioServer *server = user_data;
  Client *c = g_new0 (Client, 1);

  c->server = server;
  c->session = session;
  c->id = mc_server_random_id ();
  c->acks = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) ack_free);
  c->binary_ack_id = MC_SIO_NO_ACK;
  c->tokens = 2.0 * server->cfg.rate_limit;
  c->tokens_at = g_get_monotonic_time ();
  c->window_start = c->tokens_at;
  mc_eio_session_set_data (session, c, (GDestroyNotify) client_free);
  mc_eio_session_set_deadline (session, server->cfg.connect_timeout_ms);
}

static void
on_message (McEioServer *eio, McEioSession *session, gboolean binary, const char *data, gsize len,
            gpointer user_data)
{
  Client *c = mc_eio_session_get_data (session);

  if (binary)
    handle_binary (c);
  else
    handle_text (c, data, len);
}

/* The connect deadline (the only one this layer sets) passed. */
static void
on_deadline (McEioServer *eio, McEioSession *session, gpointer user_data)
{
  McSioServer *server = user_data;

  client_fail (mc_eio_session_get_data (session), "connect timeout", "no Socket.IO CONNECT within %u ms",
               server->cfg.connect_timeout_ms);
}

static void
on_closed (McEioServer *eio, McEioSession *session, const char *reason, gpointer user_data)
{
  Client *c = mc_eio_session_get_data (session);

  client_disconnected (c, reason);
  fail_pending_acks (c);
}

/* ---- public API -------------------------------------------------------------------- */

McSioServer *
mc_sio_server_new (SoupServer *soup, const char *path, const McSioServerConfig *cfg,
                   const McSioServerEvents *events, gpointer user_data)
{
  static const McEioServerEvents eio_events = {
    .opened = on_opened,
    .message = on_message,
    .deadline = on_deadline,
    .closed = on_closed,
  };
  McSioServer *server = g_new0 (McSioServer, 1);

  server->cfg = *cfg;
  if (server->cfg.connect_timeout_ms == 0)
    server->cfg.connect_timeout_ms = 45000;
  if (events)
    server->events = *events;
  server->user_data = user_data;
  server->context = g_main_context_ref_thread_default ();
  server->eio = mc_eio_server_new (soup, path, &cfg->eio, &eio_events, server);
  return server;
}

void
mc_sio_server_free (McSioServer *server)
{
  if (server == NULL)
    return;
  server->freeing = TRUE;
  mc_eio_server_free (server->eio);
  g_main_context_unref (server->context);
  g_free (server);
}

guint
mc_sio_server_get_n_sessions (McSioServer *server)
{
  return mc_eio_server_get_n_sessions (server->eio);
}

const char *
mc_sio_server_client_get_id (McSioServerClient *client)
{
  return client->id;
}

const char *
mc_sio_server_client_get_remote (McSioServerClient *client)
{
  return mc_eio_session_get_remote (client->session);
}

const char *
mc_sio_server_client_get_transport (McSioServerClient *client)
{
  return mc_eio_session_get_transport (client->session);
}

void
mc_sio_server_client_set_data (McSioServerClient *client, gpointer data)
{
  client->data = data;
}

gpointer
mc_sio_server_client_get_data (McSioServerClient *client)
{
  return client->data;
}

void
mc_sio_server_client_emit (McSioServerClient *client, const char *event, JsonNode *arg)
{
  g_autoptr (McSioPacket) sio = NULL;

  if (!client_is_open (client) || !client->connected)
    return;
  sio = mc_sio_packet_new_event ("/", event, arg, MC_SIO_NO_ACK);
  send_sio (client, sio);
}

void
mc_sio_server_client_emit_with_ack (McSioServerClient *client, const char *event, JsonNode *arg,
                                    guint timeout_ms, McSioServerAckFunc func, gpointer user_data)
{
  g_autoptr (McSioPacket) sio = NULL;
  PendingAck *ack;

  if (!client_is_open (client) || !client->connected) {
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
    ack->timeout = mc_server_timeout_add (client->server->context, timeout_ms, ack_timeout_cb, ack);
  g_hash_table_replace (client->acks, GUINT_TO_POINTER (ack->id), ack);
  sio = mc_sio_packet_new_event ("/", event, arg, ack->id);
  send_sio (client, sio);
}

void
mc_sio_server_client_ack (McSioServerClient *client, gint64 ack_id, JsonNode *arg)
{
  g_autoptr (McSioPacket) sio = NULL;

  if (ack_id == MC_SIO_NO_ACK || !client_is_open (client) || !client->connected)
    return;
  sio = mc_sio_packet_new_ack ("/", ack_id, arg);
  send_sio (client, sio);
}

void
mc_sio_server_client_disconnect (McSioServerClient *client, const char *reason)
{
  g_autoptr (McSioPacket) sio = NULL;

  if (!client_is_open (client))
    return;
  MC_WARNING ("client %s (%s) disconnected by the server: %s", client->id,
               mc_eio_session_get_remote (client->session), reason);
  if (client->connected) {
    sio = mc_sio_packet_new (MC_SIO_DISCONNECT, "/");
    send_sio (client, sio);
  }
  mc_eio_session_close (client->session, "server namespace disconnect");
}

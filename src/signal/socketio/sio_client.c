/* One Socket.IO client connection over a libsoup websocket (see sio_client.h). */
#include "sio_client.h"

#include "meshcall/base/log.h"
#include "meshcall/signal/signaling.h"
#include "meshcall/proto/sio_packet.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_signal)

#define MAX_INCOMING_BYTES (1024 * 1024)
#define DEFAULT_PING_INTERVAL_MS 25000
#define DEFAULT_PING_TIMEOUT_MS 20000

typedef enum {
  STEP_WEBSOCKET,   /* websocket handshake in flight */
  STEP_EIO_OPEN,    /* websocket up, waiting for the Engine.IO open packet */
  STEP_CONNECT,     /* sent CONNECT, waiting for the server's */
  STEP_CONNECTED,
  STEP_DEAD,        /* lost or refused: no more callbacks */
} Step;

struct _SioClient {
  GMainContext *context;
  char *display_url;
  JsonNode *auth;
  SioClientEvents events;
  gpointer user_data;

  Step step;
  GCancellable *cancellable;
  SoupWebsocketConnection *ws;
  GSource *heartbeat_timer;
  guint ping_interval_ms, ping_timeout_ms;
  gint64 next_ack_id;
  SoupMessage *msg;                   /* the websocket's request (its accept-certificate handler) */
  GTlsCertificateFlags cert_errors;   /* what was wrong with the server's certificate, once refused */
};

/* Reports the end once and goes quiet. */
static void
lose (SioClient *c, const char *reason)
{
  if (c->step == STEP_DEAD)
    return;
  c->step = STEP_DEAD;
  mc_signaling_clear_source (&c->heartbeat_timer);
  MC_INFO ("connection to %s lost: %s", c->display_url, reason);
  if (c->events.lost)
    c->events.lost (c, reason, c->user_data);
}

/* ---- sending ------------------------------------------------------------------ */

char *
sio_client_get_local_address (SioClient *c)
{
  g_autoptr (GIOStream) stream = c->ws ? g_object_ref (soup_websocket_connection_get_io_stream (c->ws)) : NULL;
  g_autoptr (GSocketAddress) local = NULL;

  /* libsoup wraps the connection (SoupIOStream's "base-iostream"), TLS too
   * (GTlsConnection's "base-io-stream"). */
  for (int depth = 0; stream != NULL && !G_IS_SOCKET_CONNECTION (stream) && depth < 4; depth++) {
    GIOStream *base = NULL;
    if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-iostream"))
      g_object_get (stream, "base-iostream", &base, NULL);
    else if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-io-stream"))
      g_object_get (stream, "base-io-stream", &base, NULL);
    g_object_unref (stream);
    stream = base;
  }
  if (stream == NULL || !G_IS_SOCKET_CONNECTION (stream))
    return NULL;
  local = g_socket_connection_get_local_address (G_SOCKET_CONNECTION (stream), NULL);
  if (local == NULL || !G_IS_INET_SOCKET_ADDRESS (local))
    return NULL;
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
}

gboolean
sio_client_is_open (SioClient *c)
{
  return c->ws != NULL && soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

static void
send_text (SioClient *c, const char *text)
{
  if (!sio_client_is_open (c))
    return;
  MC_LOG ("send %s", text);
  soup_websocket_connection_send_text (c->ws, text);
}

static void
send_sio (SioClient *c, const McSioPacket *packet)
{
  g_autofree char *body = mc_sio_packet_encode (packet);
  g_autofree char *text = g_strconcat ("4", body, NULL);

  send_text (c, text);
}

gint64
sio_client_emit (SioClient *c, const char *event, JsonNode *arg, gboolean want_ack)
{
  gint64 ack_id = MC_SIO_NO_ACK;
  g_autoptr (McSioPacket) packet = NULL;

  if (want_ack) {
    ack_id = c->next_ack_id++;
    if (c->next_ack_id > G_MAXINT32)
      c->next_ack_id = 0;
  }
  packet = mc_sio_packet_new_event (NULL, event, arg, ack_id);
  send_sio (c, packet);
  return ack_id;
}

void
sio_client_disconnect (SioClient *c)
{
  g_autoptr (McSioPacket) disconnect = mc_sio_packet_new (MC_SIO_DISCONNECT, NULL);

  if (!sio_client_is_open (c)) {
    lose (c, "closed");
    return;
  }
  send_sio (c, disconnect);
  mc_signaling_clear_source (&c->heartbeat_timer);
  /* on_ws_closed reports the end. */
  soup_websocket_connection_close (c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

/* ---- receiving ------------------------------------------------------------------- */

static gboolean
on_heartbeat_timeout (gpointer data)
{
  SioClient *c = data;
  g_autofree char *reason = g_strdup_printf ("no ping from the server for %u ms",
                                             c->ping_interval_ms + c->ping_timeout_ms);

  g_clear_pointer (&c->heartbeat_timer, g_source_unref);
  lose (c, reason);
  return G_SOURCE_REMOVE;
}

static void
arm_heartbeat (SioClient *c)
{
  mc_signaling_clear_source (&c->heartbeat_timer);
  c->heartbeat_timer = g_timeout_source_new (c->ping_interval_ms + c->ping_timeout_ms);
  g_source_set_callback (c->heartbeat_timer, on_heartbeat_timeout, c, NULL);
  g_source_attach (c->heartbeat_timer, c->context);
}

static guint
int_member (JsonObject *obj, const char *name, guint fallback)
{
  JsonNode *n = json_object_get_member (obj, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return fallback;
  return (guint) CLAMP (json_node_get_int (n), 10, 600000);
}

static void
on_eio_open (SioClient *c, const char *text, gsize len)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (McSioPacket) connect = NULL;

  if (c->step != STEP_EIO_OPEN)
    return;
  root = mc_json_decode (text, len, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    lose (c, "the server's Engine.IO open packet is not a JSON object");
    return;
  }
  c->ping_interval_ms = int_member (json_node_get_object (root), "pingInterval", DEFAULT_PING_INTERVAL_MS);
  c->ping_timeout_ms = int_member (json_node_get_object (root), "pingTimeout", DEFAULT_PING_TIMEOUT_MS);
  arm_heartbeat (c);

  connect = mc_sio_packet_new (MC_SIO_CONNECT, NULL);
  if (c->auth != NULL)
    connect->data = json_node_copy (c->auth);
  c->step = STEP_CONNECT;
  send_sio (c, connect);
}

static void
handle_sio (SioClient *c, const char *text, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McSioPacket) packet = mc_sio_packet_decode (text, len, &error);

  if (packet == NULL) {
    MC_WARNING ("ignoring a malformed Socket.IO packet from %s: %s", c->display_url, error->message);
    return;
  }
  if (strcmp (packet->nsp, "/") != 0) {
    MC_DEBUG ("ignoring a packet for namespace %s", packet->nsp);
    return;
  }
  switch (packet->type) {
  case MC_SIO_CONNECT:
    if (c->step == STEP_CONNECT) {
      c->step = STEP_CONNECTED;
      if (c->events.connected)
        c->events.connected (c, c->user_data);
    }
    break;
  case MC_SIO_CONNECT_ERROR:
    if (c->step == STEP_CONNECT || c->step == STEP_CONNECTED) {
      c->step = STEP_DEAD;
      mc_signaling_clear_source (&c->heartbeat_timer);
      if (c->events.refused)
        c->events.refused (c, packet->data, c->user_data);
    }
    break;
  case MC_SIO_DISCONNECT:
    lose (c, "the server disconnected us");
    break;
  case MC_SIO_EVENT:
    if (c->step == STEP_CONNECTED && c->events.event && mc_sio_packet_get_event_name (packet))
      c->events.event (c, mc_sio_packet_get_event_name (packet), mc_sio_packet_get_event_arg (packet, 0),
                       c->user_data);
    break;
  case MC_SIO_ACK:
    if (c->step == STEP_CONNECTED && c->events.ack)
      c->events.ack (c, packet->ack_id, packet->data ? mc_sio_packet_get_event_arg (packet, 0) : NULL,
                     c->user_data);
    break;
  case MC_SIO_BINARY_EVENT:
  case MC_SIO_BINARY_ACK:
    MC_WARNING ("ignoring a binary Socket.IO packet from %s (not used by the call protocol)", c->display_url);
    break;
  }
}

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
  SioClient *c = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (McEioPacket) packet = NULL;
  const char *text;
  gsize len;

  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    MC_DEBUG ("ignoring a binary websocket frame from %s", c->display_url);
    return;
  }
  text = g_bytes_get_data (message, &len);
  MC_LOG ("recv %.*s", (int) MIN (len, 512), text);
  packet = mc_eio_packet_decode (text, len, &error);
  if (packet == NULL) {
    MC_WARNING ("ignoring a malformed Engine.IO packet from %s: %s", c->display_url, error->message);
    return;
  }
  text = mc_eio_packet_get_text (packet, &len);
  if (text == NULL)
    return; /* binary MESSAGE: not used by the call protocol */
  switch (packet->type) {
  case MC_EIO_OPEN:
    on_eio_open (c, text, len);
    break;
  case MC_EIO_PING:
    send_text (c, "3");
    arm_heartbeat (c);
    break;
  case MC_EIO_CLOSE:
    lose (c, "the server closed the Engine.IO session");
    break;
  case MC_EIO_MESSAGE:
    if (!packet->binary)
      handle_sio (c, text, len);
    break;
  default:
    break;
  }
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer data)
{
  SioClient *c = data;
  gushort code = soup_websocket_connection_get_close_code (ws);
  g_autofree char *reason = code != 0 ? g_strdup_printf ("the server closed the websocket (code %u)", code)
                                      : g_strdup ("lost the connection to the server");

  lose (c, reason);
}

static void
on_ws_error (SoupWebsocketConnection *ws, GError *error, gpointer data)
{
  SioClient *c = data;

  MC_INFO ("websocket error from %s: %s", c->display_url, error->message);
}

/* What is wrong with a certificate, and what to do about it. */
static char *
untrusted_reason (const char *url, GTlsCertificateFlags errors)
{
  const char *what;

  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    what = "is not trusted: it is self-signed or signed by an authority this machine does not trust. "
           "Pass that authority's certificate (or the server's own, if self-signed) with --ca-file FILE "
           "([signaling] ca-file)";
  else if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    what = "is for another name: connect with a host name or address the certificate lists "
           "(openssl x509 -noout -ext subjectAltName -in CERT shows them)";
  else if (errors & G_TLS_CERTIFICATE_EXPIRED)
    what = "has expired: the server needs a new one (or this machine's clock is wrong)";
  else if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    what = "is not valid yet: check this machine's clock";
  else if (errors & G_TLS_CERTIFICATE_REVOKED)
    what = "has been revoked";
  else
    what = "was refused (insecure algorithm or malformed)";
  return g_strdup_printf ("the TLS certificate of %s %s", url, what);
}

/* Refused, but noted for the message: libsoup only says "Unacceptable TLS certificate". */
static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer data)
{
  SioClient *c = data;

  c->cert_errors = errors;
  return FALSE;
}

static void
on_ws_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  SioClient *c;

  /* Cancelled: the client is gone; touch nothing. */
  if (ws == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  c = data;
  g_clear_object (&c->cancellable);
  if (ws == NULL && (c->cert_errors || g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))) {
    g_autofree char *reason = untrusted_reason (c->display_url, c->cert_errors);
    c->step = STEP_DEAD;
    MC_INFO ("connection to %s refused: %s", c->display_url, error->message);
    if (c->events.untrusted)
      c->events.untrusted (c, reason, c->user_data);
    return;
  }
  if (ws == NULL) {
    g_autofree char *reason = g_strdup_printf ("cannot reach %s: %s", c->display_url, error->message);
    lose (c, reason);
    return;
  }
  c->ws = ws;
  c->step = STEP_EIO_OPEN;
  soup_websocket_connection_set_max_incoming_payload_size (ws, MAX_INCOMING_BYTES);
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), c);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), c);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error), c);
}

/* ---- lifecycle --------------------------------------------------------------------- */

SioClient *
sio_client_new (SoupSession *session, GMainContext *context, const char *ws_url, const char *display_url,
                JsonNode *auth, const SioClientEvents *events, gpointer user_data)
{
  SioClient *c = g_new0 (SioClient, 1);
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, ws_url);

  c->context = g_main_context_ref (context);
  c->display_url = g_strdup (display_url);
  c->auth = auth ? json_node_copy (auth) : NULL;
  c->events = *events;
  c->user_data = user_data;
  c->step = STEP_WEBSOCKET;
  c->cancellable = g_cancellable_new ();
  MC_INFO ("connecting to %s", ws_url);
  c->msg = g_object_ref (msg);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), c);
  g_main_context_push_thread_default (context);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, c->cancellable,
                                        on_ws_connected, c);
  g_main_context_pop_thread_default (context);
  return c;
}

static gboolean
unref_later (gpointer object)
{
  g_object_unref (object);
  return G_SOURCE_REMOVE;
}

void
sio_client_free (SioClient *c, gboolean now)
{
  if (c == NULL)
    return;
  mc_signaling_clear_source (&c->heartbeat_timer);
  g_signal_handlers_disconnect_by_data (c->msg, c);
  g_clear_object (&c->msg);
  if (c->cancellable != NULL) {
    g_cancellable_cancel (c->cancellable);
    g_clear_object (&c->cancellable);
  }
  if (c->ws != NULL) {
    g_signal_handlers_disconnect_by_data (c->ws, c);
    if (soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    if (now) {
      g_clear_object (&c->ws);
    } else {
      GSource *idle = g_idle_source_new ();
      g_source_set_callback (idle, unref_later, g_steal_pointer (&c->ws), NULL);
      g_source_attach (idle, c->context);
      g_source_unref (idle);
    }
  }
  g_clear_pointer (&c->auth, json_node_unref);
  g_main_context_unref (c->context);
  g_free (c->display_url);
  g_free (c);
}

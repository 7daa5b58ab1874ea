/* The websocket transport of the Engine.IO server: libsoup answers the
 * handshake, then the connection is handed to the ws loop (ws_conn.h); a
 * websocket is a session of its own or the probe of a polling session's
 * upgrade (2probe, 3probe, a noop to the paused poll, 5). */
#include "eio_internal.h"
#include "meshcall/base/log.h"
#include "server_util.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_server)

void
mc_eio_websocket_send (McWsConn *ws, const McEioPacket *packet)
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

void
mc_eio_websocket_release (McWsConn **wsp)
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
on_ws_message (McWsConn *ws, gboolean binary, const char *data, gsize len, gpointer user_data)
{
  McEioSession *s = mc_eio_session_ref (user_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (McEioPacket) packet = NULL;

  if (binary) {
    mc_eio_session_deliver (s, TRUE, data, len);
  } else if ((packet = mc_eio_packet_decode (data, len, &error)) == NULL) {
    mc_eio_session_fail (s, "parse error", "undecodable Engine.IO packet: %s", error->message);
  } else {
    mc_eio_session_handle_packet (s, packet);
  }
  mc_eio_session_unref (s);
}

static void
on_ws_closed (McWsConn *ws, const char *error, gpointer user_data)
{
  McEioSession *s = user_data;

  /* Protocol violations are the client's fault; I/O ends (a reset, a
   * vanished peer) are just how connections end. */
  if (error)
    mc_eio_session_fail (s, "transport error", "websocket: %s", error);
  else
    mc_eio_session_close (s, "transport close");
}

static void
ws_attach (McEioSession *s, McWsConn *ws)
{
  static const McWsConnEvents events = { .message = on_ws_message, .closed = on_ws_closed };

  s->ws = mc_ws_conn_ref (ws);
  mc_ws_conn_set_events (ws, &events, s);
}

/* The probe websocket did not complete the upgrade: the session stays on polling. */
static void
probe_cancel (McEioSession *s, const char *why)
{
  MC_INFO ("session %s (%s): upgrade abandoned: %s", s->sid, s->remote, why);
  mc_server_source_clear (&s->upgrade_source);
  s->probe_done = FALSE;
  mc_eio_websocket_release (&s->probe);
}

static gboolean
upgrade_timeout_cb (gpointer data)
{
  McEioSession *s = data;

  mc_server_source_clear (&s->upgrade_source);
  probe_cancel (s, "no upgrade packet in time");
  return G_SOURCE_REMOVE;
}

static void
upgrade_complete (McEioSession *s)
{
  g_autoptr (McWsConn) ws = g_steal_pointer (&s->probe);

  mc_server_source_clear (&s->upgrade_source);
  s->probe_done = FALSE;
  s->transport = MC_EIO_TRANSPORT_WEBSOCKET;
  ws_attach (s, ws);
  /* A poll still open gets a noop; everything queued goes on the websocket. */
  if (s->pending_get) {
    g_autoptr (GPtrArray) queued = g_steal_pointer (&s->outbox);
    s->outbox = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_eio_packet_free);
    mc_eio_session_flush_poll (s);
    g_ptr_array_extend_and_steal (s->outbox, g_steal_pointer (&queued));
  }
  for (guint i = 0; i < s->outbox->len; i++)
    mc_eio_websocket_send (s->ws, g_ptr_array_index (s->outbox, i));
  g_ptr_array_set_size (s->outbox, 0);
  s->outbox_bytes = 0;
  MC_INFO ("session %s (%s) upgraded to websocket", s->sid, s->remote);
}

static void
on_probe_message (McWsConn *ws, gboolean binary, const char *text, gsize len, gpointer user_data)
{
  McEioSession *s = mc_eio_session_ref (user_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (McEioPacket) packet = NULL;

  if (binary) {
    probe_cancel (s, "binary frame during upgrade");
    goto out;
  }
  packet = mc_eio_packet_decode (text, len, &error);
  if (packet && packet->type == MC_EIO_PING && g_bytes_get_size (packet->data) == 5 &&
      memcmp (g_bytes_get_data (packet->data, NULL), "probe", 5) == 0) {
    g_autoptr (McEioPacket) pong = mc_eio_packet_new (MC_EIO_PONG, "probe");
    mc_eio_websocket_send (ws, pong);
    s->probe_done = TRUE;
    mc_eio_session_flush_poll (s);   /* a noop makes the client pause polling */
  } else if (packet && packet->type == MC_EIO_UPGRADE && s->probe_done) {
    upgrade_complete (s);
  } else {
    probe_cancel (s, packet ? "unexpected packet during upgrade" : error->message);
  }
out:
  mc_eio_session_unref (s);
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
  g_autofree char *remote = mc_eio_remote_of (msg);

  if (sid) {
    /* Checked in http_cb; the session may have ended since. */
    McEioSession *s = g_hash_table_lookup (server->sessions, sid);
    static const McWsConnEvents events = { .message = on_probe_message, .closed = on_probe_closed };

    if (s == NULL || s->closed || s->transport != MC_EIO_TRANSPORT_POLLING || s->probe) {
      ws_reject (ws, "session gone or already upgrading");
      return;
    }
    s->probe = mc_ws_conn_ref (ws);
    mc_ws_conn_set_events (ws, &events, s);
    s->upgrade_source = mc_server_timeout_add (server->context, server->cfg.upgrade_timeout_ms,
                                               upgrade_timeout_cb, s);
    return;
  }

  if (mc_eio_server_is_full (server, msg)) {
    ws_reject (ws, "too many connections");
    return;
  }
  McEioSession *s = mc_eio_session_new (server, MC_EIO_TRANSPORT_WEBSOCKET, remote);
  ws_attach (s, ws);
  g_autofree char *open = mc_eio_session_open_packet (s, FALSE);
  g_autoptr (McEioPacket) packet = mc_eio_packet_new (MC_EIO_OPEN, open);
  mc_eio_websocket_send (ws, packet);
  mc_eio_session_opened (s);
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
void
mc_eio_websocket_accept (McEioServer *server, SoupServerMessage *msg)
{
  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL)) {
    g_autofree char *remote = mc_eio_remote_of (msg);
    MC_INFO ("bad websocket handshake from %s (HTTP %u)", remote, soup_server_message_get_status (msg));
    return;
  }
  g_hash_table_add (server->upgrading, g_object_ref (msg));
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (on_upgrade_written), server);
  g_signal_connect (msg, "finished", G_CALLBACK (on_upgrade_aborted), server);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_upgrade_aborted), server);
}


/* Raw Engine.IO clients for the server's unit tests (test_eio_server.c,
 * test_sio_server.c, test_call_server.c): a websocket client on libsoup that
 * records every text frame and answers pings, an HTTP request helper for
 * polling, a main-loop wait with a deadline, a log of server callbacks to
 * wait on, and the HTTP server the layers under test are mounted on.
 * Everything runs on the default main context, which the waits iterate. */
#pragma once

#include "../../src/server/server_http.h"

#include <libsoup/soup.h>
#include <string.h>

typedef struct {
  SoupWebsocketConnection *ws;
  GPtrArray *frames;     /* char*, every text frame received */
  gboolean closed;
  gboolean no_pong;      /* do not answer the server's pings */
} RawClient;

typedef gboolean (*CondFunc) (gpointer data);

static void
iterate_until (CondFunc cond, gpointer data, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!cond (data)) {
    if (g_get_monotonic_time () > deadline)
      g_error ("timed out waiting for %s", what);
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
}

/* Lets closing handshakes and pending I/O finish before the next test. */
static G_GNUC_UNUSED void
drain (void)
{
  gint64 end = g_get_monotonic_time () + 200 * 1000;

  while (g_get_monotonic_time () < end) {
    while (g_main_context_iteration (NULL, FALSE))
      ;
    g_usleep (2000);
  }
}

/* No proxy lookups: loopback only, and libproxy's C++ exceptions trip ASan. */
static G_GNUC_UNUSED SoupSession *
new_session (void)
{
  SoupSession *session = soup_session_new ();

  soup_session_set_proxy_resolver (session, NULL);
  return session;
}

static void
raw_on_message (SoupWebsocketConnection *ws, gint type, GBytes *message, RawClient *c)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  char *text = g_strndup (data, len);

  if (g_str_equal (text, "2") && !c->no_pong)
    soup_websocket_connection_send_text (ws, "3");
  g_ptr_array_add (c->frames, text);
}

static void
raw_on_closed (SoupWebsocketConnection *ws, RawClient *c)
{
  c->closed = TRUE;
}

static void
raw_on_connected (GObject *source, GAsyncResult *res, gpointer data)
{
  RawClient *c = data;
  g_autoptr (GError) error = NULL;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res, &error);
  g_assert_no_error (error);
  g_signal_connect (c->ws, "message", G_CALLBACK (raw_on_message), c);
  g_signal_connect (c->ws, "closed", G_CALLBACK (raw_on_closed), c);
}

static gboolean
raw_is_connected (gpointer data)
{
  return ((RawClient *) data)->ws != NULL;
}

static G_GNUC_UNUSED gboolean
raw_is_closed (gpointer data)
{
  return ((RawClient *) data)->closed;
}

typedef struct {
  RawClient *c;
  const char *prefix;
  guint from;
} FrameWait;

static gboolean
raw_has_frame (gpointer data)
{
  FrameWait *w = data;

  for (guint i = w->from; i < w->c->frames->len; i++) {
    if (g_str_has_prefix (g_ptr_array_index (w->c->frames, i), w->prefix))
      return TRUE;
  }
  return FALSE;
}

/* Waits for a frame starting with prefix (received after frame index from) and returns it. */
static const char *
expect_frame (RawClient *c, const char *prefix, guint from)
{
  FrameWait w = { c, prefix, from };

  iterate_until (raw_has_frame, &w, prefix);
  for (guint i = from; i < c->frames->len; i++) {
    if (g_str_has_prefix (g_ptr_array_index (c->frames, i), prefix))
      return g_ptr_array_index (c->frames, i);
  }
  g_assert_not_reached ();
}

/* A websocket session at url (a server's /socket.io/?EIO=4&transport=websocket), its OPEN packet received. */
static G_GNUC_UNUSED RawClient *
raw_open_url (SoupSession *session, const char *url, gboolean no_pong)
{
  RawClient *c = g_new0 (RawClient, 1);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);

  c->frames = g_ptr_array_new_with_free_func (g_free);
  c->no_pong = no_pong;
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, raw_on_connected, c);
  iterate_until (raw_is_connected, c, "websocket connection");
  expect_frame (c, "0{\"sid\"", 0);
  return c;
}

/* A websocket session on /socket.io/ of 127.0.0.1:port, its OPEN packet received. */
static G_GNUC_UNUSED RawClient *
raw_open (SoupSession *session, guint port, gboolean no_pong)
{
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/socket.io/?EIO=4&transport=websocket", port);

  return raw_open_url (session, url, no_pong);
}

static G_GNUC_UNUSED void
raw_free (RawClient *c)
{
  if (c->ws) {
    g_signal_handlers_disconnect_by_data (c->ws, c);
    if (soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_object_unref (c->ws);
  }
  g_ptr_array_unref (c->frames);
  g_free (c);
}

typedef struct {
  GBytes *body;
  guint status;
  gboolean done;
} HttpResult;

static void
on_http_done (GObject *source, GAsyncResult *res, gpointer data)
{
  HttpResult *r = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), res);

  r->body = soup_session_send_and_read_finish (SOUP_SESSION (source), res, NULL);
  r->status = soup_message_get_status (msg);
  r->done = TRUE;
}

static gboolean
http_done (gpointer data)
{
  return ((HttpResult *) data)->done;
}

/* One request to 127.0.0.1:port; returns the body and sets *status. */
static G_GNUC_UNUSED char *
http (SoupSession *session, const char *method, guint port, const char *path, const char *body, guint *status)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  HttpResult r = { 0 };
  char *text;

  if (body) {
    g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));
    soup_message_set_request_body_from_bytes (msg, "text/plain;charset=UTF-8", bytes);
  }
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_http_done, &r);
  iterate_until (http_done, &r, path);
  *status = r.status;
  text = r.body ? g_strndup (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body)) : g_strdup ("");
  g_clear_pointer (&r.body, g_bytes_unref);
  return text;
}

/* The sid of a polling handshake's answer ("0{\"sid\":\"...\",...}"). */
static G_GNUC_UNUSED char *
polling_sid (const char *open)
{
  g_assert_true (g_str_has_prefix (open, "0{\"sid\":\""));
  return g_strndup (open + 9, strchr (open + 9, '"') - (open + 9));
}

/* ---- what the server under test reported, in order --------------------------- */

static G_GNUC_UNUSED G_GNUC_PRINTF (2, 3) void
event_log_add (GPtrArray *log, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (log, g_strdup_vprintf (format, args));
  va_end (args);
}

/* The position of entry in log, or -1. */
static gint
event_log_index (GPtrArray *log, const char *entry)
{
  for (guint i = 0; i < log->len; i++) {
    if (g_str_equal (g_ptr_array_index (log, i), entry))
      return (gint) i;
  }
  return -1;
}

static G_GNUC_UNUSED gboolean
event_logged (GPtrArray *log, const char *entry)
{
  return event_log_index (log, entry) >= 0;
}

typedef struct {
  GPtrArray *log;
  const char *entry;
} LogWait;

static gboolean
event_log_has (gpointer data)
{
  LogWait *w = data;
  return event_log_index (w->log, w->entry) >= 0;
}

static G_GNUC_UNUSED void
event_log_wait (GPtrArray *log, const char *entry)
{
  LogWait w = { log, entry };
  iterate_until (event_log_has, &w, entry);
}

/* An HTTP server on 127.0.0.1 (a free port, in *port) to mount the layer
 * under test on, with no status counters. */
static G_GNUC_UNUSED McServerHttp *
test_http_new (guint *port)
{
  static const McServerHttpEvents no_counters = { 0 };
  g_autoptr (GError) error = NULL;
  McServerHttp *http = mc_server_http_new ("127.0.0.1", 0, NULL, NULL, &no_counters, NULL, &error);

  g_assert_no_error (error);
  *port = mc_server_http_get_port (http);
  return http;
}

/* A plain TCP connection to 127.0.0.1:port that sent text (nullable); the
 * connect completes in the kernel, without the server's loop. */
static G_GNUC_UNUSED GSocket *
raw_tcp (guint port, const char *text)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, port);
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);

  g_assert_true (g_socket_connect (s, addr, NULL, NULL));
  if (text)
    g_assert_cmpint (g_socket_send (s, text, strlen (text), NULL, NULL), ==, (gssize) strlen (text));
  g_socket_set_blocking (s, FALSE);
  return s;
}

typedef struct {
  GSocket *socket;
  GString *in;
  gboolean eof;
} RawRead;

static gboolean
raw_read_to_eof (gpointer data)
{
  RawRead *r = data;
  char buf[1024];
  gssize n;

  while ((n = g_socket_receive (r->socket, buf, sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (r->in, buf, n);
  r->eof = n == 0;
  return r->eof;
}

/* Everything the server sends on s until it closes; s is freed. */
static G_GNUC_UNUSED char *
raw_answer (GSocket *s, const char *what)
{
  RawRead r = { s, g_string_new (NULL), FALSE };

  iterate_until (raw_read_to_eof, &r, what);
  g_object_unref (s);
  return g_string_free (r.in, FALSE);
}

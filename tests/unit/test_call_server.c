/* The call server embedded in-process (as `meshcall join` embeds it), driven
 * by raw Engine.IO clients over libsoup websockets and HTTP polling: the
 * join/relay/leave flow, refusals, teardown with live connections, and the
 * listen-address parser. Runs under ASan/UBSan and valgrind like every unit
 * test, which is the point: every server path here is checked for leaks and
 * memory errors. */
#include "meshcall/server/call_server.h"
#include "meshcall/base/log.h"

#include <libsoup/soup.h>
#include <string.h>

/* ---- a tiny raw Engine.IO websocket client --------------------------------- */

typedef struct {
  SoupWebsocketConnection *ws;
  GPtrArray *frames;  /* char*, every text frame received */
  gboolean closed;
} RawClient;

static void
on_message (SoupWebsocketConnection *ws, gint type, GBytes *message, RawClient *c)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  char *text = g_strndup (data, len);

  if (g_str_equal (text, "2"))
    soup_websocket_connection_send_text (ws, "3");
  g_ptr_array_add (c->frames, text);
}

static void
on_closed (SoupWebsocketConnection *ws, RawClient *c)
{
  c->closed = TRUE;
}

static void
on_connected (GObject *source, GAsyncResult *res, gpointer data)
{
  RawClient *c = data;
  g_autoptr (GError) error = NULL;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res, &error);
  g_assert_no_error (error);
  g_signal_connect (c->ws, "message", G_CALLBACK (on_message), c);
  g_signal_connect (c->ws, "closed", G_CALLBACK (on_closed), c);
}

typedef gboolean (*CondFunc) (gpointer data);

/* Lets closing handshakes and pending I/O finish before the next test. */
static void
drain (void)
{
  gint64 end = g_get_monotonic_time () + 200 * 1000;

  while (g_get_monotonic_time () < end) {
    while (g_main_context_iteration (NULL, FALSE))
      ;
    g_usleep (2000);
  }
}

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

static gboolean
is_connected (gpointer data)
{
  return ((RawClient *) data)->ws != NULL;
}

static gboolean
is_closed (gpointer data)
{
  return ((RawClient *) data)->closed;
}

typedef struct {
  RawClient *c;
  const char *prefix;
  guint from;
} FrameWait;

static gboolean
has_frame (gpointer data)
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

  iterate_until (has_frame, &w, prefix);
  for (guint i = from; i < c->frames->len; i++) {
    if (g_str_has_prefix (g_ptr_array_index (c->frames, i), prefix))
      return g_ptr_array_index (c->frames, i);
  }
  g_assert_not_reached ();
}

static RawClient *
raw_connect (SoupSession *session, guint port)
{
  RawClient *c = g_new0 (RawClient, 1);
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/socket.io/?EIO=4&transport=websocket", port);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);

  c->frames = g_ptr_array_new_with_free_func (g_free);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, on_connected, c);
  iterate_until (is_connected, c, "websocket connection");
  expect_frame (c, "0{\"sid\"", 0);
  soup_websocket_connection_send_text (c->ws, "40");
  expect_frame (c, "40{\"sid\"", 0);
  return c;
}

static void
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

static McCallServer *
start_server (guint max_participants)
{
  McCallServerConfig cfg;
  g_autoptr (GError) error = NULL;
  McCallServer *srv;

  mc_call_server_config_init (&cfg);
  cfg.address = "127.0.0.1";
  cfg.port = 0;
  cfg.max_participants = max_participants;
  srv = mc_call_server_new (&cfg, &error);
  g_assert_no_error (error);
  g_assert_nonnull (srv);
  g_assert_cmpuint (mc_call_server_get_port (srv), >, 0);
  return srv;
}

/* No proxy lookups: loopback only, and libproxy's C++ exceptions trip ASan. */
static SoupSession *
new_session (void)
{
  SoupSession *session = soup_session_new ();

  soup_session_set_proxy_resolver (session, NULL);
  return session;
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_parse_listen (void)
{
  static const struct {
    const char *text;
    const char *address;
    guint port;
    gboolean ok;
  } cases[] = {
    { "0.0.0.0:7300", "0.0.0.0", 7300, TRUE },
    { "127.0.0.1:0", "127.0.0.1", 0, TRUE },
    { "[::1]:8000", "::1", 8000, TRUE },
    { "[::]", "::", 1234, TRUE },
    { ":9000", NULL, 9000, TRUE },
    { "9001", NULL, 9001, TRUE },
    { "localhost:80", "localhost", 80, TRUE },
    { "192.168.1.20", "192.168.1.20", 1234, TRUE },
    { "::1", "::1", 1234, TRUE },
    { "", NULL, 0, FALSE },
    { "1.2.3.4:", NULL, 0, FALSE },
    { "1.2.3.4:65536", NULL, 0, FALSE },
    { "1.2.3.4:-1", NULL, 0, FALSE },
    { "1.2.3.4:12ab", NULL, 0, FALSE },
    { "example.com:80", NULL, 0, FALSE },
    { "[::1:80", NULL, 0, FALSE },
    { "[::1]x", NULL, 0, FALSE },
    { "999.1.1.1:80", NULL, 0, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autofree char *address = NULL;
    guint port = 1234;
    gboolean ok = mc_call_server_parse_listen (cases[i].text, &address, &port, &error);

    g_test_message ("'%s' -> %s", cases[i].text, ok ? "ok" : error->message);
    g_assert_cmpint (ok, ==, cases[i].ok);
    if (ok) {
      g_assert_cmpstr (address, ==, cases[i].address);
      g_assert_cmpuint (port, ==, cases[i].port);
    } else {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_null (address);
    }
  }
}

static void
test_lifecycle (void)
{
  for (int round = 0; round < 3; round++) {
    McCallServer *srv = start_server (6);
    McCallServerConfig cfg;
    g_autoptr (GError) error = NULL;
    g_autofree char *url = mc_call_server_get_url (srv);
    g_autofree char *want = g_strdup_printf ("http://127.0.0.1:%u", mc_call_server_get_port (srv));

    g_assert_cmpstr (url, ==, want);
    /* The same port twice: a clear error, no crash, nothing leaked. */
    mc_call_server_config_init (&cfg);
    cfg.address = "127.0.0.1";
    cfg.port = mc_call_server_get_port (srv);
    g_assert_null (mc_call_server_new (&cfg, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "cannot listen on 127.0.0.1"));
    mc_call_server_free (srv);
  }

  McCallServerConfig bad;
  g_autoptr (GError) error = NULL;
  mc_call_server_config_init (&bad);
  bad.max_participants = 1;
  g_assert_null (mc_call_server_new (&bad, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_call_flow (void)
{
  McCallServer *srv = start_server (2);
  guint port = mc_call_server_get_port (srv);
  g_autoptr (SoupSession) session = new_session ();
  RawClient *a = raw_connect (session, port);
  RawClient *b = raw_connect (session, port);
  RawClient *c = raw_connect (session, port);
  guint mark;

  soup_websocket_connection_send_text (a->ws, "421[\"join-call\",{\"callId\":\"u\",\"peerId\":\"a\",\"name\":\"A\"}]");
  expect_frame (a, "42[\"existing-peers\",[]]", 0);
  expect_frame (a, "431[{\"ok\":true,\"peers\":[]}]", 0);
  soup_websocket_connection_send_text (b->ws, "42[\"join-call\",{\"callId\":\"u\",\"peerId\":\"b\",\"name\":\"B\"}]");
  expect_frame (b, "42[\"existing-peers\",[{\"peerId\":\"a\",\"name\":\"A\"}]]", 0);
  expect_frame (a, "42[\"peer-joined\",{\"peerId\":\"b\",\"name\":\"B\"}]", 0);
  g_assert_cmpuint (mc_call_server_get_n_calls (srv), ==, 1);
  g_assert_cmpuint (mc_call_server_get_n_peers (srv), ==, 2);

  /* Full at 2. */
  soup_websocket_connection_send_text (c->ws, "427[\"join-call\",{\"callId\":\"u\",\"peerId\":\"c\",\"name\":\"C\"}]");
  expect_frame (c, "42[\"call-error\",{\"code\":\"call-full\"", 0);
  expect_frame (c, "437[{\"ok\":false,\"error\":\"call-full\"", 0);

  /* Relay, with the sender's ack. */
  mark = b->frames->len;
  soup_websocket_connection_send_text (a->ws,
      "422[\"webrtc-signal\",{\"targetPeerId\":\"b\",\"signal\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}]");
  expect_frame (b, "42[\"webrtc-signal\",{\"fromPeerId\":\"a\",\"signal\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}]", mark);
  expect_frame (a, "432[{\"ok\":true}]", 0);

  /* Bad payload: call-error, still connected; bad frame: disconnected. */
  soup_websocket_connection_send_text (a->ws, "42[\"join-call\",17]");
  expect_frame (a, "42[\"call-error\",{\"code\":\"malformed\"", 0);
  soup_websocket_connection_send_text (c->ws, "42[oops");
  iterate_until (is_closed, c, "c to be disconnected after a bad frame");

  /* b goes away: a hears peer-left. */
  mark = a->frames->len;
  soup_websocket_connection_close (b->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  expect_frame (a, "42[\"peer-left\",{\"peerId\":\"b\"}]", mark);
  g_assert_cmpuint (mc_call_server_get_n_peers (srv), ==, 1);

  /* Freed with a live connection in a call. */
  mc_call_server_free (srv);
  iterate_until (is_closed, a, "a to be closed by the server's teardown");
  raw_free (a);
  raw_free (b);
  raw_free (c);
  g_clear_object (&session);
  drain ();
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

static char *
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

static void
test_polling_and_http (void)
{
  McCallServer *srv = start_server (6);
  guint port = mc_call_server_get_port (srv);
  g_autoptr (SoupSession) session = new_session ();
  guint status;
  g_autofree char *open = http (session, "GET", port, "/socket.io/?EIO=4&transport=polling", NULL, &status);
  g_autofree char *sid = NULL;
  g_autofree char *path = NULL;

  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_str_has_prefix (open, "0{\"sid\":\""));
  sid = g_strndup (open + 9, strchr (open + 9, '"') - (open + 9));
  path = g_strdup_printf ("/socket.io/?EIO=4&transport=polling&sid=%s", sid);

  g_autofree char *ok = http (session, "POST", port, path,
                              "40\x1e" "421[\"join-call\",{\"callId\":\"p\",\"peerId\":\"x\",\"name\":\"X\"}]", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (ok, ==, "ok");
  g_autofree char *batch = http (session, "GET", port, path, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_str_has_prefix (batch, "40{\"sid\":\""));
  g_assert_nonnull (strstr (batch, "\x1e" "42[\"existing-peers\",[]]\x1e" "431[{\"ok\":true,\"peers\":[]}]"));

  g_autofree char *health = http (session, "GET", port, "/health", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (health, "\"status\":\"ok\""));
  g_assert_nonnull (strstr (health, "\"calls\":1,\"peers\":1,\"connections\":1"));
  g_autofree char *stats = http (session, "GET", port, "/stats", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (stats, "\"perCall\":[{\"callId\":\"p\",\"participants\":1,\"messagesRelayed\":0}]"));

  g_autofree char *bad = http (session, "POST", port, path, "4\x1e\x1e", &status);
  g_assert_cmpuint (status, ==, 400);
  g_assert_cmpstr (bad, ==, "{\"code\":3,\"message\":\"Bad request\"}");
  g_autofree char *gone = http (session, "GET", port, path, NULL, &status);
  g_assert_cmpuint (status, ==, 400);
  g_assert_cmpstr (gone, ==, "{\"code\":1,\"message\":\"Session ID unknown\"}");
  g_assert_cmpuint (mc_call_server_get_n_peers (srv), ==, 0);

  /* A session left open with a parked poll is answered by the teardown. */
  g_autofree char *open2 = http (session, "GET", port, "/socket.io/?EIO=4&transport=polling", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_str_has_prefix (open2, "0{"));
  mc_call_server_free (srv);
  g_clear_object (&session);
  drain ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
  g_test_add_func ("/call-server/parse-listen", test_parse_listen);
  g_test_add_func ("/call-server/lifecycle", test_lifecycle);
  g_test_add_func ("/call-server/call-flow", test_call_flow);
  g_test_add_func ("/call-server/polling-and-http", test_polling_and_http);
  return g_test_run ();
}

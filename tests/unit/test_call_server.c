/* The call server embedded in-process (as `meshcall join` embeds it), driven
 * by raw Engine.IO clients over libsoup websockets and HTTP polling: the
 * join/relay/leave flow, refusals, teardown with live connections, and the
 * listen-address parser. Runs under ASan/UBSan and valgrind like every unit
 * test, which is the point: every server path here is checked for leaks and
 * memory errors. */
#include "meshcall/server/call_server.h"
#include "meshcall/base/log.h"
#include "eio_test_client.h"

/* A websocket client connected to "/". */
static RawClient *
raw_connect (SoupSession *session, guint port)
{
  RawClient *c = raw_open (session, port, FALSE);

  soup_websocket_connection_send_text (c->ws, "40");
  expect_frame (c, "40{\"sid\"", 0);
  return c;
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
  iterate_until (raw_is_closed, c, "c to be disconnected after a bad frame");

  /* b goes away: a hears peer-left. */
  mark = a->frames->len;
  soup_websocket_connection_close (b->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  expect_frame (a, "42[\"peer-left\",{\"peerId\":\"b\"}]", mark);
  g_assert_cmpuint (mc_call_server_get_n_peers (srv), ==, 1);

  /* Freed with a live connection in a call. */
  mc_call_server_free (srv);
  iterate_until (raw_is_closed, a, "a to be closed by the server's teardown");
  raw_free (a);
  raw_free (b);
  raw_free (c);
  g_clear_object (&session);
  drain ();
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
  sid = polling_sid (open);
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

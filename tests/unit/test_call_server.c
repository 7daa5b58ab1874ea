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
start_server_full (guint max_participants, guint resume_grace_ms)
{
  McCallServerConfig cfg;
  g_autoptr (GError) error = NULL;
  McCallServer *srv;

  mc_call_server_config_init (&cfg);
  cfg.address = "127.0.0.1";
  cfg.port = 0;
  cfg.max_participants = max_participants;
  cfg.resume_grace_ms = resume_grace_ms;
  srv = mc_call_server_new (&cfg, &error);
  g_assert_no_error (error);
  g_assert_nonnull (srv);
  g_assert_cmpuint (mc_call_server_get_port (srv), >, 0);
  return srv;
}

static McCallServer *
start_server (guint max_participants)
{
  return start_server_full (max_participants, MC_CALL_SERVER_DEFAULT_RESUME_GRACE_MS);
}

/* No frame starting with prefix among c's frames from index `from` on. */
static void
assert_no_frame (RawClient *c, const char *prefix, guint from)
{
  for (guint i = from; i < c->frames->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (c->frames, i), prefix))
      g_error ("unexpected frame %s", (const char *) g_ptr_array_index (c->frames, i));
}

/* The index of the first frame with prefix from `from` on (it must be there). */
static guint
frame_index (RawClient *c, const char *prefix, guint from)
{
  expect_frame (c, prefix, from);
  for (guint i = from; i < c->frames->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (c->frames, i), prefix))
      return i;
  g_assert_not_reached ();
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

#define JOIN_A "[\"join-call\",{\"callId\":\"r\",\"peerId\":\"a\",\"name\":\"A\",\"resume\":\"secret-of-a-0123456\"}]"

/* Resuming a seat (docs/protocol.md): a lost connection's seat is held, a
 * stranger cannot take it, its owner takes it back with the secret and gets
 * who it knew, then what it missed in order; the others hear nothing; a live
 * old connection is replaced; a seat not taken back in time leaves. */
static void
test_resume (void)
{
  McCallServer *srv = start_server_full (6, 1500);
  guint port = mc_call_server_get_port (srv);
  g_autoptr (SoupSession) session = new_session ();
  RawClient *a = raw_connect (session, port), *b = raw_connect (session, port);
  RawClient *d = raw_connect (session, port), *stranger = raw_connect (session, port);
  RawClient *a2, *a3;
  guint mark, i_existing, i_ack, i_signal, i_joined;

  soup_websocket_connection_send_text (a->ws, "421" JOIN_A);
  expect_frame (a, "431[{\"ok\":true,\"peers\":[]}]", 0);
  soup_websocket_connection_send_text (b->ws, "42[\"join-call\",{\"callId\":\"r\",\"peerId\":\"b\",\"name\":\"B\"}]");
  expect_frame (a, "42[\"peer-joined\",{\"peerId\":\"b\"", 0);

  /* a's connection ends without a goodbye: the seat is held. */
  mark = b->frames->len;
  soup_websocket_connection_close (a->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  iterate_until (raw_is_closed, a, "a's websocket to close");
  /* A stranger without the secret, and one with a wrong secret: refused. */
  soup_websocket_connection_send_text (stranger->ws,
      "425[\"join-call\",{\"callId\":\"r\",\"peerId\":\"a\",\"name\":\"Eve\"}]");
  expect_frame (stranger, "435[{\"ok\":false,\"error\":\"duplicate-peer\"", 0);
  soup_websocket_connection_send_text (stranger->ws,
      "426[\"join-call\",{\"callId\":\"r\",\"peerId\":\"a\",\"name\":\"Eve\",\"resume\":\"guessed-secret-0000\"}]");
  expect_frame (stranger, "436[{\"ok\":false,\"error\":\"duplicate-peer\"", 0);
  soup_websocket_connection_send_text (stranger->ws,
      "427[\"join-call\",{\"callId\":\"r\",\"peerId\":\"x\",\"name\":\"X\",\"resume\":\"short\"}]");
  expect_frame (stranger, "437[{\"ok\":false,\"error\":\"malformed\"", 0);
  /* What happens meanwhile is kept for it: a signal, a newcomer. */
  soup_websocket_connection_send_text (b->ws,
      "423[\"webrtc-signal\",{\"targetPeerId\":\"a\",\"signal\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}]");
  expect_frame (b, "433[{\"ok\":true}]", 0);
  soup_websocket_connection_send_text (d->ws, "42[\"join-call\",{\"callId\":\"r\",\"peerId\":\"d\",\"name\":\"D\"}]");
  expect_frame (d, "42[\"existing-peers\",[{\"peerId\":\"a\",\"name\":\"A\"},{\"peerId\":\"b\"", 0);
  expect_frame (b, "42[\"peer-joined\",{\"peerId\":\"d\"", mark);

  /* The owner is back: the seat, who it knew, then what it missed. */
  a2 = raw_connect (session, port);
  soup_websocket_connection_send_text (a2->ws, "428" JOIN_A);
  i_existing = frame_index (a2, "42[\"existing-peers\",[{\"peerId\":\"b\",\"name\":\"B\"}]]", 0);
  i_ack = frame_index (a2, "438[{\"ok\":true,\"peers\":[{\"peerId\":\"b\",\"name\":\"B\"}],\"resumed\":true}]", 0);
  i_signal = frame_index (a2, "42[\"webrtc-signal\",{\"fromPeerId\":\"b\"", 0);
  i_joined = frame_index (a2, "42[\"peer-joined\",{\"peerId\":\"d\"", 0);
  g_assert_cmpuint (i_existing, <, i_ack);
  g_assert_cmpuint (i_ack, <, i_signal);
  g_assert_cmpuint (i_signal, <, i_joined);
  g_assert_cmpuint (mc_call_server_get_n_peers (srv), ==, 3);
  /* The others heard nothing: a signal from a2 to b arrives with no peer-left/joined for a before it. */
  soup_websocket_connection_send_text (a2->ws,
      "42[\"webrtc-signal\",{\"targetPeerId\":\"b\",\"signal\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}}]");
  expect_frame (b, "42[\"webrtc-signal\",{\"fromPeerId\":\"a\"", mark);
  assert_no_frame (b, "42[\"peer-left\"", mark);
  assert_no_frame (b, "42[\"peer-joined\",{\"peerId\":\"a\"", mark);
  assert_no_frame (d, "42[\"peer-left\"", 0);

  /* A newer connection of the owner replaces a live one. */
  a3 = raw_connect (session, port);
  soup_websocket_connection_send_text (a3->ws, "429" JOIN_A);
  expect_frame (a2, "42[\"call-error\",{\"code\":\"replaced\"", 0);
  iterate_until (raw_is_closed, a2, "the replaced connection to close");
  expect_frame (a3, "439[{\"ok\":true,\"peers\":[{\"peerId\":\"b\",\"name\":\"B\"},{\"peerId\":\"d\"", 0);
  g_assert_cmpuint (mc_call_server_get_n_peers (srv), ==, 3);
  assert_no_frame (b, "42[\"peer-left\"", mark);

  /* Gone for longer than the grace: the others hear peer-left. */
  soup_websocket_connection_close (a3->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  expect_frame (b, "42[\"peer-left\",{\"peerId\":\"a\"}]", mark);
  expect_frame (d, "42[\"peer-left\",{\"peerId\":\"a\"}]", 0);
  g_assert_cmpuint (mc_call_server_get_n_peers (srv), ==, 2);

  /* A seat with a secret that leaves with leave-call leaves at once. */
  {
    RawClient *a4 = raw_connect (session, port);
    guint mark_d = d->frames->len;
    soup_websocket_connection_send_text (a4->ws, "421" JOIN_A);
    expect_frame (d, "42[\"peer-joined\",{\"peerId\":\"a\"", mark_d);
    soup_websocket_connection_send_text (a4->ws, "422[\"leave-call\"]");
    expect_frame (d, "42[\"peer-left\",{\"peerId\":\"a\"}]", mark_d);
    raw_free (a4);
  }

  mc_call_server_free (srv);
  for (RawClient **c = (RawClient *[]) { a, b, d, stranger, a2, a3, NULL }; *c; c++)
    raw_free (*c);
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

/* The listener's refusals (http_listener.h), each path once under the
 * sanitizers: a body nobody takes, a polling body over max-payload (by its
 * length, and chunked), the header timeout, the per-address cap. */
static void
test_refusals (void)
{
  McCallServerConfig cfg;
  g_autoptr (GError) error = NULL;
  g_autoptr (McCallServer) srv = NULL;
  g_autoptr (SoupSession) session = new_session ();
  guint port, status;
  gint64 t0;

  mc_call_server_config_init (&cfg);
  cfg.address = "127.0.0.1";
  cfg.port = 0;
  cfg.max_payload = 1024;
  cfg.header_timeout_ms = 300;
  cfg.max_pending_per_address = 2;
  srv = mc_call_server_new (&cfg, &error);
  g_assert_no_error (error);
  port = mc_call_server_get_port (srv);

  g_autofree char *body = http (session, "POST", port, "/health", "x", &status);
  g_assert_cmpuint (status, ==, 413);
  g_assert_cmpstr (body, ==, "{\"error\":\"this endpoint takes no request body\"}");

  g_autofree char *open = http (session, "GET", port, "/socket.io/?EIO=4&transport=polling", NULL, &status);
  g_autofree char *sid = polling_sid (open);
  g_autofree char *path = g_strdup_printf ("/socket.io/?EIO=4&transport=polling&sid=%s", sid);
  g_autofree char *big = g_strnfill (2000, 'x');
  g_autofree char *refused = http (session, "POST", port, path, big, &status);
  g_assert_cmpuint (status, ==, 413);
  g_assert_cmpstr (refused, ==, "{\"code\":3,\"message\":\"Payload too large\"}");
  g_autofree char *gone = http (session, "GET", port, path, NULL, &status);
  g_assert_cmpstr (gone, ==, "{\"code\":1,\"message\":\"Session ID unknown\"}");

  /* Chunked, over max-payload in its second chunk. */
  g_autofree char *open2 = http (session, "GET", port, "/socket.io/?EIO=4&transport=polling", NULL, &status);
  g_autofree char *sid2 = polling_sid (open2);
  g_autofree char *chunked = g_strdup_printf ("POST /socket.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: x\r\n"
                                              "Transfer-Encoding: chunked\r\n\r\n300\r\n%s\r\n300\r\n%s\r\n",
                                              sid2, big + 2000 - 0x300, big + 2000 - 0x300);
  g_autofree char *answer = raw_answer (raw_tcp (port, chunked), "the chunked POST's answer");
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 413 "));
  g_assert_nonnull (strstr (answer, "\r\nConnection: close\r\n"));

  /* A head that never ends: 408 and closed after the header timeout. */
  t0 = g_get_monotonic_time ();
  g_autofree char *slow = raw_answer (raw_tcp (port, "GET /health HTTP/1.1\r\n"), "the header timeout");
  g_assert_true (g_str_has_prefix (slow, "HTTP/1.1 408 "));
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 300 * 1000);

  /* Two waiting from 127.0.0.1 at most: the third is refused at once. */
  GSocket *w1 = raw_tcp (port, NULL);
  GSocket *w2 = raw_tcp (port, NULL);
  g_autofree char *third = raw_answer (raw_tcp (port, NULL), "the third waiting connection's refusal");
  g_assert_true (g_str_has_prefix (third, "HTTP/1.1 503 "));
  g_autofree char *a1 = raw_answer (w1, "the first waiting connection's timeout");
  g_autofree char *a2 = raw_answer (w2, "the second waiting connection's timeout");
  g_assert_true (g_str_has_prefix (a1, "HTTP/1.1 408 "));
  g_assert_true (g_str_has_prefix (a2, "HTTP/1.1 408 "));

  g_autofree char *stats = http (session, "GET", port, "/stats", NULL, &status);
  g_assert_nonnull (strstr (stats, "\"timedOut\":3,\"refusedBusyAddress\":1,"));
  g_assert_nonnull (strstr (stats, "\"bodiesRefused\":3,"));
  g_clear_pointer (&srv, mc_call_server_free);
  g_clear_object (&session);
  drain ();
}

/* What mc_call_server_new refuses before it listens: each setting below its
 * minimum, named in the message; the defaults pass. */
static void
test_config_check (void)
{
  static const struct {
    const char *setting;
    const char *message;
  } cases[] = {
    { "max_participants", "max-participants must be at least 2" },
    { "max_calls", "max-calls and max-connections must be at least 1" },
    { "max_payload", "max-payload must be at least 1024 bytes" },
    { "ping_timeout_ms", "ping-interval and ping-timeout must be positive" },
    { "listen_backlog", "header-timeout, max-pending-per-address and listen-backlog must be positive" },
    { "tls_key_file", "TLS needs both a certificate file and a key file" },
    { "port", "port 65536 is out of range" },
  };
  McCallServerConfig cfg;

  mc_call_server_config_init (&cfg);
  g_assert_true (mc_call_server_config_check (&cfg, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    McCallServer *srv;

    mc_call_server_config_init (&cfg);
    if (g_str_equal (cases[i].setting, "max_participants"))
      cfg.max_participants = 1;
    else if (g_str_equal (cases[i].setting, "max_calls"))
      cfg.max_calls = 0;
    else if (g_str_equal (cases[i].setting, "max_payload"))
      cfg.max_payload = 1023;
    else if (g_str_equal (cases[i].setting, "ping_timeout_ms"))
      cfg.ping_timeout_ms = 0;
    else if (g_str_equal (cases[i].setting, "listen_backlog"))
      cfg.listen_backlog = 0;
    else if (g_str_equal (cases[i].setting, "tls_key_file"))
      cfg.tls_cert_file = "cert.pem";
    else
      cfg.port = 65536;
    g_assert_false (mc_call_server_config_check (&cfg, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, cases[i].message);
    g_clear_error (&error);
    /* The constructor refuses the same way, before it listens. */
    srv = mc_call_server_new (&cfg, &error);
    g_assert_null (srv);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, cases[i].message);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
  g_test_add_func ("/call-server/parse-listen", test_parse_listen);
  g_test_add_func ("/call-server/config-check", test_config_check);
  g_test_add_func ("/call-server/lifecycle", test_lifecycle);
  g_test_add_func ("/call-server/call-flow", test_call_flow);
  g_test_add_func ("/call-server/resume", test_resume);
  g_test_add_func ("/call-server/polling-and-http", test_polling_and_http);
  g_test_add_func ("/call-server/refusals", test_refusals);
  return g_test_run ();
}
